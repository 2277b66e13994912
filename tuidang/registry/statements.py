"""Published statements: newest first, with keyset pagination that is fast at any depth."""

import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tuidang.registry import dates
from tuidang.registry.models import Declaration

PAGE_SIZE = 50


def published() -> QuerySet[Declaration]:
    return Declaration.objects.filter(is_published=True).defer(
        "receipt_hash", "statement_salt", "sealed_private", "private_commitment", "helper"
    )


def _page(request: HttpRequest, queryset: QuerySet[Declaration]) -> dict:
    """One page below the serial in ?before=, plus the serial of the next page."""
    before = request.GET.get("before", "")
    if before:
        if not before.isdigit() or len(before) > 18:
            raise Http404("bad page")
        queryset = queryset.filter(id__lt=int(before))
    rows = list(queryset.order_by("-id").prefetch_related("persons")[: PAGE_SIZE + 1])
    has_more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return {
        "declarations": rows,
        "next_before": rows[-1].id if has_more else None,
        "is_first_page": not before,
    }


@require_GET
def statement_list(request: HttpRequest) -> HttpResponse:
    context = _page(request, published())
    context["today"] = dates.today()
    return render(request, "registry/statements.html", context)


@require_GET
def statement_day(request: HttpRequest, day: datetime.date) -> HttpResponse:
    if day > dates.today():
        raise Http404("a day in the future")
    context = _page(request, published().filter(received_on=day))
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
    }
    return render(request, "registry/statement.html", context)
