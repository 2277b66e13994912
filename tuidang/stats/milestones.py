"""Milestones: recorded in the sequencer's step (counters.count_batch) when the persons
total crosses a configured figure."""

import bisect
from collections.abc import Sequence
from itertools import accumulate

from tuidang.registry import dates
from tuidang.registry.models import Total
from tuidang.stats import conf
from tuidang.stats.models import Milestone


def crossings(
    before: int, first_index: int, per_entry_totals: Sequence[int], values: Sequence[int]
) -> list[tuple[int, int]]:
    """(milestone, log index) for each milestone first crossed upwards in this batch.

    ``per_entry_totals[i]`` is the persons total after entry ``first_index + i``;
    ``values`` are the milestones, ascending. An entry crosses m when the total before it
    is below m and the total after it is at least m.
    """
    if not per_entry_totals:
        return []
    low = min(before, *per_entry_totals)
    high = max(per_entry_totals)
    candidates = values[bisect.bisect_right(values, low):bisect.bisect_right(values, high)]
    found = []
    for value in candidates:
        previous = before
        for offset, total in enumerate(per_entry_totals):
            if previous < value <= total:
                found.append((value, first_index + offset))
                break
            previous = total
    return found


def record_crossings(first_index: int, persons_deltas: Sequence[int]) -> list[Milestone]:
    """Record the milestones the batch just added to the counters crossed.

    Runs in the sequencer's transaction after the counters were updated: the persons
    total now includes the batch, so the total before it is that minus the deltas.
    ``persons_deltas[i]`` is the signed persons change of entry ``first_index + i``. Costs
    one query when no milestone is crossed.
    """
    after = Total.objects.filter(key="persons").values_list("value", flat=True).first() or 0
    before = after - sum(persons_deltas)
    per_entry = list(accumulate(persons_deltas, initial=before))[1:]
    found = crossings(before, first_index, per_entry, conf.milestones())
    if not found:
        return []
    known = set(
        Milestone.objects.filter(value__in=[v for v, _ in found]).values_list("value", flat=True)
    )
    today = dates.today()
    new = [
        Milestone(value=value, reached_on=today, log_index=index)
        for value, index in found
        if value not in known
    ]
    Milestone.objects.bulk_create(new)
    return new


def latest() -> Milestone | None:
    return Milestone.objects.order_by("-value").first()
