"""The one intake service: every channel hands it declarations the schema validated.

`receive` takes one declaration, `receive_many` a batch; both store durably before they
answer, sharing group commits with concurrent requests (intake/groupcommit.py), and
return the receipt codes. The web forms, both express lanes, the API and the helpers'
pages call these and nothing below them. Imports, which prepare their rows in worker
processes, use the same two steps separately: `bulk.prepare`, then `actions.store_prepared`.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from tuidang.intake import actions, bulk, groupcommit
from tuidang.intake.actions import Submitted
from tuidang.registry.schema import DeclarationData


class NotStored(ValueError):
    """A batch given with atomic=True was refused whole because of the item at `index`
    (one the public log cannot hold); nothing was stored."""

    def __init__(self, index: int, error: BaseException) -> None:
        super().__init__(f"declaration {index}: {error}")
        self.index, self.error = index, error


def _held(data: DeclarationData, hold: str) -> DeclarationData:
    if not hold or data.intake_hold:
        return data
    return DeclarationData(data.persons, data.statement_title, data.statement_text,
                           data.contact, data.notes, data.import_key, hold)


def receive(data: DeclarationData, *, channel: str, helper: AbstractBaseUser | None = None,
            hold: str = "") -> Submitted:
    """Store one validated declaration durably; `hold` (the abuse gate's or the surge
    switch's reason) makes screening hold it for a moderator. Raises ValueError (tlog's
    EntryError) if the public log could not hold it, with nothing stored."""
    return groupcommit.submit(_held(data, hold), channel=channel, helper=helper)


def receive_many(items: list[DeclarationData], *, channel: str,
                 helper: AbstractBaseUser | None = None, hold: str = "",
                 atomic: bool = False) -> list[Submitted | BaseException]:
    """Store many validated declarations: each good one (an error in the place of each
    that cannot be stored), or with `atomic` all of them or none (NotStored)."""
    items = [_held(item, hold) for item in items]
    if not atomic:
        return groupcommit.submit_many(items, channel=channel, helper=helper)
    intake = bulk.Intake.now(channel, helper)
    prepared = []
    for index, item in enumerate(items):
        try:
            prepared.extend(bulk.prepare([item], intake))
        except ValueError as exc:
            raise NotStored(index, exc) from None
    with transaction.atomic():
        return actions.store_prepared(prepared, helper)
