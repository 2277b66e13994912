"""Run the LMTP receiver in the foreground until SIGINT or SIGTERM (runservice starts it;
in production, tuidang-mail.service)."""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from tuidang.mailintake import receiver


class Command(BaseCommand):
    help = ("Receive mail for MAIL_ADDRESS over LMTP on 127.0.0.1:LMTP_PORT and file each "
            "as a draft in the helpers' inbox.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=settings.LMTP_PORT)

    def handle(self, *args, port: int, **options) -> None:
        stopping = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stopping.set())
        controller = receiver.start(port)
        try:
            stopping.wait()
        finally:
            controller.stop()
