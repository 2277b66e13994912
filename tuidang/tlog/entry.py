"""The tuidang log entry format, version 1 (see docs/log-format.md).

Entries are canonical UTF-8 text: LF line endings, every line ending in ``\\n``, fields in
a fixed order, one space between keyword and value. There are two kinds, a
``declaration`` (one accepted submission, 1–50 persons) and a ``revocation`` (which
subtracts a declaration again and repeats its counts so tallies need no look-up).
:func:`parse_entry` is strict: re-encoding the parsed entry must give the same bytes.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import re
import unicodedata
from dataclasses import dataclass

from .bundle import MAX_ENTRY_SIZE
from .note import b64decode_strict

__all__ = [
    "CHANNELS",
    "MAX_NAME_LENGTH",
    "MAX_PERSONS",
    "ORGANIZATIONS",
    "REASONS",
    "DeclarationEntry",
    "Entry",
    "EntryError",
    "PersonEntry",
    "RevocationEntry",
    "commitment",
    "encode_entry",
    "parse_entry",
    "statement_commitment",
]

ORGANIZATIONS = ("party", "league", "pioneers")
CHANNELS = ("self", "in-person", "phone", "hotline", "email", "import")  # known values
REASONS = ("retracted", "moderator", "contest")  # known values
MAX_PERSONS = 50
MAX_NAME_LENGTH = 40
_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_REGION = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*|overseas:[A-Z]{2}")
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,17}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_HEAD = "tuidang/v1 "


class EntryError(ValueError):
    """An entry is invalid, non-canonical, or breaks the tally rule."""


def commitment(salt: bytes, payload: bytes) -> bytes:
    """Return the salted commitment SHA-256(salt ‖ payload); salt must be ≥ 16 bytes."""
    if len(salt) < 16:
        raise ValueError("commitment salt must be at least 16 bytes")
    return hashlib.sha256(salt + payload).digest()


def statement_commitment(salt: bytes, title: str, text: str) -> bytes:
    """Return SHA-256(salt ‖ utf8(title) ‖ "\\n" ‖ utf8(text)), the statement commitment."""
    return commitment(salt, title.encode() + b"\n" + text.encode())


def _token(value: str, what: str) -> None:
    if not isinstance(value, str) or len(value) > 64 or not _TOKEN.fullmatch(value):
        raise EntryError(f"invalid {what} {value!r}")


def _count(value: int, what: str, lo: int = 0, hi: int = 10**18) -> None:
    if type(value) is not int or not lo <= value <= hi:
        raise EntryError(f"invalid {what} {value!r}")


def _date(value: datetime.date, what: str) -> None:
    if type(value) is not datetime.date:
        raise EntryError(f"invalid {what} {value!r}")


def _check_display_name(name: str) -> None:
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise EntryError(f"name must be 1-{MAX_NAME_LENGTH} characters")
    if name != name.strip() or unicodedata.normalize("NFC", name) != name:
        raise EntryError(f"name {name!r} has surrounding spaces or is not NFC")
    for c in name:
        cat = unicodedata.category(c)
        if cat[0] == "C" or cat in ("Zl", "Zp"):
            raise EntryError(f"name {name!r} contains a control or format character")


@dataclass(frozen=True)
class PersonEntry:
    """One person of a declaration, as published."""

    name: str
    organizations: tuple[str, ...]
    real_name: bool
    region: str | None = None
    sector: str | None = None

    def validate(self) -> None:
        """Raise EntryError unless the person is valid."""
        _check_display_name(self.name)
        orgs = self.organizations
        if not orgs or tuple(o for o in ORGANIZATIONS if o in orgs) != tuple(orgs):
            raise EntryError(f"organizations {orgs!r} not a non-empty subset in order")
        if type(self.real_name) is not bool:
            raise EntryError("real_name must be a bool")
        if self.region is not None and not (len(self.region) <= 64
                                            and _REGION.fullmatch(self.region)):
            raise EntryError(f"invalid region {self.region!r}")
        if self.sector is not None:
            _token(self.sector, "sector")

    def line(self) -> str:
        """Return the ``person ...`` line (without newline)."""
        return " ".join(["person", ",".join(self.organizations),
                         "real" if self.real_name else "alias", self.region or "-",
                         self.sector or "-", self.name])


@dataclass(frozen=True)
class DeclarationEntry:
    """A declaration entry: one accepted submission covering 1–50 persons."""

    serial: int
    date: datetime.date
    channel: str
    persons: tuple[PersonEntry, ...]
    statement_commitment: bytes | None
    private_commitment: bytes

    def counts(self) -> tuple[int, int, int, int]:
        """Return (persons, party, league, pioneers) counted by this declaration."""
        orgs = [o for p in self.persons for o in p.organizations]
        return (len(self.persons), orgs.count("party"), orgs.count("league"),
                orgs.count("pioneers"))


@dataclass(frozen=True)
class RevocationEntry:
    """A revocation entry: subtracts the declaration at log index ``revokes``."""

    serial: int
    date: datetime.date
    revokes: int
    declared: datetime.date
    channel: str
    persons: int
    party: int
    league: int
    pioneers: int
    reason: str

    def counts(self) -> tuple[int, int, int, int]:
        """Return (persons, party, league, pioneers) this revocation subtracts."""
        return (self.persons, self.party, self.league, self.pioneers)


Entry = DeclarationEntry | RevocationEntry


def _b64_32(value: bytes | None, what: str) -> str:
    if value is None:
        return "-"
    if not isinstance(value, bytes) or len(value) != 32:
        raise EntryError(f"{what} must be 32 bytes")
    return base64.b64encode(value).decode()


def _encode_lines(e: Entry) -> list[str]:
    _count(e.serial, "serial")
    _date(e.date, "date")
    if isinstance(e, DeclarationEntry):
        _token(e.channel, "channel")
        if not isinstance(e.persons, tuple) or not 1 <= len(e.persons) <= MAX_PERSONS:
            raise EntryError(f"a declaration has 1-{MAX_PERSONS} persons")
        for p in e.persons:
            if not isinstance(p, PersonEntry):
                raise EntryError("persons must be PersonEntry")
            p.validate()
        if e.private_commitment is None:
            raise EntryError("private commitment is required")
        return (["tuidang/v1 declaration", f"serial {e.serial}", f"date {e.date.isoformat()}",
                 f"channel {e.channel}"] + [p.line() for p in e.persons]
                + [f"statement {_b64_32(e.statement_commitment, 'statement')}",
                   f"private {_b64_32(e.private_commitment, 'private')}"])
    if isinstance(e, RevocationEntry):
        _count(e.revokes, "revokes")
        _date(e.declared, "declared")
        _token(e.channel, "channel")
        _count(e.persons, "persons", 1, MAX_PERSONS)
        for what in ("party", "league", "pioneers"):
            _count(getattr(e, what), what, 0, e.persons)
        if e.party + e.league + e.pioneers < e.persons:
            raise EntryError("every person quits at least one organization")
        if e.declared > e.date:
            raise EntryError("a revocation cannot precede its declaration")
        _token(e.reason, "reason")
        return ["tuidang/v1 revocation", f"serial {e.serial}", f"date {e.date.isoformat()}",
                f"revokes {e.revokes}", f"declared {e.declared.isoformat()}",
                f"channel {e.channel}", f"persons {e.persons}", f"party {e.party}",
                f"league {e.league}", f"pioneers {e.pioneers}", f"reason {e.reason}"]
    raise EntryError(f"not an entry: {type(e).__name__}")


def encode_entry(e: Entry) -> bytes:
    """Return the canonical bytes of an entry; EntryError if invalid or too large."""
    data = "".join(line + "\n" for line in _encode_lines(e)).encode()
    if len(data) > MAX_ENTRY_SIZE:
        raise EntryError(f"entry of {len(data)} bytes exceeds {MAX_ENTRY_SIZE}")
    return data


class _Lines:
    def __init__(self, lines: list[str]) -> None:
        self.lines, self.pos = lines, 0

    def take(self, key: str) -> str:
        if self.pos >= len(self.lines):
            raise EntryError(f"missing {key} line")
        k, sep, value = self.lines[self.pos].partition(" ")
        if k != key or not sep:
            raise EntryError(f"line {self.pos + 1}: expected {key!r}")
        self.pos += 1
        return value

    def peek_key(self) -> str:
        return self.lines[self.pos].partition(" ")[0] if self.pos < len(self.lines) else ""


def _int(s: str, what: str) -> int:
    if not _DECIMAL.fullmatch(s):
        raise EntryError(f"invalid {what} {s!r}")
    return int(s)


def _parse_date(s: str, what: str) -> datetime.date:
    try:
        if _DATE.fullmatch(s):
            return datetime.date.fromisoformat(s)
    except ValueError:
        pass
    raise EntryError(f"invalid {what} {s!r}")


def _parse_b64(s: str, what: str) -> bytes:
    try:
        return b64decode_strict(s)
    except ValueError:
        raise EntryError(f"invalid {what}") from None


def _parse_person(value: str) -> PersonEntry:
    parts = value.split(" ", 4)
    if len(parts) != 5 or parts[1] not in ("real", "alias"):
        raise EntryError(f"malformed person line {value!r}")
    orgs, kind, region, sector, name = parts
    return PersonEntry(name, tuple(orgs.split(",")), kind == "real",
                       None if region == "-" else region, None if sector == "-" else sector)


def parse_entry(data: bytes) -> Entry:
    """Parse an entry strictly; EntryError unless ``data`` is exactly canonical."""
    if len(data) > MAX_ENTRY_SIZE:
        raise EntryError("entry too large")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise EntryError("entry is not UTF-8") from None
    if not text.endswith("\n") or "\r" in text:
        raise EntryError("entry lines must end in LF")
    r = _Lines(text[:-1].split("\n"))
    kind = r.take("tuidang/v1")
    serial = _int(r.take("serial"), "serial")
    date = _parse_date(r.take("date"), "date")
    entry: Entry
    if kind == "declaration":
        channel = r.take("channel")
        persons: list[PersonEntry] = []
        while r.peek_key() == "person":
            persons.append(_parse_person(r.take("person")))
        statement = r.take("statement")
        entry = DeclarationEntry(serial, date, channel, tuple(persons),
                                 None if statement == "-" else _parse_b64(statement, "statement"),
                                 _parse_b64(r.take("private"), "private"))
    elif kind == "revocation":
        entry = RevocationEntry(
            serial, date, _int(r.take("revokes"), "revokes"),
            _parse_date(r.take("declared"), "declared"), r.take("channel"),
            _int(r.take("persons"), "persons"), _int(r.take("party"), "party"),
            _int(r.take("league"), "league"), _int(r.take("pioneers"), "pioneers"),
            r.take("reason"))
    else:
        raise EntryError(f"unknown entry kind {kind!r}")
    if r.pos != len(r.lines):
        raise EntryError(f"unexpected line {r.pos + 1}")
    if encode_entry(entry) != data:
        raise EntryError("entry is not canonical")
    return entry


_TALLY_NAMES = ("Delta", "DayTally", "Tally", "TallyChecker", "tally_delta")


def __getattr__(name: str) -> object:
    """Re-export the tally names of :mod:`tuidang.tlog.tally` (imported lazily)."""
    if name in _TALLY_NAMES:
        from . import tally

        return getattr(tally, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
