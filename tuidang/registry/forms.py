"""The declaration form: a formset of persons plus an optional statement.

It works without JavaScript: "add a person" is a submit button that renders the
form again with one more row (see views.declare).
"""

import functools
import unicodedata

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from tuidang.registry import dates
from tuidang.registry.choices import HELPER_CHANNELS, Organization, Region, Sector
from tuidang.registry.identity import normalize_name


def validate_plain_text(value: str) -> None:
    """No control, format, private-use or unassigned characters, and no line breaks."""
    if any(unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in ("Zl", "Zp")
           for ch in value):
        raise ValidationError(_("Use letters, digits and punctuation only."), code="control")


class NameField(forms.CharField):
    """Text in Unicode normal form C: one spelling per name, as the log entry requires."""

    def to_python(self, value):
        value = super().to_python(value)
        return unicodedata.normalize("NFC", value).strip() if value else value


def _blank(label: str) -> list[tuple[str, str]]:
    return [("", label)]


class FixedChoicesMixin:
    """Choices fixed when the form class is defined, shared by every form instead of
    deep-copied for each one (copying their translatable labels cost more than
    validating the whole form). Nothing changes these choices after definition."""

    def __deepcopy__(self, memo):
        result = forms.Field.__deepcopy__(self, memo)
        result._choices = self._choices
        return result


class FixedChoiceField(FixedChoicesMixin, forms.ChoiceField):
    pass


class FixedMultipleChoiceField(FixedChoicesMixin, forms.MultipleChoiceField):
    pass


# Places inside China are chosen as regions, not as countries.
NOT_OVERSEAS = frozenset({"CN", "HK", "MO", "TW"})


@functools.cache
def _countries_in(language: str | None) -> tuple[tuple[str, str], ...]:
    return tuple((code, str(name)) for code, name in countries if code not in NOT_OVERSEAS)


def _country_choices() -> list[tuple[str, str]]:
    return _blank(_("Not given")) + list(_countries_in(get_language()))


@functools.cache
def _country_codes() -> frozenset[str]:
    return frozenset(code for code, _name in countries if code not in NOT_OVERSEAS)


class CountryField(forms.ChoiceField):
    """Checks a code against a set: the list of names is built only to show the form
    (building it for every posted person cost more than the rest of the validation)."""

    def valid_value(self, value: str) -> bool:
        return value in _country_codes()


class PersonForm(forms.Form):
    display_name = NameField(
        label=_("Name to display"), min_length=1, max_length=40,
        help_text=_("A real name, an alias (化名) or a childhood name: all are equally valid."),
        validators=[validate_plain_text],
        error_messages={"required": _("Enter a name to display, an alias is fine.")},
    )
    is_real_name = forms.BooleanField(label=_("This is the person's real name"), required=False)
    organizations = FixedMultipleChoiceField(
        label=_("Organizations quit"), choices=Organization.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one organization.")},
    )
    region = FixedChoiceField(
        label=_("Region (optional)"), required=False,
        choices=_blank(_("Not given")) + list(Region.choices),
    )
    country = CountryField(label=_("Country, if overseas"), required=False, choices=[])
    sector = FixedChoiceField(
        label=_("Sector (optional)"), required=False,
        choices=_blank(_("Not given")) + list(Sector.choices),
    )
    private_real_name = NameField(
        label=_("Real name behind the alias (optional, sealed)"), required=False,
        max_length=60, validators=[validate_plain_text],
        help_text=_("Encrypted at once to a key this server does not have; never published."),
    )
    birth_year = forms.IntegerField(
        label=_("Year of birth (optional, sealed)"), required=False, min_value=1900,
        max_value=2100,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A callable: the names are looked up only when the form is shown, in the
        # language active then.
        self.fields["country"].choices = _country_choices

    def clean_birth_year(self) -> int | None:
        year = self.cleaned_data.get("birth_year")
        if year is not None and year > dates.today().year:
            raise ValidationError(_("A year of birth cannot be in the future."))
        return year

    def clean(self) -> dict:
        data = super().clean()
        region, country = data.get("region"), data.get("country")
        if region == Region.OVERSEAS and not country:
            self.add_error("country", _("Choose the country for a person overseas."))
        if country and region != Region.OVERSEAS:
            self.add_error("country", _("A country is given only with the region Overseas."))
        return data


class BasePersonFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        names = [
            normalize_name(f.cleaned_data["display_name"]) for f in self.forms if f.cleaned_data
        ]
        if len(names) != len(set(names)):
            raise ValidationError(_("Each person appears only once in a declaration."))


PersonFormSet = forms.formset_factory(
    PersonForm, formset=BasePersonFormSet, extra=0, min_num=1, validate_min=True,
    max_num=settings.MAX_PERSONS_PER_DECLARATION, validate_max=True,
    absolute_max=settings.MAX_PERSONS_PER_DECLARATION,
)


class StatementForm(forms.Form):
    statement_title = forms.CharField(
        label=_("Statement title (optional)"), required=False, max_length=200,
        validators=[validate_plain_text],
    )
    statement_text = forms.CharField(
        label=_("Statement (optional)"), required=False,
        max_length=settings.MAX_STATEMENT_LENGTH, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Published after a moderator has read it. At most 5,000 characters."),
    )

    contact = forms.CharField(
        label=_("A way to reach the declarant (optional, sealed)"), required=False,
        max_length=100, validators=[validate_plain_text],
        help_text=_("An e-mail address or phone number, for a helper who may need to follow up. "
                    "Encrypted at once; the server cannot read it back."),
    )
    notes = forms.CharField(
        label=_("Private notes (optional, sealed)"), required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("statement_title") and not data.get("statement_text"):
            self.add_error("statement_text", _("A title needs a statement text."))
        return data


class HelperSubmissionForm(StatementForm):
    channel = forms.ChoiceField(
        label=_("How did this person reach you?"),
        choices=[(c.value, c.label) for c in HELPER_CHANNELS],
    )
    consent = forms.BooleanField(
        label=_("This person asked me to submit this declaration for them."),
        error_messages={"required": _("Submit only for people who asked you to.")},
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
