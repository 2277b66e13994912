"""The public contest form: "this declaration was made in my name without my consent"."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tuidang.core import params
from tuidang.moderation.models import Contest
from tuidang.registry import dates
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
        form = ContestForm(initial={"serial": serial} if params.serial(serial) else {})
        return render(request, "moderation/contest_form.html", {"form": form})
    form = ContestForm(request.POST)
    if not form.is_valid():
        return render(request, "moderation/contest_form.html", {"form": form}, status=400)
    Contest.objects.create(
        declaration=form.cleaned_data["serial"], account=form.cleaned_data["account"],
        filed_on=dates.today(),
    )
    return render(request, "moderation/contest_filed.html")
