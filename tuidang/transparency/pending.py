"""What the next sequencer step appends: screened declarations and revocations.

Runs inside the sequencer's transaction. Each declaration's entry was encoded at intake
and waits in the sequencer's inbox (registry.PendingEntry) with its serial: a step reads
the oldest ones with their declarations' rows, screens those just received (which of
them name a person an earlier declaration already named, the database answers while
this process reads the entries), and takes the entries of those accepted, checking
each entry's structure against its row (tlog.declaration.summarize_declaration) and
counting it by the tally rule (a declaration adds its persons and organizations to its
own day and channel). Revocations, rare, go through the entry objects and tally_delta.
"""

import datetime
import random
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast

from tuidang.registry import entries as log_entries
from tuidang.registry.models import (
    Declaration,
    PendingEntry,
    PersonIdentity,
    Revocation,
    Status,
)
from tuidang.registry.screening import HOLD_ENTRY, hold_reason, named_earlier
from tuidang.tlog.declaration import summarize_declaration
from tuidang.tlog.entry import EntryError, encode_entry, parse_entry
from tuidang.tlog.tally import Delta, tally_delta
from tuidang.transparency import storage

_COLUMNS = (
    # Read as text: SQLite's driver would otherwise call Django's date converter per row.
    "id", Cast("received_on", CharField()), "channel", "status", "log_index", "hold_reason",
    "statement_text",
)
_IN_CHUNK = 1000  # ids per IN (…) list


@dataclass
class Batch:
    """Entries to append, in log order (declarations first), and what they count."""

    declaration_ids: list[int] = field(default_factory=list)  # in log order
    revocation_ids: list[int] = field(default_factory=list)
    encoded: list[bytes] = field(default_factory=list)
    persons: list[int] = field(default_factory=list)  # signed persons change of each entry
    deltas: list[Delta] = field(default_factory=list)  # declarations summed per day, channel
    places: Counter = field(default_factory=Counter)  # "region:…", "sector:…" changes
    screened: int = 0
    held: dict[str, dict[int, bytes]] = field(default_factory=dict)  # reason → {id: entry}
    stale: list[int] = field(default_factory=list)  # inbox rows of no loggable declaration
    days: dict[datetime.date, list[int]] = field(default_factory=dict)  # [first, last] serial


def _raw_rows(queryset: QuerySet) -> list[tuple]:
    """The rows of a values_list query as the database driver returns them (Django's
    per-value converters cost more than the query itself)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _in_background(queryset: QuerySet) -> Future:
    """Run a values_list query on this transaction's connection in another thread, while
    this one goes on with work that does not touch the database: both drivers let go of
    Python's lock while the database works, so the two overlap (the query on the
    database server, or in SQLite's engine on the other core)."""
    sql, params = queryset.query.sql_with_params()
    cursor = connection.cursor()

    def run() -> list[tuple]:
        try:
            cursor.execute(sql, params)
            return cursor.fetchall()
        finally:
            cursor.close()

    return _BACKGROUND.submit(run)


_BACKGROUND = ThreadPoolExecutor(1, thread_name_prefix="sequencer-query")


def _rows(serials: list[int]) -> dict[int, tuple]:
    """{serial: row of _COLUMNS} of these declarations (ascending serials): a range read
    for each run of consecutive serials, lists of ids for the rest. (Not a join with the
    inbox: the planner may walk every declaration in serial order to find the inbox's.)"""
    found: dict[int, tuple] = {}
    scattered: list[int] = []
    for start, end in storage.runs(serials):
        if end - start >= storage.MIN_RUN:
            found.update(_decoded(Declaration.objects.filter(
                id__gte=serials[start], id__lte=serials[end - 1]).values_list(*_COLUMNS)))
        else:
            scattered += serials[start:end]
    for start in range(0, len(scattered), _IN_CHUNK):
        found.update(_decoded(Declaration.objects.filter(
            id__in=scattered[start:start + _IN_CHUNK]).values_list(*_COLUMNS)))
    return found


def _decoded(queryset: QuerySet) -> Iterator[tuple[int, tuple]]:
    """(serial, row) of the raw rows, channel and status as words (registry/coded.py)."""
    channels = Declaration._meta.get_field("channel").values
    statuses = Declaration._meta.get_field("status").values
    for serial, day, channel, status, *rest in _raw_rows(queryset):
        yield serial, (serial, day, channels[channel], statuses[status], *rest)


def _duplicates(received: list[int]) -> list[Future]:
    """Which of these received serials (ascending) name a person that an earlier
    declaration, not rejected or revoked, named: for the first persons, then for the
    others, one look-up per person in each identity index, done by the database.

    By serial range, not a list of thousands of ids (a declaration in the range that is
    not in the inbox is not received, or is screened by the next step). The test is in the
    select list, not the WHERE clause, where PostgreSQL would make it a join with the
    whole table whenever its statistics lag behind intake.
    """
    first, last = received[0], received[-1]
    return [
        _in_background(Declaration.objects.filter(id__gte=first, id__lte=last)
                       .annotate(duplicate=named_earlier("identity_digest", "id")).order_by()
                       .values_list("id", "duplicate")),
        _in_background(PersonIdentity.objects.filter(declaration_id__gte=first,
                                                     declaration_id__lte=last)
                       .annotate(duplicate=named_earlier("digest", "declaration_id"))
                       .order_by().values_list("declaration_id", "duplicate")),
    ]


@dataclass(frozen=True)
class Cutoff:
    """What a publication takes: the inbox up to this serial, revocations up to this id
    (what had arrived when its time came)."""

    serial: int
    revocation: int


def cutoff() -> Cutoff:
    newest = PendingEntry.objects.order_by("-declaration_id").values_list(
        "declaration_id", flat=True).first()
    revocation = Revocation.objects.filter(log_index=None).order_by("-id").values_list(
        "id", flat=True).first()
    return Cutoff(newest or 0, revocation or 0)


def declarations(limit: int, upto: Cutoff | None = None) -> Batch:
    """The oldest `limit` declarations of the inbox (up to the cutoff): those just
    received are screened; the entries of those accepted (by screening now, or by a
    moderator since they were held) are taken, to be appended in a random order.

    A declaration whose entry does not match its row is held (reason "entry"), never a
    poison pill: intake writes every entry with its row, so this means a bug or a row
    written around the actions, and a moderator sees it in the queue.
    """
    batch = Batch()
    queue = PendingEntry.objects.order_by("declaration_id")
    if upto is not None:
        queue = queue.filter(declaration_id__lte=upto.serial)
    inbox = _raw_rows(queue.values_list("declaration_id", "data")[:limit])
    if not inbox:
        return batch
    rows = _rows([serial for serial, _data in inbox])
    received = [serial for serial, _data in inbox
                if rows.get(serial, (0, 0, 0, ""))[3] == Status.RECEIVED]
    duplicates = _duplicates(received) if received else []
    try:
        summaries = []
        for _serial, data in inbox:
            try:
                summaries.append(summarize_declaration(bytes(data)))
            except EntryError:
                summaries.append(None)
    finally:
        named = {serial for future in duplicates
                 for serial, duplicate in future.result() if duplicate}
    sums: dict[tuple, list[int]] = {}
    for (serial, data), summary in zip(inbox, summaries, strict=True):
        row = rows.get(serial)
        if row is None:
            batch.stale.append(serial)  # cannot be: the row's deletion takes its entry
            continue
        _serial, day, channel, status, log_index, intake_hold, statement_text = row
        if status == Status.RECEIVED:
            batch.screened += 1
            span = batch.days.setdefault(_day(day), [serial, serial])
            span[1] = serial  # rows come in serial order
            reason = hold_reason(intake_hold, serial in named, statement_text)
        elif status == Status.ACCEPTED and log_index is None:
            reason = ""
        else:
            batch.stale.append(serial)  # revoked or logged meanwhile: nothing to do
            continue
        if not reason and (summary is None or (summary.serial, summary.date, summary.channel)
                           != (serial, day, channel)):
            reason = HOLD_ENTRY
        if reason:
            batch.held.setdefault(reason, {})[serial] = bytes(data)
            continue
        batch.encoded.append(bytes(data))
        batch.declaration_ids.append(serial)
        batch.persons.append(summary.persons)
        batch.places.update(summary.places)
        total = sums.get((day, channel))
        if total is None:
            total = sums[(day, channel)] = [0, 0, 0, 0, 0]
        total[0] += 1
        total[1] += summary.persons
        total[2] += summary.party
        total[3] += summary.league
        total[4] += summary.pioneers
    batch.deltas = [Delta(_day(day), channel, *total)
                    for (day, channel), total in sums.items()]
    _shuffle(batch)
    return batch


def _shuffle(batch: Batch) -> None:
    """Nothing public may show in which order a batch's declarations arrived: their
    entries are appended in a random order (serials, which follow arrival, stay in the
    entries themselves, as the format has them)."""
    order = list(range(len(batch.encoded)))
    _RANDOM.shuffle(order)
    batch.declaration_ids = [batch.declaration_ids[i] for i in order]
    batch.encoded = [batch.encoded[i] for i in order]
    batch.persons = [batch.persons[i] for i in order]


_RANDOM = random.SystemRandom()


def _day(value: datetime.date | str) -> datetime.date:
    return value if isinstance(value, datetime.date) else _iso_date(value)


_DAYS: dict[str, datetime.date] = {}


def _iso_date(text: str) -> datetime.date:
    day = _DAYS.get(text)
    if day is None:
        if len(_DAYS) > 64:  # a batch holds a few distinct days
            _DAYS.clear()
        day = _DAYS[text] = datetime.date.fromisoformat(text)
    return day


def add_revocations(batch: Batch, limit: int, upto: Cutoff | None = None) -> None:
    """Append up to `limit` pending revocations (up to the cutoff), locked, after the
    declarations: in a random order, but those of one declaration in the order they
    were decided (one person's before the rest of the declaration's).

    What a revocation subtracts, its counts and its regions and sectors, are those of the
    persons it takes (`Revocation.positions`) in the declaration entry it revokes, read
    back from the log.
    """
    if limit <= 0:
        return
    queue = Revocation.objects.select_for_update().filter(log_index=None)
    if upto is not None:
        queue = queue.filter(id__lte=upto.revocation)
    revocations = list(queue.select_related("declaration").order_by("id")[:limit])
    if not revocations:
        return
    keys = {r.declaration_id: _RANDOM.random() for r in revocations}
    revocations.sort(key=lambda r: (keys[r.declaration_id], r.id))
    revoked = {index: parse_entry(data) for index, data in storage.entries(
        {r.declaration.log_index for r in revocations}).items()}
    for revocation in revocations:
        persons = [revoked[revocation.declaration.log_index].persons[position]
                   for position in bytes(revocation.positions)]
        counts = [sum(int(c) for c in column)
                  for column in zip(*(p.counts() for p in persons), strict=True)]
        entry = log_entries.revocation_entry(revocation, tuple(counts))
        batch.encoded.append(encode_entry(entry))
        batch.revocation_ids.append(revocation.id)
        delta = tally_delta(entry)
        batch.deltas.append(delta)
        batch.persons.append(delta.persons)
        for person in persons:
            if person.region:
                batch.places[f"region:{person.region}"] -= 1
            if person.sector:
                batch.places[f"sector:{person.sector}"] -= 1
