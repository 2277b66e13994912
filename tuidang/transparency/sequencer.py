"""The sequencer: one step screens, appends entries, has the counters updated and signs.

Everything a step does happens in one database transaction, so a crash at any
instant leaves either the whole batch in the log, tiles, counters and checkpoint, or
none of it; the next step (after a restart) simply picks the batch up again. The counters
and milestones are stats' (tuidang/stats/counters.py): the step sends `batch_sequenced`
(signals.py) inside its transaction and stats' receiver writes them there; before signing,
they must agree with the tally the step signs, the previous one plus the batch
(signedcount.py). Only one sequencer writes at a time: on PostgreSQL a transaction-level
advisory lock, on SQLite the single writer lock taken by BEGIN IMMEDIATE. A leader's
steps are fenced by its lease (lease.py): a leader that lost the lead signs nothing.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from tuidang.registry import days
from tuidang.registry.choices import STATUS_CODES
from tuidang.registry.models import (
    Declaration,
    HeldEntry,
    PendingEntry,
    Revocation,
    Status,
)
from tuidang.tlog import tiles as tlog_tiles
from tuidang.tlog.checkpoint import Checkpoint, sign_checkpoint
from tuidang.tlog.hashing import EMPTY_ROOT, leaf_hash
from tuidang.tlog.tally import Tally
from tuidang.transparency import keys, lease, pending, signedcount, storage
from tuidang.transparency.models import LogState
from tuidang.transparency.signals import batch_sequenced

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
            # A step's queries are short and indexed, but their cost estimates for 10,000
            # rows pass jit_above_cost: compiling them took longer than running them.
            cursor.execute("SET LOCAL jit = off")


def _count(batch: pending.Batch, first: int) -> None:
    """Have the counters and milestones updated in this transaction (stats receives it).

    The counters are checked against the tally about to be signed just after, so a
    sequencer with no receiver would stop at every batch: refused at once instead."""
    if not batch_sequenced.has_listeners():
        raise ImproperlyConfigured(
            "nothing receives batch_sequenced: is tuidang.stats in INSTALLED_APPS?")
    batch_sequenced.send(sender=LogState, batch=batch, first_index=first)


def _sign(size: int, root: bytes, tally: Tally) -> bytes:
    checkpoint = Checkpoint(
        origin=settings.LOG_ORIGIN,
        size=size,
        root_hash=root,
        extensions=(tally.extension_line(),),
    )
    return sign_checkpoint(checkpoint, keys.signer())


class ConcurrentChange(Exception):
    """A row the step read was changed by another transaction before the step wrote it
    (a retraction, say): the step is rolled back and the next one starts afresh."""


# The rows a step may log: just screened, or accepted by a moderator since. Checked again
# as they are written, because the step reads them without locking them (a row lock on
# every row would cost a write per row on PostgreSQL); on SQLite the step holds the
# database's only write lock from its start, so nothing can change them.
_LOGGABLE = (f"log_index IS NULL AND status IN ('{STATUS_CODES[Status.RECEIVED]}', "
             f"'{STATUS_CODES[Status.ACCEPTED]}')")  # as the column holds them


def _hold(batch: pending.Batch) -> None:
    """Hold the declarations screening held, their entries moved out of the inbox; and
    drop the inbox rows of declarations that are no longer to be logged."""
    moved = []
    for reason, entries in batch.held.items():
        ids = list(entries)
        for start in range(0, len(ids), 1000):
            Declaration.objects.filter(
                id__in=ids[start:start + 1000], log_index=None,
                status__in=[Status.RECEIVED, Status.ACCEPTED],
            ).update(status=Status.HELD, hold_reason=reason)
        # Only those this step held: one revoked meanwhile keeps no entry.
        now_held = Declaration.objects.filter(id__in=ids, status=Status.HELD, hold_reason=reason)
        moved += [HeldEntry(declaration_id=serial, data=entries[serial])
                  for serial in now_held.values_list("id", flat=True)]
    HeldEntry.objects.bulk_create(moved, ignore_conflicts=True)
    gone = sorted([*batch.stale, *(s for entries in batch.held.values() for s in entries)])
    if gone:
        storage.delete_rows(PendingEntry, "declaration", gone)


def _log_declarations(batch: pending.Batch, first: int) -> Callable[[], None]:
    """Each logged declaration written once: accepted, its log index, published; its
    pending entry deleted. Returns the check that every row was still loggable (once the
    statements' results are in: they may be pipelined)."""
    updated = storage.set_log_indices(
        Declaration, batch.declaration_ids, first,
        extra={"status": Status.ACCEPTED, "is_published": True}, guard=_LOGGABLE,
    )
    storage.delete_rows(PendingEntry, "declaration", sorted(batch.declaration_ids))

    def check() -> None:
        if updated() != len(batch.declaration_ids):
            raise ConcurrentChange(
                f"{len(batch.declaration_ids) - updated()} declarations changed")

    return check


def step(limit: int | None = None, upto: pending.Cutoff | None = None,
         fence: int | None = None) -> StepResult:
    """Screen received declarations and sequence one batch of pending entries (those
    that had arrived by `upto`, if given). With `fence`, the step signs nothing unless
    the leader's lease is still at that epoch (lease.Fenced)."""
    limit = limit or settings.SEQUENCER_BATCH
    try:
        return _step(limit, upto, fence)
    except ConcurrentChange as exc:
        logger.debug("step rolled back, to be done again: %s", exc)
        return StepResult(0, 0, storage.state().size)


def _step(limit: int, upto: pending.Cutoff | None, fence: int | None) -> StepResult:
    with transaction.atomic():
        _lock()
        if fence is not None:
            lease.fence(fence)  # holds the lease's row until this step commits
        log_state, _ = LogState.objects.select_for_update().get_or_create(
            pk=storage.STATE_ID, defaults={"root_hash": EMPTY_ROOT, "signed_checkpoint": b""}
        )
        keys.check_recorded(log_state)  # one key for the log, whichever machine signs
        batch = pending.declarations(limit, upto)
        pending.add_revocations(batch, limit - len(batch.encoded), upto)
        _hold(batch)
        days.record(batch.days)
        if not batch.encoded:
            if not log_state.signed_checkpoint:
                log_state.signed_checkpoint = _sign(0, EMPTY_ROOT, signedcount.checked(b"", ()))
                log_state.save()
            return StepResult(batch.screened, 0, log_state.size)
        first = log_state.size
        # What the appends read, read first: then the rows' updates run on the database
        # server while this process hashes, builds the tiles and compresses the bundles.
        read_tile, head = storage.edge(first, first + len(batch.encoded))
        with storage.pipelined():
            check = _log_declarations(batch, first)
            storage.set_log_indices(
                Revocation, batch.revocation_ids, first + len(batch.declaration_ids)
            )
            new_size, tiles, root = tlog_tiles.append_leaves(
                first, [leaf_hash(e) for e in batch.encoded], read_tile
            )
            storage.append_entries(first, batch.encoded, head)
            storage.save_tiles(tiles)
        check()
        _count(batch, first)
        log_state.size, log_state.root_hash = new_size, root
        # The previous signed tally plus the batch; the counters must agree (signedcount).
        tally = signedcount.checked(bytes(log_state.signed_checkpoint), batch.deltas)
        log_state.signed_checkpoint = _sign(new_size, root, tally)
        log_state.save()
    logger.debug("sequenced %d entries, log size %d", len(batch.encoded), new_size)
    return StepResult(batch.screened, len(batch.encoded), new_size)


def begin(fence: int | None = None) -> None:
    """Sign the empty log's checkpoint if there is none yet, publishing nothing: a new
    service serves /log/checkpoint from its start, not from its first publication."""
    step(upto=pending.Cutoff(0, 0), fence=fence)


def publish(fence: int | None = None) -> int:
    """Publish what had arrived when this publication began, in as many steps as it
    takes; the number of entries sequenced. The sequencer runs this once every
    PUBLISH_INTERVAL (management/commands/sequencer.py)."""
    return drain(upto=pending.cutoff(), fence=fence)


def drain(limit: int | None = None, upto: pending.Cutoff | None = None,
          fence: int | None = None) -> int:
    """Run steps until nothing (up to the cutoff) is pending; the entries sequenced."""
    total = 0
    while True:
        result = step(limit, upto, fence)
        total += result.sequenced
        if result.sequenced == 0 and result.screened == 0:
            return total
