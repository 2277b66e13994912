from django import forms
from django.utils.translation import gettext_lazy as _

from tuidang.moderation.models import Decision


class DecisionForm(forms.Form):
    action = forms.ChoiceField(label=_("Decision"), choices=Decision.Action.choices)
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give a reason for the decision.")},
    )
