"""The service's own output times no one: a run of the real service (web processes,
sequencer, task worker, mail receiver) through a whole declare–retract session, with a
newsletter sign-up for the worker to send and mail to the published address, prints
nothing per request, declaration, sequencer step, task or mail, and no time of day.
Under systemd, journald stamps every line with the time, so a line per declaration would
time it."""

import re
import signal
import smtplib
import time

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings

from tests.factories import declaration_post, person_fields
from tests.service import Browser, free_port, start, wait_for
from tuidang.mailintake.models import MailDraft

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
CODE = re.compile(r'id="receipt-code">\s*([A-Z2-9-]{24})')
# 17:02, 17:02:45, 2026-12-08T17:02…: a time of day in any usual spelling.
TIME_OF_DAY = re.compile(r"(?<![\d.:])([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?(?![\d:])|T\d\d:\d\d")
# What the service may print at the default level: that it started (with granian's
# remark on its threads) and stopped.
EXPECTED = re.compile(
    r"tuidang is running at http://127\.0\.0\.1:\d+/, receiving mail for \S+ over LMTP at "
    r"127\.0\.0\.1:\d+ \(Ctrl-C stops it\)"
    r"|\[WARNING\] Configuration allows spawning up to \d+ Python threads.*"
    r"|sequencer: (running \(SQLite: the writer lock serializes\)|leader, sequencing)"
    r"|WARNING django_tasks_db: Received \w+ - shutting down gracefully.*"
    # granian, stopping a web worker still busy after its grace period: once, at the end
    r"|\[WARNING\] Killing worker-\d+ after it refused to gracefully stop"
    r"|tuidang stopped"
)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"


def epoch_seconds(text: str) -> list[str]:
    """Numbers that are the Unix time of the last day or so (a timestamp is a time too)."""
    now = time.time()
    return [n for n in re.findall(r"\d{10}", text) if abs(int(n) - now) < 2 * 86400]


def retract(visitor: Browser, code: str) -> str:
    import urllib.parse
    import urllib.request

    page = visitor.get("/zh-hans/receipt/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    data = urllib.parse.urlencode({"code": code, "confirm": "yes",
                                   "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(visitor.base + "/zh-hans/receipt/retract/", data=data,
                                     headers={"Referer": visitor.base + "/zh-hans/receipt/"})
    with visitor.opener.open(request, timeout=10) as response:
        return response.read().decode()


def test_a_declare_retract_session_prints_no_time_and_nothing_per_event():
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    port, lmtp_port = free_port(), free_port()
    # The sequencer takes steps often (the first setting before publication in batches,
    # the second after), each of which it used to report.
    service = start(["runservice"], PORT=str(port), SEQUENCER_INTERVAL="0.1",
                    PUBLISH_INTERVAL="0.5",
                    EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp.port), EMAIL_USE_TLS="0",
                    LMTP_PORT=str(lmtp_port))
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/count.json")
        visitor = Browser(base)
        for number, name in enumerate(["安静", "无声", "悄悄"]):
            page = visitor.get("/zh-hans/declare/")
            receipt = visitor.post_form("/zh-hans/declare/", declaration_post(
                person_fields(0, name), form_token=TOKEN.search(page)[1]))
            code = CODE.search(receipt)[1]
            time.sleep(0.6)  # the sequencer takes it in a step of its own
            assert 'data-status=' in visitor.post_form("/zh-hans/receipt/", {"code": code})
            if number == 0:
                retracted = retract(visitor, code)
                assert 'id="retracted"' in retracted
        visitor.post_form("/en/newsletter/", {"email": "quiet@example.org", "language": "en",
                                              "consent": "on"})
        deadline = time.monotonic() + 30
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.2)
        assert inbox.messages, "the worker ran no task"
        # A mail to the published address, and one too large: a draft, a bounce, no line.
        with smtplib.LMTP("127.0.0.1", lmtp_port) as lmtp:
            lmtp.sendmail("quiet@example.org", [settings.MAIL_ADDRESS],
                          b"Subject: quiet\r\n\r\nplease\r\n")
            with pytest.raises(smtplib.SMTPDataError):
                lmtp.sendmail("quiet@example.org", [settings.MAIL_ADDRESS],
                              b"Subject: big\r\n\r\n" + (b"x" * 70 + b"\r\n") * 16_000)
        assert MailDraft.objects.count() == 1
        time.sleep(0.5)
    finally:
        service.send_signal(signal.SIGINT)
        output, _ = service.communicate(timeout=30)
        smtp.stop()
    lines = [line for line in output.splitlines() if line.strip()]
    assert any("tuidang is running" in line for line in lines)  # the output was captured
    assert not [line for line in lines if TIME_OF_DAY.search(line)], output
    assert not epoch_seconds(output), output
    assert [line for line in lines if not EXPECTED.fullmatch(line)] == [], output


def test_the_time_pattern_finds_times_and_nothing_else():
    for timed in ["at 17:02", "17:02:45 INFO", "2026-12-08T09:30:00", "Date: Tue, 8 Dec 2026 "
                  "09:30:00 +0000", "[9:05]"]:
        assert TIME_OF_DAY.search(timed), timed
    for untimed in ["http://127.0.0.1:41234/", "log size 12:", "2026-12-08", "ratio 3:1",
                    "v1.2:10"]:
        assert not TIME_OF_DAY.search(untimed), untimed
