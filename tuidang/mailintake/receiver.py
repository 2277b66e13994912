"""The LMTP receiver: mail for the published address, handed over by the local Postfix.

It listens on 127.0.0.1 only (it asks no password: whoever can connect can deliver) and
files each mail as a draft (mailintake/actions.py). It takes one recipient per
transaction, so that its one reply after DATA is the one LMTP expects, and only the
published address (MAIL_ADDRESS). Two limits, each defined once in the settings:

- MAIL_MAX_BYTES: a larger mail is refused with 552 and a sentence the sender reads in
  the bounce. SIZE is not announced, so that Postfix delivers and the sender gets our
  sentence rather than Postfix's own.
- MAIL_PER_HOUR: past it, mail is refused with 451 (try again later) and stays in
  Postfix's queue until the next hour. The count is this process's memory only
  (HourlyCount): no time is written anywhere, and a restart counts from zero.

Nothing is printed or logged about a mail (aiosmtpd's "mail.log" logger goes nowhere,
tuidang/settings.py): journald would stamp each line with the time.
"""

import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from tuidang.mailintake import actions

HOST = "127.0.0.1"
# aiosmtpd's own replies for a mail over the limit, and the sentence that replaces them.
_AIOSMTPD_TOO_BIG = ("552 Error: Too much mail data",
                     "552 Error: message size exceeds fixed maximum message size")
ACCEPTED = "250 2.0.0 Received: a volunteer will read your mail."
WRONG_ADDRESS = "550 5.1.1 No such mailbox here."
ONE_RECIPIENT = "452 4.5.3 One recipient at a time, please."
FLOODED = ("451 4.7.1 Too many mails have arrived this hour. Your mail was not lost: "
           "it will be delivered again later.")
NOT_STORED = "451 4.3.0 Your mail could not be stored just now; it will be delivered again."


def too_big_reply() -> str:
    kib = settings.MAIL_MAX_BYTES // 1024
    return (f"552 5.3.4 Your mail is too large: we take mails of at most {kib} KB. "
            "Please send your declaration again as plain text, without attachments.")


class HourlyCount:
    """Mails accepted within the current hour of this process's life, in memory only."""

    def __init__(self, limit: int) -> None:
        self.limit, self._hour, self._count = limit, -1, 0
        self._lock = threading.Lock()

    def _roll(self) -> None:
        hour = int(time.monotonic() // 3600)  # a monotonic clock: no time of day
        if hour != self._hour:
            self._hour, self._count = hour, 0

    def full(self) -> bool:
        with self._lock:
            self._roll()
            return self._count >= self.limit

    def take(self) -> bool:
        """Count one more mail; False (and nothing counted) if the hour is full."""
        with self._lock:
            self._roll()
            if self._count >= self.limit:
                return False
            self._count += 1
            return True


class Receiver(LMTP):
    async def push(self, status: str | bytes) -> None:
        if status in _AIOSMTPD_TOO_BIG:
            status = too_big_reply()
        await super().push(status)


def _store(raw: bytes, envelope_sender: str) -> None:
    close_old_connections()  # a connection kept past its age or broken is replaced
    actions.file_draft(raw, envelope_sender)


class Handler:
    """aiosmtpd's hooks: each answers the reply line of its command."""

    def __init__(self, count: HourlyCount) -> None:
        self.count = count

    async def handle_EHLO(self, server, session, envelope, hostname: str,
                          responses: list[str]) -> list[str]:
        session.host_name = hostname
        return [line for line in responses if not line.startswith("250-SIZE")]

    async def handle_MAIL(self, server, session, envelope, address: str,
                          options: list[str]) -> str:
        if self.count.full():
            return FLOODED
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address: str,
                          options: list[str]) -> str:
        if envelope.rcpt_tos:
            return ONE_RECIPIENT
        if address.casefold() != settings.MAIL_ADDRESS.casefold():
            return WRONG_ADDRESS
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if not self.count.take():
            return FLOODED
        try:
            await sync_to_async(_store)(envelope.original_content, envelope.mail_from or "")
        except Exception:  # (nothing is logged about a mail; Postfix delivers it again)
            return NOT_STORED
        return ACCEPTED


class LmtpController(Controller):
    def factory(self) -> Receiver:
        return Receiver(self.handler, **self.SMTP_kwargs)


def start(port: int) -> LmtpController:
    """Start the receiver on HOST:port in a thread of its own; `.stop()` ends it."""
    controller = LmtpController(
        Handler(HourlyCount(settings.MAIL_PER_HOUR)), hostname=HOST, port=port,
        data_size_limit=settings.MAIL_MAX_BYTES, server_hostname="tuidang",
        ident="tuidang")
    controller.start()
    return controller
