"""The proof-of-work challenge endpoint and the moderators' surge switch."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from tuidang.accounts.access import access_moderator
from tuidang.protection import gate, pow
from tuidang.protection.forms import SurgeForm
from tuidang.protection.models import SurgeChange, SurgeSetting

RECENT_CHANGES = 20


@require_GET
def altcha_challenge(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(pow.new_challenge(gate.pow_maxnumber()))
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def surge(request: HttpRequest) -> HttpResponse:
    access_moderator(request.user)
    current = SurgeSetting.current()
    form = SurgeForm(request.POST or None, initial={"mode": current})
    if request.method == "POST" and form.is_valid():
        mode = form.cleaned_data["mode"]
        with transaction.atomic():
            SurgeSetting.objects.update_or_create(pk=1, defaults={"mode": mode})
            SurgeChange.objects.create(moderator=request.user, mode=mode)
        messages.success(request, _("The surge mode is now: %(mode)s.") % {
            "mode": dict(form.fields["mode"].choices)[mode]})
        return redirect("protection:surge")
    context = {
        "form": form,
        "current": current,
        "changes": SurgeChange.objects.select_related("moderator")[:RECENT_CHANGES],
    }
    return render(request, "protection/surge.html", context, status=400 if form.errors else 200)
