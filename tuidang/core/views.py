"""The home page and the pages that explain the count."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tuidang.registry import counters
from tuidang.transparency import keys, storage


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "snapshot": counters.snapshot(days=30),
        "checkpoint": storage.signed_checkpoint().decode(),
    }
    return render(request, "core/home.html", context)


@require_GET
def counting_rule(request: HttpRequest) -> HttpResponse:
    return render(request, "core/counting.html")


@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    context = {
        "checkpoint": storage.signed_checkpoint().decode(),
        "verifier_key": keys.verifier_key(),
        "origin": settings.LOG_ORIGIN,
    }
    return render(request, "core/verify.html", context)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
