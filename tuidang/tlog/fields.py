"""The fields of tuidang log entries: their rules and the checks of their values.

Shared by the entry encoder and parser (entry.py) and by the declaration encoder in
parts (declaration.py). See docs/log-format.md.
"""

from __future__ import annotations

import binascii
import datetime
import re
import unicodedata

from .bundle import MAX_ENTRY_SIZE

VERSION = "tuidang/v2"  # the first word of every entry
ORGANIZATIONS = ("party", "league", "pioneers")
CHANNELS = ("self", "in-person", "phone", "hotline", "email", "import")  # known values
REASONS = ("retracted", "moderator", "contest")  # known values
MAX_PERSONS = 50
MAX_NAME_LENGTH = 40
_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_REGION = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*|overseas:[A-Z]{2}")
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,17}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def is_plain_text(text: str) -> bool:
    """No control, format, private-use or unassigned character and no line or paragraph
    separator: the rule for every name in the log and every one-line field of intake."""
    # str.isprintable() is false for every character of categories C* and Z* except the
    # ASCII space, so a printable text needs no look-up per character; only texts with
    # other spaces (Zs, allowed) take the slow path.
    if text.isprintable():
        return True
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] == "C" or category in ("Zl", "Zp"):
            return False
    return True


class EntryError(ValueError):
    """An entry is invalid, non-canonical, or breaks the tally rule."""


def _token(value: str, what: str) -> None:
    if isinstance(value, str) and value in _GOOD_TOKENS:
        return
    if not isinstance(value, str) or len(value) > 64 or not _TOKEN.fullmatch(value):
        raise EntryError(f"invalid {what} {value!r}")
    _remember(_GOOD_TOKENS, value)


def _remember(good: set, value: str) -> None:
    # The sequencer encodes every entry of a batch with only a handful of distinct
    # channels, regions and sectors; a bounded set of values already checked spares the
    # regular expressions without letting a hostile log grow memory.
    if len(good) < 4096:
        good.add(value)


_GOOD_TOKENS: set[str] = set()
_GOOD_REGIONS: set[str] = set()
# Every valid organizations tuple: a non-empty subset of ORGANIZATIONS, in that order.
_GOOD_ORGS = frozenset(
    tuple(o for i, o in enumerate(ORGANIZATIONS) if mask >> i & 1)
    for mask in range(1, 1 << len(ORGANIZATIONS))
)


# The largest number the parser reads (_DECIMAL: at most 18 digits): encoding a larger
# one gave an entry that parse_entry refused (found by the declaration parts' test).
MAX_NUMBER = 10**18 - 1


def _count(value: int, what: str, lo: int = 0, hi: int = MAX_NUMBER) -> None:
    if type(value) is not int or not lo <= value <= hi:
        raise EntryError(f"invalid {what} {value!r}")


def _date(value: datetime.date, what: str) -> None:
    if type(value) is not datetime.date:
        raise EntryError(f"invalid {what} {value!r}")


def _b64_32(value: bytes | None, what: str) -> str:
    if value is None:
        return "-"
    if not isinstance(value, bytes) or len(value) != 32:
        raise EntryError(f"{what} must be 32 bytes")
    return binascii.b2a_base64(value, newline=False).decode()


def _checked_size(data: bytes) -> bytes:
    if len(data) > MAX_ENTRY_SIZE:
        raise EntryError(f"entry of {len(data)} bytes exceeds {MAX_ENTRY_SIZE}")
    return data
