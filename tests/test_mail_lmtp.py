"""Mail to the published address over a real LMTP session: `manage.py receive_mail` (the
process runservice starts) against the test database, Python's smtplib.LMTP as the
client, as the local Postfix would deliver (issue 22)."""

import signal
import smtplib
from contextlib import contextmanager
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import login_verified
from tests.factories import declaration_post, person_fields, receipt_code
from tests.service import free_port, start, wait_for_port
from tuidang.mailintake.models import MailDraft
from tuidang.registry import dates, sealing
from tuidang.registry.models import Declaration

pytestmark = pytest.mark.django_db(transaction=True)

SENDER = "zhang.san.1989@example.org"
ADDRESS = "declare@tuidang.example"


@contextmanager
def receiver(**env: str):
    """The LMTP receiver on a free port; yields the port. Afterwards, what it printed."""
    port = free_port()
    process = start(["receive_mail", "--port", str(port)], MAIL_ADDRESS=ADDRESS, **env)
    wait_for_port(port, process)
    output = []
    try:
        yield port, output
    finally:
        process.send_signal(signal.SIGINT)
        output.append(process.communicate(timeout=30)[0])
        assert process.returncode == 0, output[0]


BODY = "我叫张三，退出共青团和少先队。\n\n谢谢！"


def plain_mail(body: str = BODY, size: int = 0) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"张三 <{SENDER}>"
    message["To"] = ADDRESS
    message["Subject"] = "三退声明"
    message["Date"] = "Mon, 07 Dec 2026 13:47:05 +0800"
    message.set_content(body + "\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" * (size // 40))
    return message


def deliver(port: int, message: EmailMessage, to: str = ADDRESS) -> dict:
    with smtplib.LMTP("127.0.0.1", port) as client:
        return client.sendmail(SENDER, [to], message.as_bytes(policy=SMTP))


def stored_bytes() -> bytes:
    """The database's files as they are on the disk (SQLite), to search them."""
    if connection.vendor != "sqlite":
        return b""
    name = Path(connection.settings_dict["NAME"])
    return b"".join(p.read_bytes() for p in name.parent.glob(name.name + "*"))


def test_it_files_a_plain_mail_as_a_draft_with_its_sender_sealed():
    with receiver() as (port, output):
        assert deliver(port, plain_mail()) == {}
        # Only the published address: anything else is refused, nothing filed.
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            deliver(port, plain_mail(), to="postmaster@tuidang.example")
        assert refused.value.recipients["postmaster@tuidang.example"][0] == 550
    draft = MailDraft.objects.get()
    assert draft.subject == "三退声明"
    assert draft.text == "我叫张三，退出共青团和少先队。\n\n谢谢！"
    assert draft.received_on == dates.today()
    assert draft.attachments_dropped == 0
    # The sender, sealed to the records key: the key's holder opens it, nobody else.
    key = sealing.load_private_key(settings.TEST_RECORDS_PRIVATE_KEY_FILE.read_text())
    payload, _ = sealing.open_record(bytes(draft.sealed_sender), key)
    assert payload == {"from": f"张三 <{SENDER}>", "envelope": SENDER}
    connection.close()  # (its pages written out before reading the files)
    assert SENDER.encode() not in stored_bytes()
    assert not any(SENDER in str(value) for value in MailDraft.objects.values().get().values())
    # Nothing about the mail was printed (journald would stamp it with the time).
    assert output == [""]


def test_it_keeps_an_html_mail_as_plain_text_and_drops_its_attachment():
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = ADDRESS
    message["Subject"] = "=?utf-8?b?5LiJ6YCA?="  # 三退, encoded as mail clients do
    message.set_content(
        "<html><head><style>p{color:red}</style><script>alert('x')</script></head>"
        "<body><p>李四 &amp; 王五<br>退党</p><div><img src='https://tracker.example/p.gif'>"
        "<a href='https://phish.example/'>点这里</a></div><ul><li>一</li><li>二</li></ul>"
        "</body></html>", subtype="html")
    message.add_attachment(b"%PDF-1.4 ATTACHED-SECRET", maintype="application",
                           subtype="pdf", filename="身份证.pdf")
    with receiver() as (port, output):
        deliver(port, message)
    draft = MailDraft.objects.get()
    assert draft.subject == "三退"
    assert draft.text == "李四 & 王五\n退党\n点这里\n一\n二"
    for gone in ("<", "alert", "color", "tracker", "phish", "ATTACHED-SECRET", "身份证"):
        assert gone not in draft.text
    assert draft.attachments_dropped == 1
    assert output == [""]


def test_it_bounces_an_oversized_mail_with_a_sentence_and_files_nothing():
    with receiver(MAIL_MAX_BYTES="20000") as (port, _output):
        with pytest.raises(smtplib.SMTPDataError) as bounced:
            deliver(port, plain_mail(size=30_000))
        # A mail just under the limit still arrives on the same connection's heels.
        deliver(port, plain_mail(size=15_000))
    assert bounced.value.smtp_code == 552
    reply = bounced.value.smtp_error.decode()
    assert reply.startswith("5.3.4 Your mail is too large: we take mails of at most 19 KB.")
    assert "without attachments" in reply
    assert MailDraft.objects.count() == 1


def test_it_defers_a_flood_past_the_hourly_limit():
    with receiver(MAIL_PER_HOUR="3") as (port, _output):
        for n in range(3):
            deliver(port, plain_mail(f"第 {n} 封"))
        with pytest.raises(smtplib.SMTPSenderRefused) as deferred:
            deliver(port, plain_mail("第 3 封"))
    assert deferred.value.smtp_code == 451  # Postfix keeps it and tries again later
    assert b"Too many mails have arrived this hour" in deferred.value.smtp_error
    assert sorted(MailDraft.objects.values_list("text", flat=True)) == [
        "第 0 封", "第 1 封", "第 2 封"]


def test_it_takes_one_recipient_per_transaction_as_lmtp_needs():
    with receiver() as (port, _output), smtplib.LMTP("127.0.0.1", port) as client:
        client.ehlo("test")  # (smtplib.LMTP sends it as LHLO)
        assert "size" not in client.esmtp_features  # our 552 sentence, not Postfix's
        assert client.mail(SENDER)[0] == 250
        assert client.rcpt(ADDRESS)[0] == 250
        assert client.rcpt(ADDRESS)[0] == 452
        assert client.data(plain_mail().as_bytes(policy=SMTP))[0] == 250
    assert MailDraft.objects.count() == 1


def test_a_helper_turns_a_received_mail_into_a_declaration_and_the_mail_is_gone(
        client, alice):
    with receiver() as (port, _output):
        deliver(port, plain_mail())
    draft = MailDraft.objects.get()
    login_verified(client, alice)
    page = client.get(f"/en/helpers/mail/{draft.pk}/").content.decode()
    assert "我叫张三，退出共青团和少先队。" in page
    assert SENDER not in page
    response = client.post(f"/en/helpers/mail/{draft.pk}/", declaration_post(
        person_fields(0, "张三", ["league", "pioneers"]), channel="email", consent="on"))
    assert response.status_code == 200
    assert receipt_code(response)
    declaration = Declaration.objects.get()
    assert (declaration.channel, declaration.helper) == ("email", alice)
    assert not MailDraft.objects.exists()
