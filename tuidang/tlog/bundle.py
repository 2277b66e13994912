"""Entry bundles (``tile/entries/<N>``): entries each prefixed by a big-endian uint16 length."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["MAX_ENTRY_SIZE", "decode_bundle", "encode_bundle"]

MAX_ENTRY_SIZE = 65535


def encode_bundle(entries: Sequence[bytes]) -> bytes:
    """Concatenate entries, each prefixed by its length (uint16, big-endian).

    Raises ValueError for an entry longer than MAX_ENTRY_SIZE bytes.
    """
    parts: list[bytes] = []
    for e in entries:
        if len(e) > MAX_ENTRY_SIZE:
            raise ValueError(f"entry of {len(e)} bytes exceeds {MAX_ENTRY_SIZE}")
        parts.append(len(e).to_bytes(2, "big"))
        parts.append(bytes(e))
    return b"".join(parts)


def decode_bundle(data: bytes) -> list[bytes]:
    """Split a bundle into its entries; ValueError on truncation or trailing bytes."""
    entries: list[bytes] = []
    pos, end = 0, len(data)
    while pos < end:
        if pos + 2 > end:
            raise ValueError(f"truncated length prefix at byte {pos}")
        n = int.from_bytes(data[pos:pos + 2], "big")
        pos += 2
        if pos + n > end:
            raise ValueError(f"truncated entry at byte {pos}")
        entries.append(bytes(data[pos:pos + n]))
        pos += n
    return entries
