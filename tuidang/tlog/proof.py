"""Merkle inclusion and consistency proofs (RFC 9162 §2.1.3–2.1.4).

Proofs are generated from a :data:`NodeReader`, a callable ``read_node(level, index)``
returning the hash of the perfect subtree of ``2**level`` leaves starting at leaf
``index * 2**level``. :func:`tuidang.tlog.tiles.node_reader_from_tiles` builds one from
stored tiles; any other source (a database, a list in memory) works too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .hashing import EMPTY_ROOT, node_hash, split_point

__all__ = [
    "NodeReader",
    "ProofError",
    "consistency_proof",
    "inclusion_proof",
    "root_from_inclusion_proof",
    "subtree_root",
    "tree_root",
    "verify_consistency",
    "verify_inclusion",
]

NodeReader = Callable[[int, int], bytes]


class ProofError(ValueError):
    """A proof is malformed, does not verify, or cannot be generated."""


def _is_pow2(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def subtree_root(start: int, end: int, read_node: NodeReader) -> bytes:
    """Return MTH of leaves ``[start, end)``, decomposed into perfect nodes.

    Ranges that are aligned perfect subtrees are read with one ``read_node`` call;
    other ranges are split as RFC 6962 prescribes.
    """
    n = end - start
    if n < 0 or start < 0:
        raise ProofError(f"bad range [{start}, {end})")
    if n == 0:
        return EMPTY_ROOT
    if _is_pow2(n) and start % n == 0:
        return read_node(n.bit_length() - 1, start // n)
    k = split_point(n)
    return node_hash(subtree_root(start, start + k, read_node),
                     subtree_root(start + k, end, read_node))


def tree_root(size: int, read_node: NodeReader) -> bytes:
    """Return the root hash of the tree of ``size`` leaves (EMPTY_ROOT for 0)."""
    if size < 0:
        raise ProofError("negative tree size")
    return subtree_root(0, size, read_node)


def inclusion_proof(index: int, size: int, read_node: NodeReader) -> list[bytes]:
    """Return the inclusion proof of leaf ``index`` in the tree of ``size`` leaves.

    The list starts with the leaf's sibling and ends with a child of the root
    (RFC 9162 §2.1.3.1).
    """
    if not 0 <= index < size:
        raise ProofError(f"index {index} out of range for size {size}")
    path: list[bytes] = []
    start, end, m = 0, size, index
    while end - start > 1:
        k = split_point(end - start)
        if m < k:
            path.append(subtree_root(start + k, end, read_node))
            end = start + k
        else:
            path.append(subtree_root(start, start + k, read_node))
            start += k
            m -= k
    path.reverse()
    return path


def consistency_proof(size1: int, size2: int, read_node: NodeReader) -> list[bytes]:
    """Return the consistency proof between tree sizes ``size1`` and ``size2``.

    RFC 9162 §2.1.4.1. Empty when the sizes are equal; ProofError when ``size1`` is 0
    (nothing to prove) or larger than ``size2``.
    """
    if size1 <= 0 or size1 > size2:
        raise ProofError(f"no consistency proof from size {size1} to {size2}")
    path: list[bytes] = []
    start, end, m, whole = 0, size2, size1, True
    while m != end - start:
        n = end - start
        k = split_point(n)
        if m <= k:
            path.append(subtree_root(start + k, end, read_node))
            end = start + k
        else:
            path.append(subtree_root(start, start + k, read_node))
            start += k
            m -= k
            whole = False
    if not whole:
        path.append(subtree_root(start, end, read_node))
    path.reverse()
    return path


def root_from_inclusion_proof(leaf: bytes, index: int, size: int,
                              proof: Sequence[bytes]) -> bytes:
    """Return the root implied by an inclusion proof (RFC 9162 §2.1.3.2).

    Raises ProofError when the index is out of range or the proof has the wrong length.
    """
    if not 0 <= index < size:
        raise ProofError(f"index {index} out of range for size {size}")
    if len(leaf) != 32 or any(len(p) != 32 for p in proof):
        raise ProofError("hashes must be 32 bytes")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof too short")
    return r


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes],
                     root: bytes) -> None:
    """Check that ``leaf`` (a leaf hash) is at ``index`` in the tree with ``root``.

    Raises ProofError if not.
    """
    if root_from_inclusion_proof(leaf, index, size, proof) != root:
        raise ProofError("inclusion proof does not match the root")


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes,
                       root2: bytes) -> None:
    """Check that the tree ``(size2, root2)`` extends ``(size1, root1)``.

    RFC 9162 §2.1.4.2. Equal sizes need an empty proof and equal roots. ``size1 == 0`` is
    always rejected, as the transparency-dev vectors require: the empty tree has no
    consistency proof (any tree extends it; callers handle that case themselves).
    Raises ProofError.
    """
    if size1 < 0 or size2 < size1:
        raise ProofError(f"size1 {size1} > size2 {size2}")
    if size1 == 0:
        raise ProofError("no consistency proof from the empty tree")
    if size1 == size2:
        if proof:
            raise ProofError("equal sizes need an empty proof")
        if root1 != root2:
            raise ProofError("equal sizes but different roots")
        return
    if not proof:
        raise ProofError("empty consistency proof")
    if any(len(p) != 32 for p in proof):
        raise ProofError("hashes must be 32 bytes")
    path = list(proof)
    if _is_pow2(size1):
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof too short")
    if fr != root1:
        raise ProofError("consistency proof does not match the old root")
    if sr != root2:
        raise ProofError("consistency proof does not match the new root")
