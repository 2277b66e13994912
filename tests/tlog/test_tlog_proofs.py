"""Hashing, proofs and append_leaves: hypothesis properties against the reference MTH."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tuidang.tlog.hashing import EMPTY_ROOT, leaf_hash, node_hash, root_from_leaf_hashes
from tuidang.tlog.proof import (
    ProofError,
    consistency_proof,
    inclusion_proof,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from tuidang.tlog.tiles import append_leaves, node_reader_from_tiles

LEAVES = [leaf_hash(b"entry %d" % i) for i in range(3000)]


def mth(hashes: list[bytes]) -> bytes:
    """The recursive RFC 6962 definition, independent of the library's stack version."""
    if not hashes:
        return EMPTY_ROOT
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return node_hash(mth(hashes[:k]), mth(hashes[k:]))


def build(size: int, cuts: list[int]) -> tuple[dict[tuple[int, int], bytes], bytes]:
    """Build tiles for LEAVES[:size] with append_leaves, in batches cut at ``cuts``."""
    tiles: dict[tuple[int, int], bytes] = {}
    n, root = 0, EMPTY_ROOT
    for end in sorted({c for c in cuts if 0 < c < size} | {size}):
        n, updated, root = append_leaves(n, LEAVES[n:end], lambda lv, i: tiles.get((lv, i)))
        tiles.update(updated)
    assert n == size
    return tiles, root


def test_it_hashes_per_rfc6962() -> None:
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    for n in range(0, 40):
        assert root_from_leaf_hashes(LEAVES[:n]) == mth(LEAVES[:n])


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 3000), st.lists(st.integers(1, 3000), max_size=6), st.data())
def test_it_proves_inclusion_from_tiles(size: int, cuts: list[int], data: st.DataObject) -> None:
    tiles, root = build(size, cuts)
    assert root == root_from_leaf_hashes(LEAVES[:size])
    reader = node_reader_from_tiles(lambda lv, i: tiles.get((lv, i)))
    assert tree_root(size, reader) == root
    index = data.draw(st.integers(0, size - 1))
    proof = inclusion_proof(index, size, reader)
    verify_inclusion(LEAVES[index], index, size, proof, root)
    # Any single-bit flip, truncation or extension is rejected.
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bit = data.draw(st.integers(0, 255))
        bad = list(proof)
        bad[k] = (int.from_bytes(bad[k], "big") ^ (1 << bit)).to_bytes(32, "big")
        with pytest.raises(ProofError):
            verify_inclusion(LEAVES[index], index, size, bad, root)
        with pytest.raises(ProofError):
            verify_inclusion(LEAVES[index], index, size, proof[:-1], root)
    with pytest.raises(ProofError):
        verify_inclusion(LEAVES[index], index, size, [*proof, root], root)
    flipped = bytes([root[0] ^ 1]) + root[1:]
    with pytest.raises(ProofError):
        verify_inclusion(LEAVES[index], index, size, proof, flipped)
    with pytest.raises(ProofError):
        verify_inclusion(LEAVES[index], index + size, size, proof, root)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 3000), st.integers(1, 3000), st.data())
def test_it_proves_consistency_from_tiles(a: int, b: int, data: st.DataObject) -> None:
    size1, size2 = min(a, b), max(a, b)
    tiles, root2 = build(size2, [size1])
    root1 = root_from_leaf_hashes(LEAVES[:size1])
    reader = node_reader_from_tiles(lambda lv, i: tiles.get((lv, i)))
    proof = consistency_proof(size1, size2, reader)
    verify_consistency(size1, size2, proof, root1, root2)
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bad = list(proof)
        bad[k] = bytes([bad[k][0] ^ 0x80]) + bad[k][1:]
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, bad, root1, root2)
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, proof[:-1], root1, root2)
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, [*proof, root1], root1, root2)
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, proof, root2, root2)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 3000), st.lists(st.integers(1, 3000), max_size=8))
def test_it_appends_identically_in_any_batch_split(size: int, cuts: list[int]) -> None:
    assert build(size, cuts) == build(size, [])


def test_it_returns_only_changed_tiles() -> None:
    tiles, _ = build(600, [])
    n, updated, _ = append_leaves(600, LEAVES[600:601], lambda lv, i: tiles.get((lv, i)))
    assert n == 601 and set(updated) == {(0, 2)} and len(updated[(0, 2)]) == 89 * 32
    tiles, _ = build(767, [])
    n, updated, _ = append_leaves(767, LEAVES[767:769], lambda lv, i: tiles.get((lv, i)))
    assert set(updated) == {(0, 2), (0, 3), (1, 0)}
    assert len(updated[(1, 0)]) == 3 * 32


def test_it_rejects_bad_proof_requests() -> None:
    tiles, _ = build(10, [])
    reader = node_reader_from_tiles(lambda lv, i: tiles.get((lv, i)))
    with pytest.raises(ProofError):
        consistency_proof(0, 10, reader)
    with pytest.raises(ProofError):
        consistency_proof(11, 10, reader)
    assert consistency_proof(10, 10, reader) == []
    with pytest.raises(ProofError):
        inclusion_proof(10, 10, reader)
