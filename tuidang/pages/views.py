"""The public pages: reaching this site safely, questions and answers, other ways to
declare. The last two show what editors keep (models.Entry)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from tuidang.pages import safety
from tuidang.pages.models import WAY_KINDS, Entry


@require_safe
def safe_access(request: HttpRequest) -> HttpResponse:
    key, fingerprint = safety.verifier()
    return render(request, "pages/safe_access.html", {
        "addresses": safety.addresses(), "verifier_key": key, "fingerprint": fingerprint,
        "has_ways": Entry.objects.ways().exists(),
    })


@require_safe
def questions(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/questions.html", {
        "entries": list(Entry.objects.questions()),
        "has_ways": Entry.objects.ways().exists(),
    })


@require_safe
def other_ways(request: HttpRequest) -> HttpResponse:
    entries = list(Entry.objects.ways())
    groups = [(kind.label, [e for e in entries if e.kind == kind]) for kind in WAY_KINDS]
    return render(request, "pages/other_ways.html", {
        "groups": [(label, rows) for label, rows in groups if rows],
    })
