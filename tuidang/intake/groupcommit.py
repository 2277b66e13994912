"""Group commit: many concurrent declarations share one durable transaction.

A commit costs an fsync (SQLite) or a WAL flush (PostgreSQL), one after another, which
caps intake at one declaration a flush however fast the rest is. Here the request
threads of a web process queue their declarations; one of them (the leader) writes
everything queued in one transaction, then wakes the others. While it commits, the next
requests queue up and form the next batch, so under load each commit carries many
declarations and a quiet site still commits at once (there is no waiting for a batch to
fill).

Every declaration still gets its receipt code only after the commit that stored it.
If the batch fails as a whole, each declaration is stored on its own, so one bad row
never costs the others (their requests wait a little longer, nothing is lost).

Each request makes its own rows ready (bulk.prepare: codes, hashes, the log entry) in
its own thread before it queues them, so the leader only writes: a leader that prepared
a batch competed for the interpreter with every other request thread, and under a
burst its batch waited long enough to show in the tail latency (bench/intake.py;
docs/performance.md).
"""

import threading
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction

from tuidang.intake import actions, bulk
from tuidang.intake.actions import Submitted
from tuidang.registry.schema import DeclarationData


class _Waiter:
    """One request thread's wake-up call: some of its tickets are done, or it now leads."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.promoted = False


@dataclass(eq=False)
class _Ticket:
    data: DeclarationData
    channel: str
    helper: AbstractBaseUser | None
    prepared: bulk.Prepared | None = None
    waiter: _Waiter = field(default_factory=_Waiter)
    done: bool = False
    result: Submitted | None = None
    error: BaseException | None = None


class GroupCommitter:
    """Per-process queue with leader hand-over; see the module's docstring."""

    def __init__(self, max_batch: int) -> None:
        self.max_batch = max_batch
        self._queue: list[_Ticket] = []
        self._leading = False
        self._lock = threading.Lock()
        self.batches = 0  # for tests and benchmarks: how many transactions were written

    def submit_many(self, tickets: list[_Ticket]) -> None:
        """Store the tickets' declarations; each ends done, with a result or an error."""
        waiter = _Waiter()
        for ticket in tickets:
            ticket.waiter = waiter
        with self._lock:
            self._queue.extend(tickets)
            waiter.promoted = not self._leading
            self._leading = True
        while True:
            # The flags are the state and the event only a nudge: clear it before
            # looking at them, so a nudge that comes after the look is never lost.
            waiter.event.clear()
            if all(t.done for t in tickets):
                return
            if waiter.promoted:
                waiter.promoted = False
                self._lead()
            else:
                waiter.event.wait()

    def _lead(self) -> None:
        with self._lock:
            batch = self._queue[: self.max_batch]
            del self._queue[: len(batch)]
        try:
            _write(batch)
        except BaseException as exc:  # e.g. the worker being stopped: fail the batch, go on
            for ticket in batch:
                ticket.error = ticket.error or exc
            raise
        finally:
            self.batches += 1
            for ticket in batch:
                ticket.done = True
            for waiter in {ticket.waiter for ticket in batch}:
                waiter.event.set()
            with self._lock:
                if self._queue:  # the oldest waiting request leads the next batch
                    successor = self._queue[0].waiter
                    successor.promoted = True
                    successor.event.set()
                else:
                    self._leading = False


def _write(batch: list[_Ticket]) -> None:
    try:
        with transaction.atomic():
            for (_channel, helper), group in _by_submitter(batch).items():
                stored = actions.store_prepared([t.prepared for t in group], helper)
                for ticket, submitted in zip(group, stored, strict=True):
                    ticket.result = submitted
    except Exception:  # sorted out one by one below
        for ticket in batch:
            ticket.result = None
            try:
                ticket.result = _submit_one(ticket)
            except Exception as exc:  # handed to its own request
                ticket.error = exc


def _by_submitter(batch: list[_Ticket]) -> dict[tuple, list[_Ticket]]:
    groups: dict[tuple, list[_Ticket]] = {}
    for ticket in batch:
        groups.setdefault((ticket.channel, ticket.helper), []).append(ticket)
    return groups


def _submit_one(ticket: _Ticket) -> Submitted:
    data = ticket.data
    return actions.submit_declaration(
        data.persons, channel=ticket.channel, helper=ticket.helper,
        statement_title=data.statement_title, statement_text=data.statement_text,
        intake_hold=data.intake_hold, contact=data.contact, notes=data.notes,
    )


_committer = GroupCommitter(settings.GROUP_COMMIT_MAX)


def submit_many(
    items: list[DeclarationData], *, channel: str, helper: AbstractBaseUser | None = None,
) -> list[Submitted | BaseException]:
    """Store each declaration durably; the result or the error for each, in order."""
    tickets = [_Ticket(item, channel, helper) for item in items]
    if not tickets:
        return []
    if connection.in_atomic_block or settings.GROUP_COMMIT_MAX <= 1:
        # Inside a caller's transaction a leader would commit other requests' rows with
        # it (and lose them on its rollback): store on the spot instead.
        for ticket in tickets:
            try:
                ticket.result = _submit_one(ticket)
            except Exception as exc:  # returned to the caller
                ticket.error = exc
    else:
        _prepare(tickets, channel, helper)
        ready = [t for t in tickets if t.error is None]
        if ready:  # (an empty submission would take the lead and never give it back)
            _committer.submit_many(ready)
    return [t.result if t.error is None else t.error for t in tickets]


def _prepare(tickets: list[_Ticket], channel: str, helper: AbstractBaseUser | None) -> None:
    """Each ticket's rows, or its error (a declaration that cannot be stored)."""
    intake = bulk.Intake.now(channel, helper)
    try:
        prepared = bulk.prepare([t.data for t in tickets], intake)
    except ValueError:  # tlog's EntryError too: find which, one by one
        for ticket in tickets:
            try:
                (ticket.prepared,) = bulk.prepare([ticket.data], intake)
            except ValueError as exc:
                ticket.error = exc
        return
    for ticket, ready in zip(tickets, prepared, strict=True):
        ticket.prepared = ready


def submit(item: DeclarationData, *, channel: str,
           helper: AbstractBaseUser | None = None) -> Submitted:
    """Store one declaration durably (sharing a commit with concurrent ones)."""
    (outcome,) = submit_many([item], channel=channel, helper=helper)
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome
