"""C2SP tlog-checkpoint: the signed tree head of the log.

Note text: origin, tree size in decimal, base64 root hash, then optional extension lines,
each line ending in ``\\n``. tuidang adds one extension line, ``tally ...`` (see
:meth:`tuidang.tlog.entry.Tally.extension_line`).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from .note import NoteError, Signer, Verifier, b64decode_strict, open_note, sign_note

__all__ = ["Checkpoint", "CheckpointError", "open_checkpoint", "sign_checkpoint"]

_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")


class CheckpointError(NoteError):
    """A checkpoint is malformed or is not the expected log's."""


def _check_line(line: str, what: str) -> None:
    if not line or "\n" in line or any(ord(c) < 0x20 for c in line):
        raise CheckpointError(f"invalid {what} line {line!r}")


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: origin, size, root hash and optional extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, "origin")
        if not 0 <= self.size < 2**64:
            raise CheckpointError("tree size out of range")
        if len(self.root_hash) != 32:
            raise CheckpointError("root hash must be 32 bytes")
        for ext in self.extensions:
            _check_line(ext, "extension")

    def to_text(self) -> str:
        """Return the note text (each line ending in ``\\n``)."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode()]
        return "".join(line + "\n" for line in lines + list(self.extensions))

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Parse a checkpoint note text strictly (CheckpointError if malformed)."""
        if not text.endswith("\n"):
            raise CheckpointError("checkpoint must end in a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError("checkpoint needs at least three lines")
        origin, size_s, root_s, *ext = lines
        if not _DECIMAL.fullmatch(size_s):
            raise CheckpointError(f"bad tree size {size_s!r}")
        try:
            root = b64decode_strict(root_s)
        except ValueError:
            raise CheckpointError("bad root hash") from None
        cp = cls(origin, int(size_s), root, tuple(ext))
        if cp.to_text() != text:
            raise CheckpointError("non-canonical checkpoint")
        return cp

    def extension(self, keyword: str) -> str | None:
        """Return the first extension line starting with ``keyword + " "``, if any."""
        for ext in self.extensions:
            if ext.startswith(keyword + " "):
                return ext
        return None


def sign_checkpoint(cp: Checkpoint, signer: Signer) -> bytes:
    """Return the checkpoint signed as a note by ``signer``."""
    return sign_note(cp.to_text(), [signer])


def open_checkpoint(message: bytes, verifier: Verifier,
                    origin: str | None = None) -> tuple[Checkpoint, bytes]:
    """Verify a signed checkpoint; return ``(checkpoint, note text bytes)``.

    The returned bytes are exactly the signed note text. When ``origin`` is given the
    checkpoint's origin must equal it. Raises NoteError / CheckpointError.
    """
    note = open_note(message, [verifier])
    cp = Checkpoint.from_text(note.text)
    if origin is not None and cp.origin != origin:
        raise CheckpointError(f"checkpoint origin {cp.origin!r}, expected {origin!r}")
    return cp, note.text.encode()
