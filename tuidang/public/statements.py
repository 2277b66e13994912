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

from tuidang.core import params
from tuidang.public import statement_cards
from tuidang.registry import dates, days
from tuidang.registry.models import Declaration

PAGE_SIZE = 50


def published() -> QuerySet[Declaration]:
    # is_published=True, written by Django as a bare `WHERE is_published`: the very
    # condition of the partial index declaration_published, so both databases read that
    # index in order (no sort). Day pages add their serial range (registry/days.py).
    return Declaration.objects.filter(is_published=True).defer(
        "receipt_hash", "statement_salt", "sealed_private", "private_commitment", "helper"
    )


def _page(request: HttpRequest, queryset: QuerySet[Declaration],
          span: tuple[int, int] | None = None) -> dict:
    """One page of cards, newest first, with the serials the pager links to; `span`, the
    first and last serial the queryset can hold (a day's)."""
    before, after = params.page_serial(request, "before"), params.page_serial(request, "after")
    if before is not None and after is not None:
        raise Http404("bad page")
    # One lower and one upper bound on the serial, the cursor's and the day's combined:
    # given both, SQLite scans from one and tests the other on every row, which is slow
    # in the middle of a big day (docs/performance.md, statements pages).
    low, high = span if span is not None else (None, None)
    if after is not None:
        low = after + 1 if low is None else max(low, after + 1)
    if before is not None:
        high = before - 1 if high is None else min(high, before - 1)
    rows = _between(queryset, low, high).values_list(*statement_cards.CARD_FIELDS)
    if after is not None:
        found = list(rows.order_by("id")[: PAGE_SIZE + 1])
        has_newer = len(found) > PAGE_SIZE
        found = found[:PAGE_SIZE][::-1]
        has_older = after > 0 and _between(
            queryset, span[0] if span else None, after).exists()
    else:
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


def _between(queryset: QuerySet, low: int | None, high: int | None) -> QuerySet:
    if low is not None:
        queryset = queryset.filter(id__gte=low)
    if high is not None:
        queryset = queryset.filter(id__lte=high)
    return queryset


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
def featured_list(request: HttpRequest) -> HttpResponse:
    """精彩推荐: the statements moderators recommend, newest first."""
    context = _page(request, published().filter(featured__isnull=False))
    context.update(today=dates.today(), featured=True)
    return render(request, "registry/statements.html", context)


@require_GET
def statement_day(request: HttpRequest, day: datetime.date) -> HttpResponse:
    if day > dates.today():
        raise Http404("a day in the future")
    span = days.serial_range(day)
    if span is None:
        context = _page(request, published().none())
    else:
        context = _page(request, published().filter(received_on=day), span)
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
    persons = declaration.persons
    named = [p for p in persons if not p.withdrawn]
    approved_title = declaration.shows_statement and declaration.statement_title
    context = {
        "declaration": declaration,
        "title": approved_title or statement_cards.made_title(
            named, statement_cards.Labels.current()),
        "persons": persons,
        "log_origin": settings.LOG_ORIGIN,
        "list_before": serial + 1,
    }
    return render(request, "registry/statement.html", context)
