"""The API's JSON shapes.

A declaration item is the one schema's ApiDeclaration (registry/schema.py): its types
and every rule on its values are checked there, and the OpenAPI document shows them from
there. An item that fails is kept with its errors (InvalidItem) so that a batch reports
each bad item by position and stores the good ones.
"""

import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WrapValidator
from pydantic import ValidationError as PydanticValidationError

from tuidang.registry.choices import ORGANIZATIONS, Channel
from tuidang.registry.models import Status
from tuidang.registry.schema import STRICT, ApiDeclaration

MAX_BATCH = 1000
MAX_SERIAL = 2**63 - 1
PUBLIC_STATUSES = (*Status.values, "published")


class InvalidItem:
    """An item the schema refused: kept with its errors, reported by position."""

    def __init__(self, raw: Any, errors: list[dict]) -> None:
        self.raw = raw
        self.errors = errors


def _keep_errors(value: Any, handler) -> Any:
    try:
        return handler(value)
    except PydanticValidationError as exc:
        return InvalidItem(value, exc.errors(include_url=False))


Item = Annotated[ApiDeclaration, WrapValidator(_keep_errors)]


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
