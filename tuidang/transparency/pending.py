"""What the next sequencer step appends: pending declarations and revocations, encoded.

Runs inside the sequencer's transaction. Declarations are read as plain rows and encoded
without building model instances or entry objects: at 10,000 a batch, those cost more
than everything else a step does. Their counts are summed per day and channel as they
are encoded, by the tally rule (a declaration adds its persons and organizations to its
own day and channel); revocations, rare, go through the entry objects and tally_delta.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import QuerySet

from tuidang.registry.models import Declaration, Person, Revocation, Status
from tuidang.tlog.entry import EntryError, encode_entry, parse_entry
from tuidang.tlog.tally import Delta, tally_delta
from tuidang.transparency import entries as log_entries
from tuidang.transparency.models import LogEntry

HOLD_ENTRY = "entry"


@dataclass
class Batch:
    """Entries to append, in log order (declarations first), and what they count."""

    declaration_ids: list[int] = field(default_factory=list)
    revocation_ids: list[int] = field(default_factory=list)
    encoded: list[bytes] = field(default_factory=list)
    persons: list[int] = field(default_factory=list)  # signed persons change of each entry
    deltas: list[Delta] = field(default_factory=list)  # declarations summed per day, channel
    places: Counter = field(default_factory=Counter)  # "region:…", "sector:…" changes
    held: list[int] = field(default_factory=list)  # declarations whose entry did not encode


def _raw_rows(queryset: QuerySet) -> list[tuple]:
    """The rows of a values_list query as the database driver returns them.

    Django's per-value converters cost more than the query itself; the entries module
    takes raw values (a date may be ISO text, a boolean 0 or 1).
    """
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def declarations(limit: int) -> Batch:
    """Up to `limit` accepted declarations not yet in the log, locked, in serial order.

    A declaration whose entry does not encode is held (reason "entry"), never a poison
    pill: intake checks every entry before commit, so this means a bug or a row written
    around the actions, and a moderator sees it in the queue.
    """
    batch = Batch()
    rows = _raw_rows(
        Declaration.objects.select_for_update()
        .filter(status=Status.ACCEPTED, log_index=None)
        .order_by("id")
        .values_list(*log_entries.DECLARATION_COLUMNS)[:limit]
    )
    if not rows:
        return batch
    # The persons of these declarations by the same filter within their id range: a join,
    # not a list of thousands of ids. One accepted meanwhile by another transaction may
    # show up here; it is not in `rows`, so it is ignored.
    persons = log_entries.persons_from_rows(_raw_rows(
        Person.objects.filter(
            declaration__status=Status.ACCEPTED, declaration__log_index=None,
            declaration_id__gte=rows[0][0], declaration_id__lte=rows[-1][0],
        )
        .order_by("declaration_id", "position")
        .values_list(*log_entries.PERSON_COLUMNS)
    ))
    sums: dict[tuple, list[int]] = {}
    for row in rows:
        group = persons.get(row[0])
        try:
            batch.encoded.append(log_entries.declaration_bytes(row, group))
        except EntryError:
            batch.held.append(row[0])
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
    batch.deltas = [
        Delta(log_entries.as_date(day), channel, *total) for (day, channel), total in sums.items()
    ]
    if batch.held:
        Declaration.objects.filter(id__in=batch.held).update(
            status=Status.HELD, hold_reason=HOLD_ENTRY
        )
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
    revoked = {
        index: parse_entry(bytes(data))
        for index, data in LogEntry.objects.filter(
            index__in={e.revokes for e in entries}
        ).values_list("index", "data")
    }
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
