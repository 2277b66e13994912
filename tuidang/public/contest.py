"""The public contest form's page, behind the same gate as declarations: the honeypot,
the limits per submitter and per minute (the onion service's own, spared by a proof of
work). A moderator reviews every contest, so nothing is held."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tuidang.core import params
from tuidang.moderation import actions
from tuidang.moderation.forms import ContestForm, ContestLookupForm
from tuidang.protection import gate

TEMPLATE = "moderation/contest_form.html"


@never_cache
@require_http_methods(["GET", "POST"])
def contest(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        serial = request.GET.get("serial", "")
        form = ContestForm(initial={"serial": serial} if params.serial(serial) else {})
        return render(request, TEMPLATE, {"form": form})
    form = ContestForm(request.POST)
    verdict = gate.check_form(request, gate.CONTESTS)
    if verdict.refuse:
        return render(request, TEMPLATE, {"form": form, "refused": verdict.refuse},
                      status=verdict.status)
    if not form.is_valid():
        return render(request, TEMPLATE, {"form": form}, status=400)
    _contest, reference = actions.file_contest(form.cleaned_data["serial"],
                                               form.cleaned_data["account"])
    return render(request, "moderation/contest_filed.html", {"reference": reference})


@never_cache
@require_http_methods(["GET", "POST"])
def contest_status(request: HttpRequest) -> HttpResponse:
    """The outcome of a contest, for whoever holds its reference (in a POST: nothing
    secret travels in a URL). Counted against the receipt look-ups' limits: a reference
    is guessed no more easily than a receipt code."""
    template = "moderation/contest_status.html"
    if request.method == "GET":
        return render(request, template, {"form": ContestLookupForm()})
    form = ContestLookupForm(request.POST)
    if refusal := gate.receipt_lookup_refusal(request):
        form.add_error("reference", refusal)
        return render(request, template, {"form": form}, status=429)
    found = actions.find_contest(form.data.get("reference", "")) if form.is_valid() else None
    if found is None:
        if form.is_valid():
            form.add_error("reference", _("No contest has this reference. Check it and try "
                                          "again."))
        return render(request, template, {"form": form}, status=404)
    return render(request, template, {"form": ContestLookupForm(), "contest": found})
