"""Receipt codes: the declarant's secret to look up a declaration later.

A code is 20 symbols from an alphabet without look-alikes (no 0/O, 1/I/L), shown in
groups of four: 20 × log2(31) ≈ 99 bits of randomness. Only a keyed hash is stored;
the key (RECEIPT_KEY) lives outside the database.
"""

import hashlib
import os
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 20
GROUP = 4
_SEPARATORS = str.maketrans("", "", " -_.\t\u3000－—")
# A random byte below 248 = 8 × 31 picks a symbol as byte % 31, each with probability
# 1/31; bytes from 248 up are thrown away, so no symbol is more likely than another.
_USABLE = 8 * len(ALPHABET)
_UNUSABLE = bytes(range(_USABLE, 256))
_SYMBOLS = bytes(ord(ALPHABET[b % len(ALPHABET)]) if b < _USABLE else 0 for b in range(256))


def new_codes(count: int) -> list[str]:
    """`count` fresh receipt codes from the system's random source, in one read or two."""
    wanted = count * CODE_LENGTH
    raw = b""
    while len(raw) < wanted:
        # 3 % of bytes are dropped: ask for a little more than needed.
        raw += os.urandom((wanted - len(raw)) * 33 // 32 + 8).translate(None, _UNUSABLE)
    symbols = raw[:wanted].translate(_SYMBOLS).decode("ascii")
    return [format_code(symbols[i : i + CODE_LENGTH]) for i in range(0, wanted, CODE_LENGTH)]


def new_code() -> str:
    return new_codes(1)[0]


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))


def normalize_code(text: str) -> str | None:
    """The code as typed, tolerant of case and separators; None if it cannot be a code."""
    raw = text.upper().translate(_SEPARATORS)
    if len(raw) != CODE_LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return raw


@lru_cache(maxsize=64)
def hasher(key: str, purpose: str) -> Callable[[str], str]:
    """HMAC-SHA256 under `key` of `purpose\\nmessage`, as a function of the message.

    The same bytes as hmac.new(key, f"{purpose}\\n{message}", sha256).hexdigest(), from
    hash states prepared once (RFC 2104: H(K ⊕ opad ‖ H(K ⊕ ipad ‖ m))): it costs half
    as much, and imports hash several values per line.
    """
    raw = key.encode()
    if len(raw) > 64:  # SHA-256's block size
        raw = hashlib.sha256(raw).digest()
    raw = raw.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in raw) + f"{purpose}\n".encode())
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in raw))

    def keyed(message: str) -> str:
        step = inner.copy()
        step.update(message.encode())
        done = outer.copy()
        done.update(step.digest())
        return done.hexdigest()

    return keyed


def keyed_hash(purpose: str, message: str) -> str:
    """HMAC-SHA256 under the receipt key, separated by purpose."""
    return hasher(settings.RECEIPT_KEY, purpose)(message)


def code_hash(code: str) -> str:
    normalized = normalize_code(code)
    if normalized is None:
        raise ValueError("not a receipt code")
    return keyed_hash("receipt", normalized)
