"""Open data: every file agrees with the counters and with a tally recomputed from the log."""

import base64
import csv
import datetime
import hashlib
import io
import json
from collections import Counter

import pytest

from tests.factories import declaration_post, person_fields
from tuidang.intake.actions import submit_declaration
from tuidang.moderation import actions as moderation
from tuidang.registry import actions, dates
from tuidang.registry.models import DailyCount, Declaration, Revocation, Total
from tuidang.registry.schema import PersonData
from tuidang.tlog.entry import DeclarationEntry, RevocationEntry, parse_entry
from tuidang.tlog.tally import Tally
from tuidang.transparency import sequencer, storage
from tuidang.transparency.models import EntryBundle

pytestmark = pytest.mark.django_db

DAILY_HEADER = [
    "date", "persons", "declarations", "party", "league", "pioneers", "channel_self",
    "channel_in-person", "channel_phone", "channel_hotline", "channel_email", "channel_import",
]


def populate(client, mona) -> dict[str, Declaration]:
    """Three declarations with regions and sectors, a statement approved, one revoked."""
    client.post("/en/declare/", declaration_post(
        person_fields(0, "甲", ["party", "league"], region="beijing", sector="teacher"),
        person_fields(1, "乙", ["league"], region="overseas", country="US", sector="student"),
        statement_title="声明", statement_text="我宣布退出中国共产党。\n第二行",
    ))
    client.post("/en/declare/", declaration_post(
        person_fields(0, "丙", ["pioneers"], region="shanghai"),
    ))
    submit_declaration(
        [PersonData("丁", ("party",), region="beijing", sector="police"),
         PersonData("戊", ("party", "league", "pioneers"))],
        channel="hotline",
    )
    sequencer.drain()
    first, second, third = Declaration.objects.order_by("id")
    moderation.decide(mona, first.pk, "approve-statement", "ok")
    actions.revoke_declaration(second, Revocation.Reason.RETRACTED)
    sequencer.drain()
    return {"statement": first, "revoked": second, "hotline": third}


def recount() -> tuple[Tally, Counter]:
    """The public tally rule over the log, plus regions and sectors as docs/log-format.md
    tells an auditor to derive them (a revocation needs the entry it revokes)."""
    tally, places, seen = Tally(), Counter(), {}
    for index, data in storage.all_entries():
        entry = parse_entry(data)
        tally.apply(entry)
        if isinstance(entry, DeclarationEntry):
            seen[index], sign = entry, 1
        else:
            assert isinstance(entry, RevocationEntry)
            entry, sign = seen[entry.revokes], -1
        for person in entry.persons:
            if person.region:
                places[f"region:{person.region}"] += sign
            if person.sector:
                places[f"sector:{person.sector}"] += sign
    return tally, +places  # drop zeros


def counters() -> dict[str, int]:
    return dict(Total.objects.values_list("key", "value"))


def assert_open(response, content_type: str, max_age: int = 300) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Cache-Control"] == f"public, max-age={max_age}"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Set-Cookie" not in response


def test_it_counts_regions_and_sectors_including_a_revocation(client, mona):
    populate(client, mona)
    totals = counters()
    assert totals["region:beijing"] == 2
    assert totals["region:overseas:US"] == 1
    assert totals["region:shanghai"] == 0  # declared, then retracted
    assert totals["sector:teacher"] == totals["sector:student"] == totals["sector:police"] == 1
    _tally, places = recount()
    assert {k: v for k, v in totals.items() if k.startswith(("region:", "sector:")) and v} == (
        dict(places)
    )


def test_daily_csv_and_json_agree_with_the_counters_and_the_log(client, mona):
    populate(client, mona)
    tally, _places = recount()
    today = dates.today()

    response = client.get("/data/daily.csv")
    assert_open(response, "text/csv; charset=utf-8")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == DAILY_HEADER
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    day = tally.by_day[today]
    assert row["date"] == today.isoformat()
    stored = dict(DailyCount.objects.filter(day=today).values_list("key", "value"))
    assert int(row["persons"]) == day.persons == stored["persons"] == 4
    assert int(row["declarations"]) == day.declarations == stored["declarations"] == 2
    for org in ("party", "league", "pioneers"):
        assert int(row[org]) == getattr(day, org) == stored[f"org:{org}"]
    assert int(row["channel_self"]) == day.by_channel["self"] == stored["channel:self"] == 2
    assert int(row["channel_hotline"]) == day.by_channel["hotline"] == 2
    assert row["channel_phone"] == "0"

    response = client.get("/data/daily.json")
    assert_open(response, "application/json")
    data = response.json()
    assert data["licence"] == "CC0-1.0"
    assert data["days"] == [{k: (v if k == "date" else int(v)) for k, v in row.items()}]


def test_totals_json_agrees_with_the_counters_and_the_log(client, mona):
    populate(client, mona)
    tally, places = recount()
    response = client.get("/data/totals.json")
    assert_open(response, "application/json")
    data = response.json()
    stored = counters()
    assert data["persons"] == tally.persons == stored["persons"] == 4
    assert data["declarations"] == tally.declarations == 2
    assert data["revocations"] == tally.revocations == 1
    assert data["log_entries"] == tally.entries == len(list(storage.all_entries())) == 4
    assert data["by_organization"] == {
        "party": tally.party, "league": tally.league, "pioneers": tally.pioneers
    }
    assert data["by_channel"] == tally.by_channel == {"self": 2, "hotline": 2}
    assert data["by_region"] == {
        k.removeprefix("region:"): v for k, v in places.items() if k.startswith("region:")
    } == {"beijing": 2, "overseas:US": 1}
    assert data["region_not_given"] == 1
    assert data["by_sector"] == {"police": 1, "student": 1, "teacher": 1}
    assert data["sector_not_given"] == 1
    assert data["history"]["persons"] == 0 and data["history"]["through"] is None
    assert data["total_with_history"] == 4


def test_regions_and_sectors_csv(client, mona):
    populate(client, mona)
    response = client.get("/data/regions.csv")
    assert_open(response, "text/csv; charset=utf-8")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["region", "name", "persons"],
        ["beijing", "Beijing", "2"],
        ["overseas:US", "Overseas: United States", "1"],
        ["-", "Not given", "1"],
    ]
    assert sum(int(r[2]) for r in rows[1:]) == counters()["persons"]
    # English names whatever the visitor's language.
    zh = client.get("/data/sectors.csv", HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    rows = list(csv.reader(io.StringIO(zh)))
    assert rows[0] == ["sector", "name", "persons"]
    assert rows[1:] == [
        ["police", "Police", "1"], ["student", "Student", "1"], ["teacher", "Teacher", "1"],
        ["-", "Not given", "1"],
    ]


def test_statements_json_publishes_what_the_log_commits_to(client, mona):
    published = populate(client, mona)
    response = client.get("/data/statements.json")
    assert_open(response, "application/json", max_age=60)
    data = response.json()
    assert data["next"] is None
    serials = [s["serial"] for s in data["statements"]]
    assert serials == [published["hotline"].pk, published["statement"].pk]  # newest first
    hotline, first = data["statements"]
    assert hotline["statement"] is None
    assert hotline["channel"] == "hotline"
    assert [p["name"] for p in hotline["persons"]] == ["丁", "戊"]
    second = dict(first["persons"][1])
    salt = base64.b64decode(second.pop("name_salt"))
    assert second == {"position": 1, "name": "乙", "organizations": ["league"],
                      "real_name": False, "region": "overseas:US", "sector": "student"}
    assert first["date"] == dates.today().isoformat()
    # Anyone can check the statement against the log entry's commitment.
    entry = parse_entry(storage.entry(first["log_index"]))
    assert entry.serial == first["serial"]
    # ... and each name against the entry's commitment to it.
    assert hashlib.sha256(salt + "乙".encode()).digest() == entry.persons[1].name_commitment
    statement = first["statement"]
    salt = base64.b64decode(statement["salt"])
    digest = hashlib.sha256(
        salt + statement["title"].encode() + b"\n" + statement["text"].encode()
    ).digest()
    assert digest == entry.statement_commitment
    assert statement["text"] == "我宣布退出中国共产党。\n第二行"


def test_statements_json_pages_by_serial(client, monkeypatch):
    monkeypatch.setattr("tuidang.stats.views.STATEMENTS_PAGE", 2)
    for name in ["甲", "乙", "丙", "丁", "戊"]:
        client.post("/en/declare/", declaration_post(person_fields(0, name)))
    sequencer.drain()
    serials = list(Declaration.objects.order_by("-id").values_list("id", flat=True))
    seen, url = [], "/data/statements.json"
    while url:
        data = client.get(url).json()
        seen += [s["serial"] for s in data["statements"]]
        url = data["next"]
        if url:
            assert url.startswith("http://testserver/data/statements.json?before=")
            url = url.removeprefix("http://testserver")
    assert seen == serials
    assert client.get("/data/statements.json?before=abc").status_code == 404
    assert client.get("/data/statements.json?before=-1").status_code == 404
    assert client.get("/data/statements.json?before=1").json()["statements"] == []


def test_a_past_days_dump_holds_its_published_statements(client, mona, monkeypatch):
    yesterday_noon = datetime.datetime.combine(
        dates.today() - datetime.timedelta(days=1), datetime.time(4), tzinfo=datetime.UTC
    )
    monkeypatch.setattr("django.utils.timezone.now", lambda: yesterday_noon)
    published = populate(client, mona)
    monkeypatch.undo()
    client.post("/en/declare/", declaration_post(person_fields(0, "今天")))
    sequencer.drain()
    day = yesterday_noon.date()

    response = client.get(f"/data/statements/{day.isoformat()}.jsonl")
    assert_open(response, "application/jsonl; charset=utf-8", max_age=3600)
    lines = response.getvalue().decode().splitlines()  # streamed
    records = [json.loads(line) for line in lines]
    assert [r["serial"] for r in records] == [published["statement"].pk, published["hotline"].pk]
    assert all(r["date"] == day.isoformat() for r in records)
    listed = client.get("/data/statements.json").json()["statements"]
    assert records[0] == next(s for s in listed if s["serial"] == records[0]["serial"])

    assert client.get(f"/data/statements/{dates.today().isoformat()}.jsonl").status_code == 404
    future = dates.today() + datetime.timedelta(days=3)
    assert client.get(f"/data/statements/{future.isoformat()}.jsonl").status_code == 404
    assert client.get("/data/statements/2026-02-30.jsonl").status_code == 404
    assert client.get("/data/statements/2020-01-01.jsonl").getvalue() == b""


@pytest.mark.parametrize("path", [
    "/data/daily.json", "/data/daily.csv", "/data/totals.json", "/data/regions.csv",
    "/data/sectors.csv", "/data/statements.json", "/data/statements/2020-01-01.jsonl",
    "/feeds/statements.atom", "/feeds/milestones.atom",
])
def test_open_data_is_read_only(client, path):
    assert client.get(path).status_code == 200
    assert client.head(path).status_code == 200
    assert client.post(path).status_code == 405
    assert client.put(path).status_code == 405


def test_open_data_is_not_language_prefixed(client):
    assert client.get("/en/data/daily.json").status_code == 404
    assert client.get("/data/nothing.json").status_code == 404


@pytest.mark.parametrize("lang", ["zh-hans", "zh-hant", "en"])
def test_the_open_data_page_documents_every_file(client, lang):
    response = client.get(f"/{lang}/data/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in ["/data/daily.csv", "/data/daily.json", "/data/totals.json",
                 "/data/regions.csv", "/data/sectors.csv", "/data/statements.json",
                 "/data/weekly.csv", "/data/monthly.json", "/data/yearly.csv",
                 "/feeds/statements.atom", "/feeds/milestones.atom", "CC0 1.0"]:
        assert name in html
    for column in DAILY_HEADER:
        assert column in html
    assert f'href="/{lang}/data/"' in client.get(f"/{lang}/").content.decode()  # footer
    assert " style=" not in html


def test_revocations_read_the_revoked_entries_in_one_query(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(4):
        client.post("/en/declare/", declaration_post(
            person_fields(0, f"人{i}", region="hebei", sector="soe"),
        ))
    sequencer.drain()
    for declaration in Declaration.objects.order_by("id")[:3]:
        actions.revoke_declaration(declaration, Revocation.Reason.MODERATOR)
    with CaptureQueriesContext(connection) as queries:
        sequencer.step()
    table = EntryBundle._meta.db_table
    reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT") and table in q["sql"]]
    # One for the three revoked entries, one for the open bundle the step appends to.
    assert len(reads) == 2
    assert counters()["region:hebei"] == counters()["sector:soe"] == 1
