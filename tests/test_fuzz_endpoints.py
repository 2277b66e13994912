"""Every public and staff endpoint, driven with hostile input (issue 19).

Each route of the URL configuration is in ENDPOINTS (a test checks that none is
missing), with who uses it and how it takes input. Hypothesis fills its path, query
string and body from tests/hostile.py: text with invisible and direction characters,
numbers in other scripts and past 64 bits, sizes past every limit, nested JSON, bodies
in other encodings and in none. Every answer must be below 500, a refusal must leave the
database as it was, and whatever was stored must be whole (a declaration's persons all
there, a received declaration waiting for the sequencer). The API is also driven by
schemathesis with a real token (tests/test_api_schema.py); the express lanes in front
of Django by test_the_wsgi_stack_answers_hostile_posts_without_a_server_error.
"""

import re

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import hostile
from tests.conftest import login_verified
from tests.endpoints import ENDPOINTS, LANGUAGES, Endpoint, routes
from tests.factories import declare
from tests.test_news import make_article
from tests.wsgi import Browser, call_raw, environ
from tuidang.api import tokens
from tuidang.mailintake import actions as mail
from tuidang.moderation.models import Contest
from tuidang.newsletter.models import Newsletter
from tuidang.registry import dates
from tuidang.registry.models import Declaration, PendingEntry, Status
from tuidang.transparency import sequencer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keep_the_test_connection")]

EXAMPLES = 10  # per endpoint: about eight hundred requests in all


def test_every_route_is_fuzzed():
    named = [endpoint.pattern for endpoint in ENDPOINTS]
    assert len(named) == len(set(named))
    assert set(named) == routes()


# -- the world the requests meet ------------------------------------------------------------


@pytest.fixture
def world(alice, mona, erin, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()
    declare(Client(), "张三", statement_title="声明", statement_text="我退出。")
    declare(Client(), "张三")  # a duplicate: held
    sequencer.drain()
    published = Declaration.objects.filter(log_index__isnull=False).first()
    Contest.objects.create(declaration=published, account="不是我", filed_on=dates.today())
    make_article(slug="hello")
    Newsletter.objects.create(language="en", subject="Hi", created_on=dates.today())
    draft = mail.file_draft(b"From: x@example.org\r\nSubject: hi\r\n\r\nhello\r\n", "")
    clients = {"anon": Client(), "api": Client()}
    for role, user in (("helper", alice), ("moderator", mona), ("editor", erin)):
        clients[role] = Client()
        login_verified(clients[role], user)
    clients["password"] = Client()
    clients["password"].post("/en/accounts/login/", {"username": "alice",
                                                     "password": "alice-password-123"})
    token = tokens.create_token(alice, "fuzz").secret
    ids = sorted({*Declaration.objects.values_list("id", flat=True),
                  *Contest.objects.values_list("id", flat=True), draft.pk})
    return {"clients": clients, "token": token, "ids": [str(i) for i in ids]}


def counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()
            if model._meta.app_label in ("registry", "moderation", "newsletter", "news",
                                         "api", "protection", "transparency", "stats",
                                         "mailintake")}


def assert_whole() -> None:
    for declaration in Declaration.objects.all():
        assert len(declaration.persons) == declaration.person_count
    waiting = Declaration.objects.filter(status=Status.RECEIVED)
    assert waiting.count() == PendingEntry.objects.filter(declaration__in=waiting).count()


_fields: dict[tuple[str, str], list[str]] = {}


def form_fields(client: Client, endpoint: Endpoint, path: str) -> list[str]:
    key = (endpoint.pattern, endpoint.role)
    if key not in _fields:
        names = set(endpoint.fields)
        if "GET" in endpoint.methods:
            page = client.get(path).content.decode(errors="replace")
            names |= set(re.findall(r'<(?:input|select|textarea|button)[^>]*\sname="([^"]+)"',
                                    page))
        _fields[key] = sorted(names - {"csrfmiddlewaretoken"})
    return _fields[key]


def fill(path: str, data, world) -> str:
    numbers = st.one_of(st.sampled_from(world["ids"]), hostile.path_numbers)
    values = {
        "lang": lambda: data.draw(st.sampled_from(LANGUAGES)),
        "int": lambda: data.draw(numbers),
        "text": lambda: data.draw(hostile.path_texts),
        "slug": lambda: data.draw(st.sampled_from(["hello", "x" * 300, "-", "_"])),
        "day": lambda: data.draw(st.sampled_from(
            ["2024-01-01", "0000-00-00", "9999-99-99", "2024-02-30", "٢٠٢٤-٠١-٠١"])),
        "tile": lambda: data.draw(st.sampled_from(
            ["0/000", "0/000.p/1", "entries/000.p/1", "0/x999/x999/x999/x999/x999/x999/999",
             "entries/x999/x999/x999/x999/x999/x999/999.p/7", "9/000",
             "entries/000.p/0", "0/000.p/256", "0/1", "..%2F..%2Fetc", "0/000.p/99999"])),
        "media": lambda: "news/" + "0" * 24 + data.draw(st.sampled_from(["-10.jpg", "-9999.jpg"])),
    }
    for name, value in values.items():
        while "{" + name + "}" in path:
            path = path.replace("{" + name + "}", value(), 1)
    return path


def send(client: Client, endpoint: Endpoint, method: str, path: str, data, world):
    headers = {}
    if endpoint.role == "api":
        headers["HTTP_AUTHORIZATION"] = "Bearer " + data.draw(
            st.sampled_from([world["token"], "nope", "", world["token"] + "\u202e"]))
    if method != "POST":
        return client.generic(method, path, **headers)
    if data.draw(st.booleans()):  # a body as it comes, in whatever encoding
        body = data.draw(hostile.json_bodies if endpoint.post == "json"
                         else hostile.encoded_bodies)
        content_type = data.draw(st.sampled_from([
            "application/json", "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=gb18030", "text/plain",
            "multipart/form-data; boundary=x", "application/json; charset=utf-16"]))
        return client.generic("POST", path, body, content_type, **headers)
    if endpoint.post == "json":
        return client.generic("POST", path, data.draw(hostile.json_bodies),
                              "application/json", **headers)
    names = form_fields(client, endpoint, path)
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True)) if names else []
    form = {name: data.draw(hostile.field_values) for name in chosen}
    for name in data.draw(st.lists(hostile.plain_text, max_size=2)):
        form[name or "x"] = data.draw(hostile.field_values)
    if data.draw(st.integers(0, 7)) == 0:  # more fields than Django reads (1,000)
        form.update((f"extra{n}", "x") for n in range(1001))
    if endpoint.post == "file":
        content = data.draw(st.one_of(hostile.encoded_bodies, hostile.json_bodies))
        name = data.draw(st.sampled_from(["a.csv", "a.jsonl", "a.ndjson", "a.txt", "\u202ea.csv"]))
        form["file"] = SimpleUploadedFile(name, content)
    return client.post(path, form, **headers)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.pattern or "home")
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_endpoint_answers_hostile_input_without_a_server_error(endpoint, world, data):
    client = world["clients"][endpoint.role]
    path = fill(endpoint.path, data, world)
    query = data.draw(hostile.query_strings)
    method = data.draw(st.sampled_from([*endpoint.methods, *endpoint.methods, "PUT"]))
    before = counts()
    response = send(client, endpoint, method, path + ("?" + query if query else ""), data, world)
    assert response.status_code < 500
    if response.status_code >= 400 and method not in ("GET", "HEAD"):
        assert counts() == before  # a refusal stores nothing
    assert_whole()


TRICKY_NUMBERS = ["²", "①", "9" * 40, "-1", "١٢", "1e309", " 7", ""]


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if "GET" in e.methods],
                         ids=lambda endpoint: endpoint.pattern or "home")
def test_every_page_reads_the_numbers_in_its_query_strictly(endpoint, world):
    """Each parameter a page might read, alone, in digits int() refuses; then all of them
    at once with each other kind of number that has broken a page somewhere."""
    client = world["clients"][endpoint.role]
    path = endpoint.path.replace("{lang}", "en").replace("{int}", world["ids"][0])
    path = path.replace("{text}", "x").replace("{slug}", "hello").replace(
        "{day}", "2024-01-01").replace("{tile}", "0/000").replace("{media}", "x")
    queries = [{name: "²"} for name in hostile.PARAMETERS]
    queries += [dict.fromkeys(hostile.PARAMETERS, value) for value in TRICKY_NUMBERS]
    for query in queries:
        assert client.get(path, query).status_code < 500, query


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_the_wsgi_stack_answers_hostile_posts_without_a_server_error(alice, data):
    """Through the micro-cache and both express lanes, as granian calls the application."""
    from tuidang.wsgi import application

    visitor = Browser(application)
    page = visitor.get("/en/declare/")[2].decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    secret = tokens.create_token(alice, "wsgi").secret
    before = counts()
    if data.draw(st.booleans()):
        names = ["persons-TOTAL_FORMS", "persons-0-display_name", "persons-0-organizations",
                 "persons-1-display_name", "statement_text", "homepage", "altcha"]
        form = {name: data.draw(hostile.field_values) for name in
                data.draw(st.lists(st.sampled_from(names), unique=True))}
        if data.draw(st.integers(0, 4)) == 0:  # more fields than Django reads (1,000)
            form.update((f"extra{n}", "x") for n in range(1001))
        status = visitor.post("/en/declare/", {"csrfmiddlewaretoken": token, **form})[0]
    else:
        env = environ("/api/v1/declarations", "POST", "", data.draw(hostile.json_bodies),
                      "application/json", authorization=f"Bearer {secret}")
        status = call_raw(application, env)[0]
    assert int(status[:3]) < 500
    if int(status[:3]) >= 400:
        assert counts() == before
    assert_whole()
