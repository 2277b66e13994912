"""The periods readers ask about — today, yesterday, this week, this month, this year —
defined once, in China Standard Time, and the rolled-up week, month and year totals of
the open data.

A week starts on Monday (China's calendar week, ISO 8601). "This week", "this month"
and "this year" run from their first day to today, inclusive.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from tuidang.registry import dates
from tuidang.registry.models import DailyCount
from tuidang.stats import opendata

KEYS = ("today", "yesterday", "week", "month", "year")
LABELS = {"today": _("Today"), "yesterday": _("Yesterday"), "week": _("This week"),
          "month": _("This month"), "year": _("This year")}


@dataclass(frozen=True)
class Period:
    key: str
    first: datetime.date
    last: datetime.date

    @property
    def label(self) -> str:
        return str(LABELS[self.key])


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def periods(today: datetime.date | None = None) -> list[Period]:
    today = today or dates.today()
    yesterday = today - datetime.timedelta(days=1)
    return [
        Period("today", today, today),
        Period("yesterday", yesterday, yesterday),
        Period("week", week_start(today), today),
        Period("month", today.replace(day=1), today),
        Period("year", today.replace(month=1, day=1), today),
    ]


@dataclass(frozen=True)
class PeriodCount:
    period: Period
    persons: int


def counts(today: datetime.date | None = None) -> list[PeriodCount]:
    """Persons counted in each period, from the daily counters, in one query."""
    spans = periods(today)
    sums = {
        p.key: Sum("value", filter=Q(day__gte=p.first, day__lte=p.last), default=0)
        for p in spans
    }
    first = min(p.first for p in spans)
    row = DailyCount.objects.filter(key="persons", day__gte=first).aggregate(**sums)
    return [PeriodCount(p, row[p.key]) for p in spans]


# --- Week, month and year totals of the open data ---------------------------------------

GRAINS = ("week", "month", "year")


def period_start(day: datetime.date, grain: str) -> datetime.date:
    """The first day of the week, month or year `day` falls in."""
    if grain == "week":
        return week_start(day)
    if grain == "month":
        return day.replace(day=1)
    if grain == "year":
        return day.replace(month=1, day=1)
    raise ValueError(grain)


def rolled_up(grain: str) -> list[opendata.Day]:
    """The daily rows summed by week, month or year, oldest first; each row's `day` is
    the period's first day."""
    totals: dict[datetime.date, opendata.Day] = {}
    for day in opendata.daily():
        start = period_start(day.day, grain)
        row = totals.get(start) or totals.setdefault(start, opendata.Day(start))
        row.persons += day.persons
        row.declarations += day.declarations
        row.party += day.party
        row.league += day.league
        row.pioneers += day.pioneers
        for channel, value in day.by_channel.items():
            row.by_channel[channel] = row.by_channel.get(channel, 0) + value
    return list(totals.values())
