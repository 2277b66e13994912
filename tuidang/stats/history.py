"""Counts from before tuidang: daily totals an administrator imported as an opening balance.

They are not in the public log and the log cannot prove them, so every page and file
shows them apart from the log's figures and labelled as imported history.
"""

import csv
import datetime
import io
from dataclasses import dataclass

from django.db.models import Max, Min, Sum

from tuidang.registry import dates
from tuidang.stats.models import HistoricalDay

MAX_PERSONS_PER_DAY = 10_000_000
MAX_SOURCE_LENGTH = 200
HEADER = ["date", "persons", "source"]


@dataclass(frozen=True)
class Summary:
    persons: int
    first: datetime.date | None
    through: datetime.date | None

    @property
    def exists(self) -> bool:
        return self.through is not None


def summary() -> Summary:
    """Imported persons and the first and last imported day, in one query."""
    row = HistoricalDay.objects.aggregate(
        persons=Sum("persons"), first=Min("day"), through=Max("day")
    )
    return Summary(row["persons"] or 0, row["first"], row["through"])


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def parse(data: bytes) -> tuple[list[HistoricalDay], list[Problem]]:
    """Rows of a `date,persons,source` CSV (UTF-8, optional BOM and header line).

    Every line is checked: a date (YYYY-MM-DD) before today (China Standard Time) and not
    repeated, persons a whole number from 0 to 10,000,000, a source of 1-200 characters.
    """
    problems: list[Problem] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [Problem(text_line(data, exc.start), "not UTF-8")]
    rows: list[HistoricalDay] = []
    seen: dict[datetime.date, int] = {}
    today = dates.today()
    reader = csv.reader(io.StringIO(text, newline=""))
    for fields in reader:
        number = reader.line_num
        if not fields or all(not f.strip() for f in fields):
            continue
        if number == 1 and [f.strip().lower() for f in fields] == HEADER:
            continue
        if len(fields) != 3:
            problems.append(
                Problem(number, f"expected 3 fields (date,persons,source), got {len(fields)}")
            )
            continue
        raw_day, raw_persons, source = (f.strip() for f in fields)
        try:
            day = datetime.date.fromisoformat(raw_day)
            if len(raw_day) != 10:
                raise ValueError
        except ValueError:
            problems.append(Problem(number, f"date {raw_day!r} is not YYYY-MM-DD"))
            continue
        if day >= today:
            problems.append(Problem(number, f"date {day} is not in the past"))
            continue
        if day in seen:
            problems.append(Problem(number, f"date {day} repeats line {seen[day]}"))
            continue
        seen[day] = number
        if not (raw_persons.isascii() and raw_persons.isdigit()) or not (
            0 <= int(raw_persons) <= MAX_PERSONS_PER_DAY
        ):
            problems.append(Problem(
                number, f"persons {raw_persons!r} is not a whole number from 0 to "
                f"{MAX_PERSONS_PER_DAY:,}"
            ))
            continue
        if not 1 <= len(source) <= MAX_SOURCE_LENGTH:
            problems.append(Problem(number, f"source must be 1-{MAX_SOURCE_LENGTH} characters"))
            continue
        rows.append(HistoricalDay(day=day, persons=int(raw_persons), source=source))
    return rows, problems


def text_line(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


@dataclass(frozen=True)
class Outcome:
    new: int
    changed: int
    unchanged: int


def upsert(rows: list[HistoricalDay], *, dry_run: bool = False) -> Outcome:
    """Insert new days, update changed ones; importing the same file again changes nothing."""
    current = {
        day: (persons, source)
        for day, persons, source in HistoricalDay.objects.filter(
            day__in=[r.day for r in rows]
        ).values_list("day", "persons", "source")
    }
    new = [r for r in rows if r.day not in current]
    changed = [r for r in rows if r.day in current and current[r.day] != (r.persons, r.source)]
    if not dry_run and (new or changed):
        HistoricalDay.objects.bulk_create(
            new + changed, batch_size=1000,
            update_conflicts=True, unique_fields=["day"], update_fields=["persons", "source"],
        )
    return Outcome(len(new), len(changed), len(rows) - len(new) - len(changed))
