"""Private fields, sealed to a key the server does not hold.

A declaration's private details (real names behind aliases, year of birth, a contact for
the helper, notes) are put in one canonical JSON object and encrypted with a libsodium
sealed box to RECORDS_PUBLIC_KEY. The server can write them but never read them again;
only `records_decrypt --key FILE`, run where the private half is kept, opens them. The
log entry commits to the same object, so an opened record can be checked against it.
"""

import base64
import hashlib
import json
import os

from django.conf import settings
from nacl.public import PrivateKey, PublicKey, SealedBox

SALT_BYTES = 16


def canonical(obj: dict) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def public_key() -> PublicKey:
    return PublicKey(base64.b64decode(settings.RECORDS_PUBLIC_KEY))


def seal(payload: dict) -> tuple[bytes, bytes]:
    """Return (sealed record, commitment). The salt travels only inside the sealed box."""
    salt = os.urandom(SALT_BYTES)
    commitment = hashlib.sha256(salt + canonical(payload)).digest()
    record = {"salt": base64.b64encode(salt).decode(), "payload": payload}
    return SealedBox(public_key()).encrypt(canonical(record)), commitment


def open_record(sealed: bytes, private_key: PrivateKey) -> tuple[dict, bytes]:
    """Return (payload, commitment recomputed from it) of a sealed record."""
    record = json.loads(SealedBox(private_key).decrypt(sealed))
    salt = base64.b64decode(record["salt"])
    return record["payload"], hashlib.sha256(salt + canonical(record["payload"])).digest()


def new_key_pair() -> tuple[str, str]:
    """(private, public) as base64 strings."""
    private = PrivateKey.generate()
    return (
        base64.b64encode(bytes(private)).decode(),
        base64.b64encode(bytes(private.public_key)).decode(),
    )


def load_private_key(text: str) -> PrivateKey:
    return PrivateKey(base64.b64decode(text.strip()))
