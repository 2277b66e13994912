"""A helper's declaration given as plain data (an API item, an imported line), validated
by the very forms the web pages use, so that the channels can never disagree.

`validate_helper_submission(data)` takes a mapping shaped like the API's item (persons as
a list of mappings, the declaration fields beside them) and returns either the values for
`actions.submit_declaration` or the errors, each with a path relative to the item:
`("persons", 0, "display_name")`, `("channel",)`, or `()` for the declaration as a whole.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tuidang.registry.actions import PersonData
from tuidang.registry.declaring import PREFIX, SUBMISSION_FIELDS
from tuidang.registry.forms import HelperSubmissionForm, PersonForm, PersonFormSet

PERSON_FIELDS = tuple(PersonForm.base_fields)
DECLARATION_FIELDS = tuple(HelperSubmissionForm.base_fields)

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class FieldError:
    path: Path
    message: str


@dataclass
class Validated:
    persons: list[PersonData] = field(default_factory=list)
    # The SUBMISSION_FIELDS (statement_title, statement_text, contact, notes, channel).
    fields: dict = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def max_persons() -> int:
    return PersonFormSet.max_num


def _form_errors(form, prefix: Path) -> list[FieldError]:
    found = []
    for name, messages in form.errors.items():
        path = prefix if name == NON_FIELD_ERRORS else (*prefix, name)
        found.extend(FieldError(path, str(message)) for message in messages)
    return found


def _formset_data(persons: Sequence[Mapping]) -> dict:
    data = {f"{PREFIX}-TOTAL_FORMS": str(len(persons)), f"{PREFIX}-INITIAL_FORMS": "0"}
    for index, person in enumerate(persons):
        for name in PERSON_FIELDS:
            if name in person and person[name] is not None:
                data[f"{PREFIX}-{index}-{name}"] = person[name]
    return data


def validate_helper_submission(data: Mapping) -> Validated:
    """Check one declaration with HelperSubmissionForm and the persons' formset."""
    result = Validated()
    form = HelperSubmissionForm(
        {name: data[name] for name in DECLARATION_FIELDS if data.get(name) is not None}
    )
    if not form.is_valid():
        result.errors.extend(_form_errors(form, ()))
    persons = list(data.get("persons") or ())
    limit = max_persons()
    if not persons:
        result.errors.append(FieldError(("persons",), _("Add at least one person.")))
    elif len(persons) > limit:
        result.errors.append(FieldError(("persons",), ngettext(
            "A declaration covers at most %(limit)s person.",
            "A declaration covers at most %(limit)s persons.",
            limit,
        ) % {"limit": limit}))
    else:
        # An API item has no blank rows to skip: every person given must be filled in.
        formset = PersonFormSet(
            _formset_data(persons), prefix=PREFIX, form_kwargs={"empty_permitted": False}
        )
        if formset.is_valid():
            result.persons = [PersonData.from_form(f.cleaned_data) for f in formset.forms]
        else:
            for index, person_form in enumerate(formset.forms):
                result.errors.extend(_form_errors(person_form, ("persons", index)))
            result.errors.extend(
                FieldError(("persons",), str(message)) for message in formset.non_form_errors()
            )
    if result.ok:
        result.fields = {k: form.cleaned_data[k] for k in SUBMISSION_FIELDS
                         if k in form.cleaned_data}
    return result
