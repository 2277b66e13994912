from django import forms
from django.utils.translation import gettext_lazy as _

from tuidang.protection.models import SurgeMode


class SurgeForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("Mode"), choices=SurgeMode.choices, widget=forms.RadioSelect
    )
