"""Checking what a service publishes beside its log against the log (entry format v2).

The log holds no names: each person's displayed name is a salted commitment. A service
publishes the names with their salts (tuidang's open data: ``/data/statements.json`` and
the day files), and the approved statements with theirs. :func:`check_published` checks
each published record against the entry it names, and that nothing is published of a
declaration or a person the log has revoked — a service that kept publishing a withdrawn
name would be caught here.

A record is a mapping as tuidang's open data writes it::

    {"serial": 1042, "log_index": 17, "persons": [
        {"position": 0, "name": "张三", "name_salt": "<base64>", "organizations": [...],
         "real_name": true, "region": "beijing", "sector": "teacher"},
        {"position": 1, "withdrawn": true}],
     "statement": {"title": "…", "text": "…", "salt": "<base64>"} or null, …}
"""

from __future__ import annotations

import binascii
from collections.abc import Callable, Iterable, Mapping

from .entry import (
    DeclarationEntry,
    EntryError,
    check_published_name,
    name_commitment,
    parse_entry,
    statement_commitment,
)

__all__ = ["PublishedError", "check_published", "log_indices"]


class PublishedError(ValueError):
    """A published record does not match the log, or publishes what the log revoked."""


def log_indices(records: Iterable[Mapping]) -> set[int]:
    """The log indices the records name (to keep those entries while auditing)."""
    found = set()
    for record in records:
        index = record.get("log_index") if isinstance(record, Mapping) else None
        if type(index) is not int or index < 0:
            raise PublishedError(f"a record without a valid log_index: {str(record)[:80]}")
        found.add(index)
    return found


def _salt(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise PublishedError(f"{what}: no salt")
    try:
        salt = binascii.a2b_base64(value.encode("ascii"), strict_mode=True)
    except (ValueError, UnicodeEncodeError):
        raise PublishedError(f"{what}: the salt is not base64") from None
    if len(salt) < 16:
        raise PublishedError(f"{what}: the salt is shorter than 16 bytes")
    return salt


def _check_person(where: str, person: Mapping, entry: DeclarationEntry,
                  revoked: Callable[[int], bool]) -> int:
    position = person.get("position")
    if type(position) is not int or not 0 <= position < len(entry.persons):
        raise PublishedError(f"{where}: no person at position {position!r} in the entry")
    if person.get("withdrawn") is True and "name" not in person:
        return 0
    if revoked(position):
        raise PublishedError(f"{where}: person {position} is revoked in the log but "
                             "still published")
    name = person.get("name")
    try:
        check_published_name(name)  # type: ignore[arg-type]
    except EntryError as e:
        raise PublishedError(f"{where}: person {position}: {e}") from None
    logged = entry.persons[position]
    if name_commitment(_salt(person.get("name_salt"), where), name) != logged.name_commitment:
        raise PublishedError(f"{where}: the name of person {position} does not match the "
                             "log's commitment")
    shown = (tuple(person.get("organizations") or ()), person.get("real_name"),
             person.get("region"), person.get("sector"))
    if shown != (logged.organizations, logged.real_name, logged.region, logged.sector):
        raise PublishedError(f"{where}: person {position} differs from the log entry")
    return 1


def check_published(records: Iterable[Mapping], entries: Mapping[int, bytes],
                    revoked: Callable[[int, int | None], bool]) -> int:
    """Check each record against the verified entry at its log index; return how many
    names were checked. ``revoked(index, position)`` says whether the log revoked the
    declaration (position None) or that person. PublishedError names the first record
    that does not match."""
    names = 0
    for record in records:
        index, serial = record.get("log_index"), record.get("serial")
        where = f"published declaration {serial!r} (log index {index!r})"
        if index not in entries:
            raise PublishedError(f"{where}: no such entry in the log")
        try:
            entry = parse_entry(entries[index])
        except EntryError as e:
            raise PublishedError(f"{where}: {e}") from None
        if not isinstance(entry, DeclarationEntry) or entry.serial != serial:
            raise PublishedError(f"{where}: the log's entry there is not this declaration")
        if revoked(index, None):
            raise PublishedError(f"{where}: revoked in the log but still published")
        persons = record.get("persons")
        if not isinstance(persons, list):
            raise PublishedError(f"{where}: no persons")
        for person in persons:
            if not isinstance(person, Mapping):
                raise PublishedError(f"{where}: a person is not an object")
            names += _check_person(where, person, entry, lambda p, i=index: revoked(i, p))
        statement = record.get("statement")
        if statement is not None:
            if not isinstance(statement, Mapping) or entry.statement_commitment is None:
                raise PublishedError(f"{where}: a statement the log does not commit to")
            title, text = statement.get("title"), statement.get("text")
            if not (isinstance(title, str) and isinstance(text, str)) or statement_commitment(
                    _salt(statement.get("salt"), where), title, text) != (
                    entry.statement_commitment):
                raise PublishedError(f"{where}: the statement does not match the log")
    return names
