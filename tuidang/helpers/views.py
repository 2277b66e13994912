"""Helpers submit for people who asked them, and see their own submissions."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from tuidang.accounts.access import access_helper
from tuidang.core import params
from tuidang.declaring.flow import handle_declaration_form
from tuidang.declaring.forms import HelperSubmissionForm
from tuidang.intake import service as intake
from tuidang.intake.actions import Submitted
from tuidang.registry import schema
from tuidang.registry.models import Declaration, Status

PAGE_SIZE = 50


def newest_first(request: HttpRequest, rows: QuerySet) -> tuple[list, int | None]:
    """A page of `rows`, newest first, from ?before=<id>; and the id the next page
    starts before, or None on the last page."""
    before = params.page_serial(request, "before")
    page = rows if before is None else rows.filter(id__lt=before)
    found = list(page.order_by("-id")[: PAGE_SIZE + 1])
    return found[:PAGE_SIZE], found[PAGE_SIZE - 1].id if len(found) > PAGE_SIZE else None


@never_cache
@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    helper = access_helper(request.user)
    mine = Declaration.objects.filter(helper=helper)
    counted = Q(status=Status.ACCEPTED)
    summary = mine.aggregate(
        declarations=Count("id"),
        persons=Sum("person_count", default=0),
        counted_persons=Sum("person_count", filter=counted, default=0),
        held=Count("id", filter=Q(status=Status.HELD)),
    )
    rows, next_before = newest_first(request, mine)
    context = {"summary": summary, "declarations": rows, "next_before": next_before}
    return render(request, "helpers/home.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest) -> HttpResponse:
    helper = access_helper(request.user)

    def receive(checked: schema.Checked, hold: str) -> Submitted:
        return intake.receive(checked.data, channel=checked.channel, helper=helper, hold=hold)

    return handle_declaration_form(request, HelperSubmissionForm, schema.HelperDeclaration,
                                   "helpers/declare.html", receive)
