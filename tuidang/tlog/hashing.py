"""RFC 6962 / RFC 9162 Merkle tree hashing (SHA-256).

Leaf hash = SHA-256(0x00 ‖ entry), node hash = SHA-256(0x01 ‖ left ‖ right). A tree of
n > 1 leaves splits at k, the largest power of two smaller than n; the empty tree hashes
to SHA-256("").
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

__all__ = ["EMPTY_ROOT", "leaf_hash", "leaf_hashes", "node_hash", "perfect_root",
           "root_from_leaf_hashes", "split_point"]

EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    """Return the RFC 6962 leaf hash SHA-256(0x00 ‖ entry)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def leaf_hashes(entries: Sequence[bytes]) -> bytes:
    """Return the leaf hashes of ``entries``, concatenated (a level-0 tile's bytes)."""
    sha256 = hashlib.sha256
    return b"".join([sha256(b"\x00" + e).digest() for e in entries])


def perfect_root(hashes: bytes) -> bytes:
    """Return the root of the perfect tree over concatenated 32-byte hashes (2**k of
    them, k ≥ 0): each level hashed at once from the bytes of the level below."""
    count = len(hashes) // 32
    if count == 0 or count & (count - 1) or len(hashes) % 32:
        raise ValueError("perfect_root needs 2**k concatenated 32-byte hashes")
    sha256 = hashlib.sha256
    while len(hashes) > 32:
        hashes = b"".join([sha256(b"\x01" + hashes[i:i + 64]).digest()
                           for i in range(0, len(hashes), 64)])
    return hashes


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 6962 interior node hash SHA-256(0x01 ‖ left ‖ right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """Return the largest power of two strictly smaller than ``n`` (n must be ≥ 2)."""
    if n < 2:
        raise ValueError("split_point needs n >= 2")
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """Return the Merkle tree hash (MTH) of a list of leaf hashes, for any length.

    This is the reference definition, computed left to right with a stack of perfect
    subtrees (O(n) hashing, O(log n) memory).
    """
    stack: list[tuple[int, bytes]] = []  # (height, hash) of perfect subtrees
    for h in hashes:
        height = 0
        while stack and stack[-1][0] == height:
            _, left = stack.pop()
            h = node_hash(left, h)
            height += 1
        stack.append((height, h))
    if not stack:
        return EMPTY_ROOT
    root = stack.pop()[1]
    while stack:
        root = node_hash(stack.pop()[1], root)
    return root
