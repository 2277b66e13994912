"""Which sequencer leads: a lease in the database, renewed by progress, with fencing.

A session-level advisory lock (what leadership was before) is kept by a process that is
stopped (SIGSTOP, a frozen virtual machine, a swap storm) for ever, and a hung leader was
never replaced. The lease is a row (models.Lease) that the leader must keep renewing:
it adds one to `heartbeat` every `period` seconds while it waits and at every step. A
standby reads the row every `period` seconds and, when (epoch, heartbeat) has not changed
for `length` seconds of its own monotonic clock, takes the lead by raising the epoch,
in an UPDATE that only matches the row it saw. No time of day is stored: the row holds
counters, and each process measures durations with its own monotonic clock.

Fencing: each step of a leader checks, in the step's own transaction and before it signs,
that the epoch is still the one it took (sequencer.step(fence=...)): an UPDATE ... WHERE
epoch = mine that locks the row until the step commits, so a takeover waits for a step
in flight and a woken leader's next step matches nothing and is rolled back (Fenced). A
leader stopped inside a step's transaction holds its locks until PostgreSQL ends its
session: the sequencer sets idle_in_transaction_session_timeout to the lease's length.

Bound: a leader that stops making progress is replaced within `length` + `period`
seconds of its last heartbeat (default 10 + 2); one stopped in a transaction within
twice that. A leader that stops cleanly (SIGTERM) releases the lease, and a standby
takes it at its next look, within `period` seconds.

On SQLite there is one machine and the writer lock serializes every sequencer: each one
leads, and only renews the row for the health endpoint, without fencing.
"""

import os
import secrets
import socket
import time

from django.conf import settings
from django.db import connection
from django.db.models import F

from tuidang.transparency.models import Lease

LEASE_ID = 1


def machine() -> str:
    """The name this machine's processes lead under (the health endpoint compares it)."""
    return settings.MACHINE_NAME or socket.gethostname()


class Fenced(Exception):
    """The lease passed to another sequencer: this one must not sign."""


def fence(epoch: int) -> None:
    """In the caller's transaction: count a heartbeat if the lease is still at `epoch`,
    holding the row until commit; Fenced otherwise."""
    if not Lease.objects.filter(pk=LEASE_ID, epoch=epoch).update(heartbeat=F("heartbeat") + 1):
        raise Fenced(f"the lease is no longer at epoch {epoch}")


def _row() -> Lease:
    return Lease.objects.get_or_create(pk=LEASE_ID)[0]


class Holder:
    """One sequencer process's view of the lease."""

    def __init__(self, length: float, period: float) -> None:
        self.length, self.period = length, period
        self.name = f"{machine()} {os.getpid()} {secrets.token_hex(4)}"
        self.epoch: int | None = None  # the epoch we lead under; None: a standby
        self.seen: tuple[int, int] | None = None
        self.seen_since = 0.0
        self.published: float | None = None  # monotonic instant of our last publication
        self.shared = connection.vendor == "postgresql"

    @property
    def leads(self) -> bool:
        return self.epoch is not None

    def _since_publication(self) -> int | None:
        if self.published is None:
            return None
        return int(time.monotonic() - self.published)

    def try_to_lead(self) -> bool:
        """A standby's look at the lease: take it if it is free or its holder has made no
        progress for `length` seconds. True if we now lead."""
        row = _row()
        if not self.shared:
            self.epoch = row.epoch
            Lease.objects.filter(pk=LEASE_ID).update(holder=self.name)
            return True
        now = time.monotonic()
        observed = (row.epoch, row.heartbeat)
        if row.holder and observed != self.seen:
            self.seen, self.seen_since = observed, now
            return False
        if row.holder and now - self.seen_since < self.length:
            return False
        taken = Lease.objects.filter(pk=LEASE_ID, epoch=row.epoch, heartbeat=row.heartbeat).update(
            holder=self.name, epoch=row.epoch + 1, heartbeat=row.heartbeat + 1,
            since_publication=None)
        if taken:
            self.epoch, self.published = row.epoch + 1, None
        return bool(taken)

    def renew(self) -> bool:
        """A leader's heartbeat; False (and we are a standby again) if the lease passed."""
        rows = Lease.objects.filter(pk=LEASE_ID)
        if self.shared:
            rows = rows.filter(epoch=self.epoch, holder=self.name)
        if rows.update(heartbeat=F("heartbeat") + 1, since_publication=self._since_publication()):
            return True
        self.lost()
        return False

    def publication_done(self) -> None:
        self.published = time.monotonic()
        self.renew()

    def lost(self) -> None:
        self.epoch, self.seen = None, None

    def fence(self) -> int | None:
        """The epoch a step must still find (None on SQLite: no fencing needed)."""
        return self.epoch if self.shared else None

    def release(self) -> None:
        """On a clean stop: a standby may take the lease at once."""
        if self.leads:
            Lease.objects.filter(pk=LEASE_ID, epoch=self.epoch, holder=self.name).update(
                holder="")
            self.lost()
