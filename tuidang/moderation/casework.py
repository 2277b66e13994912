"""Back-office casework beyond single decisions: contests and bulk revocation."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tuidang.accounts.access import access_moderator
from tuidang.moderation import actions
from tuidang.moderation.forms import BulkRevokeForm, ContestDecisionForm
from tuidang.moderation.models import Contest
from tuidang.registry.models import Declaration, Status


def access_contest(request: HttpRequest, contest_id: int) -> Contest:
    access_moderator(request.user)
    return get_object_or_404(Contest.objects.select_related("declaration"), pk=contest_id)


@never_cache
@login_required
@require_GET
def contest_queue(request: HttpRequest) -> HttpResponse:
    access_moderator(request.user)
    open_contests = Contest.objects.filter(state=Contest.State.OPEN)
    rows = list(open_contests.select_related("declaration").order_by("id")[:100])
    return render(request, "moderation/contests.html",
                  {"contests": rows, "total": open_contests.count()})


def _contest_page(request, contest: Contest, form, status: int = 200) -> HttpResponse:
    context = {"contest": contest, "declaration": contest.declaration,
               "persons": contest.declaration.persons, "form": form}
    return render(request, "moderation/contest.html", context, status=status)


@never_cache
@login_required
@require_GET
def contest_detail(request: HttpRequest, contest_id: int) -> HttpResponse:
    contest = access_contest(request, contest_id)
    return _contest_page(request, contest, ContestDecisionForm(
        persons=contest.declaration.persons))


@login_required
@require_POST
def contest_decide(request: HttpRequest, contest_id: int) -> HttpResponse:
    contest = access_contest(request, contest_id)
    form = ContestDecisionForm(request.POST, persons=contest.declaration.persons)
    if form.is_valid():
        try:
            actions.decide_contest(request.user, contest.pk, form.cleaned_data["action"],
                                   form.cleaned_data["reason"], form.person())
        except actions.DecisionError as exc:
            form.add_error(None, str(exc))
    if form.errors:
        return _contest_page(request, contest, form, status=400)
    messages.success(request, _("Decision recorded."))
    return redirect("moderation:contests")


def _matching(data: dict):
    declarations = Declaration.objects.filter(
        received_on__gte=data["first_day"], received_on__lte=data["last_day"],
        status=Status.ACCEPTED,
    )
    if data["helper"]:
        helper = get_user_model().objects.filter(username=data["helper"]).first()
        declarations = declarations.filter(helper=helper) if helper else declarations.none()
    return declarations


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def bulk_revoke(request: HttpRequest) -> HttpResponse:
    access_moderator(request.user)
    if request.method == "GET":
        return render(request, "moderation/bulk_revoke.html", {"form": BulkRevokeForm()})
    form = BulkRevokeForm(request.POST)
    if not form.is_valid():
        return render(request, "moderation/bulk_revoke.html", {"form": form}, status=400)
    matching = _matching(form.cleaned_data)
    if not form.cleaned_data["confirm"]:
        return render(request, "moderation/bulk_revoke.html",
                      {"form": form, "preview": matching.count()})
    try:
        count = actions.bulk_revoke(request.user, matching, form.cleaned_data["reason"])
    except actions.DecisionError as exc:
        form.add_error(None, str(exc))
        return render(request, "moderation/bulk_revoke.html", {"form": form}, status=400)
    messages.success(request, _("%(count)d declarations revoked.") % {"count": count})
    return redirect("moderation:audit")
