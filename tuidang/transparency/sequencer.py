"""The sequencer: one step screens, appends entries, updates counters and signs.

Everything a step does happens in one database transaction, so a crash at any
instant leaves either the whole batch in the log, tiles, counters and checkpoint, or
none of it; the next step (after a restart) simply picks the batch up again. Only one
sequencer writes at a time: on PostgreSQL a transaction-level advisory lock, on SQLite
the single writer lock taken by BEGIN IMMEDIATE.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from tuidang.registry.counters import add_to_counters
from tuidang.registry.models import Declaration, Person, Revocation, Status, Total
from tuidang.registry.screening import screen_received
from tuidang.stats.milestones import record_crossings
from tuidang.tlog import tiles as tlog_tiles
from tuidang.tlog.checkpoint import Checkpoint, sign_checkpoint
from tuidang.tlog.entry import EntryError, RevocationEntry, encode_entry, parse_entry
from tuidang.tlog.hashing import EMPTY_ROOT, leaf_hash
from tuidang.tlog.tally import Tally, tally_delta
from tuidang.transparency import entries as log_entries
from tuidang.transparency import keys, storage
from tuidang.transparency.models import LogEntry, LogState, Tile

logger = logging.getLogger("tuidang.sequencer")

ADVISORY_LOCK_ID = 0x7475_6964  # "tuid"


@dataclass(frozen=True)
class StepResult:
    screened: int
    sequenced: int
    size: int


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_ID])


def _tally_from_totals() -> Tally:
    totals = dict(Total.objects.values_list("key", "value"))
    return Tally(
        entries=totals.get("entries", 0),
        declarations=totals.get("declarations", 0),
        revocations=totals.get("revocations", 0),
        persons=totals.get("persons", 0),
        party=totals.get("org:party", 0),
        league=totals.get("org:league", 0),
        pioneers=totals.get("org:pioneers", 0),
    )


def _revoked_entries(entries: list) -> dict:
    """The declaration entries this batch's revocations revoke, read in one query."""
    wanted = {e.revokes for e in entries if isinstance(e, RevocationEntry)}
    rows = LogEntry.objects.filter(index__in=wanted).values_list("index", "data") if wanted else ()
    return {index: parse_entry(bytes(data)) for index, data in rows}


def _counter_deltas(entries: list) -> tuple[dict, dict]:
    """Counter changes derived from the entries by the auditor's own rule.

    Region and sector totals (not per day) come from the persons of a declaration entry;
    a revocation subtracts those of the declaration entry it revokes.
    """
    totals: dict[str, int] = defaultdict(int)
    daily: dict = defaultdict(int)
    revoked = _revoked_entries(entries)
    for entry in entries:
        sign = -1 if isinstance(entry, RevocationEntry) else 1
        for person in (revoked[entry.revokes] if sign < 0 else entry).persons:
            if person.region:
                totals[f"region:{person.region}"] += sign
            if person.sector:
                totals[f"sector:{person.sector}"] += sign
        delta = tally_delta(entry)
        changes = {
            "persons": delta.persons,
            "declarations": delta.declarations,
            "org:party": delta.party,
            "org:league": delta.league,
            "org:pioneers": delta.pioneers,
            f"channel:{delta.channel}": delta.persons,
        }
        totals["entries"] += 1
        totals["revocations"] += int(delta.revocation)
        for key, value in changes.items():
            totals[key] += value
            daily[(delta.day, key)] += value
    return totals, daily


def _sign(size: int, root: bytes) -> bytes:
    checkpoint = Checkpoint(
        origin=settings.LOG_ORIGIN,
        size=size,
        root_hash=root,
        extensions=(_tally_from_totals().extension_line(),),
    )
    return sign_checkpoint(checkpoint, keys.signer())


def _pending(limit: int) -> tuple[list[Declaration], dict[int, list[Person]], list[Revocation]]:
    declarations = list(
        Declaration.objects.select_for_update()
        .filter(status=Status.ACCEPTED, log_index=None)
        .order_by("id")[:limit]
    )
    persons: dict[int, list[Person]] = defaultdict(list)
    for person in Person.objects.filter(declaration__in=[d.id for d in declarations]):
        persons[person.declaration_id].append(person)
    revocations = list(
        Revocation.objects.select_for_update()
        .filter(log_index=None)
        .select_related("declaration")
        .order_by("id")[: max(limit - len(declarations), 0)]
    )
    return declarations, persons, revocations


def _encodable(
    declarations: list[Declaration], persons: dict[int, list[Person]]
) -> tuple[list[Declaration], list, list[bytes]]:
    """Entries for the declarations that encode; any other is held, never a poison pill.

    Intake checks every entry before commit, so a hold here means a bug or a row written
    around the actions; a moderator sees it in the queue with the reason "entry".
    """
    kept, entries, encoded, unloggable = [], [], [], []
    for declaration in declarations:
        entry = log_entries.declaration_entry(declaration, persons[declaration.id])
        try:
            encoded.append(encode_entry(entry))
        except EntryError:
            logger.error("declaration %d cannot be encoded as a log entry; held", declaration.id)
            unloggable.append(declaration.id)
            continue
        kept.append(declaration)
        entries.append(entry)
    if unloggable:
        Declaration.objects.filter(id__in=unloggable).update(
            status=Status.HELD, hold_reason="entry"
        )
    return kept, entries, encoded


def _set_log_indices(model, ids: list[int], first: int, published: bool = False) -> None:
    """One prepared UPDATE run for many rows: bulk_update's CASE expressions cost seconds."""
    if not ids:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    extra = ", is_published = %s" if published else ""
    rows = [
        (first + offset, True, pk) if published else (first + offset, pk)
        for offset, pk in enumerate(ids)
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET log_index = %s{extra} WHERE id = %s", rows)  # noqa: S608


def step(limit: int | None = None) -> StepResult:
    """Screen received declarations and sequence one batch of pending entries."""
    limit = limit or settings.SEQUENCER_BATCH
    with transaction.atomic():
        _lock()
        screened = screen_received(limit)
        log_state, _ = LogState.objects.select_for_update().get_or_create(
            pk=storage.STATE_ID, defaults={"root_hash": EMPTY_ROOT, "signed_checkpoint": b""}
        )
        declarations, persons, revocations = _pending(limit)
        declarations, entries, encoded = _encodable(declarations, persons)
        for revocation in revocations:
            entries.append(log_entries.revocation_entry(revocation))
            encoded.append(encode_entry(entries[-1]))
        if not entries:
            if not log_state.signed_checkpoint:
                log_state.signed_checkpoint = _sign(0, EMPTY_ROOT)
                log_state.save()
            return StepResult(screened, 0, log_state.size)
        first = log_state.size
        new_size, tiles, root = tlog_tiles.append_leaves(
            first, [leaf_hash(e) for e in encoded], storage.read_tile
        )
        LogEntry.objects.bulk_create(
            LogEntry(index=first + i, data=data) for i, data in enumerate(encoded)
        )
        Tile.objects.bulk_create(
            [Tile(level=lv, index=ix, data=data) for (lv, ix), data in tiles.items()],
            update_conflicts=True, unique_fields=["level", "index"], update_fields=["data"],
        )
        _set_log_indices(Declaration, [d.id for d in declarations], first, published=True)
        _set_log_indices(Revocation, [r.id for r in revocations], first + len(declarations))
        add_to_counters(*_counter_deltas(entries))
        record_crossings(first, [tally_delta(e).persons for e in entries])
        log_state.size, log_state.root_hash = new_size, root
        log_state.signed_checkpoint = _sign(new_size, root)
        log_state.save()
    logger.info("sequenced %d entries, log size %d", len(entries), new_size)
    return StepResult(screened, len(entries), new_size)


def drain(limit: int | None = None) -> int:
    """Run steps until nothing is pending; returns the number of entries sequenced."""
    total = 0
    while True:
        result = step(limit)
        total += result.sequenced
        if result.sequenced == 0 and result.screened == 0:
            return total
