"""The declaration form as the browser sees it: labels, widgets, help and nothing else.

These forms only render. What a valid declaration is lives in registry/schema.py, which
checks what they post (declaring/flow.py) and words the errors shown beside their
fields. Without JavaScript, "add a person" is a submit button that renders the form
again with one more row (see declaring.py).
"""


from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tuidang.registry import countries, schema
from tuidang.registry.choices import HELPER_CHANNELS, Organization, Region, Sector


def _blank(label: str) -> list[tuple[str, str]]:
    return [("", label)]


def _country_choices() -> list:
    """The countries most declarants abroad live in first, then all others in the
    reader's order (registry/countries.py), as two groups of the select."""
    named = countries.ordered(schema.country_codes(), get_language() or "zh-hans")
    common = len([code for code in countries.COMMON if code in dict(named)])
    return [
        *_blank(_("Not given")),
        (_("Where most declarants abroad live"), list(named[:common])),
        (_("All countries, by name"), list(named[common:])),
    ]


def _text(label, max_length: int, help_text: str = "", rows: int = 0) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else None
    return forms.CharField(label=label, required=False, max_length=max_length,
                           help_text=help_text, widget=widget)


# One box that ticks all three organizations (退党团队, "the three withdrawals"), first in
# the list: most declarants quit all three, and without JavaScript a box cannot tick the
# others. flow.form_input reads it as the three; the schema never sees it.
ALL_ORGANIZATIONS = "all"
ORGANIZATION_CHOICES = [
    (ALL_ORGANIZATIONS, _("All three: quit the Party, the League and the Pioneers (三退)")),
    *Organization.choices,
]


class PersonForm(forms.Form):
    display_name = forms.CharField(
        label=_("Name to display"), max_length=schema.MAX_NAME_LENGTH,
        help_text=_("A real name, an alias (化名) or a childhood name: all are equally valid."),
    )
    is_real_name = forms.BooleanField(label=_("This is the person's real name"), required=False)
    organizations = forms.MultipleChoiceField(
        label=_("Organizations quit"), choices=ORGANIZATION_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    region = forms.ChoiceField(
        label=_("Region (optional)"), required=False,
        choices=_blank(_("Not given")) + list(Region.choices),
    )
    country = forms.ChoiceField(label=_("Country, if overseas"), required=False,
                                choices=_country_choices)
    sector = forms.ChoiceField(
        label=_("Sector (optional)"), required=False,
        choices=_blank(_("Not given")) + list(Sector.choices),
    )
    private_real_name = _text(
        _("Real name behind the alias (optional, sealed)"), schema.MAX_REAL_NAME_LENGTH,
        _("Encrypted at once to a key this server does not have; never published."))
    birth_year = forms.IntegerField(
        label=_("Year of birth (optional, sealed)"), required=False,
        min_value=schema.FIRST_BIRTH_YEAR,
    )


PersonFormSet = forms.formset_factory(
    PersonForm, extra=0, min_num=1, max_num=schema.MAX_PERSONS,
    absolute_max=schema.MAX_PERSONS,
)


class StatementForm(forms.Form):
    statement_title = _text(_("Statement title (optional)"), schema.MAX_TITLE_LENGTH)
    statement_text = _text(
        _("Statement (optional)"), schema.MAX_STATEMENT_LENGTH,
        _("Published after a moderator has read it. At most 5,000 characters."), rows=6)
    contact = _text(
        _("A way to reach the declarant (optional, sealed)"), schema.MAX_CONTACT_LENGTH,
        _("An e-mail address or phone number, for a helper who may need to follow up. "
          "Encrypted at once; the server cannot read it back."))
    notes = _text(_("Private notes (optional, sealed)"), schema.MAX_NOTES_LENGTH, rows=2)


class HelperSubmissionForm(StatementForm):
    channel = forms.ChoiceField(
        label=_("How did this person reach you?"),
        choices=[(c.value, c.label) for c in HELPER_CHANNELS],
    )
    consent = forms.BooleanField(
        label=_("This person asked me to submit this declaration for them."),
    )


class ReceiptLookupForm(forms.Form):
    code = forms.CharField(
        label=_("Receipt code"), max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                      "spellcheck": "false"}),
    )
ReceiptLookupForm.not_found_message = _(
    "No declaration has this receipt code. Check it and try again."
)
