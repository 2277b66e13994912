"""The operators' health endpoint, /health: does this machine lead, is the leader alive,
how long since the last publication, is the queue draining.

Not public: it answers only "Authorization: Bearer <HEALTH_TOKEN>" (a header, never the
URL), and is a 404 to anyone else, and to everyone when HEALTH_TOKEN is unset. Even so
it says nothing about single arrivals, which a monitoring system polling it would
otherwise record with times: only batch-level figures (whole batches pending, the log's
public size) and durations (seconds since the last publication, as the leader measured
it at its last heartbeat; seconds for which this process has seen the heartbeat
unchanged), never a time of day.
"""

import time

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.http import require_safe

from tuidang.registry.models import PendingEntry
from tuidang.transparency import lease, storage
from tuidang.transparency.models import Lease

# (epoch, heartbeat) as this process last saw it, and the monotonic instant it changed.
_seen: dict[str, tuple[tuple[int, int], float]] = {}


def _allowed(request: HttpRequest) -> bool:
    token = settings.HEALTH_TOKEN
    given = request.headers.get("Authorization", "")
    return bool(token) and constant_time_compare(given, f"Bearer {token}")


def _row() -> Lease | None:
    return Lease.objects.filter(pk=lease.LEASE_ID).first()


def _unchanged_for(row: Lease | None) -> float | None:
    """Seconds this process has seen the heartbeat unchanged. On a first look it
    watches for up to one and a half heartbeats, so the answer is never a guess."""
    if row is None:
        return None
    observed, now = (row.epoch, row.heartbeat), time.monotonic()
    previous = _seen.get("lease")
    if previous is None:
        deadline = now + settings.SEQUENCER_HEARTBEAT * 1.5
        while time.monotonic() < deadline:
            time.sleep(0.1)
            again = _row()
            if again is not None and (again.epoch, again.heartbeat) != observed:
                _seen["lease"] = ((again.epoch, again.heartbeat), time.monotonic())
                return 0.0
        _seen["lease"] = (observed, now)
        return round(time.monotonic() - now, 1)
    if previous[0] != observed:
        _seen["lease"] = (observed, now)
        return 0.0
    return round(now - previous[1], 1)


def report() -> dict:
    row = _row()
    # The holder is "<machine> <pid> <random>" (lease.Holder); a machine's name may hold spaces.
    leader = row.holder.rsplit(" ", 2)[0] if row is not None and row.holder else None
    unchanged = _unchanged_for(row)
    alive = leader is not None and unchanged is not None and unchanged < settings.SEQUENCER_LEASE
    since = row.since_publication if row is not None else None
    on_time = since is not None and since <= settings.PUBLISH_INTERVAL + settings.SEQUENCER_LEASE
    full_batches = PendingEntry.objects.count() // settings.SEQUENCER_BATCH
    return {
        "machine": lease.machine(),
        "this_machine_leads": leader == lease.machine(),
        "leader": leader,
        "epoch": row.epoch if row is not None else None,
        "leader_alive": alive,
        "heartbeat_unchanged_seconds": unchanged,
        "seconds_since_publication": since,
        "publish_interval_seconds": settings.PUBLISH_INTERVAL,
        "full_batches_pending": full_batches,
        "draining": alive and on_time and full_batches <= 1,
        "log_size": storage.size(),
    }


def health(request: HttpRequest) -> HttpResponse:
    # The token first: without it, even a wrong method must not tell the page exists.
    if not _allowed(request):
        raise Http404("no such page")
    return _answer(request)


@require_safe
def _answer(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(report())
    response["Cache-Control"] = "no-store"
    return response
