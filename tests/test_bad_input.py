"""Bad input that once gave a server error gets a clear 4xx, through every lane, and
nothing is stored (issue 19)."""

import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.test import Client, override_settings

from tests.conftest import login_verified
from tests.factories import declaration_post, person_fields
from tests.wsgi import Browser, call_raw, environ
from tuidang.api import tokens
from tuidang.api.express import ExpressApi
from tuidang.declaring.express import ExpressIntake
from tuidang.registry.models import Declaration, PendingEntry
from tuidang.transparency import sequencer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keep_the_test_connection")]

DEEP = ("[" * 1000 + "]" * 1000).encode()
DEEPER = b'{"declarations": [{"persons": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]}"


def nothing_stored() -> bool:
    return not Declaration.objects.exists() and not PendingEntry.objects.exists()


# -- the express lanes and Django behind them -------------------------------------------


def test_it_answers_too_many_form_fields_with_a_400_in_both_lanes():
    lane = ExpressIntake(get_wsgi_application())
    visitor = Browser(lane)
    _status, _headers, page = visitor.get("/en/declare/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1].decode()
    fields = {"csrfmiddlewaretoken": token,
              **declaration_post(person_fields(0, "张三")),
              **{f"extra{i}": "x" for i in range(1001)}}
    status, _headers, body = visitor.post("/en/declare/", fields)
    assert status.startswith("400")
    assert b"Bad request" in body and b"Nothing has been saved" in body
    assert lane.taken == 0
    # Django alone says the same.
    response = Client().post("/en/declare/", fields)
    assert response.status_code == 400
    assert nothing_stored()


@pytest.mark.parametrize("body", [DEEP, DEEPER], ids=["deep-array", "deep-in-a-batch"])
@pytest.mark.parametrize("express", [True, False], ids=["express", "django"])
def test_it_answers_deeply_nested_json_with_a_4xx_with_or_without_a_token(
        alice, body, express):
    app = get_wsgi_application()
    if express:
        app = ExpressApi(app)
    good = tokens.create_token(alice, "laptop").secret
    for token, expected in (("nope", "401"), (good, "400")):
        env = environ("/api/v1/declarations", "POST", "", body, "application/json",
                      authorization=f"Bearer {token}", accept_language="en")
        status, _headers, answer = call_raw(app, env)
        assert status.startswith(expected), answer[:300]
        assert json.loads(answer)["detail"]
    assert nothing_stored()


# -- the log's tiles ----------------------------------------------------------------------

HUGE = "x999/x999/x999/x999/x999/x999/999"


@pytest.mark.parametrize("sequenced", [False, True], ids=["empty-log", "a-log"])
@pytest.mark.parametrize("path", [f"/log/tile/0/{HUGE}", f"/log/tile/0/{HUGE}.p/5",
                                  f"/log/tile/2/{HUGE}", f"/log/tile/entries/{HUGE}",
                                  "/log/tile/0/001", "/log/tile/entries/000.p/200"])
def test_it_answers_a_tile_past_the_tree_with_a_404(client, path, sequenced):
    if sequenced:
        sequencer.drain()
    assert client.get(path).status_code == 404


# -- page numbers -------------------------------------------------------------------------

BAD_SERIALS = ["²", "١٢", "-1", "1.5", "9" * 19, " 1"]


@pytest.mark.parametrize("value", BAD_SERIALS)
def test_staff_lists_answer_a_bad_before_with_a_404(client, alice, mona, value):
    login_verified(client, alice)
    assert client.get("/en/helpers/", {"before": value}).status_code == 404
    login_verified(client, mona)
    assert client.get("/en/moderation/audit/", {"before": value}).status_code == 404


@pytest.mark.parametrize("value", BAD_SERIALS)
def test_public_lists_answer_a_bad_before_with_a_404(client, value):
    assert client.get("/en/statements/", {"before": value}).status_code == 404
    assert client.get("/en/statements/", {"after": value}).status_code == 404
    assert client.get("/data/statements.json", {"before": value}).status_code == 404


def test_a_good_before_still_pages(client, alice):
    login_verified(client, alice)
    assert client.get("/en/helpers/", {"before": "5"}).status_code == 200


def test_a_code_in_other_digits_is_refused_as_a_wrong_code(client, alice):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.post("/en/accounts/login/", {"username": "alice", "password": "alice-password-123"})
    TOTPDevice.objects.create(user=alice, name="app", confirmed=True)
    response = client.post("/en/accounts/login/code/", {"code": "²²²²²²"})
    assert response.status_code == 400


# -- imports ------------------------------------------------------------------------------

NESTED_LINE = ('{"persons": [{"display_name": ' + "[" * 800 + "]" * 800
               + ', "organizations": ["party"]}], "channel": "phone", "consent": true}\n')


def test_the_import_page_reports_deeply_nested_lines(client, alice):
    login_verified(client, alice)
    content = ("[" * 50_000 + "]" * 50_000 + "\n" + NESTED_LINE).encode()
    response = client.post("/en/helpers/import/", {
        "file": SimpleUploadedFile("deep.jsonl", content), "consent": "on", "channel": "phone"})
    assert response.status_code == 200
    report = response.content.decode("utf-8-sig")
    assert report.count("nested too deeply") == 2
    assert nothing_stored()


@pytest.mark.django_db(transaction=True)
@override_settings(LANGUAGE_CODE="en")
def test_the_import_command_reports_deeply_nested_lines_with_worker_processes(
        tmp_path, alice):
    path = tmp_path / "deep.jsonl"
    path.write_text(NESTED_LINE * 30)
    report = tmp_path / "report.csv"
    out = io.StringIO()
    call_command("import_declarations", str(path), helper="alice", no_progress=True,
                 workers=2, report=report, language="en", stdout=out)
    assert "rejected 30" in out.getvalue()
    assert report.read_text(encoding="utf-8-sig").count("nested too deeply") == 30
    assert nothing_stored()
