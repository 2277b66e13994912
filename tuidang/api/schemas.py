"""The API's JSON shapes.

Input models check JSON types only (strictly: no "5" for 5, no 1 for true). Every rule on
the values (lengths, choices, plain text, consent, …) is the web forms' own, applied per
item by tuidang.registry.submission; the limits and choices shown in the OpenAPI document
are read from those forms, not restated here.
"""

import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WrapValidator
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from tuidang.registry.choices import HELPER_CHANNELS, ORGANIZATIONS, Channel, Region, Sector
from tuidang.registry.forms import HelperSubmissionForm, PersonForm
from tuidang.registry.models import Status
from tuidang.registry.submission import max_persons

MAX_BATCH = 1000
MAX_CLIENT_REF = 64
MAX_SERIAL = 2**63 - 1
PUBLIC_STATUSES = (*Status.values, "published")


def _valid_unicode(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("unicode", "not valid Unicode text") from None
    return value


Text = Annotated[str, AfterValidator(_valid_unicode)]


def _length(form_class, name: str, **extra: Any) -> dict:
    form_field = form_class.base_fields[name]
    limits = {"maxLength": form_field.max_length}
    if getattr(form_field, "min_length", None):
        limits["minLength"] = form_field.min_length
    return {**limits, **extra}


def _choices(values, blank: bool = True) -> dict:
    return {"enum": ([""] if blank else []) + [str(v) for v in values]}


def _countries() -> list[str]:
    return [code for code, _ in PersonForm().fields["country"].choices if code]


def _birth_year() -> dict:
    form_field = PersonForm.base_fields["birth_year"]
    return {"minimum": form_field.min_value, "maximum": form_field.max_value}


STRICT = ConfigDict(extra="forbid", strict=True)


class PersonIn(BaseModel):
    model_config = ConfigDict(STRICT, title="Person")

    display_name: Text = Field(
        description="The name shown publicly: real name, alias (化名) or childhood name. "
                    "Plain text in NFC, no control characters.",
        json_schema_extra=_length(PersonForm, "display_name"),
    )
    is_real_name: bool = False
    organizations: list[Text] = Field(
        description="The organizations this person quits, at least one.",
        json_schema_extra={"minItems": 1, "items": {"type": "string", "enum": ORGANIZATIONS}},
    )
    region: Text = Field("", json_schema_extra=_choices(Region.values))
    country: Text = Field(
        "", description="ISO 3166 code, only (and required) with region 'overseas'.",
        json_schema_extra=_choices(_countries()),
    )
    sector: Text = Field("", json_schema_extra=_choices(Sector.values))
    private_real_name: Text = Field(
        "", description="Sealed at once to a key the server does not hold.",
        json_schema_extra=_length(PersonForm, "private_real_name"),
    )
    birth_year: int | None = Field(
        None, description="Sealed, never stored in clear.", json_schema_extra=_birth_year()
    )


class DeclarationIn(BaseModel):
    model_config = ConfigDict(STRICT, title="DeclarationIn")

    persons: list[PersonIn] = Field(json_schema_extra={"minItems": 1, "maxItems": max_persons()})
    channel: Text = Field(
        description="How the person reached the helper.",
        json_schema_extra=_choices([c.value for c in HELPER_CHANNELS], blank=False),
    )
    consent: bool = Field(
        description="Must be true: the person asked the helper to submit this declaration.",
        json_schema_extra={"enum": [True]},
    )
    statement_title: Text = Field("", json_schema_extra=_length(HelperSubmissionForm,
                                                                "statement_title"))
    statement_text: Text = Field("", json_schema_extra=_length(HelperSubmissionForm,
                                                               "statement_text"))
    contact: Text = Field("", description="Sealed.",
                          json_schema_extra=_length(HelperSubmissionForm, "contact"))
    notes: Text = Field("", description="Sealed.",
                        json_schema_extra=_length(HelperSubmissionForm, "notes"))
    client_ref: Text | None = Field(
        None, description="Your own reference for this item, echoed back in its result.",
        json_schema_extra={"maxLength": MAX_CLIENT_REF},
    )


class InvalidItem:
    """An item whose JSON types are wrong: kept with its errors, reported by position."""

    def __init__(self, raw: Any, errors: list[dict]) -> None:
        self.raw = raw
        self.errors = errors


def _keep_type_errors(value: Any, handler) -> Any:
    try:
        return handler(value)
    except PydanticValidationError as exc:
        return InvalidItem(value, exc.errors(include_url=False, include_input=False))


Item = Annotated[DeclarationIn, WrapValidator(_keep_type_errors)]


class BatchIn(BaseModel):
    model_config = ConfigDict(STRICT, title="DeclarationBatch")

    declarations: list[Item] = Field(min_length=1, max_length=MAX_BATCH)
    atomic: bool = Field(
        False, description="true: store all or none; false: store each good item."
    )


class FieldErrorOut(BaseModel):
    path: str = Field(description="Where: declarations[3].persons[0].display_name")
    message: str = Field(description="What, in the language of Accept-Language.")


class ErrorOut(BaseModel):
    detail: str
    errors: list[FieldErrorOut] = []


class ItemAccepted(BaseModel):
    index: int
    ok: Literal[True]
    serial: int
    receipt_code: str = Field(description="Give it to the declarant; it is shown only once.")
    status: Literal[PUBLIC_STATUSES]  # type: ignore[valid-type]
    client_ref: str | None = None


class ItemRejected(BaseModel):
    index: int
    ok: Literal[False]
    errors: list[FieldErrorOut]
    client_ref: str | None = None


class BatchOut(BaseModel):
    accepted: int
    rejected: int
    results: list[ItemAccepted | ItemRejected]


class PersonOut(BaseModel):
    display_name: str
    organizations: list[Literal[ORGANIZATIONS]]  # type: ignore[valid-type]


class DeclarationOut(BaseModel):
    serial: int
    date: datetime.date = Field(description="Received on (China Standard Time); no time.")
    channel: Literal[tuple(Channel.values)]  # type: ignore[valid-type]
    status: Literal[PUBLIC_STATUSES]  # type: ignore[valid-type]
    persons: list[PersonOut]
    log_index: int | None


class DeclarationPage(BaseModel):
    declarations: list[DeclarationOut]
    next_before: int | None = Field(description="Pass as ?before= for the next (older) page.")


class PageQuery(BaseModel):
    before: int | None = Field(None, ge=1, le=MAX_SERIAL,
                               description="Only serials below this one.")
    limit: int = Field(50, ge=1, le=200)
