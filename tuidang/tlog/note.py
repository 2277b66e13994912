"""C2SP signed-note with Ed25519 (signature type 0x01), as Go's golang.org/x/mod/sumdb/note.

A signed note is a text ending in ``\\n``, a blank line, then signature lines
``— <key name> <base64(4-byte key ID ‖ signature)>``. Verifier keys are published as
``<name>+<8 hex key ID>+<base64(0x01 ‖ public key)>`` and private keys are stored as
``PRIVATE+KEY+<name>+<8 hex key ID>+<base64(0x01 ‖ 32-byte seed)>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import nacl.exceptions
import nacl.signing

__all__ = [
    "ALG_ED25519",
    "MAX_SIGNATURES",
    "Note",
    "NoteError",
    "Signature",
    "Signer",
    "Verifier",
    "b64decode_strict",
    "generate_signer",
    "key_id",
    "open_note",
    "parse_note",
    "sign_note",
    "signature_line",
]

ALG_ED25519 = 0x01
MAX_SIGNATURES = 100
_DASH = "\u2014 "


class NoteError(ValueError):
    """A note or key is malformed, or a note fails to verify."""


def b64decode_strict(s: str | bytes) -> bytes:
    """Decode standard padded base64, rejecting anything non-canonical (ValueError)."""
    if isinstance(s, str):
        try:
            s = s.encode("ascii")
        except UnicodeEncodeError:
            raise ValueError("base64 must be ASCII") from None
    try:
        out = base64.b64decode(s, validate=True)
    except binascii.Error as e:
        raise ValueError(f"bad base64: {e}") from None
    if base64.b64encode(out) != s:
        raise ValueError("non-canonical base64")
    return out


def _check_name(name: str) -> None:
    if not name or "+" in name or any(c.isspace() for c in name) or not name.isprintable():
        raise NoteError(f"invalid key name {name!r}")


def key_id(name: str, public_key: bytes) -> bytes:
    """Return the 4-byte key ID: SHA-256(name ‖ "\\n" ‖ 0x01 ‖ public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


class Signer:
    """An Ed25519 note signer with a key name."""

    def __init__(self, name: str, seed: bytes) -> None:
        """Create a signer from a key name and a 32-byte Ed25519 seed."""
        _check_name(name)
        if len(seed) != 32:
            raise NoteError("Ed25519 seed must be 32 bytes")
        self.name = name
        self._key = nacl.signing.SigningKey(seed)
        self.public_key = bytes(self._key.verify_key)
        self.key_id = key_id(name, self.public_key)

    def sign(self, text: bytes) -> bytes:
        """Return the 64-byte Ed25519 signature of ``text``."""
        return self._key.sign(text).signature

    @classmethod
    def from_private_key_string(cls, s: str) -> Signer:
        """Parse ``PRIVATE+KEY+<name>+<hex id>+<base64(0x01 ‖ seed)>``."""
        parts = s.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("malformed private key")
        name, hex_id, b64 = parts[2:]
        try:
            raw = b64decode_strict(b64)
        except ValueError:
            raise NoteError("malformed private key") from None
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("unsupported private key")
        signer = cls(name, raw[1:])
        if hex_id != signer.key_id.hex():
            raise NoteError("private key ID mismatch")
        return signer

    def private_key_string(self) -> str:
        """Return the private key in Go's note format (keep it secret)."""
        raw = bytes([ALG_ED25519]) + bytes(self._key)
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{base64.b64encode(raw).decode()}"

    def verifier_key_string(self) -> str:
        """Return the public verifier key ``<name>+<hex id>+<base64(0x01 ‖ pub)>``."""
        raw = bytes([ALG_ED25519]) + self.public_key
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(raw).decode()}"

    def verifier(self) -> Verifier:
        """Return the matching Verifier."""
        return Verifier(self.name, self.public_key)


def generate_signer(name: str) -> Signer:
    """Return a Signer with a fresh random Ed25519 key."""
    return Signer(name, bytes(nacl.signing.SigningKey.generate()))


class Verifier:
    """An Ed25519 note verifier: key name, key ID and public key."""

    def __init__(self, name: str, public_key: bytes) -> None:
        """Create a verifier from a key name and a 32-byte Ed25519 public key."""
        _check_name(name)
        if len(public_key) != 32:
            raise NoteError("Ed25519 public key must be 32 bytes")
        self.name = name
        self.public_key = bytes(public_key)
        self.key_id = key_id(name, self.public_key)
        self._key = nacl.signing.VerifyKey(self.public_key)

    @classmethod
    def from_key_string(cls, vkey: str) -> Verifier:
        """Parse a verifier key ``<name>+<8 hex key ID>+<base64(0x01 ‖ pub)>``."""
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise NoteError("malformed verifier key")
        name, hex_id, b64 = parts
        try:
            raw = b64decode_strict(b64)
        except ValueError:
            raise NoteError("malformed verifier key") from None
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("unsupported verifier key")
        v = cls(name, raw[1:])
        if hex_id != v.key_id.hex():
            raise NoteError("verifier key ID mismatch")
        return v

    def key_string(self) -> str:
        """Return the verifier key string."""
        raw = bytes([ALG_ED25519]) + self.public_key
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(raw).decode()}"

    def verify(self, text: bytes, sig: bytes) -> bool:
        """Return True if ``sig`` is a valid Ed25519 signature of ``text``."""
        if len(sig) != 64:
            return False
        try:
            self._key.verify(text, sig)
        except nacl.exceptions.BadSignatureError:
            return False
        return True


@dataclass(frozen=True)
class Signature:
    """One signature line: key name, key ID and signature bytes."""

    name: str
    key_id: bytes
    signature: bytes


@dataclass
class Note:
    """An opened note: its text, all signature lines, and the verifiers that verified it."""

    text: str
    signatures: list[Signature] = field(default_factory=list)
    verified: list[Verifier] = field(default_factory=list)


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("note text must end in a newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("note contains control characters")


def sign_note(text: str | bytes, signers: Sequence[Signer]) -> bytes:
    """Sign ``text`` (must end in ``\\n``) with each signer; return the signed note."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("note text is not UTF-8") from None
    _check_text(text)
    if not signers:
        raise NoteError("no signers")
    raw = text.encode()
    lines = [text, "\n"]
    lines += [signature_line(s.name, s.key_id, s.sign(raw)) for s in signers]
    return "".join(lines).encode()


def parse_note(message: bytes) -> Note:
    """Split a signed note into its text and signature lines, verifying none of them.

    Raises NoteError if the note is malformed (signed-note's rules for the text, the
    blank line, each signature line and their number). What a signature is worth is the
    caller's to decide: :func:`open_note` for the note's own signers, the cosignature
    module for witnesses, each with its own key IDs.
    """
    try:
        msg = message.decode("utf-8")
    except UnicodeDecodeError:
        raise NoteError("note is not UTF-8") from None
    if any(ord(c) < 0x20 and c != "\n" for c in msg):
        raise NoteError("note contains control characters")
    split = msg.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed note: no signature block")
    text, block = msg[:split + 1], msg[split + 2:]
    if not block.endswith("\n"):
        raise NoteError("malformed note: signature block must end in a newline")
    note = Note(text=text)
    for line in block[:-1].split("\n"):
        if not line.startswith(_DASH):
            raise NoteError("malformed signature line")
        name, sep, b64 = line[len(_DASH):].partition(" ")
        _check_name(name)
        try:
            data = b64decode_strict(b64)
        except ValueError:
            raise NoteError("malformed signature") from None
        if not sep or len(data) < 5:
            raise NoteError("malformed signature")
        note.signatures.append(Signature(name, data[:4], data[4:]))
        if len(note.signatures) > MAX_SIGNATURES:
            raise NoteError("too many signatures")
    return note


def signature_line(name: str, key_id: bytes, signature: bytes) -> str:
    """One signature line of a note, ending in a newline."""
    return f"{_DASH}{name} {base64.b64encode(key_id + signature).decode()}\n"


def open_note(message: bytes, verifiers: Sequence[Verifier]) -> Note:
    """Parse and verify a signed note against known verifiers.

    Signature lines from unknown keys (name and key ID not both matching) are ignored.
    Raises NoteError if the note is malformed, a known key's signature is bad or repeated,
    or no known key verified it.
    """
    note = parse_note(message)
    known = {(v.name, v.key_id): v for v in verifiers}
    seen: set[tuple[str, bytes]] = set()
    raw = note.text.encode()
    for sig in note.signatures:
        v = known.get((sig.name, sig.key_id))
        if v is None:
            continue
        if (sig.name, sig.key_id) in seen:
            raise NoteError(f"repeated signature from {sig.name}")
        seen.add((sig.name, sig.key_id))
        if not v.verify(raw, sig.signature):
            raise NoteError(f"invalid signature from {sig.name}")
        note.verified.append(v)
    if not note.verified:
        raise NoteError("note has no verified signature from a known key")
    return note
