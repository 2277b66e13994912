"""The home page, declaring, looking up a receipt, and how to verify the log."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tuidang.declaring import receipt_page
from tuidang.declaring.flow import handle_declaration_form
from tuidang.declaring.forms import ReceiptLookupForm, StatementForm
from tuidang.intake import service as intake
from tuidang.intake.actions import Submitted
from tuidang.protection import gate
from tuidang.registry import actions, schema
from tuidang.registry.choices import Channel
from tuidang.registry.models import Revocation
from tuidang.stats import counters, periods
from tuidang.stats.views import home_context
from tuidang.transparency import keys, proofs, signedcount, witnesses


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    snapshot = counters.snapshot(days=2)
    context = {
        "snapshot": snapshot,
        "periods": periods.counts(snapshot.today_date),
        "witnesses": witnesses.status(),
        **home_context(snapshot.persons),  # milestone, imported history, share of membership
    }
    return render(request, "core/home.html", context)


@require_safe
def verify(request: HttpRequest) -> HttpResponse:
    context = {
        "checkpoint": witnesses.published_checkpoint().decode(),
        "witnesses": witnesses.status(),
        "verifier_key": keys.log_key(),
        "origin": settings.LOG_ORIGIN,
        "signed": signedcount.current(),
    }
    return render(request, "core/verify.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest) -> HttpResponse:
    def receive(checked: schema.Checked, hold: str) -> Submitted:
        return intake.receive(checked.data, channel=Channel.SELF, hold=hold)

    return handle_declaration_form(request, StatementForm, schema.Declaration,
                                   "registry/declare.html", receive)


RATE_LIMITED = "rate_limited"


def lookup(request: HttpRequest):
    form = ReceiptLookupForm(request.POST)
    if refusal := gate.receipt_lookup_refusal(request):  # against guessing codes
        form.add_error("code", ValidationError(refusal, code=RATE_LIMITED))
        return form, None
    if not form.is_valid():
        return form, None
    declaration = actions.find_by_receipt(form.cleaned_data["code"])
    if declaration is None:
        form.add_error("code", ReceiptLookupForm.not_found_message)
    return form, declaration


@never_cache
@require_http_methods(["GET", "POST"])
def receipt(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "registry/receipt.html", {"form": ReceiptLookupForm()})
    form, declaration = lookup(request)
    context = {"form": form, "declaration": declaration}
    if declaration is not None:
        context.update(_found(form, declaration))
    status = 429 if form.has_error("code", RATE_LIMITED) else 200
    return render(request, "registry/receipt.html", context, status=status)


def revoked_reason(declaration) -> str:
    """Why the declaration was revoked, in the declarant's language ("" if it was not)."""
    reason = actions.revocations_of(declaration).get(None)
    words = {Revocation.Reason.RETRACTED: _("withdrawn by you, with this code"),
             Revocation.Reason.CONTEST: _("someone named in it contested it, and a "
                                          "moderator upheld the contest"),
             Revocation.Reason.MODERATOR: _("a moderator's decision")}
    return str(words.get(reason, "")) if reason else ""


def _found(form: ReceiptLookupForm, declaration) -> dict:
    """What the page shows of a declaration found by its code, and what its follow-up
    forms (proof, entry, retraction) carry: the code, and the gate's token for it."""
    code = form.cleaned_data["code"]
    return {"persons": declaration.persons, "code": code,
            "follow_up": gate.follow_up_token(code),
            "revoked_reason": revoked_reason(declaration),
            "publish_minutes": receipt_page.publish_minutes()}


def not_found(request: HttpRequest, form: ReceiptLookupForm) -> HttpResponse:
    status = 429 if form.has_error("code", RATE_LIMITED) else 404
    return render(request, "registry/receipt.html", {"form": form}, status=status)


def _download(request: HttpRequest, kind: str) -> HttpResponse:
    form, declaration = lookup(request)
    if declaration is None or declaration.log_index is None:
        return not_found(request, form)
    if kind == "proof":
        body, name = proofs.tlog_proof(declaration.log_index), "tlog-proof"
    else:
        body, name = proofs.entry_bytes(declaration.log_index), "entry"
    response = HttpResponse(body, content_type="application/octet-stream")
    response["Content-Disposition"] = (
        f'attachment; filename="tuidang-{declaration.log_index}.{name}"'
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_POST
def retract(request: HttpRequest) -> HttpResponse:
    form, declaration = lookup(request)
    if declaration is None:
        return not_found(request, form)
    if request.POST.get("confirm") != "yes":
        context = {"form": form, "declaration": declaration, "confirm_missing": True,
                   **_found(form, declaration)}
        return render(request, "registry/receipt.html", context, status=400)
    declaration = actions.retract_with_receipt(form.cleaned_data["code"])
    context = {"form": form, "declaration": declaration, "retracted": True,
               **_found(form, declaration)}
    return render(request, "registry/receipt.html", context)


# The receipt page's language switcher and download carry the code in a form the cached
# page cannot give a CSRF token (it is one page for every declarant): they change
# nothing, and show only what the code itself shows, to whoever holds it.
@csrf_exempt
@never_cache
@require_POST
def receipt_issued(request: HttpRequest) -> HttpResponse:
    """The receipt page again, in this URL's language."""
    form, declaration = lookup(request)
    if declaration is None:
        return not_found(request, form)
    code = form.cleaned_data["code"]
    return render(request, receipt_page.TEMPLATE, receipt_page.context_for(
        declaration, code, receipt_page.step_of(declaration)))


@csrf_exempt
@require_POST
def receipt_text(request: HttpRequest) -> HttpResponse:
    """The receipt as a small text file, in this URL's language."""
    form, declaration = lookup(request)
    if declaration is None:
        return not_found(request, form)
    text = render_to_string("registry/receipt.txt", {
        "declaration": declaration, "code": form.cleaned_data["code"],
        # no scheme: behind the proxy this process cannot tell http from https
        "receipt_url": request.get_host() + reverse("receipt"),
    }, request)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="receipt.txt"'
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def declarant_privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "registry/privacy.html", {
        "publish_minutes": receipt_page.publish_minutes()})


@require_POST
def receipt_proof(request: HttpRequest) -> HttpResponse:
    return _download(request, "proof")


@require_POST
def receipt_entry(request: HttpRequest) -> HttpResponse:
    return _download(request, "entry")
