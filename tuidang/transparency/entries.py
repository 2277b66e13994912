"""Turning declarations and revocations into log entries (format: docs/log-format.md).

Intake builds the entry of one declaration from its model instances (`declaration_entry`);
the sequencer encodes thousands a second straight from database rows (`persons_from_rows`,
`declaration_bytes`), without building objects. Both map fields with `_organizations`,
`_region` and `_statement`, and encode with tlog's `person_line` and
`encode_declaration`, so they give the same bytes (tests/test_sequencer_batch.py).
"""

import datetime
import functools
from collections.abc import Iterable

from tuidang.registry.models import Declaration, Person, Revocation
from tuidang.registry.sealing import empty_commitment
from tuidang.tlog.entry import (
    DeclarationEntry,
    EntryError,
    PersonEntry,
    RevocationEntry,
    commitment,
    encode_declaration,
    person_line,
)

# The columns the sequencer reads, in the order persons_from_rows and declaration_bytes
# expect them.
DECLARATION_COLUMNS = (
    "id", "channel", "received_on", "statement_title", "statement_text", "statement_salt",
    "private_commitment",
)
PERSON_COLUMNS = (
    "declaration_id", "display_name", "is_real_name", "party", "league", "pioneers", "region",
    "country", "sector",
)

# (party, league, pioneers) flags → the organizations of the entry. Rows straight from
# SQLite hold 0 and 1, which hash and compare equal to False and True.
_ORGANIZATIONS = {
    (party, league, pioneers): tuple(
        org for org, flag in (("party", party), ("league", league), ("pioneers", pioneers))
        if flag
    )
    for party in (False, True) for league in (False, True) for pioneers in (False, True)
}


def _region(region: str, country: str) -> str | None:
    return f"overseas:{country}" if region == "overseas" else region or None


def _statement(salt: bytes, title: str, text: str) -> bytes | None:
    return commitment(bytes(salt), f"{title}\n{text}".encode()) if text else None


def person_entry(person: Person) -> PersonEntry:
    return PersonEntry(
        name=person.display_name,
        organizations=_ORGANIZATIONS[person.party, person.league, person.pioneers],
        real_name=person.is_real_name,
        region=_region(person.region, person.country),
        sector=person.sector or None,
    )


def statement_payload(declaration: Declaration) -> bytes:
    return f"{declaration.statement_title}\n{declaration.statement_text}".encode()


def declaration_entry(declaration: Declaration, persons: list[Person]) -> DeclarationEntry:
    return DeclarationEntry(
        serial=declaration.pk,
        date=declaration.received_on,
        channel=declaration.channel,
        persons=tuple(person_entry(p) for p in persons),
        statement_commitment=_statement(
            declaration.statement_salt, declaration.statement_title, declaration.statement_text
        ),
        private_commitment=bytes(declaration.private_commitment) or empty_commitment(),
    )


class Persons:
    """The persons of one declaration, encoded: their lines and what they count."""

    __slots__ = ("error", "league", "lines", "party", "pioneers", "places")

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.party = self.league = self.pioneers = 0
        self.places: list[str] = []  # "region:…" and "sector:…" keys
        self.error: EntryError | None = None


def persons_from_rows(rows: Iterable[tuple]) -> dict[int, Persons]:
    """Encoded persons by declaration id, from `PERSON_COLUMNS` rows in position order.

    A person that does not encode marks its declaration with the error instead.
    """
    by_declaration: dict[int, Persons] = {}
    for declaration_id, name, real, party, league, pioneers, region, country, sector in rows:
        group = by_declaration.get(declaration_id)
        if group is None:
            group = by_declaration[declaration_id] = Persons()
        place = _region(region, country)
        try:
            group.lines.append(person_line(
                name, _ORGANIZATIONS[party, league, pioneers], bool(real), place, sector or None
            ))
        except EntryError as exc:
            group.error = exc
            continue
        group.party += party
        group.league += league
        group.pioneers += pioneers
        if place:
            group.places.append(f"region:{place}")
        if sector:
            group.places.append(f"sector:{sector}")
    return by_declaration


def declaration_bytes(row: tuple, persons: Persons | None) -> bytes:
    """The encoded entry of a `DECLARATION_COLUMNS` row; EntryError if it cannot be logged.

    The row may come straight from the database driver: SQLite gives dates as ISO text.
    """
    serial, channel, received_on, title, text, salt, private = row
    if persons is not None and persons.error is not None:
        raise persons.error
    return encode_declaration(
        serial, as_date(received_on), channel, persons.lines if persons else [],
        _statement(salt, title, text), bytes(private) or empty_commitment(),
    )


def as_date(value: datetime.date | str) -> datetime.date:
    return value if isinstance(value, datetime.date) else _iso_date(value)


@functools.lru_cache(maxsize=64)  # a batch holds a few distinct days
def _iso_date(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def revocation_entry(revocation: Revocation) -> RevocationEntry:
    declaration = revocation.declaration
    return RevocationEntry(
        serial=declaration.pk,
        date=revocation.decided_on,
        revokes=declaration.log_index,
        declared=declaration.received_on,
        channel=declaration.channel,
        persons=declaration.person_count,
        party=declaration.party_count,
        league=declaration.league_count,
        pioneers=declaration.pioneers_count,
        reason=revocation.reason,
    )
