"""The public contest form: "this declaration was made in my name without my consent"."""

from django import forms
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tuidang.moderation.models import Contest
from tuidang.registry import dates, receipts
from tuidang.registry.models import Declaration
from tuidang.registry.schema import validate_plain_text


class ContestForm(forms.Form):
    serial = forms.IntegerField(
        label=_("Number of the statement (№)"), min_value=1, max_value=10**15,
        help_text=_("It is shown on the statement's page, e.g. № 1042."),
    )
    account = forms.CharField(
        label=_("What happened"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Tell the moderators which person in it is you and that you did not ask "
                    "anyone to declare for you. Do not include anything you want to keep "
                    "secret."),
    )

    def clean_account(self) -> str:
        value = self.cleaned_data["account"]
        validate_plain_text(value.replace("\n", " ").replace("\r", " "))
        return value

    def clean_serial(self) -> Declaration:
        declaration = Declaration.objects.filter(
            pk=self.cleaned_data["serial"], is_published=True
        ).first()
        if declaration is None:
            raise forms.ValidationError(_("No published statement has this number."))
        return declaration


@never_cache
@require_http_methods(["GET", "POST"])
def contest(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        serial = request.GET.get("serial", "")
        form = ContestForm(initial={"serial": serial} if serial.isdigit() else {})
        return render(request, "moderation/contest_form.html", {"form": form})
    form = ContestForm(request.POST)
    if not form.is_valid():
        return render(request, "moderation/contest_form.html", {"form": form}, status=400)
    reference = file_contest(form.cleaned_data["serial"], form.cleaned_data["account"])
    return render(request, "moderation/contest_filed.html", {"reference": reference})


CONTEST_PURPOSE = "contest-reference"


def file_contest(declaration: Declaration, account: str) -> str:
    """Record a contest; the reference its author checks the outcome with (shown once)."""
    with transaction.atomic():
        contest = Contest.objects.create(declaration=declaration, account=account,
                                         filed_on=dates.today())
        [secret] = receipts.new_secrets(1)
        contest.reference_hash = receipts.verifier(settings.RECEIPT_KEY, CONTEST_PURPOSE)(
            contest.pk, secret)
        contest.save(update_fields=["reference_hash"])
    return receipts.make_code(contest.pk, secret)


def find_contest(reference: str) -> Contest | None:
    raw = receipts.normalize_code(reference)
    if raw is None:
        return None
    number, secret = receipts.split_code(raw)
    contest = Contest.objects.filter(pk=number).select_related("declaration").first()
    if contest is not None and receipts.verify(settings.RECEIPT_KEY, number, secret,
                                               bytes(contest.reference_hash), CONTEST_PURPOSE):
        return contest
    return None


class ContestLookupForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference of your contest"), max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))


@never_cache
@require_http_methods(["GET", "POST"])
def contest_status(request: HttpRequest) -> HttpResponse:
    """The outcome of a contest, for whoever holds its reference (in a POST: nothing
    secret travels in a URL)."""
    if request.method == "GET":
        return render(request, "moderation/contest_status.html", {"form": ContestLookupForm()})
    form = ContestLookupForm(request.POST)
    contest = find_contest(form.data.get("reference", "")) if form.is_valid() else None
    if contest is None:
        if form.is_valid():
            form.add_error("reference", _("No contest has this reference. Check it and try "
                                          "again."))
        return render(request, "moderation/contest_status.html", {"form": form}, status=404)
    return render(request, "moderation/contest_status.html",
                  {"form": ContestLookupForm(), "contest": contest})
