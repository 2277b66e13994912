"""The one definition of a valid declaration.

Every channel — the declare form, the helper form, the API and its express lane, the
declare form's express lane, CSV and JSON Lines imports — validates with these models and
nothing else. A rule is written here once; its limits come from the log format
(`tuidang.tlog.fields`) where the log has one. Django forms only render (labels, widgets,
help); the API's OpenAPI document is generated from these models.

Input is typed data (JSON types, strictly: no "5" for 5, no 1 for true). Channels that
read text (the HTML form, CSV) turn their text into those types with `form_bool` and
`text_year` first, and nothing else.

`validate(model, data)` answers a `Checked`: the values for intake (`DeclarationData`) or
the errors, each with its path (`("persons", 0, "display_name")`) and a message in the
active language. Adding a rule means adding it here and a row to the table of bad inputs
in tests/test_one_schema.py, which runs every row through all six channels.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django_countries import countries
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from tuidang.registry import dates
from tuidang.registry.choices import HELPER_CHANNELS, ORGANIZATIONS, Region, Sector
from tuidang.registry.identity import normalize_name
from tuidang.registry.schema_messages import message
from tuidang.tlog.fields import MAX_NAME_LENGTH, MAX_PERSONS, is_plain_text

MAX_REAL_NAME_LENGTH = 60
MAX_TITLE_LENGTH = 200
MAX_STATEMENT_LENGTH = 5000
MAX_CONTACT_LENGTH = 100
MAX_NOTES_LENGTH = 1000
MAX_REF_LENGTH = 100  # an import line's ref
MAX_CLIENT_REF_LENGTH = 64  # an API item's client_ref
FIRST_BIRTH_YEAR = 1900
# Places inside China are chosen as regions, not as countries.
NOT_OVERSEAS = frozenset({"CN", "HK", "MO", "TW"})
# Letters that show nothing: a name of these alone is as blank as a name of spaces.
INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


@cache
def country_codes() -> tuple[str, ...]:
    return tuple(code for code, _name in countries if code not in NOT_OVERSEAS)


# -- single values ----------------------------------------------------------------------

def _fail(code: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError(code, code, context)


def _text(value: str, max_length: int, plain: bool) -> str:
    text = value.strip()
    if len(text) > max_length:
        raise _fail("text_too_long", max_length=max_length, length=len(text))
    if plain:
        if not is_plain_text(text):
            raise _fail("not_plain")
    elif "\x00" in text:
        raise _fail("not_plain")
    elif not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError:  # a lone surrogate, from JSON's "\ud800"
            raise _fail("not_unicode") from None
    return text


def _name_text(value: str, max_length: int) -> str:
    """A name in Unicode normal form C, one spelling per name as the log requires."""
    text = value.strip()
    if not text.isascii():
        text = unicodedata.normalize("NFC", text).strip()
    if len(text) > max_length:
        raise _fail("text_too_long", max_length=max_length, length=len(text))
    if not is_plain_text(text):
        raise _fail("not_plain")
    if text and not any(ch.isalnum() and ch not in INVISIBLE_LETTERS for ch in text):
        raise _fail("name_invisible")
    return text


def _display_name(value: str) -> str:
    text = _name_text(value, MAX_NAME_LENGTH)
    if not text:
        raise _fail("name_blank")
    return text


def _organizations(value: list[str]) -> tuple[str, ...]:
    if not value:
        raise _fail("organizations_none")
    return tuple(o for o in ORGANIZATIONS if o in value)


def _birth_year(value: int | None) -> int | None:
    if value is not None:
        if value < FIRST_BIRTH_YEAR:
            raise _fail("year_too_early", limit=FIRST_BIRTH_YEAR)
        if value > dates.today().year:
            raise _fail("year_future")
    return value


def _length_schema(max_length: int, min_length: int = 0) -> dict:
    return {"maxLength": max_length, **({"minLength": min_length} if min_length else {})}


def Text(max_length: int, *, plain: bool = True, description: str = "") -> Any:
    """Text stripped of surrounding spaces, at most `max_length` characters; `plain`:
    letters, digits, punctuation and spaces only (no line break, no control character)."""
    return Annotated[str, AfterValidator(lambda v: _text(v, max_length, plain)),
                     Field(json_schema_extra=_length_schema(max_length),
                           description=description or None)]


DisplayName = Annotated[str, AfterValidator(_display_name), Field(
    description="The name shown publicly: real name, alias (化名) or childhood name. "
                "Plain text, stored in Unicode NFC.",
    json_schema_extra=_length_schema(MAX_NAME_LENGTH, 1))]
RealName = Annotated[str, AfterValidator(lambda v: _name_text(v, MAX_REAL_NAME_LENGTH)), Field(
    description="Sealed at once to a key the server does not hold.",
    json_schema_extra=_length_schema(MAX_REAL_NAME_LENGTH))]
Organizations = Annotated[list[Literal[ORGANIZATIONS]], AfterValidator(_organizations), Field(
    description="The organizations this person quits, at least one.",
    json_schema_extra={"minItems": 1})]
BirthYear = Annotated[int | None, AfterValidator(_birth_year), Field(
    description="Sealed, never stored in clear.",
    json_schema_extra={"minimum": FIRST_BIRTH_YEAR})]

STRICT = ConfigDict(strict=True, extra="forbid")


# -- a person and a declaration ---------------------------------------------------------

class Person(BaseModel):
    model_config = ConfigDict(STRICT, title="Person")

    display_name: DisplayName
    is_real_name: bool = False
    organizations: Organizations
    region: Literal["", *Region.values] = ""  # type: ignore[valid-type]
    # A country is given with the region "overseas", and only then.
    country: Literal["", *country_codes()] = Field(  # type: ignore[valid-type]
        "", validate_default=True,
        description="ISO 3166 code, only (and required) with region 'overseas'.")
    sector: Literal["", *Sector.values] = ""  # type: ignore[valid-type]
    private_real_name: RealName = ""
    birth_year: BirthYear = None

    @field_validator("country")
    @classmethod
    def _country_with_overseas(cls, country: str, info: ValidationInfo) -> str:
        region = info.data.get("region")
        if region is None:  # the region was refused already
            return country
        if region == Region.OVERSEAS and not country:
            raise _fail("country_missing")
        if country and region != Region.OVERSEAS:
            raise _fail("country_not_overseas")
        return country


def _distinct_persons(persons: list[Person]) -> list[Person]:
    if len(persons) > 1:
        names = [normalize_name(p.display_name) for p in persons]
        if len(set(names)) != len(names):
            raise _fail("persons_repeated")
    return persons


Persons = Annotated[list[Person], AfterValidator(_distinct_persons),
                    Field(min_length=1, max_length=MAX_PERSONS)]


class Declaration(BaseModel):
    """A declarant's own declaration (the declare form and its express lane)."""

    model_config = ConfigDict(STRICT, title="Declaration")

    persons: Persons
    statement_title: Text(MAX_TITLE_LENGTH) = ""  # type: ignore[valid-type]
    statement_text: Text(  # type: ignore[valid-type]
        MAX_STATEMENT_LENGTH, plain=False,
        description="Published after a moderator has read it.") = Field("", validate_default=True)
    contact: Text(MAX_CONTACT_LENGTH, description="Sealed.") = ""  # type: ignore[valid-type]
    notes: Text(MAX_NOTES_LENGTH, plain=False, description="Sealed.") = ""  # type: ignore[valid-type]

    @field_validator("statement_text")
    @classmethod
    def _text_with_title(cls, text: str, info: ValidationInfo) -> str:
        if info.data.get("statement_title") and not text:
            raise _fail("title_without_text")
        return text


class HelperDeclaration(Declaration):
    """A helper's declaration for someone who asked (the helper form, imports)."""

    model_config = ConfigDict(STRICT, title="HelperDeclaration")

    channel: Literal[tuple(c.value for c in HELPER_CHANNELS)] = Field(  # type: ignore[valid-type]
        description="How the person reached the helper.")
    consent: Literal[True] = Field(
        description="Must be true: the person asked the helper to submit this declaration.")


ClientRef = Annotated[str, AfterValidator(lambda v: _text(v, MAX_CLIENT_REF_LENGTH, True)),
                      Field(json_schema_extra=_length_schema(MAX_CLIENT_REF_LENGTH))]


class ApiDeclaration(HelperDeclaration):
    """One item of an API batch."""

    model_config = ConfigDict(STRICT, title="DeclarationIn")

    client_ref: ClientRef | None = Field(
        None, description="Your own reference for this item, echoed back in its result.")


PERSON_FIELDS = tuple(Person.model_fields)
STATEMENT_FIELDS = tuple(f for f in Declaration.model_fields if f != "persons")


# -- what channels get back -------------------------------------------------------------

@dataclass(frozen=True)
class PersonData:
    """A person as intake stores it (made by `validate`, or by trusted code and tests)."""

    display_name: str
    organizations: tuple[str, ...]
    is_real_name: bool = False
    region: str = ""
    country: str = ""
    sector: str = ""
    private_real_name: str = ""  # sealed, never stored in clear
    birth_year: int | None = None  # sealed, never stored in clear


@dataclass(frozen=True)
class DeclarationData:
    """A declaration as intake stores it."""

    persons: list[PersonData]
    statement_title: str = ""
    statement_text: str = ""
    contact: str = ""
    notes: str = ""
    import_key: bytes | None = None
    intake_hold: str = ""


Path = tuple[str | int, ...]


@dataclass(frozen=True)
class FieldError:
    path: Path  # ("persons", 0, "display_name"), ("channel",), () for the whole
    message: str


@dataclass
class Checked:
    data: DeclarationData | None = None
    channel: str = ""  # a helper declaration's channel
    errors: list[FieldError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def data_of(declaration: Declaration) -> DeclarationData:
    return DeclarationData(
        [PersonData(p.display_name, p.organizations, p.is_real_name, p.region, p.country,
                    p.sector, p.private_real_name, p.birth_year)
         for p in declaration.persons],
        statement_title=declaration.statement_title,
        statement_text=declaration.statement_text,
        contact=declaration.contact, notes=declaration.notes)


def validate(model: type[Declaration], data: Any) -> Checked:
    """Check `data` (a mapping of JSON types) against `model`."""
    try:
        declaration = model.model_validate(data)
    except ValidationError as exc:
        return Checked(errors=errors_of(exc))
    # (getattr with a default would take pydantic's slow path for a missing attribute)
    channel = declaration.channel if isinstance(declaration, HelperDeclaration) else ""
    return Checked(data_of(declaration), channel)


def check(model: type[Declaration], data: Any) -> tuple[DeclarationData | None, list[dict]]:
    """As `validate`, with the errors as plain data to be worded later (`message`):
    for worker processes, which have no language active."""
    try:
        return data_of(model.model_validate(data)), []
    except ValidationError as exc:
        return None, [{"type": e["type"], "loc": field_path(e["loc"]), "ctx": _plain_ctx(e),
                       "input": str(e.get("input", ""))[:40] if e["type"] == "literal_error"
                       else ""} for e in exc.errors(include_url=False)]


def _plain_ctx(error: Mapping) -> dict:
    return {k: v for k, v in (error.get("ctx") or {}).items()
            if isinstance(v, str | int | float | bool)}


def field_path(loc: tuple) -> Path:
    """The field an error is about, the same in every channel: ("persons", 2,
    "organizations") for the third item of a person's organizations, ("notes",)."""
    if loc[:1] == ("persons",) and len(loc) > 1 and isinstance(loc[1], int):
        return tuple(loc[:3])
    return tuple(loc[:1])


def errors_of(exc: ValidationError) -> list[FieldError]:
    return [FieldError(field_path(tuple(e["loc"])), message(e))
            for e in exc.errors(include_url=False)]


def ref_errors(value: str, max_length: int = MAX_REF_LENGTH) -> list[str]:
    """What is wrong with an import line's ref or an API item's client_ref, worded."""
    try:
        _text(value, max_length, True)
    except PydanticCustomError as exc:
        return [message({"type": exc.type, "ctx": exc.context or {}})]
    return []


# -- text from forms and spreadsheets ---------------------------------------------------

def form_bool(value: str | None) -> bool:
    """A checkbox or yes/no cell: absent or empty is False, as a browser sends it."""
    return bool(value) and value.strip().lower() not in ("0", "false", "off", "no")


def text_year(value: str | None) -> int | str | None:
    """A year typed as text: blank is None, ASCII digits a number; anything else stays
    text, which the schema refuses as not a whole number."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else value


def validate_plain_text(value: str) -> None:
    """The plain-text rule as a Django validator, for the few forms outside a declaration
    (a contest, a token's name) that follow it."""
    if not is_plain_text(value):
        raise DjangoValidationError(message({"type": "not_plain"}), code="control")
