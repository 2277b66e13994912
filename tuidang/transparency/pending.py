"""What the next sequencer step appends: screened declarations and revocations, encoded.

Runs inside the sequencer's transaction. A step reads the received declarations once:
their rows, their persons (with the database's answer to "did an earlier declaration
name this person?"), screens them, and encodes the accepted ones together with those a
moderator accepted since the last step; the sequencer then writes each accepted row
once (status, log index, published). Rows are plain tuples, encoded without building
model instances or entry objects: at 10,000 a batch, those cost more than everything
else a step does. Counts are summed per day and channel as they are encoded, by the
tally rule (a declaration adds its persons and organizations to its own day and
channel); revocations, rare, go through the entry objects and tally_delta.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import QuerySet

from tuidang.registry.models import Declaration, Person, Revocation, Status
from tuidang.registry.screening import hold_reason, named_earlier
from tuidang.tlog.entry import EntryError, encode_entry, parse_entry
from tuidang.tlog.tally import Delta, tally_delta
from tuidang.transparency import entries as log_entries
from tuidang.transparency import storage

HOLD_ENTRY = "entry"
_RECEIVED_COLUMNS = (*log_entries.DECLARATION_COLUMNS, "hold_reason")
_IN_CHUNK = 1000  # ids per IN (…) list


@dataclass
class Batch:
    """Entries to append, in log order (declarations first), and what they count."""

    declaration_ids: list[int] = field(default_factory=list)  # ascending
    revocation_ids: list[int] = field(default_factory=list)
    encoded: list[bytes] = field(default_factory=list)
    persons: list[int] = field(default_factory=list)  # signed persons change of each entry
    deltas: list[Delta] = field(default_factory=list)  # declarations summed per day, channel
    places: Counter = field(default_factory=Counter)  # "region:…", "sector:…" changes
    screened: int = 0
    held: dict[str, list[int]] = field(default_factory=dict)  # reason → ids
    days: dict[datetime.date, list[int]] = field(default_factory=dict)  # [first, last] serial


def _raw_rows(queryset: QuerySet) -> list[tuple]:
    """The rows of a values_list query as the database driver returns them.

    Django's per-value converters cost more than the query itself; the entries module
    takes raw values (a date may be ISO text, a boolean 0 or 1).
    """
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _received(limit: int, batch: Batch) -> tuple[list[tuple], dict]:
    """Up to `limit` received declarations in serial order, screened: the accepted rows
    and the encoded persons of all. Holds are recorded in `batch.held`."""
    rows = _raw_rows(
        Declaration.objects.filter(status=Status.RECEIVED).order_by("id")
        .values_list(*_RECEIVED_COLUMNS)[:limit]
    )
    if not rows:
        return [], {}
    # Persons by a join within the batch's id range, not a list of thousands of ids. One
    # committed meanwhile in the range may show up; it is not in `rows`, so it is ignored
    # (and screened by the next step).
    person_rows = _raw_rows(
        Person.objects.filter(
            declaration__status=Status.RECEIVED,
            declaration_id__gte=rows[0][0], declaration_id__lte=rows[-1][0],
        )
        .annotate(duplicate=named_earlier())
        .order_by("declaration_id", "position")
        .values_list(*log_entries.PERSON_COLUMNS, "duplicate")
    )
    duplicates = {row[0] for row in person_rows if row[-1]}
    persons = log_entries.persons_from_rows(row[:-1] for row in person_rows)
    accepted = []
    batch.screened = len(rows)
    for row in rows:
        serial, day = row[0], log_entries.as_date(row[2])
        span = batch.days.get(day)
        if span is None:
            batch.days[day] = [serial, serial]
        else:
            span[1] = serial  # rows come in serial order
        reason = hold_reason(row[-1], serial in duplicates, row[4])
        if reason:
            batch.held.setdefault(reason, []).append(serial)
        else:
            accepted.append(row[:-1])
    return accepted, persons


def _accepted_by_moderators(limit: int) -> tuple[list[tuple], dict]:
    """Declarations accepted after being held, not yet in the log (a few at a time)."""
    rows = _raw_rows(
        Declaration.objects.filter(status=Status.ACCEPTED, log_index=None).order_by("id")
        .values_list(*log_entries.DECLARATION_COLUMNS)[:limit]
    )
    persons: dict = {}
    for start in range(0, len(rows), _IN_CHUNK):
        ids = [row[0] for row in rows[start:start + _IN_CHUNK]]
        persons.update(log_entries.persons_from_rows(_raw_rows(
            Person.objects.filter(declaration_id__in=ids)
            .order_by("declaration_id", "position").values_list(*log_entries.PERSON_COLUMNS)
        )))
    return rows, persons


def declarations(limit: int) -> Batch:
    """Screen up to `limit` received declarations, and encode the accepted ones with those
    a moderator accepted, in serial order (`limit` entries at most).

    A declaration whose entry does not encode is held (reason "entry"), never a poison
    pill: intake checks every entry before commit, so this means a bug or a row written
    around the actions, and a moderator sees it in the queue.
    """
    batch = Batch()
    received, persons = _received(limit, batch)
    moderated, more_persons = _accepted_by_moderators(limit)
    persons.update(more_persons)
    rows = sorted(received + moderated) if moderated else received
    sums: dict[tuple, list[int]] = {}
    for row in rows[:limit]:
        group = persons.get(row[0])
        try:
            batch.encoded.append(log_entries.declaration_bytes(row, group))
        except EntryError:
            batch.held.setdefault(HOLD_ENTRY, []).append(row[0])
            continue
        batch.declaration_ids.append(row[0])
        count = len(group.lines)
        batch.persons.append(count)
        batch.places.update(group.places)
        key = (row[2], row[1])  # day, channel
        total = sums.get(key)
        if total is None:
            total = sums[key] = [0, 0, 0, 0, 0]
        total[0] += 1
        total[1] += count
        total[2] += group.party
        total[3] += group.league
        total[4] += group.pioneers
    # Received rows past the limit (moderators' took their place) stay received: the
    # next step screens them again, to the same outcome.
    batch.deltas = [
        Delta(log_entries.as_date(day), channel, *total) for (day, channel), total in sums.items()
    ]
    return batch


def add_revocations(batch: Batch, limit: int) -> None:
    """Append up to `limit` pending revocations, locked, in order, after the declarations.

    A revocation's region and sector changes are those of the declaration entry it
    revokes, read back from the log.
    """
    if limit <= 0:
        return
    revocations = list(
        Revocation.objects.select_for_update()
        .filter(log_index=None)
        .select_related("declaration")
        .order_by("id")[:limit]
    )
    if not revocations:
        return
    entries = [log_entries.revocation_entry(r) for r in revocations]
    revoked = {index: parse_entry(data)
               for index, data in storage.entries({e.revokes for e in entries}).items()}
    for revocation, entry in zip(revocations, entries, strict=True):
        batch.encoded.append(encode_entry(entry))
        batch.revocation_ids.append(revocation.id)
        delta = tally_delta(entry)
        batch.deltas.append(delta)
        batch.persons.append(delta.persons)
        for person in revoked[entry.revokes].persons:
            if person.region:
                batch.places[f"region:{person.region}"] -= 1
            if person.sector:
                batch.places[f"sector:{person.sector}"] -= 1
