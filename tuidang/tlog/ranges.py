"""The auditor's inner loop: entry bundles verified in ranges, on every core.

The log's bundles are split into ranges of consecutive bundles. Each range is verified
by :func:`verify_range` — in a worker process of a ``spawn`` pool, or in this process
when there is one range or one job — which fetches each bundle and its level-0 hash
tile, parses every entry strictly, hashes the leaves and compares them with the tile,
and returns the range's partial tally, the roots of its full level-0 tiles (the level-1
hashes) and its revocations. :func:`verify_bundles` takes the ranges back in log order
and checks what crosses ranges: each revocation against the declaration it names (in
:class:`~.revstate.RevocationState`, on disk) and the number of distinct channels. An
error is reported as the first one in log order, the same as one process reading the
log from the start would meet: (bundle, step, entry) orders them, where the step is 0
for reading the bundle, 1 for an entry and 2 for its hash tile. At most two ranges a
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .bundle import decode_bundle
from .entry import (
    DeclarationEntry,
    DeclarationKey,
    EntryError,
    RevocationEntry,
    declaration_keys,
    key_organizations,
    parse_entry,
)
from .hashing import leaf_hashes
from .revstate import MAX_CHANNELS, RevocationState, pack_record, people_path
from .tally import Delta, Tally
from .tiles import HASH_SIZE, TILE_WIDTH, TileRef, tile_root

__all__ = ["RANGE_BUNDLES", "Failure", "Verified", "verify_bundles", "verify_range"]

RANGE_BUNDLES = 1024  # bundles a range: 262,144 entries
_CACHE = 65536  # distinct (day, channel, organizations) kept parsed; a bound, not a need
_MASK = {b"party": 1, b"league": 2, b"pioneers": 4, b"party,league": 3,
         b"party,pioneers": 5, b"league,pioneers": 6, b"party,league,pioneers": 7}

Key = tuple[int, int, int, int]  # (bundle, step, entry, order): where an error happened


@dataclass(frozen=True)
class Failure:
    """The first error of a range: where, the file to blame and why; with ``stored``
    (the hash tile) when the bundle's leaf hashes differ from its tile."""

    key: Key
    path: str
    message: str
    stored: bytes | None = None


@dataclass(frozen=True)
class Task:
    """A range of bundles ``first`` to ``last`` (excluded) of a log of ``size`` entries."""

    source: object  # has fetch(path) -> bytes, raising AuditError
    state: str  # the RevocationState's directory
    size: int
    first: int
    last: int
    keep: tuple[int, ...] = ()


@dataclass
class RangeResult:
    """What a verified range gives back (up to its first error, if any)."""

    first: int
    tally: Tally = field(default_factory=Tally)
    roots: bytes = b""  # the root of each full level-0 tile, in order
    last0: tuple[int, bytes] | None = None  # the partial level-0 tile, recomputed
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


def verify_range(task: Task, progress: Callable[[int], None] | None = None) -> RangeResult:
    """Verify the bundles of ``task`` and write their records to the revocation state."""
    from .audit import AuditError, _fetch_tile  # the auditor's errors and tile fetching

    r = _Range(task)
    result = r.result
    size, source = task.size, task.source
    records = os.open(os.path.join(task.state, "records"), os.O_WRONLY)
    starts = os.open(os.path.join(task.state, "starts"), os.O_WRONLY)
    roots = bytearray()
    try:
        with open(people_path(task.state, task.first), "wb") as people:
            for b in range(task.first, task.last):
                bref = _bundle(size, b)
                bpath, base = bref.path(), b * TILE_WIDTH
                try:
                    entries = decode_bundle(source.fetch(bpath))  # type: ignore[attr-defined]
                    if len(entries) != bref.width:
                        raise ValueError(f"{len(entries)} entries, expected {bref.width}")
                except AuditError as e:
                    result.failure = Failure((b, 0, 0, 0), e.path, e.message)
                    break
                except ValueError as e:
                    result.failure = Failure((b, 0, 0, 0), bpath, str(e))
                    break
                os.pwrite(starts, people.tell().to_bytes(8, sys.byteorder), b * 8)
                found, error, at = r.read(entries, base)
                os.pwrite(records, array("Q", [f[0] for f in found]).tobytes(), base * 8)
                people.write(b"".join([f[1] for f in found]))
                if error is not None:
                    result.failure = Failure((b, 1, at, 1), bpath, f"entry {at}: {error}")
                    break
                hashes = leaf_hashes(entries)
                tref = TileRef(0, b, bref.width)
                try:
                    stored = _fetch_tile(source, tref)  # type: ignore[arg-type]
                except AuditError as e:
                    result.failure = Failure((b, 2, 0, 0), e.path, e.message)
                    break
                if stored != hashes:
                    result.failure = Failure((b, 2, 0, 0), tref.path(), "", stored)
                    break
                for i in task.keep[bisect_left(task.keep, base):]:
                    if i >= base + bref.width:
                        break
                    result.kept[i] = entries[i - base]
                if bref.width == TILE_WIDTH:
                    roots += tile_root(hashes)
                else:
                    result.last0 = (b, hashes)
                if progress is not None:
                    progress(bref.width)
    finally:
        os.close(records)
        os.close(starts)
    r.tally_declarations()
    result.roots = bytes(roots)
    return result


@dataclass
class Verified:
    """All bundles of a log, verified (or the first failure)."""

    tally: Tally
    state: RevocationState
    level1: bytes  # the level-1 hashes recomputed from the full level-0 tiles
    last0: tuple[int, bytes] | None
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


def verify_bundles(source: object, size: int, *, jobs: int | None = None,
                   progress: Callable[[int], None] | None = None,
                   keep: Sequence[int] = (), range_bundles: int | None = None,
                   state_dir: str | None = None) -> Verified:
    """Verify every entry bundle of a log of ``size`` entries, in ``jobs`` processes (all
    cores by default) taking ``range_bundles`` bundles at a time (RANGE_BUNDLES); the
    ranges' results are combined in log order."""
    range_bundles = range_bundles or RANGE_BUNDLES
    bundles = -(-size // TILE_WIDTH)
    bounds = [(f, min(f + range_bundles, bundles)) for f in range(0, bundles, range_bundles)]
    jobs = min(jobs or os.cpu_count() or 1, len(bounds))
    state = RevocationState(size, state_dir)
    keep = tuple(sorted(keep))
    tasks = (Task(source, state.path, size, f, last,
                  keep[bisect_left(keep, f * TILE_WIDTH):
                       bisect_left(keep, last * TILE_WIDTH)]) for f, last in bounds)
    verified = Verified(Tally(), state, b"", None, {})
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
    level1 = bytearray()
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
        level1 += res.roots
        verified.last0 = res.last0 or verified.last0
        verified.kept.update(res.kept)
    verified.level1 = bytes(level1)
    assert len(verified.level1) % HASH_SIZE == 0


def _entry_failure(size: int, index: int, message: str, order: int = 1) -> Failure:
    b = index // TILE_WIDTH
    return Failure((b, 1, index, order), _bundle(size, b).path(), f"entry {index}: {message}")
