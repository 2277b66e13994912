"""The auditor's inner loop: entry bundles verified in ranges, on every core.

The log's bundles are split into ranges of consecutive bundles. Each range is verified
by :func:`verify_range` — in a worker process of a ``spawn`` pool, or in this process
when there is one range or one job. The auditor's process walks the hash tiles above
level 0 (audit.py's ``_Tree``) and gives each range the verified hash of each of its
bundles: the root of its level-0 tile, or the verified partial level-0 tile itself.
Hashes come before rules: a worker fetches the level-0 tile and checks it against that
hash, fetches the bundle and compares its leaf hashes with the tile, and only then
parses its entries strictly. It returns the range's partial tally and its revocations.
Workers read through the same bounded :class:`~.fetch.Source` (its deadline is a
system-wide monotonic time, so the run's deadline holds in every process).
:func:`verify_bundles` takes the ranges back in log order
and checks what crosses ranges: each revocation against the declaration it names (in
:class:`~.revstate.RevocationState`, on disk) and the number of distinct channels. An
error is reported as the first one in log order, the same as one process reading the
log from the start would meet: (bundle, step, entry) orders them, where the step is 0
for the bundle's hashes (its tiles, its bytes: the source's fault) and 1 for an entry
(the log's). A range whose verified hashes ran out (a tile above level 0 failed) stops
before that bundle and carries that failure. At most two ranges a
worker are under way at once, so memory does not grow with the log.
"""

from __future__ import annotations

import datetime
import multiprocessing
import os
import sys
from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from .entry import (
    DeclarationEntry,
    DeclarationKey,
    EntryError,
    RevocationEntry,
    declaration_keys,
    key_organizations,
    parse_entry,
)
from .failure import AuditError, InputError, LogError, SourceError
from .fetch import fetch_bundle, fetch_tile
from .hashing import leaf_hashes
from .revstate import MAX_CHANNELS, RevocationState, pack_record, people_path
from .tally import Delta, Tally
from .tiles import HASH_SIZE, TILE_WIDTH, TileRef, tile_root

__all__ = ["RANGE_BUNDLES", "Expect", "Failure", "Verified", "verify_bundles", "verify_range"]

RANGE_BUNDLES = 1024  # bundles a range: 262,144 entries
_CACHE = 65536  # distinct (day, channel, organizations) kept parsed; a bound, not a need
_MASK = {b"party": 1, b"league": 2, b"pioneers": 4, b"party,league": 3,
         b"party,pioneers": 5, b"league,pioneers": 6, b"party,league,pioneers": 7}

Key = tuple[int, int, int, int]  # (bundle, step, entry, order): where an error happened


@dataclass(frozen=True)
class Failure:
    """The first error of a range: where, the file to blame, why and whose fault."""

    key: Key
    path: str
    message: str
    kind: type[AuditError] = LogError

    def error(self) -> AuditError:
        """The error the auditor raises."""
        return self.kind(self.path, self.message)


def source_failure(bundle: int, e: AuditError) -> Failure:
    """A failure of the source met while reading the hashes of ``bundle`` or the bundle."""
    return Failure((bundle, 0, 0, 0), e.path, e.message, SourceError)


# The verified hashes of bundles first..last: the root of each full level-0 tile (32
# bytes), then the partial level-0 tile if the range ends with it; and the failure that
# stopped them early (they then cover fewer bundles), or None.
Expect = Callable[[int, int], tuple[bytes, "Failure | None"]]


@dataclass(frozen=True)
class Task:
    """A range of bundles ``first`` to ``last`` (excluded) of a log of ``size`` entries."""

    source: object  # a fetch.Source: fetch(path) -> bytes, bounded, raising SourceError
    state: str  # the RevocationState's directory
    size: int
    first: int
    last: int
    keep: tuple[int, ...] = ()
    hashes: bytes = b""  # the verified hashes of the bundles (Expect)
    failure: Failure | None = None  # met before bundle ``last`` could be verified


@dataclass
class RangeResult:
    """What a verified range gives back (up to its first error, if any)."""

    first: int
    tally: Tally = field(default_factory=Tally)
    revocations: list[tuple[int, RevocationEntry]] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)  # in order of first appearance
    firsts: list[int] = field(default_factory=list)  # the index where each first appears
    kept: dict[int, bytes] = field(default_factory=dict)
    failure: Failure | None = None


def _bundle(size: int, b: int) -> TileRef:
    return TileRef(0, b, min(TILE_WIDTH, size - b * TILE_WIDTH), True)


class _Range:
    """The state of one range under verification."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.result = RangeResult(task.first)
        self.channels: dict[str, int] = {}
        # Per kind of declaration (day, channel, organizations of each person): its
        # record, its persons' organizations and how many were met (not yet tallied).
        self.parsed: dict[DeclarationKey, list] = {}

    def channel(self, name: str, index: int) -> int:
        number = self.channels.get(name)
        if number is None:
            number = len(self.channels)
            if number >= MAX_CHANNELS:
                raise EntryError("too many distinct channels")
            self.channels[name] = number
            self.result.channels.append(name)
            self.result.firsts.append(index)
        return number

    def declaration(self, key: DeclarationKey, index: int) -> list | None:
        """(record, persons' organizations) of a declaration matched by the fast path;
        None if its date is no real day (parse_entry then names the fault)."""
        try:
            day = datetime.date.fromisoformat(key[0].decode())  # type: ignore[union-attr]
        except ValueError:
            return None
        masks = bytes(_MASK[orgs] for orgs in key_organizations(key))
        channel = self.channel(key[1].decode(), index)  # type: ignore[union-attr]
        found = [pack_record(day.toordinal(), channel, len(masks)), masks, 0]
        self.parsed[key] = found
        return found

    def entry(self, raw: bytes, index: int) -> list:
        """(record, persons' organizations) of an entry the fast path did not take."""
        e = parse_entry(raw)
        channel = self.channel(e.channel, index)
        self.result.tally.apply(e)
        if isinstance(e, DeclarationEntry):
            masks = bytes(_MASK[",".join(p.organizations).encode()] for p in e.persons)
            return [pack_record(e.date.toordinal(), channel, len(masks)), masks, 0]
        self.result.revocations.append((index, e))
        return [pack_record(0, channel, 0), b"", 0]

    def read(self, entries: list[bytes], base: int) -> tuple[list, EntryError | None, int]:
        """``[record, persons' organizations, count]`` of each entry of a bundle, up to
        the first that breaks a rule, then with its error and index. The bundle is read
        at once; only the entries of a kind not met before take a step of their own."""
        if len(self.parsed) >= _CACHE:  # between bundles: the lists below stay counted
            self.tally_declarations()
        keys = declaration_keys(entries)
        found = list(map(self.parsed.get, keys))  # None is no key: None for no match
        for k in [k for k, f in enumerate(found) if f is None]:  # in log order
            key = keys[k]
            try:
                found[k] = ((key is not None and (self.parsed.get(key)
                                                  or self.declaration(key, base + k)))
                            or self.entry(entries[k], base + k))
            except EntryError as e:
                return found[:k], e, base + k
        for f in found:
            f[2] += 1  # counted: tallied by kind (revocations are tallied one by one)
        return found, None, 0

    def tally_declarations(self) -> None:
        """Add the declarations met to the tally, each kind at once; forget the kinds."""
        for key, (_, _, n) in self.parsed.items():
            if not n:
                continue
            masks = [_MASK[o] for o in key_organizations(key)]
            self.result.tally.apply_delta(Delta(
                datetime.date.fromisoformat(key[0].decode()),  # type: ignore[union-attr]
                key[1].decode(), 1, len(masks),  # type: ignore[union-attr]
                *(sum(m >> bit & 1 for m in masks) for bit in range(3))), times=n)
        self.parsed.clear()  # the same dict: verify_range holds it


def _verified_entries(task: Task, b: int, bref: TileRef) -> list[bytes]:
    """The entries of bundle ``b``, their leaf hashes checked against its level-0 tile,
    which is checked against the bundle's verified hash first; SourceError if not."""
    source = task.source
    offset = (b - task.first) * HASH_SIZE
    if bref.width == TILE_WIDTH:
        tref = TileRef(0, b, TILE_WIDTH)
        tile = fetch_tile(source, tref)  # type: ignore[arg-type]
        if tile_root(tile) != task.hashes[offset:offset + HASH_SIZE]:
            raise SourceError(tref.path(), "does not match the verified tiles above it")
    else:  # the partial level-0 tile, verified against the signed root
        tref, tile = TileRef(0, b, bref.width), task.hashes[offset:]
    entries = fetch_bundle(source, bref)  # type: ignore[arg-type]
    if leaf_hashes(entries) != tile:
        raise SourceError(bref.path(), f"the bundle does not match the tiles "
                          f"({tref.path()} and above)")
    return entries


def verify_range(task: Task, progress: Callable[[int], None] | None = None) -> RangeResult:
    """Verify the bundles of ``task`` and write their records to the revocation state."""
    r = _Range(task)
    result = r.result
    records = os.open(os.path.join(task.state, "records"), os.O_WRONLY)
    starts = os.open(os.path.join(task.state, "starts"), os.O_WRONLY)
    try:
        with open(people_path(task.state, task.first), "wb") as people:
            for b in range(task.first, task.last):
                bref = _bundle(task.size, b)
                bpath, base = bref.path(), b * TILE_WIDTH
                try:
                    entries = _verified_entries(task, b, bref)
                except SourceError as e:
                    result.failure = source_failure(b, e)
                    break
                os.pwrite(starts, people.tell().to_bytes(8, sys.byteorder), b * 8)
                found, error, at = r.read(entries, base)  # only verified entries are judged
                os.pwrite(records, array("Q", [f[0] for f in found]).tobytes(), base * 8)
                people.write(b"".join([f[1] for f in found]))
                if error is not None:
                    result.failure = Failure((b, 1, at, 1), bpath, f"entry {at}: {error}")
                    break
                for i in task.keep[bisect_left(task.keep, base):]:
                    if i >= base + bref.width:
                        break
                    result.kept[i] = entries[i - base]
                if progress is not None:
                    progress(bref.width)
            else:
                result.failure = task.failure
    finally:
        os.close(records)
        os.close(starts)
    r.tally_declarations()
    return result


@dataclass
class Verified:
    """All bundles of a log, verified (or the first failure)."""

    tally: Tally
    state: RevocationState
    kept: dict[int, bytes]
    failure: Failure | None = None


_counter = None  # a worker's count of entries verified, shared with the auditor


def _start_worker(counter: object) -> None:
    global _counter
    _counter = counter


def _count(n: int) -> None:
    with _counter.get_lock():  # type: ignore[union-attr]
        _counter.value += n  # type: ignore[union-attr]


def _work(task: Task) -> RangeResult:
    return verify_range(task, _count)


def _tasks(source: object, state: str, size: int, bounds: Iterable[tuple[int, int]],
           keep: tuple[int, ...], expect: Expect) -> Iterator[Task]:
    """The ranges with their verified hashes, asked for as each range is handed out;
    none after a range whose hashes ran out."""
    for first, last in bounds:
        hashes, failure = expect(first, last)
        if failure is not None:
            last = failure.key[0]
        yield Task(source, state, size, first, last,
                   keep[bisect_left(keep, first * TILE_WIDTH):
                        bisect_left(keep, last * TILE_WIDTH)], hashes, failure)
        if failure is not None:
            return


def verify_bundles(source: object, size: int, expect: Expect, *, jobs: int | None = None,
                   progress: Callable[[int], None] | None = None,
                   keep: Sequence[int] = (), range_bundles: int | None = None,
                   state_dir: str | None = None) -> Verified:
    """Verify every entry bundle of a log of ``size`` entries against the hashes
    ``expect`` gives, in ``jobs`` processes (all cores by default) taking
    ``range_bundles`` bundles at a time (RANGE_BUNDLES); the ranges' results are
    combined in log order."""
    range_bundles = range_bundles or RANGE_BUNDLES
    bundles = -(-size // TILE_WIDTH)
    bounds = ((f, min(f + range_bundles, bundles)) for f in range(0, bundles, range_bundles))
    jobs = min(jobs or os.cpu_count() or 1, -(-bundles // range_bundles))
    try:
        state = RevocationState(size, state_dir)
    except OSError as e:  # no room for the (sparse) files: the auditor's own disk
        raise InputError(state_dir or "TMPDIR", f"cannot hold the revocation state of "
                         f"{size} entries: {e.strerror}") from None
    tasks = _tasks(source, state.path, size, bounds, tuple(sorted(keep)), expect)
    verified = Verified(Tally(), state, {})
    if jobs <= 1:
        _combine(verified, (verify_range(t, progress) for t in tasks))
        return verified
    counter = multiprocessing.get_context("spawn").Value("q", 0)
    with multiprocessing.get_context("spawn").Pool(
            jobs, initializer=_start_worker, initargs=(counter,)) as pool:
        _combine(verified, _in_order(pool, tasks, 2 * jobs, counter, progress))
        pool.terminate()
    return verified


def _in_order(pool: object, tasks: object, ahead: int, counter: object,
              progress: Callable[[int], None] | None):
    """The workers' results in order, with at most ``ahead`` ranges under way."""
    pending: deque = deque()
    reported = 0
    for task in tasks:  # type: ignore[attr-defined]
        pending.append(pool.apply_async(_work, (task,)))  # type: ignore[attr-defined]
        while len(pending) >= ahead or (pending and pending[0].ready()):
            reported = _wait(pending[0], counter, progress, reported)
            yield pending.popleft().get()
    while pending:
        reported = _wait(pending[0], counter, progress, reported)
        yield pending.popleft().get()


def _wait(result: object, counter: object, progress: Callable[[int], None] | None,
          reported: int) -> int:
    while True:
        result.wait(0.25)  # type: ignore[attr-defined]
        if progress is not None:
            done = counter.value  # type: ignore[attr-defined]
            if done > reported:
                progress(done - reported)
                reported = done
        if result.ready():  # type: ignore[attr-defined]
            return reported


def _combine(verified: Verified, results: object) -> None:
    """Take the ranges' results in log order; stop at the first failure in log order."""
    seen: set[str] = set()
    size = verified.state.size
    for res in results:  # type: ignore[attr-defined]
        verified.state.add_range(res.first, res.channels)
        failures = [res.failure] if res.failure else []
        for name, index in zip(res.channels, res.firsts, strict=True):
            seen.add(name)
            if len(seen) > MAX_CHANNELS:
                failures.append(_entry_failure(size, index, "too many distinct channels"))
                break
        for index, revocation in res.revocations:
            try:
                verified.state.check(revocation, index)
            except EntryError as e:
                failures.append(_entry_failure(size, index, str(e), order=0))
                break
        if failures:
            verified.failure = min(failures, key=lambda f: f.key)
            return
        verified.tally.merge(res.tally)
        verified.kept.update(res.kept)


def _entry_failure(size: int, index: int, message: str, order: int = 1) -> Failure:
    b = index // TILE_WIDTH
    return Failure((b, 1, index, order), _bundle(size, b).path(), f"entry {index}: {message}")
