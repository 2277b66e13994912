"""C2SP tlog-tiles: tile paths, the tiles of a tree, reading nodes and appending leaves.

A tile of height 8 holds up to 256 consecutive hashes of one level of tiles. Hash ``i`` of
level-``L`` tile ``n`` is the root of the perfect subtree of ``256**L`` leaves starting at
leaf ``(n*256 + i) * 256**L``; level-0 tiles hold leaf hashes. A partial tile of a tree of
size ``s`` has width ``W = (s // 256**L) % 256`` and is never hashed into the level above.

Storage model: a :data:`TileReader` ``read_tile(level, index)`` returns the longest stored
data of a hash tile (``k*32`` bytes, 1 ≤ k ≤ 256) or None. Tile hashes never change once
computed, so any narrower version of a tile is a prefix of the stored one.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from .hashing import node_hash, perfect_root
from .proof import NodeReader, tree_root

__all__ = [
    "HASH_SIZE",
    "MAX_LEVEL",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "MissingTileError",
    "TileReader",
    "TileRef",
    "append_leaves",
    "entry_bundles_for_size",
    "node_reader_from_tiles",
    "parse_tile_path",
    "tile_data_for",
    "tile_root",
    "tile_width",
    "tiles_for_size",
    "walk_level",
]

TILE_HEIGHT = 8
TILE_WIDTH = 256
HASH_SIZE = 32
MAX_LEVEL = 63

TileReader = Callable[[int, int], "bytes | None"]


class MissingTileError(LookupError):
    """A tile needed for a computation is absent or shorter than needed."""

    def __init__(self, level: int, index: int, need: int) -> None:
        super().__init__(f"tile level {level} index {index}: need {need} hashes")
        self.level = level
        self.index = index
        self.need = need


def _encode_index(n: int) -> str:
    digits = str(n)
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i:i + 3] for i in range(0, len(digits), 3)]
    return "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])


@dataclass(frozen=True)
class TileRef:
    """A hash tile (``level`` ≥ 0) or an entry bundle (``is_entries``) of a given width."""

    level: int
    index: int
    width: int  # 1..256; 256 means a full tile
    is_entries: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.level <= MAX_LEVEL or self.index < 0:
            raise ValueError("bad tile level or index")
        if not 1 <= self.width <= TILE_WIDTH:
            raise ValueError("tile width must be 1..256")
        if self.is_entries and self.level != 0:
            raise ValueError("entry bundles have level 0")

    def path(self) -> str:
        """Return the tile path, e.g. ``tile/0/x001/234.p/17`` (no leading slash)."""
        level = "entries" if self.is_entries else str(self.level)
        suffix = "" if self.width == TILE_WIDTH else f".p/{self.width}"
        return f"tile/{level}/{_encode_index(self.index)}{suffix}"


_PATH_RE = re.compile(r"tile/(entries|0|[1-9][0-9]?)/((?:x[0-9]{3}/)*[0-9]{3})(?:\.p/([0-9]+))?")


def parse_tile_path(path: str) -> TileRef:
    """Parse a canonical tile path (no leading slash); ValueError if not canonical."""
    m = _PATH_RE.fullmatch(path)
    if not m:
        raise ValueError(f"not a tile path: {path!r}")
    level_s, index_s, width_s = m.groups()
    entries = level_s == "entries"
    width = TILE_WIDTH
    if width_s is not None:
        width = int(width_s)
        if not 1 <= width < TILE_WIDTH:
            raise ValueError(f"bad partial width in {path!r}")
    ref = TileRef(0 if entries else int(level_s), int(index_s.replace("x", "").replace("/", "")),
                  width, entries)
    if ref.path() != path:
        raise ValueError(f"non-canonical tile path: {path!r}")
    return ref


def tile_width(size: int, level: int, index: int) -> int:
    """Return the width of hash tile (level, index) in a tree of ``size`` (0 if absent)."""
    count = size >> (TILE_HEIGHT * level)  # hashes at this level
    if index < count // TILE_WIDTH:
        return TILE_WIDTH
    if index == count // TILE_WIDTH:
        return count % TILE_WIDTH
    return 0


def walk_level(size: int, level: int, entries: bool = False) -> Iterator[TileRef]:
    """Yield the tiles of one level (or the entry bundles) of a tree of ``size``, in
    order, one at a time: a size claimed by an untrusted checkpoint lists nothing."""
    count = size >> (TILE_HEIGHT * level)
    full, partial = divmod(count, TILE_WIDTH)
    for n in range(full):
        yield TileRef(level, n, TILE_WIDTH, entries)
    if partial:
        yield TileRef(level, full, partial, entries)


def _level_tiles(size: int, level: int, entries: bool) -> list[TileRef]:
    return list(walk_level(size, level, entries))


def tiles_for_size(size: int) -> list[TileRef]:
    """Return every hash tile of a tree of ``size`` leaves, level by level, in order."""
    refs: list[TileRef] = []
    level = 0
    while size >> (TILE_HEIGHT * level):
        refs.extend(_level_tiles(size, level, False))
        level += 1
    return refs


def entry_bundles_for_size(size: int) -> list[TileRef]:
    """Return every entry bundle (``tile/entries/...``) of a log of ``size`` entries."""
    return _level_tiles(size, 0, True)


def _combine(hashes: list[bytes]) -> bytes:
    while len(hashes) > 1:
        hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
    return hashes[0]


def _split(data: bytes) -> list[bytes]:
    return [data[i:i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def tile_root(data: bytes) -> bytes:
    """Return the hash one level up of a full tile (256 hashes): its perfect-tree root."""
    if len(data) != TILE_WIDTH * HASH_SIZE:
        raise ValueError("tile_root needs a full tile")
    return perfect_root(data)


def node_reader_from_tiles(read_tile: TileReader, cache_tiles: int = 64) -> NodeReader:
    """Return a NodeReader computing any perfect node hash from stored tiles.

    Node (level l, index i) is ``2**(l % 8)`` consecutive hashes of tile level ``l // 8``
    combined. Up to ``cache_tiles`` tiles are kept in an LRU cache (0 disables it).
    Raises MissingTileError when a needed tile is absent or too short.
    """
    cache: OrderedDict[tuple[int, int], bytes] = OrderedDict()

    def get(level: int, index: int, need: int) -> bytes:
        key = (level, index)
        data = cache.get(key)
        if data is not None and len(data) >= need * HASH_SIZE:
            cache.move_to_end(key)
            return data
        data = read_tile(level, index)
        if data is None or len(data) < need * HASH_SIZE:
            raise MissingTileError(level, index, need)
        if cache_tiles > 0:
            cache[key] = data
            if len(cache) > cache_tiles:
                cache.popitem(last=False)
        return data

    def read_node(level: int, index: int) -> bytes:
        tile_level, r = divmod(level, TILE_HEIGHT)
        count = 1 << r
        tile_index, offset = divmod(index * count, TILE_WIDTH)
        data = get(tile_level, tile_index, offset + count)
        return _combine(_split(data[offset * HASH_SIZE:(offset + count) * HASH_SIZE]))

    return read_node


def append_leaves(size: int, leaf_hashes: Sequence[bytes], read_tile: TileReader
                  ) -> tuple[int, dict[tuple[int, int], bytes], bytes]:
    """Append leaf hashes to a tree of ``size`` leaves whose tiles ``read_tile`` serves.

    Returns ``(new_size, updated_tiles, new_root)`` where ``updated_tiles`` maps
    ``(level, index)`` to the full new data of every tile that changed (possibly
    partial). A level-L tile that becomes full yields the next hash of level L+1.
    Reads O(levels) tiles; hashing work is proportional to the batch (plus O(log n)).
    """
    for h in leaf_hashes:
        if len(h) != HASH_SIZE:
            raise ValueError("leaf hashes must be 32 bytes")
    new_size = size + len(leaf_hashes)
    updated: dict[tuple[int, int], bytes] = {}
    new_hashes = list(leaf_hashes)
    level = 0
    while new_hashes:
        count = size >> (TILE_HEIGHT * level)
        tile_index, have = divmod(count, TILE_WIDTH)
        buf = b""
        if have:
            data = read_tile(level, tile_index)
            if data is None or len(data) < have * HASH_SIZE:
                raise MissingTileError(level, tile_index, have)
            buf = data[:have * HASH_SIZE]
        parents: list[bytes] = []
        pos = 0
        while pos < len(new_hashes):
            take = min(TILE_WIDTH - have, len(new_hashes) - pos)
            buf += b"".join(new_hashes[pos:pos + take])
            pos += take
            have += take
            updated[(level, tile_index)] = buf
            if have == TILE_WIDTH:
                parents.append(tile_root(buf))
                tile_index, have, buf = tile_index + 1, 0, b""
        new_hashes = parents
        level += 1

    def overlay(lvl: int, idx: int) -> bytes | None:
        data = updated.get((lvl, idx))
        return data if data is not None else read_tile(lvl, idx)

    return new_size, updated, tree_root(new_size, node_reader_from_tiles(overlay))


def tile_data_for(ref: TileRef, read_tile: TileReader) -> bytes | None:
    """Return the bytes to serve for a hash tile request, or None if not available."""
    if ref.is_entries:
        raise ValueError("tile_data_for serves hash tiles only")
    data = read_tile(ref.level, ref.index)
    need = ref.width * HASH_SIZE
    if data is None or len(data) < need:
        return None
    return data[:need]
