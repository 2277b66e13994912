"""Today, yesterday, this week, this month, this year (tuidang/stats/periods.py) on the
home page and in count.json; the week, month and year files of the open data; figures
as readers say them (tuidang/core/numbers.py)."""

import csv
import datetime
import io
import re

import pytest

from tests.factories import declaration_post, person_fields
from tuidang.core import numbers
from tuidang.registry import dates
from tuidang.registry.models import DailyCount
from tuidang.stats import periods
from tuidang.transparency import sequencer

pytestmark = pytest.mark.django_db

# A Wednesday in March: its week began on Monday 9 March, in the same month.
WEDNESDAY = datetime.date(2026, 3, 11)


def put(day: datetime.date, persons: int) -> None:
    DailyCount.objects.update_or_create(day=day, key="persons", defaults={"value": persons})


def test_it_sums_each_period_from_its_first_day_to_today():
    put(datetime.date(2025, 12, 31), 1000)  # last year: in no period
    put(datetime.date(2026, 1, 5), 100)  # this year only
    put(datetime.date(2026, 3, 2), 20)  # this month, last week
    put(datetime.date(2026, 3, 9), 5)  # Monday: this week
    put(datetime.date(2026, 3, 10), 3)  # yesterday
    put(WEDNESDAY, 1)
    got = {c.period.key: c.persons for c in periods.counts(WEDNESDAY)}
    assert got == {"today": 1, "yesterday": 3, "week": 9, "month": 29, "year": 129}


def test_a_monday_on_the_first_of_january_starts_every_period_at_once():
    monday = datetime.date(2029, 1, 1)
    spans = {p.key: p for p in periods.periods(monday)}
    assert spans["week"].first == spans["month"].first == spans["year"].first == monday
    assert spans["yesterday"].first == datetime.date(2028, 12, 31)


def test_count_json_has_every_period_and_a_date_not_a_time(client):
    client.post("/en/declare/", declaration_post(person_fields(0, "甲", ["party"])))
    sequencer.drain()
    data = client.get("/count.json").json()
    today = dates.today().isoformat()
    # The day the figures are for, never a time of day (it published one before).
    assert data["as_of"] == today
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["as_of"])
    assert (data["today"], data["this_week"], data["this_month"], data["this_year"]) == (
        1, 1, 1, 1)
    assert data["periods"]["today"] == {"first": today, "last": today, "persons": 1}
    assert set(data["periods"]) == set(periods.KEYS)


def test_the_home_page_shows_the_periods_and_no_table_of_days(client):
    put(dates.today() - datetime.timedelta(days=1), 23_456)
    html = client.get("/zh-hans/").content.decode()
    for word in ("今天", "昨天", "本周", "本月", "今年"):
        assert word in html
    assert "2.34 万" in html and "23,456" in html
    assert '<table class="days">' not in html


@pytest.mark.parametrize("grain, first", [
    ("week", datetime.date(2026, 3, 9)), ("month", datetime.date(2026, 3, 1)),
    ("year", datetime.date(2026, 1, 1))])
def test_the_week_month_and_year_files_sum_the_days(client, grain, first):
    for day, persons in ((datetime.date(2025, 12, 31), 7), (datetime.date(2026, 3, 9), 2),
                         (WEDNESDAY, 3)):
        put(day, persons)
        DailyCount.objects.create(day=day, key="channel:self", value=persons)
    rows = list(csv.reader(io.StringIO(client.get(f"/data/{grain}ly.csv").content.decode())))
    assert rows[0][:2] == ["date", "persons"]
    by_start = {row[0]: int(row[1]) for row in rows[1:]}
    assert by_start[first.isoformat()] == 5
    assert sum(by_start.values()) == 12
    data = client.get(f"/data/{grain}ly.json").json()
    assert data["licence"] == "CC0-1.0"
    assert {r["date"]: r["persons"] for r in data[f"{grain}s"]} == by_start
    assert {r["date"]: r["channel_self"] for r in data[f"{grain}s"]} == by_start


@pytest.mark.parametrize("language, short", [
    ("zh-hans", "4.66 亿"), ("zh-hant", "4.66 億"), ("en", "466.01 million")])
def test_figures_read_as_their_readers_say_them(language, short):
    assert numbers.short(466_012_345, language) == short
    assert numbers.exact(466_012_345, language) == "466,012,345"


def test_a_total_short_of_a_milestone_never_reads_as_the_milestone():
    assert numbers.short(399_999_999, "zh-hans") == "3.99 亿"
    assert numbers.short(9_999, "zh-hans") == "9,999"
    assert not numbers.has_short(9_999, "zh-hans")


def test_with_an_opening_balance_the_headline_is_the_labelled_combined_figure(client, tmp_path):
    from django.core.management import call_command

    history = tmp_path / "history.csv"
    history.write_text("date,persons,source\n" + "".join(
        f"2005-06-0{day},9000000,旧计数\n" for day in range(1, 6)))
    call_command("import_history", str(history))
    client.post("/en/declare/", declaration_post(person_fields(0, "甲", ["party"])))
    sequencer.drain()
    html = client.get("/zh-hans/").content.decode()
    headline = html.split('class="headline"')[1].split("</strong>")[0]
    assert "4,500 万" in headline and 'id="total-with-history">45,000,001<' in headline
    assert "含导入的历史数据" in html.split('class="headline"')[0]
    proven = html.split('id="history"')[1].split("</dl>")[0]
    assert 'id="total">1<' in proven and 'id="history-persons">45,000,000<' in proven
