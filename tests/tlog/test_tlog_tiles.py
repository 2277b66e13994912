"""Tile paths, the tiles of a tree, tile serving and entry bundles."""

from __future__ import annotations

import pytest

from tuidang.tlog.bundle import MAX_ENTRY_SIZE, decode_bundle, encode_bundle
from tuidang.tlog.tiles import (
    TileRef,
    entry_bundles_for_size,
    parse_tile_path,
    tile_data_for,
    tiles_for_size,
)


def test_it_encodes_tile_indexes_in_groups() -> None:
    assert TileRef(0, 5, 256).path() == "tile/0/005"
    assert TileRef(0, 1000, 256).path() == "tile/0/x001/000"
    assert TileRef(3, 1234067, 17).path() == "tile/3/x001/x234/067.p/17"
    assert TileRef(0, 0, 1, True).path() == "tile/entries/000.p/1"


@pytest.mark.parametrize("path", [
    "tile/0/000", "tile/0/005", "tile/1/x001/000", "tile/2/x001/x234/067.p/255",
    "tile/entries/x123/456.p/1", "tile/entries/999", "tile/63/000",
])
def test_it_round_trips_tile_paths(path: str) -> None:
    assert parse_tile_path(path).path() == path


@pytest.mark.parametrize("path", [
    "/tile/0/000", "tile/0/0", "tile/0/0005", "tile/0/x000/005", "tile/0/001/000",
    "tile/0/x1/000", "tile/00/000", "tile/01/000", "tile/64/000", "tile/0/000.p/256",
    "tile/0/000.p/0", "tile/0/000.p/017", "tile/0/000.p/", "tile/entries/000.p/300",
    "tile/0/000/", "tile/-1/000", "tile/0/abc", "tile/x/000", "tile/0/000.p/1/",
    "tile/0/x001/x000/000.P/1",
])
def test_it_rejects_non_canonical_tile_paths(path: str) -> None:
    with pytest.raises(ValueError):
        parse_tile_path(path)


def test_it_lists_the_spec_example_tiles_for_70000() -> None:
    refs = tiles_for_size(70000)
    level0 = [r.path() for r in refs if r.level == 0]
    assert level0[0] == "tile/0/000" and level0[272] == "tile/0/272"
    assert level0[273:] == ["tile/0/273.p/112"]
    assert [r.path() for r in refs if r.level == 1] == ["tile/1/000", "tile/1/001.p/17"]
    assert [r.path() for r in refs if r.level == 2] == ["tile/2/000.p/1"]
    assert len(refs) == 274 + 2 + 1
    bundles = entry_bundles_for_size(70000)
    assert bundles[-1].path() == "tile/entries/273.p/112" and len(bundles) == 274


def test_it_never_lists_empty_tiles() -> None:
    assert tiles_for_size(0) == []
    assert [r.path() for r in tiles_for_size(256)] == ["tile/0/000", "tile/1/000.p/1"]
    assert [r.path() for r in tiles_for_size(65536)][-2:] == ["tile/1/000", "tile/2/000.p/1"]
    assert [r.path() for r in tiles_for_size(257)] == ["tile/0/000", "tile/0/001.p/1",
                                                       "tile/1/000.p/1"]


def test_it_serves_prefixes_of_stored_tiles() -> None:
    stored = {(0, 0): bytes(range(32)) * 10}
    read = lambda lv, i: stored.get((lv, i))  # noqa: E731
    assert tile_data_for(TileRef(0, 0, 4), read) == stored[(0, 0)][:128]
    assert tile_data_for(TileRef(0, 0, 10), read) == stored[(0, 0)]
    assert tile_data_for(TileRef(0, 0, 11), read) is None
    assert tile_data_for(TileRef(0, 1, 1), read) is None


def test_it_round_trips_bundles() -> None:
    entries = [b"", b"a", b"\x00" * 300, b"x" * MAX_ENTRY_SIZE]
    data = encode_bundle(entries)
    assert data[:5] == b"\x00\x00\x00\x01a"
    assert decode_bundle(data) == entries
    assert decode_bundle(b"") == []


@pytest.mark.parametrize("data", [b"\x00", b"\x00\x02a", b"\x00\x01ab", b"\x00\x01a\x00"])
def test_it_rejects_truncated_bundles(data: bytes) -> None:
    with pytest.raises(ValueError):
        decode_bundle(data)


def test_it_rejects_oversized_entries() -> None:
    with pytest.raises(ValueError):
        encode_bundle([b"x" * (MAX_ENTRY_SIZE + 1)])


def test_it_walks_the_tiles_of_any_claimed_size_without_listing_them() -> None:
    from tuidang.tlog.tiles import walk_level
    first = walk_level(2**63, 0, entries=True)
    assert next(first).path() == "tile/entries/000"
    assert next(first).path() == "tile/entries/001"
    assert [r.path() for r in walk_level(2**63, 7)] == ["tile/7/000.p/128"]
    assert [r.path() for r in walk_level(70000, 1)] == ["tile/1/000", "tile/1/001.p/17"]
