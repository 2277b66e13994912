"""The serials received on each day, so that a day's declarations are read by serial.

Serials grow with time and every declaration keeps the day it was received, so the
declarations of a day lie between the first and the last serial received that day. The
sequencer records both as it screens each declaration (`record`), so the range holds
every declaration of the day by construction; around midnight two days' ranges may
overlap by a few serials, so the day is checked too. `on_day` narrows a query to the
range, which lets the statements pages read the published index alone instead of an
index over dates that would cost space on every row (docs/performance.md).
"""

import datetime

from django.db.models import QuerySet

from tuidang.registry.models import DaySerials


def record(days: dict[datetime.date, list[int]]) -> None:
    """Widen each day's range to include [first, last] (the sequencer, in its step)."""
    if not days:
        return
    known = {day: (first, last) for day, first, last in
             DaySerials.objects.filter(day__in=list(days)).values_list("day", "first", "last")}
    rows = []
    for day, (first, last) in days.items():
        if day in known:
            first, last = min(first, known[day][0]), max(last, known[day][1])
        rows.append(DaySerials(day=day, first=first, last=last))
    DaySerials.objects.bulk_create(rows, update_conflicts=True, unique_fields=["day"],
                                   update_fields=["first", "last"])


def serial_range(day: datetime.date) -> tuple[int, int] | None:
    return DaySerials.objects.filter(day=day).values_list("first", "last").first()


def on_day(queryset: QuerySet, day: datetime.date) -> QuerySet:
    """Declarations of `queryset` received on `day`."""
    span = serial_range(day)
    if span is None:
        return queryset.none()
    return queryset.filter(id__gte=span[0], id__lte=span[1], received_on=day)
