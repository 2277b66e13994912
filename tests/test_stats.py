"""The statistics page, the statements feed, imported history and the share of membership."""

import xml.etree.ElementTree as ET

import pytest
from django.core.management import CommandError, call_command

from tests.factories import declaration_post, declare, person_fields
from tuidang.moderation import actions as moderation
from tuidang.registry import dates
from tuidang.registry.models import Declaration
from tuidang.stats import conf
from tuidang.stats.models import HistoricalDay
from tuidang.transparency import sequencer

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
CHARTS = ["daily", "cumulative", "organizations", "regions", "channels", "sectors"]


@pytest.mark.parametrize("lang", ["zh-hans", "zh-hant", "en"])
def test_the_statistics_page_draws_each_chart_as_svg_with_a_table(client, lang):
    client.post("/en/declare/", declaration_post(
        person_fields(0, "甲", ["party", "league"], region="beijing", sector="teacher"),
        person_fields(1, "乙", ["pioneers"], region="overseas", country="JP"),
    ))
    sequencer.drain()
    response = client.get(f"/{lang}/statistics/")
    assert response.status_code == 200
    html = response.content.decode()
    for chart in CHARTS:
        figure = html.split(f'id="chart-{chart}"')[1].split("</figure>")[0]
        assert figure.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 1
        assert 'viewBox="0 0 400 ' in figure and 'width="100%"' in figure
        assert "<table>" in figure and '<th scope="col">' in figure
    assert html.count("<rect") > 5
    assert " style=" not in html and "<script" not in html
    assert f'href="/{lang}/statistics/"' in html  # the navigation link
    if lang == "en":
        regions = html.split('id="chart-regions"')[1].split("</figure>")[0]
        assert "Beijing" in regions and "Overseas: Japan" in regions
        daily = html.split('id="chart-daily"')[1].split("</figure>")[0]
        assert f"<th scope=\"row\">{dates.today().isoformat()}</th><td>2</td>" in daily


def test_the_statistics_page_without_data(client):
    response = client.get("/en/statistics/")
    assert response.status_code == 200
    assert response.content.decode().count('role="img"') == len(CHARTS)
    assert client.post("/en/statistics/").status_code == 405


def test_the_statements_feed_has_the_newest_published_statements(client, mona):
    declare(client, "甲", statement_title="我的声明", statement_text="退出。<b>x</b>")
    declare(client, "乙", "丙")
    declare(client, "丁", statement_text="还没有审核")
    sequencer.drain()
    approved = Declaration.objects.order_by("id").first()
    moderation.decide(mona, approved.pk, "approve-statement", "ok")
    response = client.get("/feeds/statements.atom")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    feed = ET.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 3
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert titles[2] == "我的声明"
    assert "还没有审核" not in response.content.decode()  # text only once approved
    summary = entries[2].find(f"{ATOM}summary").text
    assert "退出。&lt;b&gt;x&lt;/b&gt;" in summary  # escaped HTML
    day = dates.today().isoformat()
    assert {e.find(f"{ATOM}updated").text for e in entries} == {f"{day}T00:00:00+08:00"}
    assert entries[0].find(f"{ATOM}id").text.endswith(
        f"/zh-hans/statements/{Declaration.objects.order_by('id').last().pk}/"
    )


def test_the_statements_feed_keeps_the_newest_50(client):
    from tuidang.intake.actions import submit_declaration
    from tuidang.registry.schema import PersonData

    for i in range(53):
        submit_declaration([PersonData(f"人{i}", ("party",))])
    sequencer.drain()
    feed = ET.fromstring(client.get("/feeds/statements.atom").content)
    assert len(feed.findall(f"{ATOM}entry")) == 50


HISTORY = "date,persons,source\n2005-06-01,1000,Old counter\n2005-06-02,2500,Old counter\n"


def write(tmp_path, text: str, name: str = "history.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return str(path)


def test_history_import_is_idempotent_and_has_a_dry_run(tmp_path, capsys):
    path = write(tmp_path, HISTORY)
    call_command("import_history", path, "--dry-run")
    assert not HistoricalDay.objects.exists()
    assert "would import 2 days" in capsys.readouterr().out
    call_command("import_history", path)
    assert "2 new, 0 changed, 0 unchanged" in capsys.readouterr().out
    call_command("import_history", path)
    assert "0 new, 0 changed, 2 unchanged" in capsys.readouterr().out
    assert list(HistoricalDay.objects.values_list("persons", flat=True)) == [1000, 2500]
    # A corrected figure updates its day; BOM and a missing header are fine.
    call_command("import_history", write(tmp_path, "\ufeff2005-06-02,2600,Old counter\n", "b"))
    assert "0 new, 1 changed, 0 unchanged" in capsys.readouterr().out
    assert HistoricalDay.objects.get(day="2005-06-02").persons == 2600


def test_history_import_refuses_a_file_with_bad_lines(tmp_path, capsys):
    today = dates.today().isoformat()
    text = (
        "date,persons,source\n"
        "2005-06-01,1000,Old counter\n"
        "2005-13-01,5,Old counter\n"
        "2005-06-03,many,Old counter\n"
        f"{today},5,Old counter\n"
        "2005-06-01,7,Old counter\n"
        "2005-06-05,7,\n"
        "2005-06-06,7\n"
        "2005-06-07,-1,Old counter\n"
    )
    with pytest.raises(CommandError, match="7 bad line"):
        call_command("import_history", write(tmp_path, text))
    errors = capsys.readouterr().err
    for line in (3, 4, 5, 6, 7, 8, 9):
        assert f"line {line}:" in errors
    assert "line 2:" not in errors
    assert "repeats line 2" in errors
    assert not HistoricalDay.objects.exists()
    with pytest.raises(CommandError):
        call_command("import_history", str(tmp_path / "missing.csv"))
    path = tmp_path / "gbk.csv"
    path.write_bytes("2005-06-01,1,旧计数\n".encode("gbk"))
    with pytest.raises(CommandError):
        call_command("import_history", str(path))
    assert "line 1: not UTF-8" in capsys.readouterr().err


def test_history_is_reported_apart_from_the_log(client, tmp_path):
    call_command("import_history", write(tmp_path, HISTORY))
    declare(client, "甲")
    sequencer.drain()
    data = client.get("/count.json").json()
    assert data["persons"] == 1  # what the log proves
    assert data["history"] == {"persons": 3500, "through": "2005-06-02"}
    assert data["total_with_history"] == 3501
    totals = client.get("/data/totals.json").json()
    assert totals["persons"] == 1
    assert totals["history"]["persons"] == 3500 and totals["history"]["first"] == "2005-06-01"
    assert totals["total_with_history"] == 3501
    # The daily file holds only what the log proves.
    assert "2005-06-01" not in client.get("/data/daily.csv").content.decode()

    html = client.get("/en/").content.decode()
    assert 'id="total">1<' in html
    assert 'id="history-persons">3,500<' in html
    assert 'id="total-with-history">3,501<' in html
    assert "Imported history (counted before tuidang, through 2005-06-02; not in the log)" in html

    stats = client.get("/en/statistics/").content.decode()
    cumulative = stats.split('id="chart-cumulative"')[1].split("</figure>")[0]
    assert "Including imported history (not in the log)" in cumulative
    assert "<th scope=\"row\">2005-06</th><td>0</td><td>3,500</td><td>3,500</td>" in cumulative


def test_without_history_the_home_page_shows_only_the_log(client):
    declare(client, "甲")
    sequencer.drain()
    html = client.get("/en/").content.decode()
    assert 'id="history"' not in html
    data = client.get("/count.json").json()
    assert data["history"] == {"persons": 0, "through": None}
    assert data["total_with_history"] == data["persons"] == 1


def test_the_home_page_shows_the_share_of_reported_membership(client, settings):
    for i in range(3):
        declare(client, f"人{i}")
    sequencer.drain()
    assert 'id="membership-share"' not in client.get("/en/").content.decode()
    settings.MEMBERSHIP_REFERENCE = 400
    settings.MEMBERSHIP_REFERENCE_SOURCE = "Example report, 2024"
    html = client.get("/en/").content.decode()
    assert ("0.8 % of the reported membership of the three organizations (400; source: "
            "Example report, 2024).") in html


def test_membership_settings_are_validated(monkeypatch, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.MEMBERSHIP_REFERENCE = 0
    settings.MEMBERSHIP_REFERENCE_SOURCE = "x"
    with pytest.raises(ImproperlyConfigured):
        conf.membership()
    settings.MEMBERSHIP_REFERENCE = 100
    settings.MEMBERSHIP_REFERENCE_SOURCE = ""
    with pytest.raises(ImproperlyConfigured):
        conf.membership()
    del settings.MEMBERSHIP_REFERENCE
    del settings.MEMBERSHIP_REFERENCE_SOURCE
    monkeypatch.setenv("MEMBERSHIP_REFERENCE", "180_000_000")
    monkeypatch.setenv("MEMBERSHIP_REFERENCE_SOURCE", "Reports, 2024")
    conf._env_membership.cache_clear()
    try:
        assert conf.membership() == conf.Membership(180_000_000, "Reports, 2024")
        monkeypatch.setenv("MEMBERSHIP_REFERENCE", "lots")
        conf._env_membership.cache_clear()
        with pytest.raises(ImproperlyConfigured):
            conf.membership()
    finally:
        conf._env_membership.cache_clear()


@pytest.mark.parametrize("page", ["statistics/", "milestones/", "data/"])
def test_the_new_pages_are_translated(client, page):
    english = ["People per day", "Total over time", "By region", "The numbers", "Statistics",
               "Open data", "Milestones", "Licence", "Atom feeds"]
    for lang in ("zh-hans", "zh-hant"):
        html = client.get(f"/{lang}/{page}").content.decode()
        assert [p for p in english if f">{p}<" in html] == [], (lang, page)
    assert "统计" in client.get(f"/zh-hans/{page}").content.decode()
    assert "統計" in client.get(f"/zh-hant/{page}").content.decode()
