"""Run the sequencer: every PUBLISH_INTERVAL seconds, what arrived meanwhile into the log.

Publications happen when the clock reaches a multiple of the interval (counted from the
Unix epoch), whatever arrived and whenever: so the times at which the log, the counts
and the statements change say nothing about when anyone declared. Each publication takes
what had arrived when it began (sequencer.publish), in a random order.

On PostgreSQL any number of sequencers may run, on as many machines: the one holding a
session-level advisory lock is the leader and sequences; the others are standbys that
try to take the lock every few seconds. The lock belongs to the leader's database
session, so when the leader dies (killed, its machine gone) PostgreSQL drops the session
and a standby takes over on its next try. Correctness never rests on this lock: each
step also takes a transaction-level lock (tuidang.transparency.sequencer), so even two
leaders could not sequence a declaration twice; leadership only keeps the standbys idle.
On SQLite every sequencer runs, serialized by the single writer lock, and each also
checkpoints the WAL after its steps.
"""

import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import OperationalError, connection

from tuidang.transparency import sequencer
from tuidang.transparency.cosigner import Cosigner

# Not the step's transaction-level lock: a `sequencer --once` run beside a leader must
# still be able to take that one between the leader's steps.
LEADER_LOCK_ID = 0x7475_6964_6C64  # "tuidld"


class Command(BaseCommand):
    help = "Screen received declarations and append accepted ones to the public log."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="drain what is pending, then exit")
        parser.add_argument("--interval", type=float, default=None,
                            help="seconds between publications (default PUBLISH_INTERVAL)")
        parser.add_argument(
            "--standby-interval", type=float, default=2.0,
            help="seconds between a standby's tries to become the leader (PostgreSQL)",
        )

    def handle(
        self, *args, once: bool = False, interval: float | None = None,
        standby_interval: float = 2.0, **options,
    ) -> None:
        if once:
            count = sequencer.drain()
            self.stdout.write(f"sequenced {count} entries")
            return
        interval = interval or settings.PUBLISH_INTERVAL
        self.running = True
        self.lock_session = None  # the database connection our leader lock lives on

        def stop(signum, frame) -> None:
            self.running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        # Asks the witnesses to cosign each new checkpoint, in its own thread (cosigner.py).
        cosigner = Cosigner.start()
        was_leader = None
        while self.running:
            try:
                leader = self.is_leader()
                if leader != was_leader:
                    self.announce(leader)
                    was_leader = leader
                if not leader:
                    self.sleep(standby_interval)
                    continue
                sequencer.begin()
                self.sleep(interval - time.time() % interval)  # to the next publication
                if not self.running:
                    break
                sequencer.publish()
                self.checkpoint()
                if cosigner:
                    cosigner.poke()
            except OperationalError as exc:  # a busy or lost database: try again next time
                self.stderr.write(f"sequencer: {exc}")
                self.drop_broken_connection()
        if cosigner:
            cosigner.stop()
        connection.close()  # ends the session, and so releases the leader lock at once

    def is_leader(self) -> bool:
        if connection.vendor != "postgresql":
            return True
        session = connection.connection
        if session is not None and session is self.lock_session and not session.closed:
            return True
        # No lock, or it died with the session it lived on: try to take it.
        self.lock_session = None
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [LEADER_LOCK_ID])
            if cursor.fetchone()[0]:
                self.lock_session = connection.connection
        return self.lock_session is not None

    def announce(self, leader: bool) -> None:
        if connection.vendor != "postgresql":
            self.stdout.write("sequencer: running (SQLite: the writer lock serializes)")
        elif leader:
            self.stdout.write("sequencer: leader, sequencing")
        else:
            self.stdout.write("sequencer: standby, waiting for the leader lock")
        self.stdout.flush()

    def checkpoint(self) -> None:
        """On SQLite, copy the WAL back into the database without waiting for anyone
        (PASSIVE), outside any transaction: the web processes' commits leave it to the
        sequencer (see the wal_autocheckpoint setting)."""
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def drop_broken_connection(self) -> None:
        # A healthy connection is kept (closing it would give up the leader lock); a
        # broken one is closed so that the next try opens a new session.
        if connection.connection is not None and not connection.is_usable():
            connection.close()

    def sleep(self, seconds: float) -> None:
        # In short naps, so that SIGTERM stops a standby within a fraction of a second.
        deadline = time.monotonic() + seconds
        while self.running and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(0.2, left))
