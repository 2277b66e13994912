"""The API's express lane: it answers and stores exactly as Django and django-ninja
would, and hands everything else to them untouched."""

import json

import pytest
from django.contrib.auth.models import Group
from django.core.wsgi import get_wsgi_application

from tests.factories import stored_persons
from tests.wsgi import call_raw, environ
from tuidang.api import tokens
from tuidang.api.express import ExpressApi
from tuidang.protection.models import SurgeMode, SurgeSetting
from tuidang.registry.models import Declaration, PendingEntry
from tuidang.transparency import sequencer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keep_the_test_connection")]

URL = "/api/v1/declarations"


@pytest.fixture
def lane() -> ExpressApi:
    tokens.forget_recent()
    return ExpressApi(get_wsgi_application())


@pytest.fixture
def token(alice) -> str:
    return tokens.create_token(alice, "laptop").secret


def item(*names: str, **fields) -> dict:
    return {"persons": [{"display_name": n, "organizations": ["party", "league"],
                         "region": "sichuan"} for n in names],
            "channel": "phone", "consent": True, **fields}


def post(app, token: str | None, payload, lang: str = "en", query: str = "", **headers):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    env = environ(URL, "POST", query, body, "application/json", accept_language=lang,
                  **headers)
    status, sent, text = call_raw(app, env)
    assert not status.startswith("500"), text[:2000]
    return status, sent, json.loads(text)


def normalized(answer: dict) -> dict:
    return {**answer, "results": [
        {**r, "serial": "S", "receipt_code": "R"} if r["ok"] else r
        for r in answer["results"]]}


def test_it_answers_and_stores_as_django_does(lane, token, alice):
    first = post(lane, token, {"declarations": [item("王一"), item("李二", client_ref="b")]})
    assert lane.taken == 0  # Django answered; the lane learnt its headers
    second = post(lane, token, {"declarations": [item("王三"), item("李四", client_ref="b")]})
    assert lane.taken == 2
    assert second[0] == first[0] == "200 OK"
    assert (sorted((k, v) for k, v in second[1] if k not in ("Content-Length", "Date"))
            == sorted((k, v) for k, v in first[1] if k not in ("Content-Length", "Date")))
    assert normalized(second[2]) == normalized(first[2])
    assert second[2]["accepted"] == 2
    assert dict(second[1])["Content-Length"] == str(len(json.dumps(second[2])))
    serials = [r["serial"] for answer in (first[2], second[2]) for r in answer["results"]]
    assert serials == sorted(serials) and len(set(serials)) == 4

    stored = list(Declaration.objects.order_by("id").values(
        "status", "channel", "helper", "person_count", "party_count", "league_count",
        "statement_status", "hold_reason"))
    assert all(row == stored[0] for row in stored)
    assert stored[0]["helper"] == alice.pk and stored[0]["channel"] == "phone"
    assert [(p.display_name, p.region) for p in stored_persons()] == [
        (name, "sichuan") for name in ("王一", "李二", "王三", "李四")]
    assert PendingEntry.objects.count() == 4
    sequencer.drain()
    assert Declaration.objects.filter(log_index__isnull=False).count() == 4


def test_it_learns_headers_per_language(lane, token):
    post(lane, token, {"declarations": [item("一")]}, lang="en")
    post(lane, token, {"declarations": [item("二")]}, lang="zh-hant")
    assert lane.taken == 0
    status, headers, _answer = post(lane, token, {"declarations": [item("三")]}, lang="zh-hant")
    assert status == "200 OK" and lane.taken == 1
    assert dict(headers)["Content-Language"] == "zh-hant"


def learnt(lane, token) -> None:
    assert post(lane, token, {"declarations": [item("学")]})[0] == "200 OK"


@pytest.mark.parametrize("payload", [
    pytest.param({"declarations": [item("张三")], "atomic": True}, id="atomic"),
    pytest.param({"declarations": [item("张三", consent=False)]}, id="no consent"),
    pytest.param({"declarations": [item("张三", channel="self")]}, id="not a helper channel"),
    pytest.param({"declarations": [item("")]}, id="no name"),
    pytest.param({"declarations": [item("张三", "张三")]}, id="a person twice"),
    pytest.param({"declarations": [item("张三", consent="true")]}, id="a string for a bool"),
    pytest.param({"declarations": [{**item("张三"), "persons": [
        {"display_name": "张三", "organizations": ["party"], "birth_year": "1970"}]}]},
        id="a string for a number"),
    pytest.param({"declarations": [item("张三", extra=1)]}, id="an extra field"),
    pytest.param({"declarations": [item("张三", client_ref="x" * 65)]}, id="a long client_ref"),
    pytest.param({"declarations": [item("\ud800")]}, id="a lone surrogate"),
    pytest.param({"declarations": []}, id="an empty batch"),
    pytest.param({"declaration": [item("张三")]}, id="a misspelt key"),
    pytest.param(b'{"declarations": [', id="not JSON"),
    pytest.param({"declarations": [item("张三"), item("李四", region="mars")]},
                 id="one bad item among good ones"),
])
def test_it_hands_anything_unusual_to_django(lane, token, payload):
    learnt(lane, token)
    before = Declaration.objects.count()
    django_status, _headers, django_answer = post(lane.app, token, payload)
    saved_by_django = Declaration.objects.count() - before
    before = Declaration.objects.count()
    status, _headers, answer = post(lane, token, payload)
    assert lane.taken == 0
    assert status == django_status
    assert Declaration.objects.count() - before == saved_by_django
    if status == "200 OK":
        assert normalized(answer) == normalized(django_answer)
    else:
        assert answer == django_answer


@pytest.mark.parametrize("change", [
    pytest.param({"query": "x=1"}, id="a query string"),
    pytest.param({"cookie": "sessionid=abc"}, id="a cookie"),
])
def test_it_hands_a_query_string_or_cookie_to_django(lane, token, change):
    learnt(lane, token)
    status, _headers, answer = post(lane, token, {"declarations": [item("张三")]}, **change)
    assert status == "200 OK" and answer["accepted"] == 1 and lane.taken == 0


def test_it_refuses_a_wrong_token_through_django(lane, token):
    learnt(lane, token)
    status, headers, answer = post(lane, "tdk_" + "A" * 32, {"declarations": [item("张三")]})
    assert status.startswith("401") and lane.taken == 0
    assert dict(headers)["WWW-Authenticate"].startswith("Bearer")
    assert answer["detail"].startswith("Send a valid API token")
    assert Declaration.objects.count() == 1


def test_a_revoked_token_is_refused_at_once(lane, token, alice):
    learnt(lane, token)
    assert post(lane, token, {"declarations": [item("一")]})[0] == "200 OK"
    assert lane.taken == 1
    tokens.revoke_token(alice, tokens.active_tokens(alice).get().pk)
    status, _headers, _answer = post(lane, token, {"declarations": [item("二")]})
    assert status.startswith("401") and lane.taken == 1
    assert Declaration.objects.count() == 2


def test_a_helper_no_longer_in_the_group_is_refused_at_once(lane, token, alice):
    learnt(lane, token)
    assert post(lane, token, {"declarations": [item("一")]})[0] == "200 OK"
    alice.groups.remove(Group.objects.get(name="helpers"))
    status, _headers, answer = post(lane, token, {"declarations": [item("二")]})
    assert status.startswith("403") and lane.taken == 1
    assert answer["detail"] == "Only helper accounts can use the API."


def test_the_surge_switch_holds_express_declarations(lane, token):
    learnt(lane, token)
    SurgeSetting.objects.create(pk=1, mode=SurgeMode.HOLD_ALL)
    status, _headers, answer = post(lane, token, {"declarations": [item("一")]})
    assert status == "200 OK" and lane.taken == 1
    held = Declaration.objects.get(pk=answer["results"][0]["serial"])
    assert held.hold_reason == "surge"


def test_it_is_off_when_the_setting_says_so(token):
    lane = ExpressApi(get_wsgi_application(), enabled=False)
    for name in ("一", "二"):
        assert post(lane, token, {"declarations": [item(name)]})[0] == "200 OK"
    assert lane.taken == 0 and Declaration.objects.count() == 2
