"""Published statements: newest first, with keyset pagination that is fast at any depth.

Pages are addressed by serial, never by offset, so the millionth page costs what the first
does: `?before=N` is the page of the serials below N, `?after=N` the page of those above N
(shown newest first too). `?after=0` is therefore the oldest page, and any page in the
middle has a link: the day pages (`?day=` jumps to one), and each statement's own page
links to the list around it.

A page of 50 cards must be answered in a few milliseconds with millions of rows, and most
of that time is Python, not the database: the rows are read as tuples (no model objects)
and the cards rendered by statement_cards.py.
"""

import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from tuidang.registry import dates, days, statement_cards
from tuidang.registry.models import Declaration

PAGE_SIZE = 50


def published() -> QuerySet[Declaration]:
    # is_published=True, written by Django as a bare `WHERE is_published`: the very
    # condition of the partial index declaration_published, so both databases read that
    # index in order (no sort). Day pages add their serial range (registry/days.py).
    return Declaration.objects.filter(is_published=True).defer(
        "receipt_hash", "statement_salt", "sealed_private", "private_commitment", "helper"
    )


def _serial(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name)
    if value is None:
        return None
    if not value.isdigit() or len(value) > 18:
        raise Http404("bad page")
    return int(value)


def _page(request: HttpRequest, queryset: QuerySet[Declaration]) -> dict:
    """One page of cards, newest first, with the serials the pager links to."""
    before, after = _serial(request, "before"), _serial(request, "after")
    if before is not None and after is not None:
        raise Http404("bad page")
    rows = queryset.values_list(*statement_cards.CARD_FIELDS)
    if after is not None:
        found = list(rows.filter(id__gt=after).order_by("id")[: PAGE_SIZE + 1])
        has_newer = len(found) > PAGE_SIZE
        found = found[:PAGE_SIZE][::-1]
        has_older = after > 0 and queryset.filter(id__lte=after).exists()
    else:
        if before is not None:
            rows = rows.filter(id__lt=before)
        found = list(rows.order_by("-id")[: PAGE_SIZE + 1])
        has_older = len(found) > PAGE_SIZE
        found = found[:PAGE_SIZE]
        has_newer = before is not None and bool(found)
    return {
        # Every card links to /<lang>/statements/<serial>/: one reverse() per page, not 50.
        "cards": statement_cards.render(found, reverse("statements")),
        "newer_after": found[0][0] if has_newer and found else None,
        "older_before": found[-1][0] if has_older and found else None,
        "is_first_page": before is None and after is None,
    }


@require_GET
def statement_list(request: HttpRequest) -> HttpResponse:
    day = request.GET.get("day")
    if day is not None:  # the "go to a day" form
        try:
            return redirect("statements_day", datetime.date.fromisoformat(day))
        except ValueError:
            raise Http404("not a day") from None
    context = _page(request, published())
    context["today"] = dates.today()
    return render(request, "registry/statements.html", context)


@require_GET
def statement_day(request: HttpRequest, day: datetime.date) -> HttpResponse:
    if day > dates.today():
        raise Http404("a day in the future")
    context = _page(request, days.on_day(published(), day))
    context.update(
        day=day,
        previous_day=day - datetime.timedelta(days=1),
        next_day=day + datetime.timedelta(days=1) if day < dates.today() else None,
    )
    return render(request, "registry/statements_day.html", context)


@require_GET
def statement_detail(request: HttpRequest, serial: int) -> HttpResponse:
    declaration = published().filter(id=serial).first()
    if declaration is None:
        raise Http404("no published statement with this number")
    context = {
        "declaration": declaration,
        "persons": list(declaration.persons.all()),
        "log_origin": settings.LOG_ORIGIN,
        "list_before": serial + 1,
    }
    return render(request, "registry/statement.html", context)
