"""The back office: queues of held declarations and statements, decisions, audit trail."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tuidang.accounts.access import access_moderator
from tuidang.core import params
from tuidang.moderation import actions
from tuidang.moderation.forms import DecisionForm
from tuidang.moderation.models import Contest, Decision
from tuidang.registry import screening
from tuidang.registry.models import Declaration, StatementStatus, Status

QUEUE_SIZE = 100


def _queue(request: HttpRequest, queryset, template: str) -> HttpResponse:
    access_moderator(request.user)
    rows = list(queryset.order_by("id")[:QUEUE_SIZE])
    return render(request, template, {"declarations": rows, "total": queryset.count()})


@never_cache
@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    access_moderator(request.user)
    context = {
        "held": Declaration.objects.filter(status=Status.HELD).count(),
        "statements": Declaration.objects.filter(statement_status=StatementStatus.PENDING)
        .exclude(status__in=[Status.REJECTED, Status.REVOKED]).count(),
        "contests": Contest.objects.filter(state=Contest.State.OPEN).count(),
        "recent": Decision.objects.select_related("moderator")[:10],
    }
    return render(request, "moderation/dashboard.html", context)


@never_cache
@login_required
@require_GET
def held_queue(request: HttpRequest) -> HttpResponse:
    return _queue(request, Declaration.objects.filter(status=Status.HELD), "moderation/held.html")


@never_cache
@login_required
@require_GET
def statement_queue(request: HttpRequest) -> HttpResponse:
    pending = Declaration.objects.filter(statement_status=StatementStatus.PENDING).exclude(
        status__in=[Status.REJECTED, Status.REVOKED]
    )
    return _queue(request, pending, "moderation/statements.html")


def access_declaration(request: HttpRequest, serial: int) -> Declaration:
    access_moderator(request.user)
    return get_object_or_404(Declaration, pk=serial)


def _declaration_page(
    request: HttpRequest, found: Declaration, form: DecisionForm, status: int = 200
) -> HttpResponse:
    duplicates = []
    if found.status == Status.HELD and found.hold_reason == screening.HOLD_DUPLICATE:
        duplicates = screening.earlier_duplicates(found)
    context = {
        "declaration": found,
        "duplicates": duplicates,
        "can_revoke": Decision.Action.REVOKE in actions.valid_actions(found),
        "persons": found.persons,
        "decisions": list(found.decisions.select_related("moderator")),
        "form": form,
    }
    return render(request, "moderation/declaration.html", context, status=status)


@never_cache
@login_required
@require_GET
def declaration(request: HttpRequest, serial: int) -> HttpResponse:
    found = access_declaration(request, serial)
    return _declaration_page(request, found, DecisionForm(
        persons=found.persons, actions=actions.valid_actions(found)))


@login_required
@require_POST
def decide(request: HttpRequest, serial: int) -> HttpResponse:
    found = access_declaration(request, serial)
    form = DecisionForm(request.POST, persons=found.persons,
                        actions=actions.valid_actions(found))
    if form.is_valid():
        try:
            actions.decide(request.user, found.pk, form.cleaned_data["action"],
                           form.cleaned_data["reason"], form.person())
        except actions.DecisionError as exc:
            form.add_error(None, str(exc))
    if form.errors:
        found.refresh_from_db()
        form.offer(actions.valid_actions(found))
        return _declaration_page(request, found, form, status=400)
    messages.success(request, _("Decision recorded."))
    return redirect("moderation:declaration", serial=found.pk)


@login_required
@require_POST
def feature(request: HttpRequest, serial: int) -> HttpResponse:
    """精彩推荐 on or off (`featured` = "1" or "0"), for moderators only."""
    found = access_declaration(request, serial)
    wanted = request.POST.get("featured")
    if wanted not in ("0", "1"):
        return HttpResponseBadRequest(_("Choose whether to feature the statement."))
    try:
        actions.feature(request.user, found.pk, wanted == "1")
    except actions.DecisionError as exc:
        messages.error(request, str(exc))
        return redirect("moderation:declaration", serial=found.pk)
    messages.success(request, _("Featured statements updated."))
    return redirect("moderation:declaration", serial=found.pk)


@never_cache
@login_required
@require_GET
def audit_trail(request: HttpRequest) -> HttpResponse:
    access_moderator(request.user)
    before = params.page_serial(request, "before")
    decisions = Decision.objects.select_related("moderator")
    if before is not None:
        decisions = decisions.filter(id__lt=before)
    rows = list(decisions[:101])
    return render(
        request,
        "moderation/audit.html",
        {"decisions": rows[:100], "next_before": rows[99].id if len(rows) > 100 else None},
    )
