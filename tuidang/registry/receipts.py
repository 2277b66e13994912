"""Receipt codes: the declarant's secret to look up a declaration later.

A code is 20 symbols from an alphabet without look-alikes (no 0/O, 1/I/L), shown in
groups of four: 20 × log2(31) ≈ 99 bits of randomness. Only a keyed hash is stored;
the key (RECEIPT_KEY) lives outside the database.
"""

import hashlib
import hmac
import secrets

from django.conf import settings

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 20
GROUP = 4
_SEPARATORS = str.maketrans("", "", " -_.\t\u3000－—")


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return format_code(raw)


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))


def normalize_code(text: str) -> str | None:
    """The code as typed, tolerant of case and separators; None if it cannot be a code."""
    raw = text.upper().translate(_SEPARATORS)
    if len(raw) != CODE_LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return raw


def keyed_hash(purpose: str, message: str) -> str:
    """HMAC-SHA256 under the receipt key, separated by purpose."""
    key = settings.RECEIPT_KEY.encode()
    return hmac.new(key, f"{purpose}\n{message}".encode(), hashlib.sha256).hexdigest()


def code_hash(code: str) -> str:
    normalized = normalize_code(code)
    if normalized is None:
        raise ValueError("not a receipt code")
    return keyed_hash("receipt", normalized)
