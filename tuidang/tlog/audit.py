"""The tuidang auditor: re-derive a log from its entries and compare with what it serves.

:func:`audit_log` fetches the signed checkpoint and every tile from a base URL or a
directory, recomputes each hash tile from the entry bundles (level 0) or the full tiles
below (higher levels), recomputes the root, re-applies the tally rule to every entry and
compares with the checkpoint's ``tally`` line; with an older checkpoint it also checks
consistency. It streams tile by tile, so memory is small even for 10 million entries.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from .bundle import gunzip
from .checkpoint import Checkpoint, open_checkpoint
from .entry import EntryError
from .hashing import EMPTY_ROOT
from .note import NoteError, Verifier
from .policy import Policy, PolicyError
from .proof import ProofError, consistency_proof, tree_root, verify_consistency
from .ranges import verify_bundles
from .revstate import RevocationState
from .tally import Tally
from .tiles import (
    HASH_SIZE,
    TILE_WIDTH,
    TileRef,
    node_reader_from_tiles,
    tile_root,
    tile_width,
    tiles_for_size,
)

__all__ = ["AuditError", "AuditResult", "Source", "audit_log"]

_FULL = TILE_WIDTH * HASH_SIZE


class AuditError(Exception):
    """The audit failed; ``path`` names the first bad (or missing) file."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class Source:
    """Where the log is read from: a base URL (http/https) or a local directory."""

    def __init__(self, location: str, timeout: float = 60.0) -> None:
        """``location`` is e.g. ``https://tuidang.example/log/`` or ``/srv/log``."""
        self.is_url = location.startswith(("http://", "https://"))
        self.location = location if not self.is_url or location.endswith("/") else location + "/"
        self.timeout = timeout

    def fetch(self, path: str) -> bytes:
        """Return the file at ``path`` (e.g. ``tile/0/000``); AuditError if missing.

        In a directory, a tile missing as ``path`` but present as ``path.gz`` (the copy
        nginx serves with ``gzip_static``, ``log_export --gzip-bundles``) is read
        gunzipped. Over HTTP, a gzip-encoded answer (``Accept-Encoding: gzip``) likewise.
        """
        if not self.is_url:
            try:
                return Path(self.location, path).read_bytes()
            except FileNotFoundError:
                if not path.startswith("tile/"):
                    raise AuditError(path, "missing") from None
            except OSError as e:
                raise AuditError(path, f"unreadable: {e}") from None
            try:
                return _gunzip(path, Path(self.location, path + ".gz").read_bytes())
            except FileNotFoundError:
                raise AuditError(path, "missing") from None
            except OSError as e:
                raise AuditError(path, f"unreadable: {e}") from None
        # Only http(s) URLs reach this point (checked in __init__).
        req = urllib.request.Request(self.location + path,  # noqa: S310
                                     headers={"User-Agent": "tuidang-audit",
                                              "Accept-Encoding": "gzip"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                encoding = resp.headers.get("Content-Encoding", "identity").strip().lower()
                data = resp.read()
        except urllib.error.HTTPError as e:
            raise AuditError(path, "missing" if e.code == 404 else f"HTTP {e.code}") from None
        except (urllib.error.URLError, OSError) as e:
            raise AuditError(path, f"fetch failed: {e}") from None
        if encoding in ("gzip", "x-gzip"):
            return _gunzip(path, data)
        if encoding not in ("", "identity"):
            raise AuditError(path, f"unsupported Content-Encoding {encoding!r}")
        return data


def _gunzip(path: str, data: bytes) -> bytes:
    try:
        return gunzip(data)
    except ValueError as e:
        raise AuditError(path, str(e)) from None


@dataclass(frozen=True)
class AuditResult:
    """A passed audit: the verified checkpoint and the recomputed tally."""

    checkpoint: Checkpoint
    tally: Tally
    previous: Checkpoint | None = None
    checker: RevocationState | None = None  # what the entries revoked
    kept: dict[int, bytes] | None = None  # the verified entries asked for (``keep``)
    cosigners: tuple[str, ...] = ()  # the policy's witnesses that cosigned the checkpoint


def _fetch_tile(source: Source, ref: TileRef) -> bytes:
    data = source.fetch(ref.path())
    if len(data) != ref.width * HASH_SIZE:
        raise AuditError(ref.path(), f"{len(data)} bytes, expected {ref.width * HASH_SIZE}")
    return data


def audit_log(source: Source, verifier: Verifier, origin: str | None = None,
              prev: tuple[str, bytes] | None = None,
              progress: Callable[[int], None] | None = None,
              keep: Collection[int] = (), policy: Policy | None = None,
              jobs: int | None = None, state_dir: str | None = None) -> AuditResult:
    """Audit the whole log; return AuditResult or raise AuditError naming the bad file.

    ``prev`` is ``(name, signed checkpoint bytes)`` of an older checkpoint to check
    consistency with; ``progress(n)`` is called after each n entries are processed;
    the entries at the indices in ``keep`` are returned once their hashes are verified.
    with ``policy`` (tlog-policy) the checkpoint must carry its quorum's cosignatures.
    The bundles are verified by ``jobs`` processes (all cores by default; ranges.py),
    which keep what revocations are checked against in files under ``state_dir`` (a
    temporary directory; revstate.py) until the result's ``checker`` is closed.
    """
    signed = source.fetch("checkpoint")
    try:
        cp, _ = open_checkpoint(signed, verifier, origin)
        cosigners = tuple(policy.check_quorum(signed)) if policy else ()
    except (NoteError, PolicyError) as e:
        raise AuditError("checkpoint", str(e)) from None
    line = cp.extension("tally")
    if line is None:
        raise AuditError("checkpoint", "no tally extension line")
    try:
        claimed = Tally.from_extension_line(line)
    except EntryError as e:
        raise AuditError("checkpoint", str(e)) from None
    size = cp.size
    refs = tiles_for_size(size)
    upper = {(r.level, r.index): _fetch_tile(source, r) for r in refs if r.level > 0}
    verified = verify_bundles(source, size, jobs=jobs, progress=progress,
                              keep=sorted(keep), state_dir=state_dir)
    failure = verified.failure
    if failure is not None:
        verified.state.close()
        if failure.stored is None:
            raise AuditError(failure.path, failure.message)
        b = failure.key[0]
        tref = TileRef(0, b, tile_width(size, 0, b))
        raise _blame_level0(TileRef(0, b, tref.width, True), tref, failure.stored, upper, cp)
    computed, last0 = bytearray(verified.level1), verified.last0
    level = 1
    while computed:
        nxt = bytearray()
        for r in (r for r in refs if r.level == level):
            stored = upper[(level, r.index)]
            if stored != computed[r.index * _FULL:r.index * _FULL + r.width * HASH_SIZE]:
                raise AuditError(r.path(), "hash mismatch with the tiles below")
            if r.width == TILE_WIDTH:
                nxt += tile_root(stored)
        computed, level = nxt, level + 1
    if _root(size, upper, last0) != cp.root_hash:
        raise AuditError("checkpoint", "root hash does not match the tiles")
    tally = verified.tally
    if claimed.totals() != tally.totals():
        raise AuditError("checkpoint", f"tally line does not match the entries: "
                         f"computed {tally.extension_line()!r}")
    previous = _check_prev(source, verifier, cp, prev, upper) if prev else None
    return AuditResult(cp, tally, previous, verified.state, verified.kept, cosigners)


def _root(size: int, upper: dict[tuple[int, int], bytes],
          last0: tuple[int, bytes] | None) -> bytes:
    def read(level: int, index: int) -> bytes | None:
        if level == 0:
            return last0[1] if last0 and last0[0] == index else None
        return upper.get((level, index))

    return tree_root(size, node_reader_from_tiles(read)) if size else EMPTY_ROOT


def _blame_level0(bref: TileRef, tref: TileRef, stored: bytes,
                  upper: dict[tuple[int, int], bytes], cp: Checkpoint) -> AuditError:
    """Decide which of bundle and hash tile disagrees with the rest of the tree."""
    if tref.width == TILE_WIDTH:
        parent = upper.get((1, tref.index // TILE_WIDTH), b"")
        off = (tref.index % TILE_WIDTH) * HASH_SIZE
        tile_ok = parent[off:off + HASH_SIZE] == tile_root(stored)
    else:
        try:
            tile_ok = _root(cp.size, upper, (tref.index, stored)) == cp.root_hash
        except LookupError:
            tile_ok = False
    if tile_ok:
        return AuditError(bref.path(), f"entries do not match the hashes of {tref.path()}")
    return AuditError(tref.path(), f"hash mismatch with {bref.path()}")


def _check_prev(source: Source, verifier: Verifier, cp: Checkpoint, prev: tuple[str, bytes],
                upper: dict[tuple[int, int], bytes]) -> Checkpoint:
    name, data = prev
    try:
        old, _ = open_checkpoint(data, verifier, cp.origin)
    except NoteError as e:
        raise AuditError(name, str(e)) from None

    def read(level: int, index: int) -> bytes | None:
        width = tile_width(cp.size, level, index)
        if width == 0:
            return None
        if level > 0:
            return upper[(level, index)]
        return _fetch_tile(source, TileRef(level, index, width))

    try:
        if old.size == 0 or old.size == cp.size:
            proof: list[bytes] = []
            if old.size == 0 and old.root_hash != EMPTY_ROOT:
                raise ProofError("size 0 with a non-empty root")
        else:
            proof = consistency_proof(old.size, cp.size, node_reader_from_tiles(read))
        if old.size:
            verify_consistency(old.size, cp.size, proof, old.root_hash, cp.root_hash)
    except ProofError as e:
        raise AuditError(name, f"not consistent with checkpoint (size {old.size} -> "
                         f"{cp.size}): {e}") from None
    return old

