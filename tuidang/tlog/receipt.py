"""C2SP tlog-proof: offline receipts (``.tlog-proof`` files).

Format: ``c2sp.org/tlog-proof@v1``, an optional ``extra <base64>`` line, ``index <n>``, the
inclusion proof as base64 hashes one a line (leaf's sibling first), an empty line, then
the signed checkpoint verbatim.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .checkpoint import Checkpoint, open_checkpoint
from .hashing import leaf_hash
from .note import Verifier, b64decode_strict
from .proof import ProofError, verify_inclusion

__all__ = ["HEADER", "TlogProof", "format_tlog_proof", "parse_tlog_proof", "verify_tlog_proof"]

HEADER = "c2sp.org/tlog-proof@v1"
_INDEX = re.compile(r"index (0|[1-9][0-9]{0,19})")


@dataclass(frozen=True)
class TlogProof:
    """A parsed tlog-proof: entry index, inclusion proof, signed checkpoint, extra data."""

    index: int
    proof: tuple[bytes, ...]
    signed_checkpoint: bytes
    extra: bytes | None = None


def format_tlog_proof(index: int, proof: Sequence[bytes], signed_checkpoint: bytes,
                      extra: bytes | None = None) -> bytes:
    """Return a ``.tlog-proof`` file for entry ``index``."""
    if index < 0:
        raise ValueError("negative index")
    lines = [HEADER]
    if extra is not None:
        lines.append("extra " + base64.b64encode(extra).decode())
    lines.append(f"index {index}")
    for h in proof:
        if len(h) != 32:
            raise ValueError("proof hashes must be 32 bytes")
        lines.append(base64.b64encode(h).decode())
    return ("\n".join(lines) + "\n\n").encode() + signed_checkpoint


def parse_tlog_proof(data: bytes) -> TlogProof:
    """Parse a ``.tlog-proof`` file strictly; raises ProofError when malformed."""
    head, sep, signed = data.partition(b"\n\n")
    if not sep:
        raise ProofError("tlog-proof: missing empty line before the checkpoint")
    try:
        lines = head.decode("ascii").split("\n")
    except UnicodeDecodeError:
        raise ProofError("tlog-proof: non-ASCII header") from None
    if lines[0] != HEADER:
        raise ProofError("tlog-proof: bad first line")
    pos, extra = 1, None
    try:
        if pos < len(lines) and lines[pos].startswith("extra "):
            extra = b64decode_strict(lines[pos][6:])
            pos += 1
        m = _INDEX.fullmatch(lines[pos]) if pos < len(lines) else None
        if not m:
            raise ProofError("tlog-proof: bad index line")
        proof = tuple(b64decode_strict(line) for line in lines[pos + 1:])
    except ValueError as e:
        raise ProofError(f"tlog-proof: {e}") from None
    if any(len(h) != 32 for h in proof):
        raise ProofError("tlog-proof: proof hashes must be 32 bytes")
    return TlogProof(int(m.group(1)), proof, signed, extra)


def verify_tlog_proof(data: bytes, entry: bytes, verifier: Verifier,
                      origin: str | None = None) -> Checkpoint:
    """Verify a receipt for ``entry`` offline; return the checkpoint it is proved in.

    Checks the checkpoint signature (and origin, if given), then the inclusion of
    ``leaf_hash(entry)`` at the receipt's index. Raises ProofError or NoteError.
    """
    p = parse_tlog_proof(data)
    cp, _ = open_checkpoint(p.signed_checkpoint, verifier, origin)
    verify_inclusion(leaf_hash(entry), p.index, cp.size, p.proof, cp.root_hash)
    return cp
