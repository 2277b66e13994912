"""The helpers' JSON API: tokens, permissions, batch semantics, receipts, validation."""

import json
import re

import pytest
from django.test import Client
from django.utils import translation

from tests.conftest import login_verified
from tests.factories import declaration_post, person_fields
from tests.test_privacy import database_dump
from tuidang.api import tokens
from tuidang.api.models import ApiToken
from tuidang.protection.models import SurgeMode, SurgeSetting
from tuidang.registry.models import Declaration, Status
from tuidang.transparency import sequencer

pytestmark = pytest.mark.django_db

URL = "/api/v1/declarations"


# --- Plumbing: tokens are made through the real account page ------------------------------

def make_token(user, name="laptop") -> str:
    client = Client()
    login_verified(client, user)
    response = client.post("/en/helpers/tokens/", {"name": name})
    assert response.status_code == 200
    match = re.search(r'id="new-token">(tdk_[A-Za-z0-9_-]{32})<', response.content.decode())
    assert match, "the new token is shown"
    return match.group(1)


def headers(token: str | None, lang: str | None = "en") -> dict:
    found = {}
    if token is not None:
        found["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if lang is not None:
        found["HTTP_ACCEPT_LANGUAGE"] = lang
    return found


def item(*names: str, **fields) -> dict:
    data = {
        "persons": [{"display_name": n, "organizations": ["party"]} for n in names or ("张三",)],
        "channel": "phone",
        "consent": True,
    }
    data.update(fields)
    return data


def post(client, token, declarations, lang="en", **body):
    return client.post(URL, json.dumps({"declarations": declarations, **body}),
                       content_type="application/json", **headers(token, lang))


def paths(errors) -> list[str]:
    return [e["path"] for e in errors]


# --- Authentication -------------------------------------------------------------------------

def test_it_refuses_every_endpoint_without_a_token(client, alice):
    for method, url in (("get", URL), ("get", f"{URL}/1"), ("post", URL)):
        response = getattr(client, method)(url, **headers(None))
        assert response.status_code == 401, url
        assert response["Content-Type"].startswith("application/json")
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["detail"].startswith("Send a valid API token")
    assert not Declaration.objects.exists()


def test_it_refuses_a_wrong_token(client, alice):
    make_token(alice)
    for value in ("Bearer tdk_" + "A" * 32, "Bearer nonsense", "Bearer ", "Basic YWxpY2U6cHc=",
                  "tdk_" + "A" * 32):
        response = client.get(URL, HTTP_AUTHORIZATION=value)
        assert response.status_code == 401, value
    assert post(client, "tdk_" + "B" * 32, [item()]).status_code == 401
    assert not Declaration.objects.exists()


def test_it_refuses_a_revoked_token(client, alice):
    token = make_token(alice)
    assert client.get(URL, **headers(token)).status_code == 200
    page = Client()
    login_verified(page, alice)
    stored = ApiToken.objects.get(user=alice)
    response = page.post(f"/en/helpers/tokens/{stored.pk}/revoke/")
    assert response.status_code == 302
    assert response["Location"] == "/en/helpers/tokens/"
    assert client.get(URL, **headers(token)).status_code == 401
    assert post(client, token, [item()]).status_code == 401
    assert not Declaration.objects.exists()


def test_it_forbids_a_token_whose_owner_is_not_a_helper(client, alice, bob):
    bob_token = tokens.create_token(bob, "x").secret  # bob cannot reach the token page
    response = client.get(URL, **headers(bob_token))
    assert response.status_code == 403
    assert response.json()["detail"] == "Only helper accounts can use the API."
    assert post(client, bob_token, [item()]).status_code == 403

    alice_token = make_token(alice)
    alice.groups.clear()  # no longer a helper
    assert post(client, alice_token, [item()]).status_code == 403
    assert not Declaration.objects.exists()


def test_it_refuses_the_token_of_a_deactivated_account(client, alice):
    token = make_token(alice)
    alice.is_active = False
    alice.save()
    assert client.get(URL, **headers(token)).status_code == 401


# --- Permissions: a helper sees only their own ----------------------------------------------

def test_it_shows_a_helper_only_their_own_submissions(client, alice, charlie):
    alice_token, charlie_token = make_token(alice), make_token(charlie)
    serial = post(client, alice_token, [item("张三")]).json()["results"][0]["serial"]
    post(client, charlie_token, [item("李四")])

    mine = client.get(URL, **headers(alice_token)).json()["declarations"]
    assert [d["persons"][0]["display_name"] for d in mine] == ["张三"]
    theirs = client.get(URL, **headers(charlie_token)).json()["declarations"]
    assert [d["persons"][0]["display_name"] for d in theirs] == ["李四"]

    assert client.get(f"{URL}/{serial}", **headers(alice_token)).status_code == 200
    others = client.get(f"{URL}/{serial}", **headers(charlie_token))
    missing = client.get(f"{URL}/{serial + 1000}", **headers(charlie_token))
    assert others.status_code == missing.status_code == 404
    assert others.json() == missing.json()  # existence is not revealed


def test_it_does_not_show_web_form_submissions_of_other_helpers(client, alice, charlie):
    page = Client()
    login_verified(page, charlie)
    page.post("/en/helpers/declare/", declaration_post(
        person_fields(0, "王五"), channel="phone", consent="on"))
    serial = Declaration.objects.get().pk
    token = make_token(alice)
    assert client.get(URL, **headers(token)).json()["declarations"] == []
    assert client.get(f"{URL}/{serial}", **headers(token)).status_code == 404


# --- Batch semantics ------------------------------------------------------------------------

def test_it_stores_the_good_items_and_reports_the_bad_ones_by_position(client, alice):
    token = make_token(alice)
    batch = [
        item("张三", client_ref="row-1"),
        item("", client_ref="row-2"),                                     # no name
        item("李四", consent=False),                                      # no consent
        item("王五", channel="self"),                                     # not a helper's
        {"persons": [{"display_name": 7, "organizations": "party"}], "channel": "phone",
         "consent": True, "colour": "red"},                               # wrong JSON types
        item("赵六", "赵六"),                                              # same person twice
        item("孙七", client_ref="row-7"),
    ]
    response = post(client, token, batch)
    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (2, 5)
    results = body["results"]
    assert [r["index"] for r in results] == list(range(7))
    assert [r["ok"] for r in results] == [True, False, False, False, False, False, True]
    assert results[0]["client_ref"] == "row-1" and results[6]["client_ref"] == "row-7"
    assert results[1]["client_ref"] == "row-2"
    assert paths(results[1]["errors"]) == ["declarations[1].persons[0].display_name"]
    assert paths(results[2]["errors"]) == ["declarations[2].consent"]
    assert results[2]["errors"][0]["message"] == "Submit only for people who asked you to."
    assert paths(results[3]["errors"]) == ["declarations[3].channel"]
    assert sorted(paths(results[4]["errors"])) == [
        "declarations[4].colour", "declarations[4].persons[0].display_name",
        "declarations[4].persons[0].organizations",
    ]
    assert paths(results[5]["errors"]) == ["declarations[5].persons"]
    for accepted in (results[0], results[6]):
        assert accepted["status"] == "received"
        assert set(accepted) == {"index", "ok", "serial", "receipt_code", "status", "client_ref"}
    stored = Declaration.objects.order_by("id")
    assert [d.persons[0].display_name for d in stored] == ["张三", "孙七"]
    assert {(d.helper, d.channel) for d in stored} == {(alice, "phone")}
    assert [d.pk for d in stored] == [results[0]["serial"], results[6]["serial"]]


def test_it_stores_none_of_an_atomic_batch_with_a_bad_item(client, alice):
    token = make_token(alice)
    batch = [item("张三"), item("李四"), item("x" * 41), item("王五", consent=False)]
    response = post(client, token, batch, atomic=True)
    assert response.status_code == 400
    body = response.json()
    assert paths(body["errors"]) == [
        "declarations[2].persons[0].display_name", "declarations[3].consent",
    ]
    assert body["detail"] == "Some declarations are not valid; none has been stored."
    assert not Declaration.objects.exists()


def test_it_stores_all_of_a_good_atomic_batch(client, alice):
    token = make_token(alice)
    response = post(client, token, [item("张三"), item("李四"), item("王五")], atomic=True)
    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (3, 0)
    assert Declaration.objects.count() == 3
    assert len({r["receipt_code"] for r in body["results"]}) == 3


def test_it_takes_1000_declarations_and_refuses_1001(client, alice):
    token = make_token(alice)
    batch = [item(f"人{i}") for i in range(1000)]
    response = post(client, token, batch)
    assert response.status_code == 200
    assert response.json()["accepted"] == 1000
    assert Declaration.objects.count() == 1000

    response = post(client, token, [*batch, item("多一个")])
    assert response.status_code == 400
    body = response.json()
    assert paths(body["errors"]) == ["declarations"]
    assert body["errors"][0]["message"] == "Give at most 1000 items."
    assert Declaration.objects.count() == 1000


def test_it_answers_a_malformed_body_with_400_and_stores_nothing(client, alice):
    token = make_token(alice)
    auth = headers(token)
    cases = {
        "{not json": [],
        "\xff": [],
        "": ["body"],
        "[]": ["body"],
        "null": ["body"],
        '{"declarations": []}': ["declarations"],
        '{"declarations": {}}': ["declarations"],
        '{"declarations": [{}], "atomic": "yes"}': ["atomic"],
        '{"declarations": [{}], "extra": 1}': ["extra"],
        '{"items": []}': ["declarations", "items"],
    }
    for body, expected in cases.items():
        response = client.post(URL, body, content_type="application/json", **auth)
        assert response.status_code == 400, body
        assert sorted(paths(response.json()["errors"])) == expected, body
        assert response.json()["detail"]
    assert not Declaration.objects.exists()


def test_it_reports_errors_in_the_language_of_accept_language(client, alice):
    token = make_token(alice)
    bad = [item("张三", consent=False)]
    with translation.override("zh-hans"):
        expected_hans = translation.gettext("Submit only for people who asked you to.")
    assert expected_hans != "Submit only for people who asked you to."
    default = post(client, token, bad, lang=None).json()["results"][0]["errors"][0]["message"]
    assert default == expected_hans  # zh-hans is the default
    english = post(client, token, bad, lang="en").json()["results"][0]["errors"][0]["message"]
    assert english == "Submit only for people who asked you to."
    hant = post(client, token, bad, lang="zh-hant").json()["results"][0]["errors"][0]["message"]
    assert hant not in (english, "")
    unauthorized = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["detail"]
    assert unauthorized  # translated or not, always a message


# --- The same rules as the web form ---------------------------------------------------------

P = {"display_name": "张三", "organizations": ["party"]}


@pytest.mark.parametrize("person,fields,valid", [
    ({**P, "region": "overseas"}, {}, False),                       # overseas needs a country
    ({**P, "country": "US"}, {}, False),                            # a country needs overseas
    ({**P, "organizations": ["army"]}, {}, False),
    ({**P, "organizations": []}, {}, False),
    ({**P, "display_name": "张\u0007三"}, {}, False),
    ({**P, "display_name": "张" * 41}, {}, False),
    ({**P, "birth_year": 1800}, {}, False),
    ({**P, "sector": "spy"}, {}, False),
    (P, {"statement_title": "标题"}, False),                        # a title needs a text
    (P, {"statement_text": "x" * 5001}, False),
    ({**P, "region": "overseas", "country": "FR", "sector": "teacher", "birth_year": 1970,
      "is_real_name": True}, {}, True),
    ({**P, "organizations": ["pioneers", "league"]},
     {"statement_title": "标题", "statement_text": "我退出。"}, True),
])
def test_it_judges_a_declaration_as_the_web_form_does(alice, person, fields, valid):
    web = Client()
    login_verified(web, alice)
    extra = {k: ("on" if v is True else v) for k, v in person.items()
             if k not in ("display_name", "organizations")}
    web_response = web.post("/en/helpers/declare/", declaration_post(
        person_fields(0, person["display_name"], person["organizations"], **extra),
        channel="phone", consent="on", **fields))
    api_response = post(Client(), make_token(alice), [
        {"persons": [person], "channel": "phone", "consent": True, **fields}])
    assert api_response.status_code == 200
    assert api_response.json()["results"][0]["ok"] is valid
    assert web_response.status_code == (200 if valid else 400)


def test_it_normalizes_names_and_seals_private_fields(client, alice):
    token = make_token(alice)
    decomposed = "Jose\u0301"
    response = post(client, token, [{
        "persons": [{"display_name": decomposed, "organizations": ["league", "party"],
                     "private_real_name": "秘密真名", "birth_year": 1980}],
        "channel": "email", "consent": True, "contact": "secret@example.org",
        "notes": "私密备注",
    }])
    assert response.json()["accepted"] == 1
    person = Declaration.objects.get().persons[0]
    assert person.display_name == "José"
    assert person.organizations() == ["party", "league"]
    dump = database_dump()
    for secret in ("秘密真名", "secret@example.org", "私密备注"):
        assert secret not in dump


def test_it_holds_api_submissions_while_the_surge_switch_holds_all(client, alice):
    token = make_token(alice)
    SurgeSetting.objects.update_or_create(pk=1, defaults={"mode": SurgeMode.HOLD_ALL})
    serial = post(client, token, [item()]).json()["results"][0]["serial"]
    sequencer.drain()
    assert Declaration.objects.get(pk=serial).status == Status.HELD
    assert client.get(f"{URL}/{serial}", **headers(token)).json()["status"] == "held"


# --- Receipts and reading back --------------------------------------------------------------

def test_it_gives_receipt_codes_that_find_the_declaration(client, alice):
    token = make_token(alice)
    result = post(client, token, [item("张三")]).json()["results"][0]
    page = Client().post("/en/receipt/", {"code": result["receipt_code"]})
    assert page.status_code == 200
    assert 'data-status="received"' in page.content.decode()

    sequencer.drain()
    page = Client().post("/en/receipt/", {"code": result["receipt_code"]})
    html = page.content.decode()
    assert 'data-status="published"' in html
    read = client.get(f"{URL}/{result['serial']}", **headers(token)).json()
    assert read["status"] == "published"
    assert f'id="log-index">{read["log_index"]}<' in html
    assert read["persons"] == [{"display_name": "张三", "organizations": ["party"]}]
    assert read["channel"] == "phone"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", read["date"])


def test_it_lists_newest_first_with_keyset_pagination(client, alice):
    token = make_token(alice)
    post(client, token, [item(f"人{i}") for i in range(5)])
    auth = headers(token)
    first = client.get(f"{URL}?limit=2", **auth).json()
    names = [d["persons"][0]["display_name"] for d in first["declarations"]]
    assert names == ["人4", "人3"]
    second = client.get(f"{URL}?limit=2&before={first['next_before']}", **auth).json()
    assert [d["persons"][0]["display_name"] for d in second["declarations"]] == ["人2", "人1"]
    last = client.get(f"{URL}?limit=2&before={second['next_before']}", **auth).json()
    assert [d["persons"][0]["display_name"] for d in last["declarations"]] == ["人0"]
    assert last["next_before"] is None
    for query in ("limit=0", "limit=201", "limit=x", "before=0", "before=-3"):
        response = client.get(f"{URL}?{query}", **auth)
        assert response.status_code == 400, query
        assert paths(response.json()["errors"]) == [query.split("=")[0]]


# --- The token page -------------------------------------------------------------------------

def test_it_asks_anonymous_visitors_to_log_in_for_the_token_page(client):
    for method in ("get", "post"):
        response = getattr(client, method)("/en/helpers/tokens/")
        assert response.status_code == 302
        assert response["Location"].startswith("/en/accounts/login/")
    assert client.post("/en/helpers/tokens/1/revoke/").status_code == 302
    assert not ApiToken.objects.exists()


def test_it_keeps_the_token_page_from_non_helpers_and_unverified_sessions(client, alice, bob):
    login_verified(client, bob)
    assert client.get("/en/helpers/tokens/").status_code == 403
    assert client.post("/en/helpers/tokens/", {"name": "x"}).status_code == 403
    password_only = Client()
    password_only.force_login(alice)  # no second factor
    assert password_only.get("/en/helpers/tokens/").status_code == 403
    assert password_only.post("/en/helpers/tokens/", {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_it_allows_only_the_right_methods_on_the_token_page(client, alice):
    login_verified(client, alice)
    make_token(alice)
    stored = ApiToken.objects.get()
    assert client.put("/en/helpers/tokens/").status_code == 405
    assert client.get(f"/en/helpers/tokens/{stored.pk}/revoke/").status_code == 405
    assert not ApiToken.objects.get().revoked


def test_it_shows_a_new_token_once_and_stores_only_its_digest(client, alice):
    login_verified(client, alice)
    response = client.post("/en/helpers/tokens/", {"name": "hotline laptop"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = re.search(r'id="new-token">([^<]+)<', response.content.decode()).group(1)
    assert re.fullmatch(r"tdk_[A-Za-z0-9_-]{32}", token)
    listing = client.get("/en/helpers/tokens/").content.decode()
    assert "hotline laptop" in listing and token not in listing
    stored = ApiToken.objects.get()
    assert (stored.user, stored.name, stored.revoked) == (alice, "hotline laptop", False)
    assert re.fullmatch(r"[0-9a-f]{64}", stored.digest)
    dump = database_dump()
    assert "hotline laptop" in dump  # the dump is really searched
    assert token not in dump and token[4:] not in dump
    assert stored.last_used_on is None
    Client().get(URL, **headers(token))
    stored.refresh_from_db()
    assert stored.last_used_on is not None  # a date field: no time is kept


def test_it_refuses_a_bad_token_name(client, alice):
    login_verified(client, alice)
    assert client.post("/en/helpers/tokens/", {"name": ""}).status_code == 400
    assert client.post("/en/helpers/tokens/", {"name": "x" * 61}).status_code == 400
    assert not ApiToken.objects.exists()


def test_it_lets_a_helper_revoke_only_their_own_tokens(client, alice, charlie):
    make_token(alice, "alices-token")
    alices = ApiToken.objects.get(user=alice)
    login_verified(client, charlie)
    assert client.post(f"/en/helpers/tokens/{alices.pk}/revoke/").status_code == 404
    assert not ApiToken.objects.get(pk=alices.pk).revoked
    assert "alices-token" not in client.get("/en/helpers/tokens/").content.decode()


# --- Documents ------------------------------------------------------------------------------

def test_it_serves_the_openapi_document_and_a_docs_page_without_other_hosts(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert set(schema["paths"]) == {"/api/v1/declarations", "/api/v1/declarations/{serial}"}
    assert schema["info"]["version"] == "1"
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "/api/v1/openapi.json" in html
