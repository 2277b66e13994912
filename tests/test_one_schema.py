"""One table of bad declarations, run through all six channels.

Each row is refused by the declare form, the form's express lane, the API, the API's
express lane, a CSV import and a JSON Lines import, each naming the same field, and
nothing is stored. A new rule needs one new row here to be tested everywhere.
"""

import csv
import io
import json
import re

import pytest
from django.core.wsgi import get_wsgi_application

from tests.wsgi import Browser, call_raw, environ
from tuidang.api import tokens
from tuidang.api.express import ExpressApi
from tuidang.declaring.express import ExpressIntake
from tuidang.imports.files import CSV_COLUMNS
from tuidang.imports.importer import Importer
from tuidang.registry.models import Declaration

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keep_the_test_connection")]

GOOD = {"display_name": "张三", "organizations": ["party", "league"], "region": "beijing",
        "is_real_name": False}


def person(**changes) -> dict:
    return {**GOOD, **changes}


def declaration(*persons: dict, **fields) -> dict:
    return {"persons": list(persons or [person()]), **fields}


NAME = ("persons", 0, "display_name")
# (id, declaration, the field refused)
BAD = [
    ("name too long", declaration(person(display_name="长" * 41)), NAME),
    ("blank name", declaration(person(display_name="   ")), NAME),
    ("invisible name", declaration(person(display_name="\u3164\u3164")), NAME),
    ("name of punctuation", declaration(person(display_name="……")), NAME),
    ("zero-width character", declaration(person(display_name="张\u200b三")), NAME),
    ("line break in a name", declaration(person(display_name="张\n三")), NAME),
    ("mixed-direction control", declaration(person(display_name="\u202e三张")), NAME),
    ("no organization", declaration(person(organizations=[])),
     ("persons", 0, "organizations")),
    ("unknown organization", declaration(person(organizations=["communists"])),
     ("persons", 0, "organizations")),
    ("unknown region", declaration(person(region="atlantis")), ("persons", 0, "region")),
    ("overseas without a country", declaration(person(region="overseas")),
     ("persons", 0, "country")),
    ("a country not overseas", declaration(person(region="beijing", country="US")),
     ("persons", 0, "country")),
    ("China as a country", declaration(person(region="overseas", country="CN")),
     ("persons", 0, "country")),
    ("unknown sector", declaration(person(sector="spy")), ("persons", 0, "sector")),
    ("born before 1900", declaration(person(birth_year=1899)), ("persons", 0, "birth_year")),
    ("born in the future", declaration(person(birth_year=2999)),
     ("persons", 0, "birth_year")),
    ("real name too long", declaration(person(private_real_name="李" * 61)),
     ("persons", 0, "private_real_name")),
    ("control character in a real name", declaration(person(private_real_name="李\x07四")),
     ("persons", 0, "private_real_name")),
    ("too many persons", declaration(*[person(display_name=f"人{i}") for i in range(51)]),
     ("persons",)),
    ("the same person twice", declaration(person(), person(display_name="張 三")),
     ("persons",)),
    ("a bad second person", declaration(person(), person(display_name="")),
     ("persons", 1, "display_name")),
    ("statement too long", declaration(statement_text="字" * 5001), ("statement_text",)),
    ("title without a statement", declaration(statement_title="题目"), ("statement_text",)),
    ("title too long", declaration(statement_title="题" * 201, statement_text="退。"),
     ("statement_title",)),
    ("tab in a title", declaration(statement_title="a\tb", statement_text="退。"),
     ("statement_title",)),
    ("contact too long", declaration(contact="c" * 101), ("contact",)),
    ("line break in a contact", declaration(contact="a\nb"), ("contact",)),
    ("notes too long", declaration(notes="n" * 1001), ("notes",)),
]


# -- each channel: post the declaration, answer the set of fields refused ---------------

def _form_post(data: dict, token: str = "") -> dict:
    post: dict = {"persons-TOTAL_FORMS": str(len(data["persons"])),
                  "persons-INITIAL_FORMS": "0"}
    for i, p in enumerate(data["persons"]):
        for name, value in p.items():
            key = f"persons-{i}-{name}"
            if isinstance(value, bool):
                if value:
                    post[key] = "on"
            elif value is not None:
                post[key] = value if isinstance(value, list) else str(value)
    post.update({k: v for k, v in data.items() if k != "persons"})
    if token:
        post["csrfmiddlewaretoken"] = token
    return post


_INVALID_FIELD = re.compile(r'<div class="field invalid">.*?name="([^"]+)"', re.S)
_ROW = re.compile(r"persons-(\d+)-(\w+)")


def _form_fields(html: str, data: dict) -> set:
    found = set()
    for name in _INVALID_FIELD.findall(html):
        row = _ROW.fullmatch(name)
        found.add(("persons", int(row[1]), row[2]) if row else (name,))
    if 'class="error persons-error"' in html:
        found.add(("persons",))
    return found


def _browser() -> tuple[Browser, ExpressIntake, str]:
    lane = ExpressIntake(get_wsgi_application())
    browser = Browser(lane)
    _status, _headers, body = browser.get("/en/declare/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)[1].decode()
    # A good declaration first, so that the lane has the receipt page and would answer.
    assert browser.post("/en/declare/", _form_post(declaration(), token))[0] == "200 OK"
    return browser, lane, token


def through_form(data: dict) -> set:
    browser, _lane, token = _browser()
    django_only = Browser(get_wsgi_application())
    django_only.cookies = dict(browser.cookies)
    status, _headers, body = django_only.post("/en/declare/", _form_post(data, token))
    assert status.startswith("400"), status
    return _form_fields(body.decode(), data)


def through_express_form(data: dict) -> set:
    browser, lane, token = _browser()
    status, _headers, body = browser.post("/en/declare/", _form_post(data, token))
    assert status.startswith("400") and lane.taken == 0, status
    return _form_fields(body.decode(), data)


def _api_post(app, token: str, data: dict) -> tuple[str, dict]:
    item = {**data, "channel": "phone", "consent": True}
    env = environ("/api/v1/declarations", "POST", "", json.dumps({"declarations": [item]})
                  .encode(), "application/json", authorization=f"Bearer {token}",
                  accept_language="en")
    status, _headers, text = call_raw(app, env)
    return status, json.loads(text)


def _api_fields(answer: dict) -> set:
    found = set()
    for result in answer["results"]:
        for error in result.get("errors", []):
            found.add(_path(error["path"].removeprefix("declarations[0]").lstrip(".")))
    return found


def _path(text: str) -> tuple:
    parts: list = []
    for name, index in re.findall(r"(\w+)|\[(\d+)\]", text):
        parts.append(int(index) if index else name)
    return tuple(parts)


@pytest.fixture
def token(alice) -> str:
    return tokens.create_token(alice, "laptop").secret


def through_api(data: dict, token: str) -> set:
    status, answer = _api_post(get_wsgi_application(), token, data)
    assert status.startswith("200") and answer["rejected"] == 1, answer
    return _api_fields(answer)


def through_express_api(data: dict, token: str) -> set:
    tokens.forget_recent()
    lane = ExpressApi(get_wsgi_application())
    assert _api_post(lane, token, declaration())[1]["accepted"] == 1  # headers learnt
    status, answer = _api_post(lane, token, data)
    assert lane.taken == 0 and status.startswith("200") and answer["rejected"] == 1, answer
    return _api_fields(answer)


def _import(helper, text: str, fmt: str) -> list:
    rejected = []
    outcome = Importer(helper, on_rejected=rejected.append).run(
        io.BytesIO(text.encode()), fmt)
    assert outcome.imported == 0 and outcome.rejected == 1, outcome
    return rejected[0].problems


def through_csv(data: dict, helper) -> set:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for p in data["persons"]:
        row = {**{k: v for k, v in data.items() if k != "persons"}, **p, "ref": "R1"}
        row["organizations"] = ",".join(row["organizations"])
        row["is_real_name"] = "yes" if row["is_real_name"] else "no"
        writer.writerow(["" if row.get(c) is None else row.get(c, "") for c in CSV_COLUMNS])
    lines = {}  # the spreadsheet's row of each person (the header is row 1)
    for index in range(len(data["persons"])):
        lines[index + 2] = index
    found = set()
    for line, name, _reason in _import(helper, out.getvalue(), "csv"):
        if name in ("display_name", "is_real_name", "organizations", "region", "country",
                    "sector", "private_real_name", "birth_year"):
            found.add(("persons", lines[line], name))
        else:
            found.add((name,))
    return found


def through_jsonl(data: dict, helper) -> set:
    problems = _import(helper, json.dumps(data, ensure_ascii=False) + "\n", "jsonl")
    return {_path(name) for _line, name, _reason in problems}


CHANNELS = ["form", "express form", "api", "express api", "csv", "jsonl"]


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(("data", "field"), [pytest.param(d, f, id=i) for i, d, f in BAD])
def test_every_channel_refuses_the_same_field_and_stores_nothing(channel, data, field,
                                                                  alice, token):
    before = Declaration.objects.count()
    if channel in ("form", "express form"):  # each first stores a good declaration
        found = (through_form if channel == "form" else through_express_form)(data)
        before += 1
    elif channel == "api":
        found = through_api(data, token)
    elif channel == "express api":
        found = through_express_api(data, token)
        before += 1
    elif channel == "csv":
        found = through_csv(data, alice)
    else:
        found = through_jsonl(data, alice)
    assert found == {field}
    assert Declaration.objects.count() == before


def test_the_table_covers_every_field_of_a_person_and_a_declaration():
    from tuidang.registry.schema import PERSON_FIELDS, STATEMENT_FIELDS

    covered = {f[-1] for _i, _d, f in BAD}
    assert set(PERSON_FIELDS) - {"is_real_name"} <= covered | {"persons"}
    assert set(STATEMENT_FIELDS) <= covered
