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
from tuidang.registry.models import Declaration, Revocation, Total
from tuidang.registry.screening import screen_received
from tuidang.stats.milestones import record_crossings
from tuidang.tlog import tiles as tlog_tiles
from tuidang.tlog.checkpoint import Checkpoint, sign_checkpoint
from tuidang.tlog.hashing import EMPTY_ROOT, leaf_hash
from tuidang.tlog.tally import Tally
from tuidang.transparency import keys, pending, storage
from tuidang.transparency.models import LogState

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


def _counter_deltas(batch: pending.Batch) -> tuple[dict, dict]:
    """Counter changes from the batch's tally deltas, by the auditor's own rule.

    Region and sector totals (not per day) come from the persons of the entries.
    """
    totals: dict[str, int] = defaultdict(int, batch.places)
    daily: dict = defaultdict(int)
    totals["entries"] += len(batch.encoded)
    for delta in batch.deltas:
        totals["revocations"] += int(delta.revocation)
        changes = {
            "persons": delta.persons,
            "declarations": delta.declarations,
            "org:party": delta.party,
            "org:league": delta.league,
            "org:pioneers": delta.pioneers,
            f"channel:{delta.channel}": delta.persons,
        }
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


def step(limit: int | None = None) -> StepResult:
    """Screen received declarations and sequence one batch of pending entries."""
    limit = limit or settings.SEQUENCER_BATCH
    with transaction.atomic():
        _lock()
        screened = screen_received(limit)
        log_state, _ = LogState.objects.select_for_update().get_or_create(
            pk=storage.STATE_ID, defaults={"root_hash": EMPTY_ROOT, "signed_checkpoint": b""}
        )
        batch = pending.declarations(limit)
        pending.add_revocations(batch, limit - len(batch.encoded))
        if not batch.encoded:
            if not log_state.signed_checkpoint:
                log_state.signed_checkpoint = _sign(0, EMPTY_ROOT)
                log_state.save()
            return StepResult(screened, 0, log_state.size)
        first = log_state.size
        new_size, tiles, root = tlog_tiles.append_leaves(
            first, [leaf_hash(e) for e in batch.encoded], storage.read_tile
        )
        storage.append_entries(first, batch.encoded)
        storage.save_tiles(tiles)
        storage.set_log_indices(Declaration, batch.declaration_ids, first, published=True)
        storage.set_log_indices(
            Revocation, batch.revocation_ids, first + len(batch.declaration_ids)
        )
        add_to_counters(*_counter_deltas(batch))
        record_crossings(first, batch.persons)
        log_state.size, log_state.root_hash = new_size, root
        log_state.signed_checkpoint = _sign(new_size, root)
        log_state.save()
    logger.info("sequenced %d entries, log size %d", len(batch.encoded), new_size)
    return StepResult(screened, len(batch.encoded), new_size)


def drain(limit: int | None = None) -> int:
    """Run steps until nothing is pending; returns the number of entries sequenced."""
    total = 0
    while True:
        result = step(limit)
        total += result.sequenced
        if result.sequenced == 0 and result.screened == 0:
            return total
