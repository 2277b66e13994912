from django import forms
from django.utils.translation import gettext_lazy as _

from tuidang.moderation.models import Decision
from tuidang.registry.models import Declaration
from tuidang.registry.schema import validate_plain_text

DECLARATION_ACTIONS = [
    (a.value, a.label) for a in Decision.Action
    if a not in (Decision.Action.UPHOLD_CONTEST, Decision.Action.DISMISS_CONTEST)
]


WHOLE = "all"


class PersonChoiceForm(forms.Form):
    """A decision that may revoke one person of the declaration (`persons`: those still
    counted) or all of it; nothing is chosen beforehand."""

    who = forms.ChoiceField(
        label=_("Whom it revokes"), required=False, widget=forms.RadioSelect,
        help_text=_("Only for a revocation: one person (the others stay counted) or the "
                    "whole declaration."),
    )

    def __init__(self, *args, persons=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["who"].choices = [(WHOLE, _("The whole declaration"))] + [
            (str(p.position), p.display_name) for p in persons if not p.withdrawn]

    def person(self) -> int | None:
        """The position chosen, or None for the whole declaration."""
        who = self.cleaned_data.get("who")
        return None if who in (WHOLE, "", None) else int(who)


class DecisionForm(PersonChoiceForm):
    """A decision on a declaration: only those its state allows (`actions`), offered as
    radio buttons of which none is chosen beforehand, so that nothing destructive is one
    careless click away."""

    action = forms.ChoiceField(label=_("Decision"), choices=DECLARATION_ACTIONS,
                               widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give a reason for the decision.")},
    )
    field_order = ["action", "who", "reason"]

    def __init__(self, *args, actions=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if actions is not None:
            self.offer(actions)

    def offer(self, actions: list[str]) -> None:
        """Show only these decisions. Any decision still validates here, so that one the
        state no longer allows (another moderator was quicker) is refused by
        moderation.actions with words that say why."""
        self.fields["action"].widget.choices = [
            (value, label) for value, label in DECLARATION_ACTIONS if value in actions]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") == Decision.Action.REVOKE and not data.get("who"):
            self.add_error("who", _("Choose whom the revocation takes."))
        return data


class ContestDecisionForm(PersonChoiceForm):
    action = forms.ChoiceField(
        label=_("Decision"),
        choices=[(a.value, a.label) for a in (Decision.Action.UPHOLD_CONTEST,
                                              Decision.Action.DISMISS_CONTEST)],
        widget=forms.RadioSelect,  # none chosen beforehand: upholding revokes
    )
    reason = DecisionForm.base_fields["reason"]
    field_order = ["action", "who", "reason"]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") == Decision.Action.UPHOLD_CONTEST and not data.get("who"):
            self.add_error("who", _("Choose whom the revocation takes."))
        return data


class BulkRevokeForm(forms.Form):
    helper = forms.CharField(label=_("Helper's user name (optional)"), required=False,
                             max_length=150)
    first_day = forms.DateField(label=_("From (YYYY-MM-DD)"))
    last_day = forms.DateField(label=_("To (YYYY-MM-DD)"))
    reason = DecisionForm.base_fields["reason"]
    confirm = forms.BooleanField(
        label=_("Revoke every accepted declaration that matches"), required=False
    )

    def clean(self) -> dict:
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and first > last:
            self.add_error("last_day", _("The last day comes before the first."))
        return data


# The public contest form; its page is public's (public/contest.py), behind the abuse gate.
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


class ContestLookupForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference of your contest"), max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
