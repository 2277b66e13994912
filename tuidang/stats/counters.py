"""The counters every page reads: O(1) rows, written only in the sequencer's transaction.

Keys: `persons`, `declarations`, `org:<organization>` (persons who quit it) and
`channel:<channel>` (persons who came through it); totals only: `entries`,
`revocations`, `region:<region>` and `sector:<sector>`. Daily rows use China Standard
Time. The rows are the registry's models (Total, DailyCount); the sequencer sends
`batch_sequenced` for each batch it appends and `count_batch` (connected in apps.py)
adds the batch to them and records the milestones it crossed, before the sequencer signs
a checkpoint whose tally line it reads from these totals.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Q

from tuidang.registry import dates
from tuidang.registry.models import DailyCount, Total
from tuidang.stats.milestones import record_crossings
from tuidang.transparency import signedcount
from tuidang.transparency.pending import Batch

ORG_KEYS = ("party", "league", "pioneers")


def add_to_counters(
    totals: Mapping[str, int], daily: Mapping[tuple[datetime.date, str], int]
) -> None:
    """Add signed deltas to the counters. Runs inside the sequencer's transaction."""
    totals = {k: v for k, v in totals.items() if v}
    daily = {k: v for k, v in daily.items() if v}
    if totals:
        current = dict(Total.objects.filter(key__in=totals).values_list("key", "value"))
        Total.objects.bulk_create(
            [Total(key=k, value=current.get(k, 0) + v) for k, v in totals.items()],
            update_conflicts=True, unique_fields=["key"], update_fields=["value"],
        )
    if daily:
        match = Q()
        for day in {day for day, _ in daily}:
            match |= Q(day=day, key__in=[k for d, k in daily if d == day])
        current = {
            (day, key): value
            for day, key, value in DailyCount.objects.filter(match).values_list(
                "day", "key", "value"
            )
        }
        DailyCount.objects.bulk_create(
            [
                DailyCount(day=day, key=key, value=current.get((day, key), 0) + v)
                for (day, key), v in daily.items()
            ],
            update_conflicts=True, unique_fields=["day", "key"], update_fields=["value"],
        )


def counter_deltas(batch: Batch) -> tuple[dict, dict]:
    """Counter changes from the batch's tally deltas, by the auditor's own rule.

    Region and sector totals (not per day) come from the persons of the entries.
    """
    totals: dict[str, int] = defaultdict(int, batch.places)
    daily: dict = defaultdict(int)
    totals["entries"] += len(batch.encoded)
    for delta in batch.deltas:
        totals["revocations"] += int(delta.revocation)
        changes = {
            "persons": delta.persons,
            "declarations": delta.declarations,
            "org:party": delta.party,
            "org:league": delta.league,
            "org:pioneers": delta.pioneers,
            f"channel:{delta.channel}": delta.persons,
        }
        for key, value in changes.items():
            totals[key] += value
            daily[(delta.day, key)] += value
    return totals, daily


def count_batch(sender, *, batch: Batch, first_index: int, **kwargs) -> None:
    """Receiver of transparency.signals.batch_sequenced, in the sequencer's transaction:
    the counters first, then the milestones (which read the updated persons total)."""
    add_to_counters(*counter_deltas(batch))
    record_crossings(first_index, batch.persons)


@dataclass(frozen=True)
class Snapshot:
    persons: int
    declarations: int
    by_organization: dict[str, int]
    by_channel: dict[str, int]
    today: int
    yesterday: int
    today_date: datetime.date
    last_days: list[tuple[datetime.date, int]]


def snapshot(days: int = 30) -> Snapshot:
    """Totals, today, yesterday and the last `days` days, in three small queries. The
    headline totals are the latest signed checkpoint's tally line, never the counters:
    the count is what the log signs (transparency/signedcount.py)."""
    signed = signedcount.current()
    totals = dict(Total.objects.filter(key__startswith="channel:").values_list("key", "value"))
    today = dates.today()
    first = today - datetime.timedelta(days=days - 1)
    per_day = Counter(
        dict(
            DailyCount.objects.filter(key="persons", day__gte=first, day__lte=today)
            .values_list("day", "value")
        )
    )
    return Snapshot(
        persons=signed.persons,
        declarations=signed.declarations,
        by_organization={k: getattr(signed, k) for k in ORG_KEYS},
        by_channel={
            k.removeprefix("channel:"): v for k, v in totals.items() if k.startswith("channel:")
        },
        today=per_day[today],
        yesterday=per_day[today - datetime.timedelta(days=1)],
        today_date=today,
        last_days=[(today - datetime.timedelta(days=i), per_day[today - datetime.timedelta(days=i)])
                   for i in range(days)],
    )
