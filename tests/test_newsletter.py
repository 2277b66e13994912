"""The newsletter against a real SMTP server (aiosmtpd, started by the tests): double
opt-in, sending in batches that resume without duplicates, one-click unsubscribe
(RFC 8058), the existing-address case, expiry, privacy of addresses, terms versions."""

import datetime
import email
import email.policy
import io
import re
import socket
import threading
import time

import pytest
from aiosmtpd.controller import Controller
from django.core import signing
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.conftest import login_verified
from tuidang.news.models import Article, Status
from tuidang.newsletter import addresses, mail, sending
from tuidang.newsletter.models import Delivery, LegalPage, Newsletter, Subscriber
from tuidang.registry import dates
from tuidang.registry.receipts import keyed_hash


class Inbox:
    """Collects what the SMTP server receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(([r.lower() for r in envelope.rcpt_tos], message))
        return "250 OK"

    def to(self, address: str) -> list:
        with self.lock:
            return [m for rcpts, m in self.messages if address in rcpts]

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()


@pytest.fixture
def smtp(settings, db):
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd cannot start on port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.SITE_URL = "http://testserver"
    settings.NEWSLETTER_RATE_PER_MINUTE = 100_000
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    yield inbox
    controller.stop()


def url(name, *args, lang="en"):
    with translation.override(lang):
        return reverse(name, args=args)


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link(message, kind: str) -> str:
    found = re.search(rf"http://testserver(/[a-z-]+/newsletter/{kind}/[^/\s]+/)", text_of(message))
    assert found, text_of(message)
    return found.group(1)


def sign_up(client, address: str, language: str = "en"):
    return client.post(url("newsletter:signup"), {
        "email": address, "language": language, "consent": "on",
    })


def subscribe_confirmed(client, smtp, address: str, language: str = "en") -> Subscriber:
    sign_up(client, address, language)
    confirm = link(smtp.to(address.lower())[-1], "confirm")
    client.post(confirm)
    return Subscriber.objects.get(address_hash=addresses.address_hash(address))


def published_article(language="en", slug="news-1") -> Article:
    return Article.objects.create(
        language=language, slug=slug, title=f"Big news {slug}", summary="What happened",
        body="Text", publish_on=dates.today(), updated_on=dates.today(),
        status=Status.PUBLISHED,
    )


def make_subscribers(n: int, language: str = "en") -> list[str]:
    found = []
    for i in range(n):
        address = f"reader{i}@example.org"
        Subscriber.objects.create(
            address_hash=addresses.address_hash(address),
            address_box=addresses.encrypt(address), language=language,
            state=Subscriber.CONFIRMED, terms_version=0, consent_on=dates.today(),
            confirmed_on=dates.today(), confirmation_due=False,
        )
        found.append(address)
    return found


def new_newsletter(language="en", subject="Our news") -> Newsletter:
    newsletter = Newsletter.objects.create(
        language=language, subject=subject, intro="Hello **readers**.",
        created_on=dates.today(),
    )
    newsletter.articles.add(published_article(language, slug=f"a{Newsletter.objects.count()}"))
    return newsletter


# --- The whole flow -------------------------------------------------------------------------

def test_sign_up_confirm_receive_unsubscribe_receive_nothing_more(
    client, erin, smtp, django_capture_on_commit_callbacks
):
    page = client.get(url("newsletter:signup"))
    html = page.content.decode()
    assert "By submitting this form, I agree to the" in html
    assert url("newsletter:terms") in html

    response = sign_up(client, "Reader@Example.org")
    assert response.status_code == 200
    confirmations = smtp.to("reader@example.org")
    assert len(confirmations) == 1
    confirmation = confirmations[0]
    assert confirmation["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert str(confirmation["List-Unsubscribe"]).strip().startswith("<http://testserver/en/newsletter/unsub")
    subscriber = Subscriber.objects.get()
    assert subscriber.state == Subscriber.PENDING

    # GET only shows a button (link scanners confirm nothing); POST confirms.
    confirm = link(confirmation, "confirm")
    assert client.get(confirm).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.PENDING
    assert client.post(confirm).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.CONFIRMED and subscriber.confirmed_on == dates.today()

    # An editor composes, previews and sends a newsletter.
    article = published_article()
    login_verified(client, erin)
    response = client.post(url("newsletter:editor_new"), {
        "language": "en", "subject": "March news", "intro": "Dear readers",
        "articles": [article.pk],
    })
    assert response.status_code == 302
    newsletter = Newsletter.objects.get()
    preview = client.get(url("newsletter:editor_preview", newsletter.pk))
    assert "Big news" in preview.content.decode()
    client.post(url("newsletter:editor_test", newsletter.pk))
    test_mail = smtp.to("erin@example.org")
    assert len(test_mail) == 1 and "March news" in test_mail[0]["Subject"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("newsletter:editor_send", newsletter.pk))
    newsletter.refresh_from_db()
    assert newsletter.state == Newsletter.SENT
    received = smtp.to("reader@example.org")
    assert len(received) == 2
    issue = received[1]
    assert issue["Subject"] == "March news"
    assert "Big news" in text_of(issue) and "http://testserver/en/news/news-1/" in text_of(issue)
    assert issue["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    detail = client.get(url("newsletter:editor_newsletter", newsletter.pk)).content.decode()
    assert "100%" in detail

    # One click: the mail client POSTs to the List-Unsubscribe URL, no token, no cookie.
    unsubscribe = str(issue["List-Unsubscribe"]).strip().strip("<>")
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(
        unsubscribe.removeprefix("http://testserver"), data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not Subscriber.objects.exists()

    # Nothing more.
    second = new_newsletter(subject="April news")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("newsletter:editor_send", second.pk))
    assert len(smtp.to("reader@example.org")) == 2


def test_unsubscribing_from_the_page_needs_no_login(client, smtp):
    subscriber = subscribe_confirmed(client, smtp, "page@example.org")
    target = mail.unsubscribe_url(subscriber).removeprefix("http://testserver")
    anonymous = Client(enforce_csrf_checks=True)
    page = anonymous.get(target)
    assert page.status_code == 200 and "<form" in page.content.decode()
    assert Subscriber.objects.filter(pk=subscriber.pk).exists()
    assert anonymous.post(target).status_code == 200
    assert not Subscriber.objects.filter(pk=subscriber.pk).exists()
    assert anonymous.post(target).status_code == 200  # again: same answer
    assert anonymous.post(target[:-5] + "xxxx/").status_code == 400  # forged


# --- Interrupted and resumed ----------------------------------------------------------------

def test_a_send_interrupted_halfway_and_resumed_delivers_exactly_once(smtp, monkeypatch, db):
    readers = make_subscribers(7)
    newsletter = new_newsletter()
    assert sending.start(newsletter) == 7
    done = []

    def crash_after_three(delivery_id):
        done.append(delivery_id)
        if len(done) == 3:
            raise RuntimeError("worker killed")

    monkeypatch.setattr(sending, "after_delivery", crash_after_three)
    with pytest.raises(RuntimeError):
        sending.run_batch(newsletter.pk)
    assert len(smtp.messages) == 3
    assert sending.progress(newsletter)["pending"] == 4
    newsletter.refresh_from_db()
    assert newsletter.state == Newsletter.SENDING

    monkeypatch.setattr(sending, "after_delivery", lambda delivery_id: None)
    sending.run_batch(newsletter.pk, batch=2)  # batches resume where it stopped
    assert len(smtp.messages) == 5
    sending.run_all(newsletter.pk)
    sending.run_all(newsletter.pk)  # a second resume sends nothing
    for address in readers:
        assert len(smtp.to(address)) == 1, address
    assert len(smtp.messages) == 7
    newsletter.refresh_from_db()
    assert newsletter.state == Newsletter.SENT
    assert sending.progress(newsletter) == {
        "total": 7, "sent": 7, "failed": 0, "unknown": 0, "pending": 0, "percent": 100,
    }


def test_an_smtp_error_puts_the_delivery_back_and_a_claimed_one_is_never_resent(
    smtp, monkeypatch, db
):
    make_subscribers(3)
    newsletter = new_newsletter()
    sending.start(newsletter)
    first = Delivery.objects.order_by("pk").first()
    # A crash between the SMTP server's answer and the update leaves the row claimed.
    Delivery.objects.filter(pk=first.pk).update(state=Delivery.CLAIMED)
    import smtplib

    calls = []
    original = mail.newsletter_message

    def flaky(*args, **kwargs):
        message = original(*args, **kwargs)
        calls.append(1)
        if len(calls) == 1:
            def refuse(*a, **k):
                raise smtplib.SMTPServerDisconnected("gone")
            message.send = refuse
        return message

    monkeypatch.setattr(mail, "newsletter_message", flaky)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        sending.run_batch(newsletter.pk)
    assert sending.progress(newsletter)["pending"] == 2
    sending.run_all(newsletter.pk)
    assert len(smtp.messages) == 2
    assert sending.progress(newsletter)["unknown"] == 1


def test_the_task_queues_the_next_batch_before_sending(db, settings, smtp, monkeypatch):
    from tuidang.newsletter import tasks

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.NEWSLETTER_BATCH = 2
    make_subscribers(3)
    newsletter = new_newsletter()
    sending.start(newsletter)
    from django_tasks_db.models import DBTaskResult

    tasks.send_newsletter.call(newsletter.pk)
    assert len(smtp.messages) == 2
    queued = DBTaskResult.objects.filter(status="READY")
    assert queued.count() == 1 and queued.get().args_kwargs["args"] == [newsletter.pk]
    tasks.send_newsletter.call(newsletter.pk)
    tasks.send_newsletter.call(newsletter.pk)
    assert len(smtp.messages) == 3
    newsletter.refresh_from_db()
    assert newsletter.state == Newsletter.SENT


# --- An existing address reveals nothing ----------------------------------------------------

def _visible(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_signing_up_an_existing_address_reveals_nothing(client, smtp):
    first = sign_up(client, "twice@example.org")
    again = sign_up(client, "twice@example.org")  # pending, same day: no second mail
    fresh = sign_up(client, "new@example.org")
    assert first.status_code == again.status_code == fresh.status_code == 200
    assert _visible(first) == _visible(again) == _visible(fresh)
    assert len(smtp.to("twice@example.org")) == 1
    client.post(link(smtp.to("twice@example.org")[0], "confirm"))
    confirmed = sign_up(client, "TWICE@example.org ")
    assert _visible(confirmed) == _visible(fresh)
    assert len(smtp.to("twice@example.org")) == 1  # a confirmed address gets nothing
    assert Subscriber.objects.count() == 2
    assert Subscriber.objects.get(
        address_hash=addresses.address_hash("twice@example.org")).state == Subscriber.CONFIRMED


def test_a_pending_address_gets_one_reminder_on_a_later_day(client, smtp):
    sign_up(client, "later@example.org")
    Subscriber.objects.update(confirmation_sent_on=dates.today() - datetime.timedelta(days=1))
    sign_up(client, "later@example.org")
    assert len(smtp.to("later@example.org")) == 2


def test_the_consent_checkbox_is_required(client, smtp):
    response = client.post(url("newsletter:signup"), {"email": "x@example.org", "language": "en"})
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert not Subscriber.objects.exists() and not smtp.messages


# --- Expiry ---------------------------------------------------------------------------------

def test_unconfirmed_sign_ups_expire_after_seven_days(client, smtp, monkeypatch):
    sign_up(client, "slow@example.org")
    confirm = link(smtp.to("slow@example.org")[0], "confirm")
    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + 8 * 86400)
    assert client.post(confirm).status_code == 400
    assert Subscriber.objects.get().state == Subscriber.PENDING
    monkeypatch.setattr(signing.time, "time", real_time)

    old = dates.today() - datetime.timedelta(days=8)
    Subscriber.objects.update(consent_on=old)
    make_subscribers(1)
    Subscriber.objects.filter(state=Subscriber.CONFIRMED).update(consent_on=old)
    out = io.StringIO()
    call_command("prune_newsletter", stdout=out)
    assert "removed 1" in out.getvalue()
    assert list(Subscriber.objects.values_list("state", flat=True)) == [Subscriber.CONFIRMED]
    # The confirmation link of a removed sign-up is no longer valid.
    monkeypatch.setattr(signing.time, "time", real_time)
    assert client.post(confirm).status_code == 400


def test_an_unconfirmed_address_gets_no_newsletter(client, smtp):
    sign_up(client, "pending@example.org")
    newsletter = new_newsletter()
    assert sending.start(newsletter) == 0
    sending.run_all(newsletter.pk)
    assert len(smtp.to("pending@example.org")) == 1  # the confirmation only


# --- Privacy of addresses -------------------------------------------------------------------

def test_addresses_are_encrypted_at_rest_and_looked_up_by_keyed_hash(client, smtp, caplog):
    sign_up(client, "Secret.Person@Example.org")
    subscriber = Subscriber.objects.get()
    assert subscriber.address_hash == keyed_hash("newsletter", "secret.person@example.org")
    assert b"secret.person" not in bytes(subscriber.address_box)
    assert addresses.decrypt(subscriber.address_box) == "secret.person@example.org"
    assert subscriber.consent_on == dates.today()
    from django.db import connection

    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            dump = repr(cursor.fetchall()).lower()
            assert "secret.person" not in dump, table
    assert "secret.person" not in caplog.text.lower()


def test_the_console_backend_prints_no_address(capsys, db, settings):
    settings.EMAIL_BACKEND = "tuidang.newsletter.mail.RedactedConsoleBackend"
    make_subscribers(1)
    newsletter = new_newsletter()
    sending.start(newsletter)
    sending.run_all(newsletter.pk)
    out = capsys.readouterr().out
    assert "Our news" in out and "reader0@example.org" not in out and "[address]" in out
    assert "Date:" not in out and "Message-ID:" not in out  # nothing times a mail


# --- Terms and privacy ----------------------------------------------------------------------

def test_terms_are_versioned_and_the_sign_up_records_the_version(client, erin, smtp):
    assert "Version 0" in client.get(url("newsletter:terms")).content.decode()
    login_verified(client, erin)
    for text in ("First terms", "Second terms"):
        response = client.post(url("newsletter:editor_legal", "terms"), {"body_en": text})
        assert response.status_code == 302
    client.post(url("newsletter:editor_legal", "privacy"), {"body_en": "Private"})
    assert list(LegalPage.objects.filter(kind="terms").values_list("version", flat=True)) == [
        2, 1]
    client.logout()
    page = client.get(url("newsletter:terms")).content.decode()
    assert "Second terms" in page and "First terms" not in page and "Version 2" in page
    assert "Private" in client.get(url("newsletter:privacy")).content.decode()
    sign_up(client, "terms@example.org")
    subscriber = Subscriber.objects.get()
    assert subscriber.terms_version == 2 and subscriber.consent_on == dates.today()


def test_legal_and_newsletter_editor_pages_check_access(client, mona, erin, db):
    assert client.get(url("newsletter:editor_legal", "terms")).status_code == 302
    login_verified(client, mona)
    assert client.get(url("newsletter:editor_legal", "terms")).status_code == 403
    assert client.post(url("newsletter:editor_send", 1)).status_code == 403
    login_verified(client, erin)
    assert client.get(url("newsletter:editor_legal", "other")).status_code == 404
    assert client.get(url("newsletter:editor_newsletter", 999)).status_code == 404
    assert client.get(url("newsletter:editor_send", 1)).status_code == 405
    assert client.get(url("newsletter:editor_test", 1)).status_code == 405
    assert client.put(url("newsletter:signup")).status_code == 405


def test_public_newsletter_pages_have_nothing_inline(client, db):
    for page in (url("newsletter:signup"), url("newsletter:terms"), url("newsletter:privacy")):
        response = client.get(page)
        assert response.status_code == 200
        html = response.content.decode()
        assert "style=" not in html and not re.search(r"\son[a-z]+=", html)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # the proof of work's are files
    footer = client.get(url("home")).content.decode()
    assert url("newsletter:signup") in footer and url("news:list") in footer


@pytest.mark.parametrize(("env", "message"), [
    ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT must be a whole number"),
    ({"EMAIL_PORT": "70000"}, "EMAIL_PORT must be between"),
    ({"EMAIL_USE_TLS": "perhaps"}, "EMAIL_USE_TLS must be one of"),
    ({"EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"}, "not both"),
    ({"DEFAULT_FROM_EMAIL": "nobody"}, "DEFAULT_FROM_EMAIL is not an e-mail address"),
    ({"SITE_URL": "tuidang.example"}, "SITE_URL must be"),
    ({"NEWSLETTER_KEY": "short"}, "NEWSLETTER_KEY"),
    ({"NEWSLETTER_RATE_PER_MINUTE": "0"}, "NEWSLETTER_RATE_PER_MINUTE must be between"),
])
def test_mail_settings_fail_loudly(tmp_path, env, message):
    from tests.test_settings import GOOD, load_settings

    result = load_settings(tmp_path, **GOOD, **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_mail_settings_accept_good_values(tmp_path):
    from tests.test_settings import GOOD, load_settings

    env = {"EMAIL_HOST": "smtp.example.org", "EMAIL_PORT": "465", "EMAIL_USE_SSL": "1",
           "EMAIL_USE_TLS": "0", "DEFAULT_FROM_EMAIL": "Tuidang <news@tuidang.example>",
           "SITE_URL": "https://tuidang.example", "NEWSLETTER_KEY": "k" * 40}
    result = load_settings(tmp_path, **GOOD, **env)
    assert result.returncode == 0, result.stderr
