"""The tuidang auditor: re-derive a log from its entries and compare with what it serves.

:func:`audit_log` fetches the signed checkpoint, then walks the tree tile by tile from a
base URL or a directory (:class:`~tuidang.tlog.fetch.Source`, every read bounded). Hashes
come before rules: the partial tiles are checked against the signed root first, every
full tile against its (already verified) parent, every entry bundle against its verified
hash tile — and only then are its entries judged by the entry and tally rules. So a copy
that serves wrong bytes is blamed as the *source* (:class:`SourceError`), and only data
that hashes up to the signed root can make the *log* wrong (:class:`LogError`).

The tiles above level 0 are walked in this process (:class:`_Tree`, one tile a level in
memory, whatever size the checkpoint claims); the bundles are verified in ranges by
worker processes (ranges.py), each given the verified hash of each of its bundles, and
their results combined in log order — the same result and the same first error as one
process reading the log from the start.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from .checkpoint import Checkpoint, CheckpointError
from .entry import EntryError
from .failure import AuditError, InputError, LogError, SourceError
from .fetch import Source, fetch_bundle, fetch_tile
from .hashing import EMPTY_ROOT, leaf_hashes
from .note import NoteError, Verifier, open_note
from .policy import Policy, PolicyError
from .proof import ProofError, consistency_proof, tree_root, verify_consistency
from .ranges import Failure, source_failure, verify_bundles
from .revstate import RevocationState
from .tally import Tally
from .tiles import (
    HASH_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    MissingTileError,
    TileRef,
    node_reader_from_tiles,
    tile_root,
    tile_width,
)

__all__ = ["AuditError", "AuditResult", "InputError", "LogError", "Source", "SourceError",
           "audit_log"]


@dataclass(frozen=True)
class AuditResult:
    """A passed audit: the verified checkpoint and the recomputed tally."""

    checkpoint: Checkpoint
    tally: Tally
    previous: Checkpoint | None = None
    checker: RevocationState | None = None  # what the entries revoked (close() it)
    kept: dict[int, bytes] | None = None  # the verified entries asked for (``keep``)
    cosigners: tuple[str, ...] = ()  # the policy's witnesses that cosigned the checkpoint


def open_signed_checkpoint(signed: bytes, verifier: Verifier, origin: str,
                           policy: Policy | None = None
                           ) -> tuple[Checkpoint, Tally, tuple[str, ...]]:
    """The checkpoint, its claimed tally and the policy's cosigners, or the failure.

    A note without the log's signature is the source's doing; a note the log's key
    signed that breaks the format — another origin, a tally line missing, repeated or
    not the first extension line (docs/log-format.md) — is the log's.
    """
    try:
        note = open_note(signed, [verifier])
    except NoteError as e:
        raise SourceError("checkpoint", str(e)) from None
    try:
        cp = Checkpoint.from_text(note.text)
    except CheckpointError as e:
        raise LogError("checkpoint", f"signed but malformed: {e}") from None
    if cp.origin != origin:
        raise LogError("checkpoint", f"signed for origin {cp.origin!r}, expected {origin!r}")
    tallies = [i for i, ext in enumerate(cp.extensions) if ext.split(" ")[0] == "tally"]
    if not tallies:
        raise LogError("checkpoint", "no tally extension line")
    if len(tallies) > 1:
        raise LogError("checkpoint", f"{len(tallies)} tally lines, the format allows one")
    if tallies != [0]:
        raise LogError("checkpoint", "the tally line is not the first extension line")
    try:
        claimed = Tally.from_extension_line(cp.extensions[0])
    except EntryError as e:
        raise LogError("checkpoint", str(e)) from None
    try:
        cosigners = tuple(policy.check_quorum(signed)) if policy else ()
    except PolicyError as e:
        raise SourceError("checkpoint", str(e)) from None
    return cp, claimed, cosigners


class _Tree:
    """The hash tiles of a signed tree, each checked before it is used.

    The partial tiles (at most one a level) determine the root, so they are checked
    against the signed root at once; a full tile is checked against its parent's hash
    when first needed, the parent first. One full tile a level is kept.
    """

    def __init__(self, source: Source, cp: Checkpoint) -> None:
        self.source, self.cp, self.size = source, cp, cp.size
        self.partial: dict[int, tuple[int, bytes]] = {}
        self.current: dict[int, tuple[int, bytes]] = {}
        level = 0
        while self.size >> (TILE_HEIGHT * level):
            count = self.size >> (TILE_HEIGHT * level)
            if count % TILE_WIDTH:
                ref = TileRef(level, count // TILE_WIDTH, count % TILE_WIDTH)
                self.partial[level] = (ref.index, fetch_tile(source, ref))
            level += 1
        if self._root() != cp.root_hash:
            raise self._blame_root()

    def _root(self) -> bytes:
        def read(level: int, index: int) -> bytes | None:
            found = self.partial.get(level)
            return found[1] if found and found[0] == index else None

        return tree_root(self.size, node_reader_from_tiles(read)) if self.size else EMPTY_ROOT

    def _blame_root(self) -> SourceError:
        """Name the partial tile that disagrees with what lies below it, if any."""
        for level, (index, data) in sorted(self.partial.items()):
            ref = TileRef(level, index, len(data) // HASH_SIZE)
            if level == 0:
                below = leaf_hashes(fetch_bundle(self.source,
                                                 TileRef(0, index, ref.width, True)))
            else:
                below = b"".join(tile_root(fetch_tile(self.source, TileRef(
                    level - 1, index * TILE_WIDTH + i, TILE_WIDTH))) for i in range(ref.width))
            if below != data:
                return SourceError(ref.path(), "does not match the tiles or entries below it")
        return SourceError("checkpoint", "the tiles do not match the signed root hash")

    def tile(self, level: int, index: int) -> bytes:
        """Hash tile (level, index), verified; fetched at most once while it is current."""
        found = self.partial.get(level)
        if found and found[0] == index:
            return found[1]
        found = self.current.get(level)
        if found and found[0] == index:
            return found[1]
        if tile_width(self.size, level, index) != TILE_WIDTH:
            raise MissingTileError(level, index, TILE_WIDTH)
        parent = self.tile(level + 1, index // TILE_WIDTH)
        ref = TileRef(level, index, TILE_WIDTH)
        data = fetch_tile(self.source, ref)
        offset = (index % TILE_WIDTH) * HASH_SIZE
        if tile_root(data) != parent[offset:offset + HASH_SIZE]:
            raise SourceError(ref.path(), "does not match the verified tiles above it")
        self.current[level] = (index, data)
        return data


    def expect(self, first: int, last: int) -> tuple[bytes, Failure | None]:
        """The verified hashes of bundles ``first`` to ``last`` (ranges.Expect): the
        root of each full level-0 tile, read from its verified parent, then the partial
        level-0 tile; up to the first tile that fails."""
        hashes = bytearray()
        for b in range(first, last):
            try:
                if tile_width(self.size, 0, b) == TILE_WIDTH:
                    offset = (b % TILE_WIDTH) * HASH_SIZE
                    hashes += self.tile(1, b // TILE_WIDTH)[offset:offset + HASH_SIZE]
                else:
                    hashes += self.tile(0, b)
            except SourceError as e:
                return bytes(hashes), source_failure(b, e)
        return bytes(hashes), None


def audit_log(source: Source, verifier: Verifier, origin: str | None = None,
              prev: tuple[str, bytes] | None = None,
              progress: Callable[[int], None] | None = None,
              keep: Collection[int] = (), policy: Policy | None = None,
              jobs: int | None = None, state_dir: str | None = None) -> AuditResult:
    """Audit the whole log; return AuditResult or raise AuditError naming the bad file.

    ``origin`` defaults to the verifier key's name. ``prev`` is ``(name, signed
    checkpoint bytes)`` of an older checkpoint to check consistency with;
    ``progress(n)`` is called after each n entries are processed; the entries at the
    indices in ``keep`` are returned once their hashes are verified. With ``policy``
    (tlog-policy) the checkpoint must carry its quorum's cosignatures. The bundles are
    verified by ``jobs`` processes (all cores by default; ranges.py), which keep what
    revocations are checked against in files under ``state_dir`` (a temporary
    directory; revstate.py) until the result's ``checker`` is closed.
    """
    cp, claimed, cosigners = open_signed_checkpoint(
        source.fetch("checkpoint"), verifier, verifier.name if origin is None else origin,
        policy)
    tree = _Tree(source, cp)
    verified = verify_bundles(source, cp.size, tree.expect, jobs=jobs, progress=progress,
                              keep=sorted(keep), state_dir=state_dir)
    try:
        if verified.failure is not None:
            raise verified.failure.error()
        if claimed.totals() != verified.tally.totals():
            raise LogError("checkpoint", f"tally line does not match the entries: "
                           f"computed {verified.tally.extension_line()!r}")
        previous = _check_prev(verifier, tree, prev) if prev else None
    except AuditError:
        verified.state.close()
        raise
    return AuditResult(cp, verified.tally, previous, verified.state, verified.kept,
                       cosigners)


def _check_prev(verifier: Verifier, tree: _Tree, prev: tuple[str, bytes]) -> Checkpoint:
    """The older checkpoint, proven a prefix of the audited tree from verified tiles."""
    name, data = prev
    cp = tree.cp
    try:
        old = Checkpoint.from_text(open_note(data, [verifier]).text)
    except NoteError as e:
        raise InputError(name, str(e)) from None
    if old.origin != cp.origin:
        raise InputError(name, f"checkpoint of origin {old.origin!r}, not {cp.origin!r}")

    if old.size > cp.size:  # a copy may serve an old checkpoint: nothing against the log
        raise SourceError("checkpoint", f"size {cp.size} is older than {name}'s {old.size}: "
                          "the copy is stale or rolled back")

    def read(level: int, index: int) -> bytes | None:
        return tree.tile(level, index) if tile_width(cp.size, level, index) else None

    try:
        if old.size == 0 or old.size == cp.size:
            proof: list[bytes] = []
            if old.size == 0 and old.root_hash != EMPTY_ROOT:
                raise ProofError("size 0 with a non-empty root")
        else:
            proof = consistency_proof(old.size, cp.size, node_reader_from_tiles(read))
        if old.size:
            verify_consistency(old.size, cp.size, proof, old.root_hash, cp.root_hash)
    except (ProofError, MissingTileError) as e:
        raise LogError(name, f"not consistent with checkpoint (size {old.size} -> "
                       f"{cp.size}): {e}") from None
    return old
