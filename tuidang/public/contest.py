"""The public contest form's page, behind the same gate as declarations: the honeypot,
the limits per submitter and per minute (the onion service's own, spared by a proof of
work). A moderator reviews every contest, so nothing is held."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tuidang.core import params
from tuidang.moderation import actions
from tuidang.moderation.forms import ContestForm
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
    actions.file_contest(form.cleaned_data["serial"], form.cleaned_data["account"])
    return render(request, "moderation/contest_filed.html")
