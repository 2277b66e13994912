"""Subscriber addresses at rest: encrypted with a key outside the database, looked up by
a keyed hash.

Private declaration fields are sealed to a public key whose private half the server
does not hold; that cannot work here, because the server must read an address to send
to it. So an address is encrypted with a symmetric key (XSalsa20-Poly1305, PyNaCl's
SecretBox) derived from NEWSLETTER_KEY, or from RECEIPT_KEY under its own purpose when
NEWSLETTER_KEY is not set; the key lives in a file or the environment, never in the
database. Uniqueness and look-ups use keyed_hash("newsletter", normalized address).
"""

import hashlib
import hmac

import nacl.secret
import nacl.utils
from django.conf import settings

from tuidang.registry.receipts import keyed_hash

MAX_LENGTH = 254


def normalize(address: str) -> str:
    return address.strip().lower()


def address_hash(address: str) -> str:
    return keyed_hash("newsletter", normalize(address))


def _box() -> nacl.secret.SecretBox:
    secret = (settings.NEWSLETTER_KEY or settings.RECEIPT_KEY).encode()
    key = hmac.new(secret, b"tuidang newsletter address encryption", hashlib.sha256).digest()
    return nacl.secret.SecretBox(key)


def encrypt(address: str) -> bytes:
    return bytes(_box().encrypt(normalize(address).encode()))


def decrypt(box: bytes) -> str:
    return _box().decrypt(bytes(box)).decode()
