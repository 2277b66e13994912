"""The read cache: which responses are public, and the in-memory cache in front of Django."""

import pytest
from django.conf import settings
from django.core.wsgi import get_wsgi_application

from tests.wsgi import call, environ
from tuidang.core.microcache import MicroCache
from tuidang.tlog.checkpoint import Checkpoint, sign_checkpoint
from tuidang.tlog.hashing import EMPTY_ROOT
from tuidang.tlog.tally import Tally
from tuidang.transparency import keys, storage
from tuidang.transparency.models import LogState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keep_the_test_connection")]


def sign_count(persons: int) -> None:
    """A signed checkpoint whose tally says `persons`: the count the pages show."""
    tally = Tally(declarations=persons, persons=persons, party=persons)
    checkpoint = Checkpoint(settings.LOG_ORIGIN, 0, EMPTY_ROOT, (tally.extension_line(),))
    LogState.objects.update_or_create(pk=storage.STATE_ID, defaults={
        "root_hash": EMPTY_ROOT, "signed_checkpoint": sign_checkpoint(checkpoint, keys.signer())})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeApp:
    """Answers with the headers a test gives, and counts how often it is called."""

    def __init__(self, status="200 OK", **headers: str) -> None:
        self.calls, self.status = 0, status
        self.headers = {"Cache-Control": "public, max-age=60", **headers}

    def __call__(self, env, start_response):
        self.calls += 1
        body = f"answer {self.calls} for {env.get('HTTP_ACCEPT_LANGUAGE')}".encode()
        headers = [(k.replace("_", "-"), v) for k, v in self.headers.items()]
        start_response(self.status, [*headers, ("Content-Length", str(len(body)))])
        return [body]


def test_it_answers_count_json_from_memory_until_the_entry_expires():
    clock = Clock()
    app = MicroCache(get_wsgi_application(), ttl=2, clock=clock)
    sign_count(5)
    first = call(app, environ("/count.json"))
    assert first[0] == "200 OK" and b'"persons": 5' in first[2]
    sign_count(9)
    clock.now += 1.9
    assert call(app, environ("/count.json"))[2] == first[2]  # served from memory
    clock.now += 0.2  # count.json says max-age=5, the cache keeps it 2 s at most
    assert b'"persons": 9' in call(app, environ("/count.json"))[2]


def test_it_caches_the_public_home_page_but_not_the_form_page():
    app = MicroCache(get_wsgi_application(), ttl=5, clock=Clock())
    sign_count(5)
    status, headers, _ = call(app, environ("/en/"))
    assert status == "200 OK" and headers["Cache-Control"] == "public, max-age=5"
    status, headers, form = call(app, environ("/en/declare/"))
    assert "public" not in headers["Cache-Control"] and "Set-Cookie" in headers
    status, headers, again = call(app, environ("/en/declare/"))
    # Each visitor gets a CSRF token of their own, never the previous visitor's page.
    assert "Set-Cookie" in headers and again != form


def test_it_never_stores_or_serves_for_a_request_with_a_cookie_or_a_token():
    fake = FakeApp()
    app = MicroCache(fake, ttl=5, clock=Clock())
    call(app, environ("/x", COOKIE="sessionid=abc"))
    call(app, environ("/x", COOKIE="sessionid=abc"))
    call(app, environ("/x", AUTHORIZATION="Bearer t"))
    assert fake.calls == 3
    call(app, environ("/x"))
    call(app, environ("/x", COOKIE="sessionid=abc"))  # a stored page is not served to them
    assert fake.calls == 5


@pytest.mark.parametrize("headers", [
    {"Cache-Control": "max-age=60"},  # not public
    {"Cache-Control": "public, max-age=0"},
    {"Cache-Control": "public, no-store, max-age=60"},
    {"Cache-Control": "private, max-age=60"},
    {"Set-Cookie": "csrftoken=x"},
    {"Vary": "Cookie"},
    {"Vary": "Accept-Language, Authorization"},
])
def test_it_does_not_store_what_the_response_does_not_allow(headers):
    fake = FakeApp(**headers)
    app = MicroCache(fake, ttl=5, clock=Clock())
    call(app, environ("/x"))
    call(app, environ("/x"))
    assert fake.calls == 2


def test_it_does_not_store_errors_posts_or_head_answers():
    fake = FakeApp(status="404 Not Found")
    app = MicroCache(fake, ttl=5, clock=Clock())
    call(app, environ("/x"))
    call(app, environ("/x"))
    ok = FakeApp()
    app = MicroCache(ok, ttl=5, clock=Clock())
    call(app, environ("/y", method="POST"))
    call(app, environ("/y", method="POST"))
    call(app, environ("/y", method="HEAD"))
    call(app, environ("/y", method="HEAD"))
    assert (fake.calls, ok.calls) == (2, 4)
    call(app, environ("/y"))
    call(app, environ("/y", method="HEAD"))  # a stored GET answers HEAD too
    assert ok.calls == 5


def test_it_keeps_one_entry_per_language_of_a_page_that_varies():
    fake = FakeApp(Vary="Accept-Language")
    app = MicroCache(fake, ttl=5, clock=Clock())
    en = call(app, environ("/", ACCEPT_LANGUAGE="en"))[2]
    zh = call(app, environ("/", ACCEPT_LANGUAGE="zh-hans"))[2]
    assert en != zh
    assert call(app, environ("/", ACCEPT_LANGUAGE="en"))[2] == en
    assert call(app, environ("/", ACCEPT_LANGUAGE="zh-hans"))[2] == zh
    assert fake.calls == 2


def test_it_keys_by_query_string_and_stays_within_its_bounds():
    fake = FakeApp()
    app = MicroCache(fake, ttl=5, max_entries=3, max_body=30, clock=Clock())
    for n in range(10):  # an attacker's endless distinct URLs
        call(app, environ("/x", query=f"n={n}"))
    assert len(app._urls) == 3
    call(app, environ("/x", query="n=9"))
    assert fake.calls == 10
    call(app, environ("/x", query="n=0"))  # evicted long ago
    assert fake.calls == 11
    big = FakeApp()
    big.headers["X_Padding"] = "y"
    small_app = MicroCache(big, ttl=5, max_body=5, clock=Clock())
    call(small_app, environ("/z"))
    call(small_app, environ("/z"))
    assert big.calls == 2  # bodies over max_body are not kept


def test_it_passes_everything_through_when_switched_off():
    fake = FakeApp()
    app = MicroCache(fake, ttl=0, clock=Clock())
    call(app, environ("/x"))
    call(app, environ("/x"))
    assert fake.calls == 2


def test_it_marks_only_anonymous_cookieless_pages_public(client):
    assert client.get("/en/")["Cache-Control"] == "public, max-age=5"
    assert client.get("/en/statements/")["Cache-Control"] == "public, max-age=5"
    assert "public" not in client.get("/en/declare/")["Cache-Control"]
    assert client.get("/altcha/challenge")["Cache-Control"] == "no-store"
    client.cookies["csrftoken"] = "x" * 32
    assert not client.get("/en/").has_header("Cache-Control")
    assert client.get("/count.json")["Cache-Control"] == "public, max-age=5"  # its own policy


def test_it_stays_within_its_byte_budget():
    fake = FakeApp()
    app = MicroCache(fake, ttl=5, max_bytes=100, clock=Clock())
    for n in range(20):  # bodies of about 20 bytes each
        call(app, environ("/x", query=f"n={n}"))
    assert 0 < app._bytes <= 100
    assert app._bytes == sum(len(e.body) for v in app._urls.values() for e in v.by_value.values())
    assert len(app._urls) < 20
