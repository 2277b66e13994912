"""Storing validated declarations, each call in one transaction: intake's state changes.

The channels do not call these directly but intake.service, which adds group commit.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from tuidang.intake import bulk
from tuidang.registry.choices import Channel
from tuidang.registry.models import Declaration
from tuidang.registry.schema import DeclarationData, PersonData


@dataclass(frozen=True)
class Submitted:
    declaration: Declaration
    receipt_code: str


class AlreadyImported(Exception):
    """A declaration with this import key exists: the line was imported before."""


def submit_declaration(
    persons: list[PersonData],
    *,
    channel: str = Channel.SELF,
    helper: AbstractBaseUser | None = None,
    statement_title: str = "",
    statement_text: str = "",
    intake_hold: str = "",
    contact: str = "",
    notes: str = "",
    import_key: bytes | None = None,
) -> Submitted:
    """Store a validated declaration as `received`; the sequencer screens and counts it.

    The receipt code is returned only after the transaction has committed, so a code
    shown to a declarant always refers to a durable declaration. `intake_hold` (from the
    abuse gate) makes screening hold it for a moderator with that reason. `import_key`
    (imports only) is unique: if a declaration already has it, nothing is stored and
    AlreadyImported is raised. A declaration the public log could not hold raises
    tlog's EntryError, with nothing stored.
    """
    item = DeclarationData(
        persons, statement_title=statement_title, statement_text=statement_text,
        contact=contact, notes=notes, import_key=import_key, intake_hold=intake_hold,
    )
    [prepared] = bulk.prepare([item], bulk.Intake.now(channel, helper))
    try:
        with transaction.atomic():
            bulk.store([prepared])
    except IntegrityError:
        if import_key is not None and Declaration.objects.filter(import_key=import_key).exists():
            raise AlreadyImported(import_key) from None
        raise
    return Submitted(bulk.as_declaration(prepared, helper), prepared.code)


def submit_declarations_bulk(
    items: list[DeclarationData],
    *,
    channel: str,
    helper: AbstractBaseUser | None = None,
) -> list[Submitted]:
    """Store many validated declarations in one transaction: all of them, or none.

    The same rows, seals and entry check as submit_declaration, written with one
    statement per table (see intake/bulk.py); for imports and group commit, where one
    commit per declaration would be too slow. It may run inside the caller's
    transaction (then nothing is durable before the caller commits). Raises
    IntegrityError (e.g. an import key that exists) or EntryError with nothing stored;
    the caller then retries one by one with submit_declaration to sort the good from
    the bad. Receipt codes are returned only after the commit.
    """
    return store_prepared(bulk.prepare(items, bulk.Intake.now(channel, helper)), helper)


def store_prepared(prepared: list[bulk.Prepared],
                   helper: AbstractBaseUser | None) -> list[Submitted]:
    """Write declarations that bulk.prepare made ready, in one transaction; the rest of
    submit_declarations_bulk (group commit prepares in each request's own thread)."""
    with transaction.atomic():
        bulk.store(prepared)
    return [Submitted(bulk.as_declaration(p, helper), p.code) for p in prepared]
