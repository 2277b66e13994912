"""Run the sequencer: every SEQUENCER_INTERVAL seconds, one batch into the log."""

import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import OperationalError, close_old_connections

from tuidang.transparency import sequencer


class Command(BaseCommand):
    help = "Screen received declarations and append accepted ones to the public log."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="drain what is pending, then exit")
        parser.add_argument("--interval", type=float, default=None)

    def handle(self, *args, once: bool = False, interval: float | None = None, **options) -> None:
        if once:
            count = sequencer.drain()
            self.stdout.write(f"sequenced {count} entries")
            return
        interval = interval or settings.SEQUENCER_INTERVAL
        self.running = True

        def stop(signum, frame) -> None:
            self.running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while self.running:
            started = time.monotonic()
            try:
                result = sequencer.step()
            except OperationalError as exc:  # a busy database: try again next tick
                self.stderr.write(f"sequencer: {exc}")
                close_old_connections()
                result = None
            # A full batch means more is waiting: go again at once.
            if result is None or result.sequenced < settings.SEQUENCER_BATCH:
                time.sleep(max(0.0, interval - (time.monotonic() - started)))
