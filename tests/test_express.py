"""The express lane for form posts: it answers and stores exactly as Django would, and
hands everything else to Django untouched."""

import datetime
import pickle
import re

import pytest
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.test import Client

from tests.factories import declaration_post, person_fields, received_on, stored_persons
from tests.wsgi import Browser
from tuidang.declaring.express import ExpressIntake
from tuidang.registry import dates
from tuidang.registry.models import Declaration, PendingEntry, Status
from tuidang.transparency import sequencer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keep_the_test_connection")]

CODE = re.compile(r'id="receipt-code">\s*([^<\s]+)')


@pytest.fixture
def lane() -> ExpressIntake:
    return ExpressIntake(get_wsgi_application())


@pytest.fixture
def browser(lane) -> Browser:
    """A visitor who has the form open: a CSRF cookie, and the token from the form."""
    visitor = Browser(lane)
    status, _headers, body = visitor.get("/en/declare/")
    assert status.startswith("200") and set(visitor.cookies) == {"csrftoken"}
    visitor.token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)[1].decode()
    return visitor


def form(browser: Browser, *names: str, **fields) -> dict:
    return {"csrfmiddlewaretoken": browser.token, **declaration_post(
        *[person_fields(i, name, ["party", "league"], region="beijing", sector="teacher")
          for i, name in enumerate(names)], **fields)}


def code_of(body: bytes) -> str:
    return CODE.search(body.decode())[1]


def without_code(body: bytes) -> bytes:
    return body.replace(code_of(body).encode(), b"CODE")


def comparable(headers: list) -> list:
    return sorted((name, value) for name, value in headers if name not in ("Date", "Expires"))


def test_it_answers_and_stores_as_django_does(lane, browser):
    first = browser.post("/en/declare/", form(browser, "王一", "李二"))
    assert lane.taken == 0  # Django answered, and the lane learnt its page
    second = browser.post("/en/declare/", form(browser, "王三", "李四"))
    assert lane.taken == 1
    assert second[0] == first[0] == "200 OK"
    assert comparable(second[1]) == comparable(first[1])
    assert without_code(second[2]) == without_code(first[2])
    codes = [code_of(first[2]), code_of(second[2])]
    assert codes[0] != codes[1]

    stored = list(Declaration.objects.order_by("id").values(
        "status", "channel", "helper", "person_count", "party_count", "league_count",
        "statement_status", "hold_reason", "received_on"))
    assert stored[0] == stored[1]
    assert stored[1]["status"] == Status.RECEIVED and stored[1]["person_count"] == 2
    persons = [(p.display_name, p.party, p.league, p.pioneers, p.region, p.sector)
               for p in stored_persons()]
    assert persons == [(name, True, True, False, "beijing", "teacher")
                       for name in ("王一", "李二", "王三", "李四")]
    assert PendingEntry.objects.count() == 2

    sequencer.drain()
    assert Declaration.objects.filter(status=Status.ACCEPTED, log_index__isnull=False).count() == 2
    for code in codes:  # each receipt finds its declaration (the test client comes last:
        # it puts back the closing of connections that the fixture took away)
        page = Client().post("/en/receipt/", {"code": code}).content.decode()
        assert 'data-status="published"' in page


def test_it_learns_a_page_per_language_and_number_of_persons(lane, browser):
    browser.post("/en/declare/", form(browser, "一"))
    browser.post("/zh-hant/declare/", form(browser, "二"))
    browser.post("/en/declare/", form(browser, "三", "四"))
    assert lane.taken == 0
    _status, _headers, body = browser.post("/zh-hant/declare/", form(browser, "五"))
    assert lane.taken == 1
    assert 'lang="zh-hant"' in body.decode()
    browser.post("/en/declare/", form(browser, "六", "七"))
    assert lane.taken == 2


def test_a_new_day_goes_through_django_again(lane, browser):
    browser.post("/en/declare/", form(browser, "一"))
    with received_on(dates.today() + datetime.timedelta(days=1)):
        browser.post("/en/declare/", form(browser, "二"))
        assert lane.taken == 0
        browser.post("/en/declare/", form(browser, "三"))
        assert lane.taken == 1
    assert Declaration.objects.count() == 3


def learnt(browser: Browser) -> None:
    status, _headers, _body = browser.post("/en/declare/", form(browser, "学"))
    assert status == "200 OK"


@pytest.mark.parametrize("change", [
    pytest.param({"add_person": "1"}, id="add a person"),
    pytest.param({"use_alias": "0:王芳"}, id="take an alias"),
    pytest.param({"more_aliases": "1"}, id="other aliases"),
    pytest.param({"persons-0-display_name": ""}, id="a missing name"),
    pytest.param({"persons-0-birth_year": "19x"}, id="a bad birth year"),
    pytest.param({"persons-0-organizations": ["party", "communists"]}, id="no such organization"),
    pytest.param({"persons-TOTAL_FORMS": "x"}, id="a garbled total"),
])
def test_it_hands_anything_unusual_to_django(lane, browser, change):
    learnt(browser)
    data = {**form(browser, "张三"), **change}
    django_only = Browser(lane.app)  # (Django's test client would undo the fixture)
    django_only.cookies = dict(browser.cookies)
    before = Declaration.objects.count()
    expected, _headers, _body = django_only.post("/en/declare/", data)
    saved_by_django = Declaration.objects.count() - before
    before = Declaration.objects.count()
    status, _headers, body = browser.post("/en/declare/", data)
    assert lane.taken == 0
    assert status == expected
    assert Declaration.objects.count() - before == saved_by_django
    if ({"add_person", "use_alias", "more_aliases"} & set(change)
            or change.get("persons-0-display_name") == ""):
        assert Declaration.objects.count() == before  # nothing saved by either
        assert 'name="persons-0-display_name"' in body.decode()


@pytest.mark.parametrize("change", [
    pytest.param({"persons-1-display_name": "多"}, id="a row beyond the total"),
    pytest.param({"persons-0-is_real_name": "yes"}, id="an odd checkbox value"),
    pytest.param({"persons-INITIAL_FORMS": "1"}, id="initial forms"),
    pytest.param({"unknown": "1"}, id="a field no form has"),
])
def test_it_reads_the_form_as_django_does(lane, browser, change):
    """The lane reads the post with the view's own reader: what Django would store, it
    stores, with the same persons."""
    learnt(browser)
    data = {**form(browser, "张三"), **change}
    django_only = Browser(lane.app)
    django_only.cookies = dict(browser.cookies)
    expected, _headers, _body = django_only.post("/en/declare/", data)
    by_django = Declaration.objects.order_by("-id").first()
    data = {**form(browser, "李四"), **change}
    status, _headers, _body = browser.post("/en/declare/", data)
    by_lane = Declaration.objects.order_by("-id").first()
    assert lane.taken == 1 and status == expected == "200 OK"
    assert [(p.is_real_name, p.organizations()) for p in by_lane.persons] == [
        (p.is_real_name, p.organizations()) for p in by_django.persons]


def test_it_refuses_a_bad_csrf_token_through_django(lane, browser):
    learnt(browser)
    status, _headers, _body = browser.post("/en/declare/", {
        **form(browser, "张三"), "csrfmiddlewaretoken": "x" * 64})
    assert status.startswith("403") and lane.taken == 0
    assert Declaration.objects.count() == 1


def test_it_refuses_a_post_without_the_cookie_through_django(lane, browser):
    learnt(browser)
    status, _headers, _body = browser.post("/en/declare/", form(browser, "张三"), cookie="")
    assert status.startswith("403") and lane.taken == 0
    assert Declaration.objects.count() == 1


@pytest.mark.parametrize("cookie", ["sessionid=abc", "messages=abc", "django_language=en"])
def test_another_cookie_goes_through_django(lane, browser, cookie):
    learnt(browser)
    status, _headers, _body = browser.post(
        "/en/declare/", form(browser, "张三"),
        cookie=f"csrftoken={browser.cookies['csrftoken']}; {cookie}")
    assert status == "200 OK" and lane.taken == 0
    assert Declaration.objects.count() == 2


def test_a_query_string_goes_through_django(lane, browser):
    learnt(browser)
    status, _headers, _body = browser.post("/en/declare/", form(browser, "张三"), query="a=1")
    assert status == "200 OK" and lane.taken == 0
    assert Declaration.objects.count() == 2


def test_a_foreign_host_goes_through_django(lane, browser):
    learnt(browser)
    status, _headers, _body = browser.post("/en/declare/", form(browser, "张三"),
                                           host="evil.example")
    assert status.startswith("400") and lane.taken == 0
    assert Declaration.objects.count() == 1


def test_it_is_off_when_the_setting_says_so(browser):
    browser.app = ExpressIntake(get_wsgi_application(), enabled=False)
    for name in ("一", "二", "三"):
        assert browser.post("/en/declare/", form(browser, name))[0] == "200 OK"
    assert browser.app.taken == 0
    assert Declaration.objects.count() == 3


@pytest.fixture
def limited(settings):
    settings.PROTECTION_DECLARATIONS_PER_SUBMITTER = 3
    cache.clear()
    yield settings
    cache.clear()


def submitter_count() -> int:
    """The count of posts from the one submitter so far (the local-memory cache pickles)."""
    keys = [key for key in cache._cache if ":rate:declare:" in key and ":all:" not in key]
    assert len(keys) == 1
    return pickle.loads(cache._cache[keys[0]])


def test_a_refusal_is_djangos_page_and_counted_once(lane, browser, limited):
    for name in ("一", "二", "三"):
        assert browser.post("/en/declare/", form(browser, name))[0] == "200 OK"
    assert lane.taken == 2
    status, _headers, body = browser.post("/en/declare/", form(browser, "四"))
    assert status.startswith("429")
    assert "Too many declarations have come from your connection" in body.decode()
    assert Declaration.objects.count() == 3
    assert submitter_count() == 4  # the refused post counted once, not twice


def test_a_filled_honeypot_is_refused_by_django(lane, browser):
    from tuidang.protection.gate import HONEYPOT_FIELD

    learnt(browser)
    status, _headers, _body = browser.post(
        "/en/declare/", {**form(browser, "张三"), HONEYPOT_FIELD: "http://spam"})
    assert status.startswith("400") and lane.taken == 0
    assert Declaration.objects.count() == 1


def opened_token(browser: Browser) -> str:
    _status, _headers, body = browser.get("/en/declare/")
    return re.search(rb'name="form_token" value="([^"]+)"', body)[1].decode()


def test_the_lane_files_a_form_posted_again_once(lane, browser):
    learnt(browser)
    data = {**form(browser, "张三"), "form_token": opened_token(browser)}
    first = browser.post("/en/declare/", data)
    assert lane.taken == 1
    again = browser.post("/en/declare/", data)
    assert lane.taken == 1  # Django answered the repeat, from the lane's record of it
    assert again[0] == "200 OK" and code_of(again[2]) == code_of(first[2])
    assert b'id="repeat"' in again[2]
    assert Declaration.objects.count() == 2  # the page learnt, and this one


def test_a_form_django_filed_is_not_filed_again_by_the_lane(lane, browser):
    data = {**form(browser, "张三"), "form_token": opened_token(browser)}
    first = browser.post("/en/declare/", data)  # Django files it, the lane learns the page
    again = browser.post("/en/declare/", data)
    assert lane.taken == 0 and code_of(again[2]) == code_of(first[2])
    assert Declaration.objects.count() == 1


def test_a_repeat_in_another_process_is_told_it_was_received(lane, browser):
    from tuidang.declaring import once

    learnt(browser)
    data = {**form(browser, "张三"), "form_token": opened_token(browser)}
    browser.post("/en/declare/", data)
    once.forget()
    status, _headers, body = browser.post("/en/declare/", data)
    assert status.startswith("409") and b'id="already-received"' in body
    assert lane.taken == 1 and Declaration.objects.count() == 2
