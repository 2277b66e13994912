from django import forms
from django.utils.translation import gettext_lazy as _

from tuidang.moderation.models import Decision

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
    action = forms.ChoiceField(label=_("Decision"), choices=DECLARATION_ACTIONS)
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give a reason for the decision.")},
    )
    field_order = ["action", "who", "reason"]

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
