from django import forms
from django.utils.translation import gettext_lazy as _

from tuidang.moderation.models import Decision

DECLARATION_ACTIONS = [
    (a.value, a.label) for a in Decision.Action
    if a not in (Decision.Action.UPHOLD_CONTEST, Decision.Action.DISMISS_CONTEST)
]


class DecisionForm(forms.Form):
    action = forms.ChoiceField(label=_("Decision"), choices=DECLARATION_ACTIONS)
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give a reason for the decision.")},
    )


class ContestDecisionForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Decision"),
        choices=[(a.value, a.label) for a in (Decision.Action.UPHOLD_CONTEST,
                                              Decision.Action.DISMISS_CONTEST)],
    )
    reason = DecisionForm.base_fields["reason"]


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
