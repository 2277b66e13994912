"""count.json, open data (JSON, CSV, JSON Lines), and the pages: the counting rule,
open data, statistics and milestones.

The files are not language-prefixed, are cacheable by anyone (`Cache-Control: public`)
and readable from any origin (`Access-Control-Allow-Origin: *`). They hold no time of
day: dates only, in China Standard Time.
"""

import datetime
import io
import json

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_safe

from tuidang.core import csvfiles, params
from tuidang.registry import dates, days
from tuidang.stats import charts, conf, counters, history, opendata, periods
from tuidang.stats.models import Milestone

COUNTS_MAX_AGE = 300  # daily, totals, regions, sectors
STATEMENTS_MAX_AGE = 60
# A past day's dump still changes when a declaration of that day is accepted late, a
# statement approved, or a declaration revoked (a retraction must leave no copy behind
# for long), so it is cached for an hour, not forever.
DUMP_MAX_AGE = 3600
STATEMENTS_PAGE = 100
JSON_PARAMS = {"ensure_ascii": False}


def _open(response: HttpResponse, max_age: int) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _json(data, max_age: int) -> HttpResponse:
    return _open(JsonResponse(data, json_dumps_params=JSON_PARAMS), max_age)


@require_safe
def count_json(request: HttpRequest) -> JsonResponse:
    snap = counters.snapshot(days=2)
    past = history.summary()  # imported counts from before tuidang, not proven by the log
    spans = periods.counts(snap.today_date)
    response = JsonResponse(
        {
            "persons": snap.persons,
            "declarations": snap.declarations,
            "today": snap.today,
            "yesterday": snap.yesterday,
            "this_week": spans[2].persons,
            "this_month": spans[3].persons,
            "this_year": spans[4].persons,
            "periods": {c.period.key: {"first": c.period.first.isoformat(),
                                       "last": c.period.last.isoformat(),
                                       "persons": c.persons} for c in spans},
            "date": snap.today_date.isoformat(),
            "by_organization": snap.by_organization,
            "by_channel": snap.by_channel,
            "history": {
                "persons": past.persons,
                "through": past.through.isoformat() if past.through else None,
            },
            "total_with_history": snap.persons + past.persons,
            # The day the figures are for: a date, never a time of day.
            "as_of": snap.today_date.isoformat(),
        }
    )
    response["Cache-Control"] = "public, max-age=5"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _csv(rows: list[list], max_age: int) -> HttpResponse:
    buffer = io.StringIO()
    csvfiles.writer(buffer, lineterminator="\r\n").writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    return _open(response, max_age)


def _licence() -> dict:
    return {"licence": opendata.LICENCE, "licence_url": opendata.LICENCE_URL}


def _daily_table(grain: str = "day") -> tuple[list[str], list[list]]:
    days = opendata.daily() if grain == "day" else periods.rolled_up(grain)
    channels = opendata.channel_order({c for d in days for c in d.by_channel})
    header = ["date", "persons", "declarations", "party", "league", "pioneers"]
    header += [f"channel_{c}" for c in channels]
    rows = [
        [d.day.isoformat(), d.persons, d.declarations, d.party, d.league, d.pioneers]
        + [d.by_channel.get(c, 0) for c in channels]
        for d in days
    ]
    return header, rows


@require_safe
def daily_json(request: HttpRequest) -> HttpResponse:
    header, rows = _daily_table()
    return _json({**_licence(), "days": [dict(zip(header, r, strict=True)) for r in rows]},
                 COUNTS_MAX_AGE)


@require_safe
def daily_csv(request: HttpRequest) -> HttpResponse:
    header, rows = _daily_table()
    return _csv([header, *rows], COUNTS_MAX_AGE)


@require_safe
def period_json(request: HttpRequest, grain: str) -> HttpResponse:
    """Week, month or year totals: the daily rows summed, each dated by its first day."""
    header, rows = _daily_table(grain)
    return _json({**_licence(), grain + "s": [dict(zip(header, r, strict=True)) for r in rows]},
                 COUNTS_MAX_AGE)


@require_safe
def period_csv(request: HttpRequest, grain: str) -> HttpResponse:
    header, rows = _daily_table(grain)
    return _csv([header, *rows], COUNTS_MAX_AGE)


@require_safe
def totals_json(request: HttpRequest) -> HttpResponse:
    totals = opendata.totals()
    past = history.summary()
    data = {
        **_licence(),
        "log_entries": totals.entries,
        "persons": totals.persons,
        "declarations": totals.declarations,
        "revocations": totals.revocations,
        "by_organization": totals.by_organization,
        "by_channel": totals.by_channel,
        "by_region": totals.by_region,
        "region_not_given": totals.region_not_given,
        "by_sector": totals.by_sector,
        "sector_not_given": totals.sector_not_given,
        "history": {
            "persons": past.persons,
            "first": past.first.isoformat() if past.first else None,
            "through": past.through.isoformat() if past.through else None,
            "note": "imported counts from before tuidang; not in the public log",
        },
        "total_with_history": totals.persons + past.persons,
    }
    return _json(data, COUNTS_MAX_AGE)


def _breakdown_csv(kind: str, counts: dict[str, int], not_given: int, name) -> HttpResponse:
    rows = opendata.ranked(counts)
    if not_given:
        rows.append((opendata.NOT_GIVEN, not_given))
    with translation.override("en"):
        table = [[kind, "name", "persons"]] + [[c, name(c), n] for c, n in rows]
    return _csv(table, COUNTS_MAX_AGE)


@require_safe
def regions_csv(request: HttpRequest) -> HttpResponse:
    totals = opendata.totals()
    return _breakdown_csv(
        "region", totals.by_region, totals.region_not_given, opendata.region_name
    )


@require_safe
def sectors_csv(request: HttpRequest) -> HttpResponse:
    totals = opendata.totals()
    return _breakdown_csv(
        "sector", totals.by_sector, totals.sector_not_given, opendata.sector_name
    )


@require_safe
def statements_json(request: HttpRequest) -> HttpResponse:
    queryset = opendata.published()
    before = params.page_serial(request, "before")
    if before is not None:
        queryset = queryset.filter(id__lt=before)
    rows = list(queryset.order_by("-id")[: STATEMENTS_PAGE + 1])
    more = len(rows) > STATEMENTS_PAGE
    rows = rows[:STATEMENTS_PAGE]
    next_url = f"{reverse('data_statements')}?before={rows[-1].pk}" if more else None
    data = {
        **_licence(),
        "statements": [opendata.statement_record(d) for d in rows],
        "next": request.build_absolute_uri(next_url) if next_url else None,
    }
    return _json(data, STATEMENTS_MAX_AGE)


@require_safe
def statements_dump(request: HttpRequest, day: str) -> HttpResponse:
    try:
        day = datetime.date.fromisoformat(day)
    except ValueError:
        raise Http404("not a date") from None
    if day >= dates.today():
        raise Http404("only past days have a dump")
    declarations = (
        days.on_day(opendata.published(), day).order_by("id")
    )
    # Streamed a thousand rows at a time: a day of a news surge holds tens of thousands
    # of statements, and a web process must not hold them all in memory at once.
    lines = (
        (json.dumps(opendata.statement_record(d), ensure_ascii=False) + "\n").encode()
        for d in declarations.iterator(chunk_size=1000)
    )
    response = StreamingHttpResponse(lines, content_type="application/jsonl; charset=utf-8")
    return _open(response, DUMP_MAX_AGE)


# --- Pages ------------------------------------------------------------------------------


@require_safe
def open_data_page(request: HttpRequest) -> HttpResponse:
    context = {
        "licence_url": opendata.LICENCE_URL,
        "channels": opendata.KNOWN_CHANNELS,
        "yesterday": dates.today() - datetime.timedelta(days=1),
        "page_size": STATEMENTS_PAGE,
        "counts_max_age": COUNTS_MAX_AGE,
        "statements_max_age": STATEMENTS_MAX_AGE,
        "dump_max_age": DUMP_MAX_AGE,
    }
    return render(request, "stats/open_data.html", context)


@require_safe
def statistics(request: HttpRequest) -> HttpResponse:
    return render(request, "stats/statistics.html", {"charts": charts.all_charts()})


@require_safe
def milestones(request: HttpRequest) -> HttpResponse:
    context = {
        "milestones": list(Milestone.objects.order_by("-value")),
        "next_milestone": _next_milestone(),
    }
    return render(request, "stats/milestones.html", context)


def _next_milestone() -> int | None:
    persons = opendata.totals().persons
    return next((m for m in conf.milestones() if m > persons), None)


def home_context(persons: int) -> dict:
    """What the home page adds: latest milestone, imported history, share of membership."""
    past = history.summary()
    with_history = persons + past.persons
    membership = conf.membership()
    share = None
    if membership:
        share = f"{100 * with_history / membership.reference:.1f}"
    return {
        "latest_milestone": Milestone.objects.order_by("-value").first(),
        "history": past,
        "total_with_history": with_history,
        "membership": membership,
        "membership_share": share,
    }


@require_safe
def counting_rule(request: HttpRequest) -> HttpResponse:
    return render(request, "core/counting.html")
