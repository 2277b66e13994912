"""Private fields, sealed to a key the server does not hold.

A declaration's private details (real names behind aliases, year of birth, a contact for
the helper, notes) are put in one canonical JSON object and encrypted with a libsodium
sealed box to RECORDS_PUBLIC_KEY. The server can write them but never read them again;
only `records_decrypt --key FILE`, run where the private half is kept, opens them. The
log entry commits to the same object, so an opened record can be checked against it.

A declaration that gives nothing private (no contact, notes, real name or year of birth:
most of them) gets no sealed record: there would be nothing in it but its serial and
helper, which the database holds in clear anyway, and sealing costs more than all the
rest of storing a declaration. Its entry's `private` line is then 32 random bytes
(drawn at intake into the entry that waits in the sequencer's inbox, kept nowhere
else): a commitment that nobody can open, like every other, so the log does not tell
who gave private details.
"""

import base64
import hashlib
import json
import os
from functools import lru_cache

from django.conf import settings
from nacl.public import PrivateKey, PublicKey, SealedBox

SALT_BYTES = 16


def canonical(obj: dict) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def public_key() -> PublicKey:
    return PublicKey(base64.b64decode(settings.RECORDS_PUBLIC_KEY))


@lru_cache(maxsize=4)
def _box(key: str) -> SealedBox:
    return SealedBox(PublicKey(base64.b64decode(key)))


def is_empty(contact: str, notes: str, persons: list[tuple[str, int | None]]) -> bool:
    """True if a declaration gives nothing private: persons are (real name, birth year)."""
    return not (contact or notes or any(name or year is not None for name, year in persons))


def empty_commitment() -> bytes:
    """The `private` commitment of a declaration without private fields (see above)."""
    return os.urandom(32)


def seal(payload: dict) -> tuple[bytes, bytes]:
    """Return (sealed record, commitment). The salt travels only inside the sealed box."""
    salt = os.urandom(SALT_BYTES)
    commitment = hashlib.sha256(salt + canonical(payload)).digest()
    record = {"salt": base64.b64encode(salt).decode(), "payload": payload}
    return _box(settings.RECORDS_PUBLIC_KEY).encrypt(canonical(record)), commitment


def open_record(sealed: bytes, private_key: PrivateKey) -> tuple[dict, bytes]:
    """Return (payload, commitment recomputed from it) of a sealed record."""
    record = json.loads(SealedBox(private_key).decrypt(sealed))
    salt = base64.b64decode(record["salt"])
    return record["payload"], hashlib.sha256(salt + canonical(record["payload"])).digest()


def load_private_key(text: str) -> PrivateKey:
    return PrivateKey(base64.b64decode(text.strip()))
