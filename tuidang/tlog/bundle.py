"""Entry bundles (``tile/entries/<N>``): entries each prefixed by a big-endian uint16 length."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from .tiles import TILE_WIDTH

__all__ = ["MAX_ENTRY_SIZE", "decode_bundle", "encode_bundle", "gunzip"]

MAX_ENTRY_SIZE = 65535
# No file of a log is larger than a full bundle of entries of the largest size.
LARGEST_FILE = TILE_WIDTH * (2 + MAX_ENTRY_SIZE)


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


def decode_bundle(data: bytes, most: int | None = None) -> list[bytes]:
    """Split a bundle into its entries; ValueError on truncation or trailing bytes, or
    (with ``most``) on more than ``most`` entries, found before splitting any further."""
    entries: list[bytes] = []
    append = entries.append
    pos, end = 0, len(data)
    data = bytes(data)
    while pos < end:
        if most is not None and len(entries) == most:
            raise ValueError(f"more than {most} entries")
        if pos + 2 > end:
            raise ValueError(f"truncated length prefix at byte {pos}")
        n = data[pos] << 8 | data[pos + 1]
        pos += 2
        if pos + n > end:
            raise ValueError(f"truncated entry at byte {pos}")
        append(data[pos:pos + n])
        pos += n
    return entries


def gunzip(data: bytes, limit: int = LARGEST_FILE) -> bytes:
    """The content of one gzip member, unpacked no further than ``limit`` bytes (by
    default, any log file; a small file from an untrusted copy must not unpack into
    gigabytes); ValueError else."""
    inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip header and trailer
    try:
        out = inflate.decompress(data, limit)
    except zlib.error as e:
        raise ValueError(f"bad gzip data: {e}") from None
    if inflate.unconsumed_tail or (len(out) == limit and not inflate.eof
                                   and inflate.decompress(b"", 1)):
        raise ValueError("gzip data larger than any log file" if limit == LARGEST_FILE
                         else f"gzip data larger than the {limit} bytes the file can hold")
    if not inflate.eof or inflate.unused_data:
        raise ValueError("bad gzip data: truncated or followed by other bytes")
    return out
