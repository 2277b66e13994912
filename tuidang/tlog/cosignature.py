"""C2SP tlog-cosignature, the Ed25519 type (``cosignature/v1``, signature type 0x04).

A cosignature is a signature line added to a checkpoint by a witness. Its key ID is
``SHA-256(name ‖ "\\n" ‖ 0x04 ‖ public key)[:4]`` and its signature bytes are a
``timestamped_signature``: the time of cosigning as a big-endian u64, then the Ed25519
signature of::

    cosignature/v1
    time <timestamp in decimal>
    <the checkpoint's note text, all of it>

Witness keys are written like note keys, with the type byte 0x04: the verifier key
``<name>+<hex key ID>+<base64(0x04 ‖ public key)>`` and the private key
``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x04 ‖ seed)>``.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Iterable

import nacl.exceptions
import nacl.signing

from .note import NoteError, b64decode_strict, parse_note, signature_line

__all__ = [
    "ALG_COSIGNATURE_V1",
    "CosignatureError",
    "CosignatureSigner",
    "CosignatureVerifier",
    "cosignature_message",
    "cosigner_key_id",
    "generate_cosigner",
    "verified_cosignatures",
]

ALG_COSIGNATURE_V1 = 0x04
MAX_TIMESTAMP = 2**63 - 1
_HEADER = b"cosignature/v1\n"


class CosignatureError(NoteError):
    """A witness key or cosignature is malformed."""


def cosigner_key_id(name: str, public_key: bytes) -> bytes:
    """``SHA-256(name ‖ "\\n" ‖ 0x04 ‖ public key)[:4]``."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_COSIGNATURE_V1])
                          + public_key).digest()[:4]


def cosignature_message(checkpoint_text: bytes, timestamp: int) -> bytes:
    """What a cosignature signs: the header line, the time line, the checkpoint's text."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise CosignatureError("timestamp out of range")
    return _HEADER + b"time %d\n" % timestamp + checkpoint_text


def _check_name(name: str) -> None:
    if not name or "+" in name or any(c.isspace() for c in name) or not name.isprintable():
        raise CosignatureError(f"invalid witness name {name!r}")


def _key_material(text: str, parts: int, what: str) -> tuple[list[str], bytes]:
    fields = text.strip().split("+", parts - 1)
    if len(fields) != parts:
        raise CosignatureError(f"malformed {what}")
    try:
        raw = b64decode_strict(fields[-1])
    except ValueError:
        raise CosignatureError(f"malformed {what}") from None
    if len(raw) != 33 or raw[0] != ALG_COSIGNATURE_V1:
        raise CosignatureError(f"{what} is not an Ed25519 cosignature (0x04) key")
    return fields[:-1], raw[1:]


class CosignatureVerifier:
    """A witness's public key: checks its cosignatures on checkpoints."""

    def __init__(self, name: str, public_key: bytes) -> None:
        """A verifier for witness ``name`` with a 32-byte Ed25519 public key."""
        _check_name(name)
        if len(public_key) != 32:
            raise CosignatureError("Ed25519 public key must be 32 bytes")
        self.name = name
        self.public_key = bytes(public_key)
        self.key_id = cosigner_key_id(name, self.public_key)
        self._key = nacl.signing.VerifyKey(self.public_key)

    @classmethod
    def from_key_string(cls, vkey: str) -> CosignatureVerifier:
        """Parse ``<name>+<hex key ID>+<base64(0x04 ‖ public key)>``."""
        (name, hex_id), public_key = _key_material(vkey, 3, "witness verifier key")
        verifier = cls(name, public_key)
        if hex_id != verifier.key_id.hex():
            raise CosignatureError("witness verifier key ID mismatch")
        return verifier

    def key_string(self) -> str:
        """The verifier key string."""
        raw = bytes([ALG_COSIGNATURE_V1]) + self.public_key
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(raw).decode()}"

    def verify(self, checkpoint_text: bytes, signature: bytes) -> int | None:
        """The cosignature's timestamp if ``signature`` (the bytes after the key ID) is
        this witness's valid cosignature of the checkpoint text, else None."""
        if len(signature) != 8 + 64:
            return None
        (timestamp,) = struct.unpack(">Q", signature[:8])
        if timestamp > MAX_TIMESTAMP:
            return None
        try:
            self._key.verify(cosignature_message(checkpoint_text, timestamp), signature[8:])
        except nacl.exceptions.BadSignatureError:
            return None
        return timestamp


class CosignatureSigner:
    """A witness's private key: cosigns checkpoints."""

    def __init__(self, name: str, seed: bytes) -> None:
        """A signer for witness ``name`` from a 32-byte Ed25519 seed."""
        _check_name(name)
        if len(seed) != 32:
            raise CosignatureError("Ed25519 seed must be 32 bytes")
        self.name = name
        self._key = nacl.signing.SigningKey(seed)
        self.public_key = bytes(self._key.verify_key)
        self.key_id = cosigner_key_id(name, self.public_key)

    @classmethod
    def from_private_key_string(cls, text: str) -> CosignatureSigner:
        """Parse ``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x04 ‖ seed)>``."""
        (private, key, name, hex_id), seed = _key_material(text, 5, "witness private key")
        if (private, key) != ("PRIVATE", "KEY"):
            raise CosignatureError("malformed witness private key")
        signer = cls(name, seed)
        if hex_id != signer.key_id.hex():
            raise CosignatureError("witness private key ID mismatch")
        return signer

    def private_key_string(self) -> str:
        """The private key (keep it secret)."""
        raw = bytes([ALG_COSIGNATURE_V1]) + bytes(self._key)
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{base64.b64encode(raw).decode()}"

    def verifier(self) -> CosignatureVerifier:
        """The matching verifier."""
        return CosignatureVerifier(self.name, self.public_key)

    def cosign(self, checkpoint_text: bytes, timestamp: int) -> str:
        """The cosignature line (ending in a newline) of the checkpoint text at
        ``timestamp`` (seconds since the Epoch; tlog-witness forbids 0)."""
        signature = self._key.sign(cosignature_message(checkpoint_text, timestamp)).signature
        return signature_line(self.name, self.key_id,
                              struct.pack(">Q", timestamp) + signature)


def generate_cosigner(name: str) -> CosignatureSigner:
    """A witness key with a fresh random Ed25519 seed."""
    return CosignatureSigner(name, bytes(nacl.signing.SigningKey.generate()))


def verified_cosignatures(signed_note: bytes, verifiers: Iterable[CosignatureVerifier]
                          ) -> dict[CosignatureVerifier, int]:
    """{verifier: timestamp} of the given witnesses whose valid cosignature the note carries.

    Lines of unknown keys are ignored, as are the log's own signatures; a line whose
    witness name and key ID match a known witness but whose signature fails, or a second
    line of the same witness, makes the note invalid (CosignatureError), as signed-note
    requires. The log's signature is not checked here: that is open_checkpoint's job.
    """
    note = parse_note(signed_note)
    known = {(v.name, v.key_id): v for v in verifiers}
    text = note.text.encode()
    found: dict[CosignatureVerifier, int] = {}
    for sig in note.signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        if verifier in found:
            raise CosignatureError(f"repeated cosignature from {sig.name}")
        timestamp = verifier.verify(text, sig.signature)
        if timestamp is None:
            raise CosignatureError(f"invalid cosignature from {sig.name}")
        found[verifier] = timestamp
    return found
