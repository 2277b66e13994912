"""The tuidang log entry format, version 2 (see docs/log-format.md).

Entries are canonical UTF-8 text: LF line endings, every line ending in ``\\n``, fields in
a fixed order, one space between keyword and value. There are two kinds, a
``declaration`` (one accepted submission, 1–50 persons) and a ``revocation`` (which
subtracts a declaration, or one person of it, again and repeats the counts it subtracts,
so tallies need no look-up). No name is in an entry: each person's displayed name is a
salted commitment (:func:`name_commitment`), published beside the log with its salt, so
withdrawing a person deletes the name everywhere while the log stays append-only.
:func:`parse_entry` is strict: re-encoding the parsed entry must give the same bytes.
"""

from __future__ import annotations

import binascii
import datetime
import hashlib
import re
import unicodedata
from dataclasses import dataclass

from .bundle import MAX_ENTRY_SIZE
from .declaration import complete_declaration, declaration_body
from .fields import (
    _DATE,
    _DECIMAL,
    _GOOD_ORGS,
    _GOOD_REGIONS,
    _GOOD_TOKENS,
    _REGION,
    CHANNELS,
    MAX_NAME_LENGTH,
    MAX_PERSONS,
    ORGANIZATIONS,
    REASONS,
    VERSION,
    EntryError,
    _checked_size,
    _count,
    _date,
    _remember,
    _token,
    is_plain_text,
)
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
    "check_published_name",
    "commitment",
    "declaration_key",
    "declaration_keys",
    "encode_declaration",
    "encode_entry",
    "key_organizations",
    "name_commitment",
    "parse_entry",
    "person_line",
    "statement_commitment",
]

def commitment(salt: bytes, payload: bytes) -> bytes:
    """Return the salted commitment SHA-256(salt ‖ payload); salt must be ≥ 16 bytes."""
    if len(salt) < 16:
        raise ValueError("commitment salt must be at least 16 bytes")
    return hashlib.sha256(salt + payload).digest()


def statement_commitment(salt: bytes, title: str, text: str) -> bytes:
    """Return SHA-256(salt ‖ utf8(title) ‖ "\\n" ‖ utf8(text)), the statement commitment."""
    return commitment(salt, title.encode() + b"\n" + text.encode())


def name_commitment(salt: bytes, name: str) -> bytes:
    """Return SHA-256(salt ‖ utf8(name)), the commitment to a person's displayed name."""
    return commitment(salt, name.encode())


def check_published_name(name: str) -> None:
    """Raise EntryError unless ``name`` is a displayed name as it may be published beside
    the log: 1–40 characters in NFC, no surrounding spaces, no control or format
    character. The auditor checks every published name with this."""
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise EntryError(f"name must be 1-{MAX_NAME_LENGTH} characters")
    if name != name.strip() or not unicodedata.is_normalized("NFC", name):
        raise EntryError(f"name {name!r} has surrounding spaces or is not NFC")
    if not is_plain_text(name):
        raise EntryError(f"name {name!r} contains a control or format character")


@dataclass(frozen=True)
class PersonEntry:
    """One person of a declaration, as logged: the name only as its commitment."""

    name_commitment: bytes
    organizations: tuple[str, ...]
    real_name: bool
    region: str | None = None
    sector: str | None = None

    def validate(self) -> None:
        """Raise EntryError unless the person is valid."""
        self.line()

    def line(self) -> str:
        """Return the ``person ...`` line (without newline); EntryError if invalid."""
        return person_line(self.name_commitment, self.organizations, self.real_name,
                           self.region, self.sector)

    def counts(self) -> tuple[int, int, int, int]:
        """Return (persons, party, league, pioneers) this person counts."""
        orgs = self.organizations
        return (1, "party" in orgs, "league" in orgs, "pioneers" in orgs)


# The start of a person line for each valid (organizations, real name) pair.
_PREFIXES = {
    (orgs, real): f"person {','.join(orgs)} {'real' if real else 'alias'} "
    for orgs in _GOOD_ORGS for real in (False, True)
}


def person_line(name_commitment: bytes, organizations: tuple[str, ...], real_name: bool,
                region: str | None = None, sector: str | None = None) -> str:
    """Return the ``person ...`` line (without newline) of a valid person; else EntryError.

    The same as ``PersonEntry(...).line()``, without building the object: intake encodes
    every person it receives from plain values. Values already known to be valid take a
    short path; anything else the full checks, which raise or accept exactly as ever.
    """
    if type(name_commitment) is not bytes or len(name_commitment) != 32:
        raise EntryError("a person's name commitment must be 32 bytes")
    committed = binascii.b2a_base64(name_commitment, newline=False).decode()
    prefix = (_PREFIXES.get((organizations, real_name))
              if type(organizations) is tuple and type(real_name) is bool else None)
    if (prefix is not None
            and (region is None or (type(region) is str and region in _GOOD_REGIONS))
            and (sector is None or (type(sector) is str and sector in _GOOD_TOKENS))):
        return f"{prefix}{region or '-'} {sector or '-'} {committed}"
    if not (type(organizations) is tuple and organizations in _GOOD_ORGS) and (
        not organizations
        or tuple(o for o in ORGANIZATIONS if o in organizations) != tuple(organizations)
    ):
        raise EntryError(f"organizations {organizations!r} not a non-empty subset in order")
    if type(real_name) is not bool:
        raise EntryError("real_name must be a bool")
    if region is not None and not (isinstance(region, str) and region in _GOOD_REGIONS):
        if not (isinstance(region, str) and len(region) <= 64 and _REGION.fullmatch(region)):
            raise EntryError(f"invalid region {region!r}")
        _remember(_GOOD_REGIONS, region)
    if sector is not None:
        _token(sector, "sector")
    return (f"person {','.join(organizations)} {'real' if real_name else 'alias'}"
            f" {region or '-'} {sector or '-'} {committed}")


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
        party = league = pioneers = 0
        for p in self.persons:
            orgs = p.organizations
            party += "party" in orgs
            league += "league" in orgs
            pioneers += "pioneers" in orgs
        return (len(self.persons), party, league, pioneers)


@dataclass(frozen=True)
class RevocationEntry:
    """A revocation entry: subtracts the declaration at log index ``revokes`` — the
    persons of it not revoked before, or with ``person`` the one person at that position
    (0 for the first) — and repeats the counts it subtracts."""

    serial: int
    date: datetime.date
    revokes: int
    person: int | None
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


def encode_declaration(serial: int, date: datetime.date, channel: str,
                       person_lines: list[str], statement_commitment: bytes | None,
                       private_commitment: bytes) -> bytes:
    """Return the canonical bytes of a declaration entry from its persons' lines.

    ``person_lines`` come from :func:`person_line`, which validates each person; this is
    what :func:`encode_entry` does for a DeclarationEntry. EntryError if invalid. (The same
    in two steps, for a serial known only later: declaration.py.)
    """
    _count(serial, "serial")
    body = declaration_body(date, channel, person_lines, statement_commitment)
    return complete_declaration(serial, body, private_commitment)


def _encode_revocation(e: RevocationEntry) -> str:
    _count(e.revokes, "revokes")
    if e.person is not None:
        _count(e.person, "person", 0, MAX_PERSONS - 1)
        if e.persons != 1:
            raise EntryError("a revocation of one person subtracts one person")
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
    person = "-" if e.person is None else e.person
    return (f"{VERSION} revocation\nserial {e.serial}\ndate {e.date.isoformat()}\n"
            f"revokes {e.revokes}\nperson {person}\ndeclared {e.declared.isoformat()}\n"
            f"channel {e.channel}\npersons {e.persons}\nparty {e.party}\n"
            f"league {e.league}\npioneers {e.pioneers}\nreason {e.reason}\n")


def encode_entry(e: Entry) -> bytes:
    """Return the canonical bytes of an entry; EntryError if invalid or too large."""
    if isinstance(e, DeclarationEntry):
        _count(e.serial, "serial")
        _date(e.date, "date")
        _token(e.channel, "channel")
        if not isinstance(e.persons, tuple) or not 1 <= len(e.persons) <= MAX_PERSONS:
            raise EntryError(f"a declaration has 1-{MAX_PERSONS} persons")
        lines = []
        for p in e.persons:
            if not isinstance(p, PersonEntry):
                raise EntryError("persons must be PersonEntry")
            lines.append(p.line())
        return encode_declaration(e.serial, e.date, e.channel, lines, e.statement_commitment,
                                  e.private_commitment)
    if isinstance(e, RevocationEntry):
        _count(e.serial, "serial")
        _date(e.date, "date")
        return _checked_size(_encode_revocation(e).encode())
    raise EntryError(f"not an entry: {type(e).__name__}")


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
    parts = value.split(" ")
    if len(parts) != 5 or parts[1] not in ("real", "alias"):
        raise EntryError(f"malformed person line {value!r}")
    orgs, kind, region, sector, name = parts
    return PersonEntry(_parse_b64(name, "name commitment"), tuple(orgs.split(",")),
                       kind == "real", None if region == "-" else region,
                       None if sector == "-" else sector)


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
    kind = r.take(VERSION)
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
        revokes = _int(r.take("revokes"), "revokes")
        person = r.take("person")
        entry = RevocationEntry(
            serial, date, revokes, None if person == "-" else _int(person, "person"),
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


# One canonical declaration, as one regular expression over its bytes: what parse_entry
# accepts (and re-encodes to the same bytes), except that the date must still be a real
# day (:func:`declaration_fields`). Every part is as strict as the encoder: decimals of at
# most 18 digits without leading zeros, tokens of at most 64 characters, organizations a
# non-empty subset in order, 1-50 persons, canonical base64 of 32 bytes (its last
# character before the padding carries 4 bits, the 2 spare bits zero).
_B64_32 = rb"[A-Za-z0-9+/]{42}+[AEIMQUYcgkosw048]="
_TOKEN_64 = rb"(?=[a-z0-9-]{1,64}+[ \n])[a-z0-9]++(?:-[a-z0-9]++)*+"
_ORGS_FIELD = rb"(?>party(?:,league)?(?:,pioneers)?|league(?:,pioneers)?|pioneers)"
def _person_line(organizations: bytes) -> bytes:
    return (rb"person " + organizations + rb" (?:real|alias) (?:" + _TOKEN_64
            + rb"|overseas:[A-Z]{2}|-) (?:" + _TOKEN_64 + rb"|-) " + _B64_32 + rb"\n")


# The organizations of the first three persons are groups of their own, so that the
# match's groups are already what a tally needs of most declarations; the lines of any
# further persons are the last group. Possessive quantifiers and atomic groups: nothing
# here needs backtracking, and not recording where to go back makes a match faster.
_PERSONS = (_person_line(rb"(" + _ORGS_FIELD + rb")") + rb"(?:"
            + _person_line(rb"(" + _ORGS_FIELD + rb")") + rb"(?:"
            + _person_line(rb"(" + _ORGS_FIELD + rb")") + rb"((?:"
            + _person_line(_ORGS_FIELD) + rb"){0,%d}+))?+)?+" % (MAX_PERSONS - 3))
_DECLARATION = re.compile(
    VERSION.encode() + rb" declaration\nserial (?:0|[1-9][0-9]{0,17}+)\n"
    rb"date ([0-9]{4}-[0-9]{2}-[0-9]{2})\nchannel (" + _TOKEN_64 + rb")\n" + _PERSONS
    + rb"statement (?:" + _B64_32 + rb"|-)\nprivate " + _B64_32 + rb"\n")
_ORGS_OF_PERSONS = re.compile(rb"person ([a-z,]+) ")

DeclarationKey = tuple["bytes | None", ...]


def declaration_key(data: bytes) -> DeclarationKey | None:
    """What a tally needs of a declaration entry, checked by one match of its canonical
    form without building any object: ``(date, channel, organizations of each person…)``
    as bytes, with None or ``b""`` in places where there are fewer than three persons
    (alike declarations have equal keys). None if ``data`` is not a canonical
    declaration in that form: :func:`parse_entry` then decides, and names the fault. The
    date is only of the form ``YYYY-MM-DD``: the caller must still check that it is a
    real day (``datetime.date.fromisoformat``), as parse_entry does.
    """
    if len(data) > MAX_ENTRY_SIZE:
        return None
    m = _DECLARATION.fullmatch(data)
    if m is None:
        return None
    key = m.groups()
    if key[5]:  # more than three persons
        return (*key[:5], *_ORGS_OF_PERSONS.findall(key[5]))
    return key


def declaration_keys(entries: list[bytes]) -> list[DeclarationKey | None]:
    """:func:`declaration_key` of each entry (of a bundle: at most 65,535 bytes each)."""
    fullmatch = _DECLARATION.fullmatch
    keys = [m.groups() if (m := fullmatch(e)) else None for e in entries]
    for k, key in enumerate(keys):
        if key is not None and key[5]:  # more than three persons: rare
            keys[k] = (*key[:5], *_ORGS_OF_PERSONS.findall(key[5]))
    return keys


def key_organizations(key: DeclarationKey) -> list[bytes]:
    """The organizations field of each person of a :func:`declaration_key`."""
    return [orgs for orgs in key[2:] if orgs]


_TALLY_NAMES = ("Delta", "DayTally", "Tally", "TallyChecker", "tally_delta")


def __getattr__(name: str) -> object:
    """Re-export the tally names of :mod:`tuidang.tlog.tally` (imported lazily)."""
    if name in _TALLY_NAMES:
        from . import tally

        return getattr(tally, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
