"""The home page and the page that explains how to verify the log."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from tuidang.stats import counters
from tuidang.stats.views import home_context
from tuidang.transparency import keys, storage


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    snapshot = counters.snapshot(days=30)
    context = {
        "snapshot": snapshot,
        "checkpoint": storage.signed_checkpoint().decode(),
        **home_context(snapshot.persons),  # milestone, imported history, share of membership
    }
    return render(request, "core/home.html", context)


@require_safe
def verify(request: HttpRequest) -> HttpResponse:
    context = {
        "checkpoint": storage.signed_checkpoint().decode(),
        "verifier_key": keys.verifier_key(),
        "origin": settings.LOG_ORIGIN,
    }
    return render(request, "core/verify.html", context)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
