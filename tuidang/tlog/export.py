"""Write a static log directory (``checkpoint``, ``tile/...``) from a list of entries.

The directory is exactly what ``/log/`` serves, so mirrors, tests and the auditor can use
it. Tiles are written as they fill; partial tiles are written once, at the final width.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from .bundle import encode_bundle
from .checkpoint import Checkpoint, sign_checkpoint
from .entry import parse_entry
from .hashing import EMPTY_ROOT, leaf_hash
from .note import Signer
from .tally import TallyChecker
from .tiles import HASH_SIZE, TILE_WIDTH, TileRef, append_leaves

__all__ = ["write_file", "write_log_dir"]


def write_file(directory: str | os.PathLike[str], path: str, data: bytes) -> None:
    """Write ``data`` to ``directory/path`` atomically, creating parent directories."""
    target = Path(directory, path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)


def write_log_dir(directory: str | os.PathLike[str], entries: Iterable[bytes], signer: Signer,
                  origin: str, *, tally: bool = True,
                  extensions: Sequence[str] = ()) -> tuple[Checkpoint, bytes]:
    """Write a complete static log of ``entries`` to ``directory``.

    With ``tally`` (the default) every entry must be a valid tuidang entry; the tally rule
    is checked and the ``tally`` extension line goes first in the checkpoint, before
    ``extensions``. Memory stays O(log n) apart from the tally checker (about 11 bytes per
    entry). Returns ``(checkpoint, signed checkpoint bytes)``.
    """
    checker = TallyChecker() if tally else None
    partial: dict[tuple[int, int], bytes] = {}  # tiles not yet full
    size = 0
    root = b""
    batch: list[bytes] = []

    def flush() -> None:
        nonlocal size, root
        index = size // TILE_WIDTH
        ref = TileRef(0, index, len(batch), True)
        write_file(directory, ref.path(), encode_bundle(batch))
        size, updated, root = append_leaves(size, [leaf_hash(e) for e in batch],
                                            lambda lvl, i: partial.get((lvl, i)))
        for (level, i), data in updated.items():
            if len(data) == TILE_WIDTH * HASH_SIZE:
                write_file(directory, TileRef(level, i, TILE_WIDTH).path(), data)
                partial.pop((level, i), None)
            else:
                partial[(level, i)] = data
        batch.clear()

    for entry in entries:
        if checker is not None:
            checker.add(parse_entry(entry))
        batch.append(entry)
        if len(batch) == TILE_WIDTH:
            flush()
    if batch:
        flush()
    for (level, i), data in partial.items():
        write_file(directory, TileRef(level, i, len(data) // HASH_SIZE).path(), data)
    if size == 0:
        root = EMPTY_ROOT
    ext = ([checker.tally.extension_line()] if checker is not None else []) + list(extensions)
    cp = Checkpoint(origin, size, root, tuple(ext))
    signed = sign_checkpoint(cp, signer)
    write_file(directory, "checkpoint", signed)
    return cp, signed
