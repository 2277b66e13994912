"""Storing many declarations with a few statements: imports and group commit.

`prepare` turns validated declarations into rows (the secret part of the receipt codes,
identity digests, salts, and each log entry encoded but for its serial and private
commitment) without touching the database, so an import can run it in worker processes.
`store` then gives the rows their serials, makes the receipt codes and their verifiers
(the serial is part of the code), seals the private fields of those that have any (the
serial is part of the sealed record), completes the entries (registry.PendingEntry, what
the sequencer appends), and writes everything with one statement per table: executemany
on SQLite, COPY on PostgreSQL. Model instances, and Django's bulk_create building an
INSERT of thousands of placeholders, cost more than everything else together.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured
from django.db import NotSupportedError, connection

from tuidang.registry import dates, identity, people, sealing
from tuidang.registry.entries import entry_region
from tuidang.registry.models import (
    Declaration,
    PendingEntry,
    PersonIdentity,
    StatementStatus,
    Status,
)
from tuidang.registry.receipts import make_code, new_secrets, verifier
from tuidang.tlog.declaration import complete_declaration, declaration_body
from tuidang.tlog.entry import (
    check_published_name,
    name_commitment,
    person_line,
    statement_commitment,
)

if TYPE_CHECKING:  # actions imports this module
    from tuidang.registry.schema import DeclarationData

# Rows are built positionally in the models' own field order (Model.from_db needs it),
# with the values as the database keeps them: the coded columns as their codes
# (registry/coded.py), so that a row goes to the database as it is.
DECLARATION_COLUMNS = (
    "id", "status", "channel", "received_on", "helper_id", "receipt_hash", "hold_reason",
    "person_count", "party_count", "league_count", "pioneers_count", "people",
    "identity_digest", "statement_title", "statement_text", "statement_status",
    "statement_salt", "sealed_private", "private_commitment", "log_index", "is_published",
    "import_key",
)
IDENTITY_COLUMNS = ("declaration_id", "position", "digest")
for _model, _columns in ((Declaration, DECLARATION_COLUMNS), (PersonIdentity, IDENTITY_COLUMNS)):
    if tuple(f.attname for f in _model._meta.concrete_fields) != _columns:
        raise ImproperlyConfigured(f"intake/bulk.py: update the columns of {_model.__name__}: "
                                   f"{[f.attname for f in _model._meta.concrete_fields]}")
_ID, _RECEIPT, _SEALED, _COMMITMENT, IMPORT_KEY = 0, 5, 17, 18, 21
# (position in DECLARATION_COLUMNS, the field's values by code) of the coded columns.
_CODED = tuple((DECLARATION_COLUMNS.index(name), Declaration._meta.get_field(name).values)
               for name in ("status", "channel", "statement_status"))
_STATUS_CODES = Declaration._meta.get_field("status").codes
_CHANNEL_CODES = Declaration._meta.get_field("channel").codes
_STATEMENT_CODES = Declaration._meta.get_field("statement_status").codes


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
    """One declaration's rows, waiting for a serial (row[0], and the declaration_id of
    each of `identities`, the PersonIdentity rows of its persons after the first).
    `private` is the payload to seal with the serial, or None; `secret`
    the secret part of the receipt code and `entry` the log entry's body, which `store`
    completes with the serial (and `filler`, the random `private` line of an entry with
    nothing private: sealing.empty_commitment)."""

    secret: str
    row: list
    identities: list[list]
    private: dict | None
    entry: bytes
    filler: bytes
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
    fillers = os.urandom(32 * count)
    person = identity.person_hasher(intake.key)
    _check_intake(intake)
    received, channel = _STATUS_CODES[Status.RECEIVED], _CHANNEL_CODES[intake.channel]
    pending, no_statement = (_STATEMENT_CODES[StatementStatus.PENDING],
                             _STATEMENT_CODES[StatementStatus.NONE])
    prepared = []
    for index, item in enumerate(items):
        persons = item.persons
        if not persons:
            raise ValueError("a declaration covers at least one person")
        salt = salts[16 * index : 16 * index + 16] if item.statement_text else b""
        for p in persons:  # published beside the log, where the auditor checks them
            check_published_name(p.display_name)
        name_salts = [os.urandom(people.SALT_BYTES) for _p in persons]
        entry = declaration_body(intake.received_on, intake.channel, [
            person_line(name_commitment(name_salt, p.display_name), p.organizations,
                        p.is_real_name, entry_region(p.region, p.country), p.sector or None)
            for p, name_salt in zip(persons, name_salts, strict=True)
        ], statement_commitment(salt, item.statement_title, item.statement_text)
            if item.statement_text else None)
        normalized = names[index] if names is not None else [
            identity.normalize_name(p.display_name) for p in persons]
        party = league = pioneers = 0
        packed, digests = [], []
        for p, name, name_salt in zip(persons, normalized, name_salts, strict=True):
            orgs = p.organizations
            in_party, in_league, in_pioneers = ("party" in orgs, "league" in orgs,
                                                "pioneers" in orgs)
            party += in_party
            league += in_league
            pioneers += in_pioneers
            packed.append((p.display_name, p.is_real_name, in_party, in_league, in_pioneers,
                           p.region, p.country, p.sector, name_salt))
            digests.append(person(f"{name}|{identity.organizations_key(orgs)}"))
        identities = [[None, position, digest]
                      for position, digest in enumerate(digests) if position]
        private_persons = [(p.private_real_name, p.birth_year) for p in persons]
        if sealing.is_empty(item.contact, item.notes, private_persons):
            # The entry's `private` line is random (the filler drawn above; sealing.py).
            private, commitment_value = None, b""
        else:
            private = {"helper": intake.helper_id, "contact": item.contact,
                       "notes": item.notes, "persons": [
                           {"real_name": name, "birth_year": year}
                           for name, year in private_persons]}
            commitment_value = b""
        prepared.append(Prepared(secrets[index], [
            None, received, channel, intake.received_on, intake.helper_id,
            None, item.intake_hold, len(persons), party, league,
            pioneers, people.pack(packed), digests[0], item.statement_title,
            item.statement_text,
            pending if item.statement_text else no_statement,
            salt, None, commitment_value, None, False, item.import_key,
        ], identities, private, entry, fillers[32 * index : 32 * index + 32]))
    return prepared


def store(prepared: list[Prepared]) -> list[int]:
    """Write prepared declarations (inside the caller's transaction); their serials.

    Raises IntegrityError if a row breaks a constraint (an import key that exists).
    """
    if not prepared:
        return []
    ids = _new_ids(len(prepared))
    receipt = verifier(settings.RECEIPT_KEY)
    declarations, identities, entries = [], [], []
    for serial, item in zip(ids, prepared, strict=True):
        item.row[_ID] = serial
        item.row[_RECEIPT] = receipt(serial, item.secret)
        item.code = make_code(serial, item.secret)
        for row in item.identities:
            row[0] = serial
        if item.private is not None:
            item.row[_SEALED], item.row[_COMMITMENT] = sealing.seal(
                {"serial": serial, **item.private})
        declarations.append(item.row)
        identities.extend(item.identities)
        entries.append((serial, complete_declaration(
            serial, item.entry, bytes(item.row[_COMMITMENT]) or item.filler)))
    _insert(Declaration._meta.db_table, DECLARATION_COLUMNS, declarations, 0)
    if identities:
        _insert(PersonIdentity._meta.db_table, IDENTITY_COLUMNS, identities, 0)
    _insert(PendingEntry._meta.db_table, ("declaration_id", "data"), entries, 0)
    return ids


def as_declaration(item: Prepared, helper: AbstractBaseUser | None) -> Declaration:
    """The stored declaration as a model instance, without reading it back."""
    values = item.row.copy()
    for position, by_code in _CODED:  # as from_db_value would give them
        values[position] = by_code[values[position]]
    declaration = Declaration.from_db(connection.alias, None, values)
    if helper is not None:
        declaration.helper = helper
    return declaration


# -- the database ----------------------------------------------------------------------


def existing_import_keys(keys: list[bytes]) -> set[bytes]:
    """Those of `keys` that a stored declaration has."""
    found = set()
    with connection.cursor() as cursor:
        for sql, params in import_key_queries(keys):
            cursor.execute(sql, params)
            found.update(bytes(row[0]) for row in cursor.fetchall())
    return found


def import_key_queries(keys: list[bytes]) -> Iterator[tuple[str, list]]:
    """The queries that find stored import keys, each a probe of the import-key index
    for every key (built by hand: building the ORM's IN cost more than the query)."""
    table = connection.ops.quote_name(Declaration._meta.db_table)
    if connection.vendor == "postgresql":
        # Given a thousand keys at once (`IN`, `= ANY`), PostgreSQL's planner reads the
        # whole table instead while that looks cheaper than a thousand probes (up to
        # hundreds of thousands of rows), so each batch of an import scanned all that
        # was imported before it. A LATERAL subquery with LIMIT is not turned into a
        # join, and an equality on a unique key is always an index probe.
        yield (f"SELECT wanted FROM unnest(%s::bytea[]) AS wanted CROSS JOIN LATERAL "  # noqa: S608
               f"(SELECT 1 FROM {table} WHERE import_key = wanted LIMIT 1) AS stored", [keys])
        return
    for start in range(0, len(keys), 1000):  # SQLite allows 32,766 parameters
        chunk = keys[start : start + 1000]
        yield (f"SELECT import_key FROM {table} WHERE import_key IN "  # noqa: S608
               f"({', '.join(['%s'] * len(chunk))})", chunk)


@contextmanager
def large_cache(megabytes: int = 256) -> Iterator[None]:
    """A larger page cache for this SQLite connection while a long import runs: its
    random keys (receipt hashes, import keys, identity digests) touch index pages all
    over, and re-reading them is a large part of the writing time. No-op elsewhere."""
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
            # The sequence is looked up once (MATERIALIZED), not once a row: that look-up
            # cost more than the nextval it names.
            cursor.execute("WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, 'id')"
                           "::regclass AS seq) SELECT nextval(s.seq) FROM s, "
                           "generate_series(1, %s)", [table, count])
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


# -- the intake ------------------------------------------------------------------------


def _check_intake(intake: Intake) -> None:
    # A channel of the model's choices is also one of tlog's channel tokens.
    if not (intake.channel in _CHANNEL_CODES and type(intake.received_on) is datetime.date):
        raise ValueError(f"not a valid intake: {intake!r}")
