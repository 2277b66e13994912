"""Storing many declarations with a few statements: imports and group commit.

`prepare` turns validated declarations into rows (the secret part of the receipt codes,
identity digests, salts, the check that the log can hold each entry) without touching
the database, so an import can run it in worker processes. `store` then gives the rows
their serials, makes the receipt codes and their verifiers (the serial is part of the
code), seals the private fields of those that have any (the serial is part of the sealed
record), and writes everything with one statement per table: executemany on SQLite,
COPY on PostgreSQL. Model instances, and Django's bulk_create building an
INSERT of thousands of placeholders, cost more than everything else together.
"""

from __future__ import annotations

import datetime
import os
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured
from django.db import NotSupportedError, connection

from tuidang.registry import dates, identity, sealing
from tuidang.registry.choices import ORGANIZATIONS
from tuidang.registry.models import Declaration, Person, StatementStatus, Status
from tuidang.registry.receipts import make_code, new_secrets, verifier
from tuidang.tlog.bundle import MAX_ENTRY_SIZE
from tuidang.tlog.entry import MAX_NAME_LENGTH, MAX_PERSONS, commitment, encode_entry

if TYPE_CHECKING:  # actions imports this module
    from tuidang.registry.actions import DeclarationData, PersonData

# Rows are built positionally in the models' own field order (Model.from_db needs it).
DECLARATION_COLUMNS = (
    "id", "status", "channel", "received_on", "helper_id", "receipt_hash", "hold_reason",
    "person_count", "party_count", "league_count", "pioneers_count", "statement_title",
    "statement_text", "statement_status", "statement_salt", "sealed_private",
    "private_commitment", "log_index", "is_published", "import_key",
)
PERSON_COLUMNS = (
    "id", "declaration_id", "position", "display_name", "is_real_name", "party", "league",
    "pioneers", "region", "country", "sector", "identity_digest",
)
for _model, _columns in ((Declaration, DECLARATION_COLUMNS), (Person, PERSON_COLUMNS)):
    if tuple(f.attname for f in _model._meta.concrete_fields) != _columns:
        raise ImproperlyConfigured(f"registry/bulk.py: update the columns of {_model.__name__}: "
                                   f"{[f.attname for f in _model._meta.concrete_fields]}")
_ID, _RECEIPT, _SEALED, _COMMITMENT, IMPORT_KEY = 0, 5, 15, 16, 19
_PERSON_DECLARATION = 1


@dataclass(frozen=True)
class Intake:
    """What the declarations of one batch share; plain values, for worker processes."""

    channel: str
    helper_id: int | None
    received_on: datetime.date
    key: str  # RECEIPT_KEY

    @classmethod
    def now(cls, channel: str, helper: AbstractBaseUser | None) -> Intake:
        return cls(channel, helper.pk if helper is not None else None, dates.today(),
                   settings.RECEIPT_KEY)


@dataclass(slots=True)
class Prepared:
    """One declaration's rows, waiting for a serial (row[0], and each person's
    declaration_id). `private` is the payload to seal with the serial, or None; `secret`
    the secret part of the receipt code, which `store` completes with the serial."""

    secret: str
    row: list
    persons: list[list]
    private: dict | None
    code: str = ""


def prepare(items: list[DeclarationData], intake: Intake,
            names: list[list[str]] | None = None) -> list[Prepared]:
    """Rows for validated declarations. `names`, if given, are the persons' names as
    identity.normalize_name gives them (the import has them from its check already).

    Raises ValueError for a declaration without persons and tlog's EntryError for one
    the public log could not hold, before anything is written.
    """
    count = len(items)
    secrets = new_secrets(count)
    salts = os.urandom(16 * count)
    person = identity.person_hasher(intake.key)
    _check_intake(intake)
    prepared = []
    for index, item in enumerate(items):
        persons = item.persons
        if not persons:
            raise ValueError("a declaration covers at least one person")
        if not _entry_fits(persons):
            _check_entry_slowly(item, intake, salts[16 * index : 16 * index + 16])
        normalized = names[index] if names is not None else [
            identity.normalize_name(p.display_name) for p in persons]
        party = league = pioneers = 0
        person_rows = []
        for position, (p, name) in enumerate(zip(persons, normalized, strict=True)):
            orgs = p.organizations
            in_party, in_league, in_pioneers = ("party" in orgs, "league" in orgs,
                                                "pioneers" in orgs)
            party += in_party
            league += in_league
            pioneers += in_pioneers
            person_rows.append([
                None, None, position, p.display_name, p.is_real_name, in_party, in_league,
                in_pioneers, p.region, p.country, p.sector,
                person(f"{name}|{identity.organizations_key(orgs)}"),
            ])
        private_persons = [(p.private_real_name, p.birth_year) for p in persons]
        if sealing.is_empty(item.contact, item.notes, private_persons):
            # The sequencer draws the entry's random `private` line (sealing.py).
            private, commitment_value = None, b""
        else:
            private = {"helper": intake.helper_id, "contact": item.contact,
                       "notes": item.notes, "persons": [
                           {"real_name": name, "birth_year": year}
                           for name, year in private_persons]}
            commitment_value = b""
        prepared.append(Prepared(secrets[index], [
            None, Status.RECEIVED, intake.channel, intake.received_on, intake.helper_id,
            None, item.intake_hold, len(persons), party, league,
            pioneers, item.statement_title, item.statement_text,
            StatementStatus.PENDING if item.statement_text else StatementStatus.NONE,
            salts[16 * index : 16 * index + 16] if item.statement_text else b"", None,
            commitment_value, None, False, item.import_key,
        ], person_rows, private))
    return prepared


def store(prepared: list[Prepared]) -> list[int]:
    """Write prepared declarations (inside the caller's transaction); their serials.

    Raises IntegrityError if a row breaks a constraint (an import key that exists).
    """
    if not prepared:
        return []
    ids = _new_ids(len(prepared))
    receipt = verifier(settings.RECEIPT_KEY)
    declarations, persons = [], []
    for serial, item in zip(ids, prepared, strict=True):
        item.row[_ID] = serial
        item.row[_RECEIPT] = receipt(serial, item.secret)
        item.code = make_code(serial, item.secret)
        for row in item.persons:
            row[_PERSON_DECLARATION] = serial
        if item.private is not None:
            item.row[_SEALED], item.row[_COMMITMENT] = sealing.seal(
                {"serial": serial, **item.private})
        declarations.append(item.row)
        persons.extend(item.persons)
    _insert(Declaration._meta.db_table, DECLARATION_COLUMNS, declarations, 0)
    _insert(Person._meta.db_table, PERSON_COLUMNS[1:], persons, 1)
    return ids


def as_declaration(item: Prepared, helper: AbstractBaseUser | None) -> Declaration:
    """The stored declaration as a model instance, without reading it back."""
    declaration = Declaration.from_db(connection.alias, None, item.row)
    if helper is not None:
        declaration.helper = helper
    return declaration


# -- the database ----------------------------------------------------------------------


def existing_import_keys(keys: list[bytes]) -> set[bytes]:
    """Those of `keys` that a stored declaration has (one query; the ORM's IN costs a
    microsecond a value to build)."""
    table = connection.ops.quote_name(Declaration._meta.db_table)
    found = set()
    with connection.cursor() as cursor:
        for start in range(0, len(keys), 1000):  # SQLite allows 32,766 parameters
            chunk = keys[start : start + 1000]
            sql = (f"SELECT import_key FROM {table} WHERE import_key IN "  # noqa: S608
                   f"({', '.join(['%s'] * len(chunk))})")
            cursor.execute(sql, chunk)
            found.update(bytes(row[0]) for row in cursor.fetchall())
    return found


@contextmanager
def large_cache(megabytes: int = 256) -> Iterator[None]:
    """A larger page cache for this SQLite connection while a long import runs: its
    random keys (receipt hashes, import keys, identity digests) touch index pages all
    over, and re-reading them costs a fifth of the writing time. No-op elsewhere."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-1024 * int(megabytes)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _new_ids(count: int) -> list[int]:
    table = Declaration._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Serials taken from the sequence are never handed out again, whatever happens.
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                           "FROM generate_series(1, %s)", [table, count])
            return sorted(row[0] for row in cursor.fetchall())
        if connection.vendor == "sqlite":
            # The transaction holds SQLite's write lock (BEGIN IMMEDIATE), so nobody can
            # take these serials meanwhile; AUTOINCREMENT never reuses one (its highest
            # is kept in sqlite_sequence), and the insert moves that mark past them.
            quoted = connection.ops.quote_name(table)
            sql = ("SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "  # noqa: S608
                   f"coalesce((SELECT max(id) FROM {quoted}), 0))")
            cursor.execute(sql, [table])
            first = cursor.fetchone()[0] + 1
            return list(range(first, first + count))
    raise NotSupportedError(f"bulk intake does not support {connection.vendor}")


def _insert(table: str, columns: tuple[str, ...], rows: list[list], skip: int) -> None:
    """Insert rows (lists of values in `columns` order, after `skip` leading values)."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    if connection.vendor == "postgresql":
        sql = f"COPY {quote(table)} ({names}) FROM STDIN"
        with (connection.cursor() as cursor, connection.wrap_database_errors,
              cursor.cursor.copy(sql) as copy):
            for row in rows:
                copy.write_row(row[skip:] if skip else row)
        return
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, [row[skip:] for row in rows] if skip else rows)


# -- the entry check -------------------------------------------------------------------

_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # tlog/entry.py's tokens and regions
_REGION = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*|overseas:[A-Z]{2}")
# The longest person line: organizations, flag, region and sector (64 characters at
# most each), a name of 40 characters of up to 4 bytes; the rest of an entry is short.
_LONGEST_PERSON = len("person party,league,pioneers alias ") + 64 + 1 + 64 + 1 + 4 * 40 + 1
_LONGEST_REST = 400


def _check_intake(intake: Intake) -> None:
    if not (len(intake.channel) <= 64 and _TOKEN.fullmatch(intake.channel)
            and type(intake.received_on) is datetime.date):
        raise ValueError(f"not a valid intake: {intake!r}")


@lru_cache(maxsize=1024)
def _token_ok(value: str, pattern: re.Pattern) -> bool:
    return len(value) <= 64 and pattern.fullmatch(value) is not None


@lru_cache(maxsize=64)
def _organizations_ok(organizations: tuple) -> bool:
    return bool(organizations) and tuple(o for o in ORGANIZATIONS if o in organizations) == \
        organizations


def _entry_fits(persons: list[PersonData]) -> bool:
    """True only if tlog's encode_entry surely accepts a declaration of these persons:
    the same rules, decided quickly for the common case (False means "look closer")."""
    if not 1 <= len(persons) <= MAX_PERSONS or \
            len(persons) * _LONGEST_PERSON + _LONGEST_REST > MAX_ENTRY_SIZE:
        return False
    for p in persons:
        name = p.display_name
        # isprintable() is False for every C*, Zl and Zp character (and other spaces).
        if not (type(name) is str and 1 <= len(name) <= MAX_NAME_LENGTH
                and name.isprintable() and name == name.strip()
                and unicodedata.is_normalized("NFC", name)):
            return False
        if type(p.is_real_name) is not bool or type(p.organizations) is not tuple \
                or not _organizations_ok(p.organizations):
            return False
        region = f"overseas:{p.country}" if p.region == "overseas" else p.region
        if region and not _token_ok(region, _REGION):
            return False
        if p.sector and not _token_ok(p.sector, _TOKEN):
            return False
    return True


def _check_entry_slowly(item: DeclarationData, intake: Intake, salt: bytes) -> None:
    """Encode the entry as the sequencer will (raises EntryError if it cannot)."""
    from tuidang.transparency.entries import declaration_entry

    declaration = Declaration(
        pk=10**18 - 1, channel=intake.channel, received_on=intake.received_on,
        statement_title=item.statement_title, statement_text=item.statement_text,
        statement_salt=salt, private_commitment=commitment(salt, b""),
    )
    persons = [Person(display_name=p.display_name, is_real_name=p.is_real_name,
                      party="party" in p.organizations, league="league" in p.organizations,
                      pioneers="pioneers" in p.organizations, region=p.region,
                      country=p.country, sector=p.sector) for p in item.persons]
    encode_entry(declaration_entry(declaration, persons))
