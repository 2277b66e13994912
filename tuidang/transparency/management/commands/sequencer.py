"""Run the sequencer: every PUBLISH_INTERVAL seconds, what arrived meanwhile into the log.

Publications happen when the clock reaches a multiple of the interval (counted from the
Unix epoch), whatever arrived and whenever: so the times at which the log, the counts
and the statements change say nothing about when anyone declared. Each publication takes
what had arrived when it began (sequencer.publish), in a random order.

On PostgreSQL any number of sequencers may run, on as many machines: the one holding the
lease (transparency/lease.py) is the leader and sequences; the others are standbys that
look at the lease every SEQUENCER_HEARTBEAT seconds and take it when the leader's
heartbeat has not moved for SEQUENCER_LEASE seconds (dead, hung or stopped) or when it
released it (a clean stop). The leader renews it while it waits for the next publication
and at every step; each step is fenced, so a stopped leader that wakes after losing the
lease signs nothing and becomes a standby. Correctness also rests on each step's
transaction-level lock (tuidang.transparency.sequencer), so even two leaders could not
sequence a declaration twice. On SQLite every sequencer runs, serialized by the single
writer lock, and each also checkpoints the WAL after its steps.
"""

import contextlib
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import OperationalError, connection

from tuidang.transparency import lease, sequencer
from tuidang.transparency.cosigner import Cosigner


class Command(BaseCommand):
    help = "Screen received declarations and append accepted ones to the public log."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="drain what is pending, then exit")
        parser.add_argument("--interval", type=float, default=None,
                            help="seconds between publications (default PUBLISH_INTERVAL)")
        parser.add_argument(
            "--standby-interval", type=float, default=None,
            help="seconds between heartbeats and a standby's looks at the lease "
                 "(default SEQUENCER_HEARTBEAT)",
        )
        parser.add_argument("--lease", type=float, default=None, dest="lease_length",
                            help="seconds without a heartbeat after which a standby takes "
                                 "the lead (default SEQUENCER_LEASE)")

    def handle(
        self, *args, once: bool = False, interval: float | None = None,
        standby_interval: float | None = None, lease_length: float | None = None,
        **options,
    ) -> None:
        if once:
            count = sequencer.drain()
            self.stdout.write(f"sequenced {count} entries")
            return
        interval = interval or settings.PUBLISH_INTERVAL
        period = standby_interval or settings.SEQUENCER_HEARTBEAT
        self.holder = lease.Holder(lease_length or settings.SEQUENCER_LEASE, period)
        self.running = True

        def stop(signum, frame) -> None:
            self.running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        # Asks the witnesses to cosign each new checkpoint, in its own thread (cosigner.py).
        cosigner = Cosigner.start()
        try:
            self.loop(interval, period, cosigner)
        finally:  # also when a step refused to sign (keys.WrongKey): publication stops
            if cosigner:
                cosigner.stop()
            with contextlib.suppress(OperationalError):  # else it passes when it runs out
                self.holder.release()
            connection.close()

    def loop(self, interval: float, period: float, cosigner: Cosigner | None) -> None:
        was_leader = None
        while self.running:
            try:
                self.limit_idle_transactions()
                leader = self.holder.leads or self.holder.try_to_lead()
                if leader != was_leader:
                    self.announce(leader)
                    was_leader = leader
                if not leader:
                    self.sleep(period)
                    continue
                sequencer.begin(fence=self.holder.fence())
                # To the next publication, renewing the lease meanwhile.
                if not self.wait(interval - time.time() % interval, period):
                    continue
                sequencer.publish(fence=self.holder.fence())
                self.holder.publication_done()
                self.checkpoint()
                if cosigner:
                    cosigner.poke()
            except lease.Fenced:  # stopped, then woken after a standby took the lead
                self.holder.lost()
            except OperationalError as exc:  # a busy or lost database: try again next time
                self.stderr.write(f"sequencer: {exc}")
                self.drop_broken_connection()

    def wait(self, seconds: float, period: float) -> bool:
        """Sleep `seconds`, renewing the lease every `period`; False if it was lost or
        we are to stop."""
        deadline = time.monotonic() + seconds
        while self.running and (left := deadline - time.monotonic()) > 0:
            self.sleep(min(period, left))
            if not self.holder.renew():
                return False
        return self.running

    def limit_idle_transactions(self) -> None:
        """A leader stopped inside a step's transaction keeps its locks until PostgreSQL
        ends its session: after the lease's length, so a standby is not kept waiting."""
        if connection.vendor == "postgresql" and connection.connection is None:
            connection.ensure_connection()
            with connection.cursor() as cursor:
                milliseconds = int(self.holder.length * 1000)
                cursor.execute(f"SET idle_in_transaction_session_timeout = {milliseconds}")

    def announce(self, leader: bool) -> None:
        if connection.vendor != "postgresql":
            self.stdout.write("sequencer: running (SQLite: the writer lock serializes)")
        elif leader:
            self.stdout.write("sequencer: leader, sequencing")
        else:
            self.stdout.write("sequencer: standby, waiting for the lease")
        self.stdout.flush()

    def checkpoint(self) -> None:
        """On SQLite, copy the WAL back into the database without waiting for anyone
        (PASSIVE), outside any transaction: the web processes' commits leave it to the
        sequencer (see the wal_autocheckpoint setting)."""
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def drop_broken_connection(self) -> None:
        # A broken connection is closed so that the next try opens a new session.
        if connection.connection is not None and not connection.is_usable():
            connection.close()

    def sleep(self, seconds: float) -> None:
        # In short naps, so that SIGTERM stops a standby within a fraction of a second.
        deadline = time.monotonic() + seconds
        while self.running and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(0.2, left))
