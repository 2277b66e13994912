"""A fast twin of the web form's rules, for imports: it may accept, never refuse.

Running PersonForm, the formset and StatementForm costs about a hundred microseconds a
person, more than everything else an import does. `quick_check` applies the same rules
to plain data in a few microseconds, but only decides the common case: a declaration it
is sure the forms accept, with the very values the forms would clean. For anything else
(an error, or an input it does not try to judge, such as a year of birth written
"1975.0") it answers None, and the caller asks the forms themselves, which also word the
errors. So the forms stay the one definition of the rules; tests/test_import_rules.py
checks the twin against them on edge cases and random inputs.

`Rules` holds what the forms allow (lengths, choices, limits), read from the forms once,
as plain values that can be sent to the worker processes of an import.
"""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from django_countries import countries

from tuidang.registry import dates
from tuidang.registry.actions import PersonData
from tuidang.registry.choices import ORGANIZATIONS, Region
from tuidang.registry.forms import PersonForm, StatementForm
from tuidang.registry.identity import normalize_name
from tuidang.registry.submission import max_persons

STATEMENT_FIELDS = ("statement_title", "statement_text", "contact", "notes")
_PLAIN_STATEMENT_FIELDS = ("statement_title", "contact")  # with validate_plain_text
_YEAR = re.compile(r"[0-9]{4}")


@dataclass(frozen=True)
class Rules:
    max_persons: int
    name_length: int
    real_name_length: int
    organizations: frozenset[str]
    regions: frozenset[str]
    countries: frozenset[str]
    sectors: frozenset[str]
    first_year: int
    last_year: int  # the form's maximum; the current year limits it further
    lengths: dict[str, int]  # statement fields

    @classmethod
    def from_forms(cls) -> "Rules":
        person, statement = PersonForm(), StatementForm()
        fields = person.fields

        def choices(name: str, candidates) -> frozenset[str]:
            field = fields[name]
            return frozenset(c for c in candidates if c and field.valid_value(c))

        codes = [code for code, _name in countries] + ["CN", "HK", "MO", "TW"]
        return cls(
            max_persons=max_persons(),
            name_length=fields["display_name"].max_length,
            real_name_length=fields["private_real_name"].max_length,
            organizations=choices("organizations", [k for k, _v in fields["organizations"]
                                                    .choices]),
            regions=choices("region", [k for k, _v in fields["region"].choices]),
            countries=choices("country", codes),
            sectors=choices("sector", [k for k, _v in fields["sector"].choices]),
            first_year=fields["birth_year"].min_value,
            last_year=fields["birth_year"].max_value,
            lengths={name: statement.fields[name].max_length for name in STATEMENT_FIELDS},
        )


def _plain(text: str) -> bool:
    """validate_plain_text's rule. str.isprintable is False for every category C* and Z*
    character except the ASCII space, so a printable text passes at once."""
    if text.isprintable():
        return True
    return not any(unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in
                   ("Zl", "Zp") for ch in text)


def _name(value, length: int) -> str | None:
    """NameField.clean for a given value, or None if the value is not surely valid."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text:
        text = unicodedata.normalize("NFC", text).strip()
    if not text or len(text) > length or not _plain(text):
        return None
    return text


def _person(data: Mapping, rules: Rules, year: int) -> PersonData | None:
    name = _name(data.get("display_name"), rules.name_length)
    organizations = data.get("organizations")
    if name is None or not isinstance(organizations, list) or not organizations:
        return None
    if not all(isinstance(o, str) and o in rules.organizations for o in organizations):
        return None
    real = data.get("is_real_name")
    if real not in (None, True, False):
        return None
    region, country, sector = (data.get(k) for k in ("region", "country", "sector"))
    region, country, sector = ("" if v is None else v for v in (region, country, sector))
    if not (isinstance(region, str) and isinstance(country, str) and isinstance(sector, str)):
        return None
    if (region and region not in rules.regions) or (sector and sector not in rules.sectors):
        return None
    if country and country not in rules.countries:
        return None
    if (region == Region.OVERSEAS) != bool(country):
        return None
    real_name = data.get("private_real_name")
    if real_name is None or (isinstance(real_name, str) and not real_name.strip()):
        real_name = ""
    else:
        real_name = _name(real_name, rules.real_name_length)
        if real_name is None:
            return None
    birth_year = data.get("birth_year")
    if birth_year == "":
        birth_year = None
    elif birth_year is not None:
        if isinstance(birth_year, str) and _YEAR.fullmatch(birth_year):
            birth_year = int(birth_year)
        elif type(birth_year) is not int:
            return None
        if not rules.first_year <= birth_year <= min(rules.last_year, year):
            return None
    return PersonData(
        display_name=name,
        organizations=tuple(o for o in ORGANIZATIONS if o in organizations),
        is_real_name=bool(real),
        region=region,
        country=country,
        sector=sector,
        private_real_name=real_name,
        birth_year=birth_year,
    )


def quick_check(data: Mapping, rules: Rules, year: int | None = None
                ) -> tuple[list[PersonData], dict[str, str], list[str]] | None:
    """(persons, statement fields, normalized names) if the forms surely accept `data`
    (an API-shaped item) with these values; None if only the forms can tell."""
    year = dates.today().year if year is None else year
    persons_data = data.get("persons")
    if not isinstance(persons_data, list) or not 1 <= len(persons_data) <= rules.max_persons:
        return None
    persons = []
    for item in persons_data:
        if not isinstance(item, Mapping):
            return None
        person = _person(item, rules, year)
        if person is None:
            return None
        persons.append(person)
    names = [normalize_name(p.display_name) for p in persons]
    if len(set(names)) != len(names):
        return None
    fields = {}
    for key in STATEMENT_FIELDS:
        value = data.get(key)
        if value is None:
            value = ""
        elif not isinstance(value, str) or "\x00" in value:
            return None
        value = value.strip()
        if len(value) > rules.lengths[key]:
            return None
        if key in _PLAIN_STATEMENT_FIELDS and not _plain(value):
            return None
        fields[key] = value
    if fields["statement_title"] and not fields["statement_text"]:
        return None
    return persons, fields, names
