"""The helpers' inbox of mail to the published address (mailintake; docs/mail.md).

A helper reads a draft as plain text and either fills in the helper form beside it —
the same form, schema and intake as "Submit for someone", with the channel `email` —
or discards it. Either way the mail is deleted then. The sender's address is sealed
and never shown: a helper cannot write back from here.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tuidang.declaring.flow import handle_declaration_form
from tuidang.declaring.forms import HelperSubmissionForm
from tuidang.helpers.views import newest_first
from tuidang.intake.actions import Submitted
from tuidang.mailintake import actions
from tuidang.mailintake.access import access_draft, access_inbox
from tuidang.registry import schema
from tuidang.registry.choices import Channel

PREVIEW_LENGTH = 120


@never_cache
@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    drafts = access_inbox(request.user)
    rows, next_before = newest_first(request, drafts)
    return render(request, "helpers/mail_inbox.html", {
        "drafts": rows, "total": drafts.count(), "next_before": next_before,
        "preview_length": PREVIEW_LENGTH, "mail_address": settings.MAIL_ADDRESS,
        "days": settings.MAIL_DRAFT_DAYS,
    })


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def draft(request: HttpRequest, draft_id: int) -> HttpResponse:
    found = access_draft(request.user, draft_id)  # (a helper's, with the second factor)
    helper = request.user

    def receive(checked: schema.Checked, hold: str) -> Submitted:
        return actions.convert(found.pk, checked.data, helper, hold)

    return handle_declaration_form(
        request, HelperSubmissionForm, schema.HelperDeclaration, "helpers/mail_draft.html",
        receive, {"draft": found, "email_channel": Channel.EMAIL.value})


@never_cache
@login_required
@require_POST
def discard(request: HttpRequest, draft_id: int) -> HttpResponse:
    found = access_draft(request.user, draft_id)
    if actions.discard(found.pk):
        messages.success(request, _("The mail was discarded and deleted."))
    return redirect("helpers:mail_inbox")
