"""What each helper submitted, for moderators: so an anomaly shows (a helper whose
declarations are often held, revoked or contested, or a day far above their usual) before
it takes a bulk revocation to clean up.

Figures only, from the declarations' own columns (helper, day, status, persons) and the
revocations; helpers are never shown to the public, and this page is for moderators.
"""

import datetime
import statistics

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tuidang.accounts.access import access_moderator
from tuidang.registry import dates
from tuidang.registry.models import Declaration, Revocation, Status

DAYS = 14
MAX_HELPERS = 200
# A helper is flagged when this share of their declarations was held or revoked (once
# they have submitted at least FLAG_MINIMUM), or when a day brings SPIKE times their
# median day in the window (and at least FLAG_MINIMUM declarations).
FLAG_SHARE = 0.2
FLAG_MINIMUM = 5
SPIKE = 3


def _days() -> list[datetime.date]:
    today = dates.today()
    return [today - datetime.timedelta(days=n) for n in range(DAYS - 1, -1, -1)]


def figures() -> tuple[list[datetime.date], list[dict]]:
    """The window's days, and per helper active in it (busiest first): declarations per
    day, and their declarations, persons, held, revoked and contested of all time."""
    days = _days()
    per_day = (Declaration.objects.filter(helper__isnull=False, received_on__gte=days[0])
               .values_list("helper_id", "received_on").annotate(n=Count("id")))
    by_helper: dict[int, dict[datetime.date, int]] = {}
    for helper_id, day, n in per_day:
        by_helper.setdefault(helper_id, {})[day] = n
    busiest = sorted(by_helper, key=lambda h: -sum(by_helper[h].values()))[:MAX_HELPERS]
    totals = {row["helper_id"]: row for row in
              Declaration.objects.filter(helper_id__in=busiest).values("helper_id").annotate(
                  declarations=Count("id"), persons=Sum("person_count", default=0),
                  held=Count("id", filter=Q(status=Status.HELD)),
                  rejected=Count("id", filter=Q(status=Status.REJECTED)),
                  revoked=Count("id", filter=Q(status=Status.REVOKED)))}
    contested = dict(Revocation.objects.filter(
        declaration__helper_id__in=busiest, reason=Revocation.Reason.CONTEST)
        .values_list("declaration__helper_id").annotate(n=Count("id")))
    names = dict(get_user_model().objects.filter(id__in=busiest).values_list("id", "username"))
    rows = []
    for helper_id in busiest:
        counts = [by_helper[helper_id].get(day, 0) for day in days]
        total = totals[helper_id]
        usual = statistics.median(counts)
        cells = [{"n": n, "spike": n >= FLAG_MINIMUM and n > SPIKE * max(usual, 1)}
                 for n in counts]
        troubled = total["held"] + total["revoked"] + total["rejected"]
        rows.append({
            "name": names.get(helper_id, "?"), "days": cells, "window": sum(counts),
            **{k: total[k] for k in ("declarations", "persons", "held", "rejected", "revoked")},
            "contested": contested.get(helper_id, 0),
            "flagged": (total["declarations"] >= FLAG_MINIMUM
                        and troubled >= FLAG_SHARE * total["declarations"])
            or any(c["spike"] for c in cells) or contested.get(helper_id, 0) > 0,
        })
    return days, rows


@never_cache
@login_required
@require_GET
def helper_figures(request: HttpRequest) -> HttpResponse:
    access_moderator(request.user)
    days, rows = figures()
    return render(request, "moderation/helpers.html", {
        "days": days, "rows": rows, "window": DAYS, "share": int(FLAG_SHARE * 100),
        "minimum": FLAG_MINIMUM, "spike": SPIKE})
