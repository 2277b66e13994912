"""The helpers' mail inbox over HTTP: who may read it, turning a draft into a declaration
or discarding it (the mail deleted either way), and drafts deleted unread with age."""

import datetime
from email.message import EmailMessage
from email.policy import SMTP

import pytest
from django.core.management import call_command
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import login_verified
from tests.factories import declaration_post, person_fields, receipt_code
from tuidang.mailintake import actions
from tuidang.mailintake.models import MailDraft
from tuidang.registry import dates
from tuidang.registry.models import Declaration

pytestmark = pytest.mark.django_db


def a_draft(body: str = "请帮我退出共产党，化名：明心。", subject: str = "退党") -> MailDraft:
    message = EmailMessage()
    message["From"] = "someone@example.org"
    message["Subject"] = subject
    message.set_content(body)
    return actions.file_draft(message.as_bytes(policy=SMTP), "someone@example.org")


def helper_post(name: str = "明心", **fields) -> dict:
    return declaration_post(person_fields(0, name), **{"channel": "email", "consent": "on",
                                                       **fields})


def paths(draft_id: int) -> list[str]:
    return ["/en/helpers/mail/", f"/en/helpers/mail/{draft_id}/",
            f"/en/helpers/mail/{draft_id}/discard/"]


def test_it_sends_anonymous_visitors_to_log_in(client):
    draft = a_draft()
    for path in paths(draft.pk):
        response = client.post(path, helper_post()) if "discard" in path else client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/en/accounts/login/")
    assert MailDraft.objects.filter(pk=draft.pk).exists()


def test_it_forbids_accounts_that_are_not_helpers(client, bob, mona):
    draft = a_draft()
    for user in (bob, mona):
        login_verified(client, user)
        assert client.get("/en/helpers/mail/").status_code == 403
        assert client.get(f"/en/helpers/mail/{draft.pk}/").status_code == 403
        assert client.post(f"/en/helpers/mail/{draft.pk}/", helper_post()).status_code == 403
        assert client.post(f"/en/helpers/mail/{draft.pk}/discard/").status_code == 403
    assert MailDraft.objects.filter(pk=draft.pk).exists()
    assert not Declaration.objects.exists()


def test_it_forbids_a_helper_without_the_second_factor(client, alice):
    draft = a_draft()
    client.force_login(alice)
    assert client.get(f"/en/helpers/mail/{draft.pk}/").status_code == 403
    assert client.post(f"/en/helpers/mail/{draft.pk}/discard/").status_code == 403
    assert MailDraft.objects.filter(pk=draft.pk).exists()


def test_it_answers_404_for_a_draft_that_is_not_there_and_405_for_wrong_methods(
        client, alice):
    draft = a_draft()
    login_verified(client, alice)
    assert client.get("/en/helpers/mail/999999/").status_code == 404
    assert client.post("/en/helpers/mail/999999/", helper_post()).status_code == 404
    assert client.post("/en/helpers/mail/999999/discard/").status_code == 404
    assert client.get(f"/en/helpers/mail/{draft.pk}/discard/").status_code == 405
    assert client.put(f"/en/helpers/mail/{draft.pk}/").status_code == 405
    assert client.post("/en/helpers/mail/").status_code == 405
    assert MailDraft.objects.filter(pk=draft.pk).exists()


def test_every_helper_sees_the_inbox_with_dates_and_no_sender(client, alice, charlie):
    a_draft("第一封信", "一"), a_draft("第二封信", "")
    for helper in (alice, charlie):
        login_verified(client, helper)
        page = client.get("/en/helpers/mail/").content.decode()
        assert "第一封信" in page and "第二封信" in page
        assert "(no subject)" in page
        assert dates.today().isoformat() in page
        assert "someone@example.org" not in page
        assert 'id="mail-waiting">2 mails waiting.' in page


def test_it_turns_a_draft_into_a_declaration_by_email_and_deletes_the_mail(client, alice):
    draft = a_draft()
    login_verified(client, alice)
    page = client.get(f"/en/helpers/mail/{draft.pk}/").content.decode()
    assert "请帮我退出共产党，化名：明心。" in page and 'value="email"' in page
    response = client.post(f"/en/helpers/mail/{draft.pk}/", helper_post(
        channel="phone"))  # a channel changed in the page counts for nothing: it is mail
    assert response.status_code == 200
    assert receipt_code(response)
    declaration = Declaration.objects.get()
    assert (declaration.channel, declaration.helper) == ("email", alice)
    assert [p.display_name for p in declaration.persons] == ["明心"]
    assert not MailDraft.objects.exists()
    # The helper is told the code cannot reach the sender, and led back to the inbox.
    assert 'id="from-mail"' in response.content.decode()
    # A second helper who had it open too finds it gone: nothing is filed twice.
    again = client.post(f"/en/helpers/mail/{draft.pk}/", helper_post())
    assert again.status_code == 404
    assert Declaration.objects.count() == 1


def test_it_refuses_a_declaration_without_consent_and_keeps_the_mail(client, alice):
    draft = a_draft()
    login_verified(client, alice)
    data = helper_post()
    del data["consent"]
    response = client.post(f"/en/helpers/mail/{draft.pk}/", data)
    assert response.status_code == 400
    assert "Submit only for people who asked you to" in response.content.decode()
    assert "请帮我退出共产党" in response.content.decode()  # still beside the form
    assert not Declaration.objects.exists()
    assert MailDraft.objects.filter(pk=draft.pk).exists()


def test_it_discards_a_draft_and_deletes_the_mail(client, alice):
    draft, other = a_draft(), a_draft("广告")
    login_verified(client, alice)
    response = client.post(f"/en/helpers/mail/{other.pk}/discard/")
    assert response.status_code == 302 and response["Location"] == "/en/helpers/mail/"
    assert list(MailDraft.objects.values_list("pk", flat=True)) == [draft.pk]
    assert not Declaration.objects.exists()
    assert "The mail was discarded" in client.get("/en/helpers/mail/").content.decode()


@override_settings(MAIL_DRAFT_DAYS=3)
def test_it_deletes_drafts_unread_once_they_are_the_configured_days_old():
    today = dates.today()
    for age in range(5):
        MailDraft.objects.filter(pk=a_draft(f"{age} 天").pk).update(
            received_on=today - datetime.timedelta(days=age))
    call_command("prune_mail", verbosity=0)
    assert sorted(MailDraft.objects.values_list("text", flat=True)) == [
        "0 天", "1 天", "2 天"]


MIME_PIECES = [b"Content-Type: text/html; charset=x-unknown\r\n", b"Content-Type: multipart/",
               b"mixed; boundary=b\r\n", b"\r\n--b\r\n", b"--b--", b"Subject: =?utf-8?b?***?=\r\n",
               b"Content-Transfer-Encoding: base64\r\n", b"Content-Transfer-Encoding: quoted-"
               b"printable\r\n", b"=E4=B8=89", b"<p>", b"</div>", b"\xff\xfe", b"\x00",
               b"From: <@>\r\n", b"Content-Type: text/plain; charset=utf-16\r\n", b"\r\n"]


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=st.one_of(st.binary(max_size=400),
                     st.lists(st.sampled_from(MIME_PIECES), max_size=25).map(b"".join)))
def test_any_bytes_that_arrive_make_a_draft_of_plain_text(raw):
    """Whatever a mail's bytes, headers and charsets, the receiver files a draft of plain
    text (a mail it failed on would be refused again and again until it bounced)."""
    draft = actions.file_draft(raw, "")
    assert "\x00" not in draft.text and "\x00" not in draft.subject
    assert len(draft.subject) <= 200 and "\n" not in draft.subject
    draft.delete()
