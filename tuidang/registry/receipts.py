"""Receipt codes: the declarant's secret to look up a declaration later.

A code is 20 symbols from an alphabet without look-alikes (no 0/O, 1/I/L), shown in
groups of four. It is a split token: the first 7 symbols are the declaration's serial
(its public number, in base 31), the other 13 a secret (13 × log2(31) ≈ 64 bits). The
serial finds the row by its primary key; only a keyed hash of the serial and the secret
is stored in it (the key, RECEIPT_KEY, lives outside the database) and compared in
constant time. So a look-up needs no index over hashes (space on every declaration and
a random index write at every insert), and guessing a code means guessing 64 bits for
one chosen declaration, whatever the number of declarations.
"""

import hashlib
import hmac
import os
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 20
SERIAL_SYMBOLS = 7
SECRET_SYMBOLS = CODE_LENGTH - SERIAL_SYMBOLS
MAX_SERIAL = len(ALPHABET) ** SERIAL_SYMBOLS - 1  # 27,512,614,110
# A row's verifier: 8 bytes, against a 64-bit secret. Without RECEIPT_KEY the database
# tests no guess at all; with it, guessing costs 2**64 either way; and a guess over HTTP
# succeeds with a chance of 2**-63 instead of 2**-64.
VERIFIER_BYTES = 8
_SEPARATORS = str.maketrans("", "", " -_.\t\u3000－—")
# A random byte below 248 = 8 × 31 picks a symbol as byte % 31, each with probability
# 1/31; bytes from 248 up are thrown away, so no symbol is more likely than another.
_USABLE = 8 * len(ALPHABET)
_UNUSABLE = bytes(range(_USABLE, 256))
_SYMBOLS = bytes(ord(ALPHABET[b % len(ALPHABET)]) if b < _USABLE else 0 for b in range(256))
_VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)}


def new_secrets(count: int, length: int = SECRET_SYMBOLS) -> list[str]:
    """`count` random strings of `length` symbols from the system's random source."""
    wanted = count * length
    raw = b""
    while len(raw) < wanted:
        # 3 % of bytes are dropped: ask for a little more than needed.
        raw += os.urandom((wanted - len(raw)) * 33 // 32 + 8).translate(None, _UNUSABLE)
    symbols = raw[:wanted].translate(_SYMBOLS).decode("ascii")
    return [symbols[i : i + length] for i in range(0, wanted, length)]


# The serial in base 31 as three groups (3 + 1 + 3 symbols), from a table of the 29,791
# three-symbol strings: an import makes a code per line, and symbol by symbol took a
# twentieth of its writer's time.
_BASE = len(ALPHABET)
_TRIPLES = tuple(a + b + c for a in ALPHABET for b in ALPHABET for c in ALPHABET)
_TRIPLE = _BASE**3


def encode_serial(serial: int) -> str:
    if type(serial) is not int or not 0 < serial <= MAX_SERIAL:
        raise ValueError(f"serial {serial} does not fit in a receipt code")
    high, low = divmod(serial, _TRIPLE * _BASE)
    middle, low = divmod(low, _TRIPLE)
    return _TRIPLES[high] + ALPHABET[middle] + _TRIPLES[low]


def make_code(serial: int, secret: str) -> str:
    """The code shown to the declarant, in groups of four."""
    if len(secret) != SECRET_SYMBOLS:
        raise ValueError("a receipt secret has 13 symbols")
    s = encode_serial(serial)  # 7 symbols, then the secret's 13, in groups of 4
    return f"{s[:4]}-{s[4:]}{secret[0]}-{secret[1:5]}-{secret[5:9]}-{secret[9:]}"


def normalize_code(text: str) -> str | None:
    """The code as typed, tolerant of case and separators; None if it cannot be a code."""
    raw = text.upper().translate(_SEPARATORS)
    if len(raw) != CODE_LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return raw


def split_code(raw: str) -> tuple[int, str]:
    """(serial, secret) of a normalized code."""
    serial = 0
    for symbol in raw[:SERIAL_SYMBOLS]:
        serial = serial * len(ALPHABET) + _VALUES[symbol]
    return serial, raw[SERIAL_SYMBOLS:]


def _states(key: str, purpose: str) -> tuple:
    raw = key.encode()
    if len(raw) > 64:  # SHA-256's block size
        raw = hashlib.sha256(raw).digest()
    raw = raw.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in raw) + f"{purpose}\n".encode())
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in raw))
    return inner, outer


@lru_cache(maxsize=64)
def hasher(key: str, purpose: str) -> Callable[[str], str]:
    """HMAC-SHA256 under `key` of `purpose\\nmessage`, as a function of the message.

    The same bytes as hmac.new(key, f"{purpose}\\n{message}", sha256).hexdigest(), from
    hash states prepared once (RFC 2104: H(K ⊕ opad ‖ H(K ⊕ ipad ‖ m))), so the key is
    not hashed again for every message: imports hash several values per line.
    """
    digest = digest_hasher(key, purpose, 32)
    return lambda message: digest(message).hex()


@lru_cache(maxsize=64)
def digest_hasher(key: str, purpose: str, size: int) -> Callable[[str], bytes]:
    """The same HMAC as `hasher`, as raw bytes truncated to `size` (a truncated HMAC is
    as strong as its length, RFC 2104 §5)."""
    inner, outer = _states(key, purpose)

    def keyed(message: str) -> bytes:
        step = inner.copy()
        step.update(message.encode())
        done = outer.copy()
        done.update(step.digest())
        return done.digest()[:size]

    return keyed


def keyed_hash(purpose: str, message: str) -> str:
    """HMAC-SHA256 under the receipt key, separated by purpose."""
    return hasher(settings.RECEIPT_KEY, purpose)(message)


def verifier(key: str, purpose: str = "receipt-v2") -> Callable[[int, str], bytes]:
    """What a row keeps of its code: a keyed hash of serial and secret. `purpose` keeps
    the codes of one kind (a declaration's receipt, a contest's reference) from ever
    verifying as the other's."""
    keyed = digest_hasher(key, purpose, VERIFIER_BYTES)
    return lambda serial, secret: keyed(f"{serial}:{secret}")


def verify(key: str, serial: int, secret: str, stored: bytes,
           purpose: str = "receipt-v2") -> bool:
    """Whether `stored` is the verifier of serial and secret, in constant time."""
    if len(stored) != VERIFIER_BYTES:
        return False
    return hmac.compare_digest(stored, verifier(key, purpose)(serial, secret))
