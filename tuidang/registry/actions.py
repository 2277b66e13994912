"""Every change to declarations goes through a function here, in one transaction."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from tuidang.registry import bulk, dates, receipts
from tuidang.registry.choices import ORGANIZATIONS, Channel, Region
from tuidang.registry.models import (
    Declaration,
    HeldEntry,
    PendingEntry,
    Revocation,
    StatementStatus,
    Status,
)


@dataclass(frozen=True)
class PersonData:
    display_name: str
    organizations: tuple[str, ...]
    is_real_name: bool = False
    region: str = ""
    country: str = ""
    sector: str = ""
    private_real_name: str = ""  # sealed, never stored in clear
    birth_year: int | None = None  # sealed, never stored in clear

    @classmethod
    def from_form(cls, data: dict) -> "PersonData":
        return cls(
            display_name=data["display_name"],
            organizations=tuple(o for o in ORGANIZATIONS if o in data["organizations"]),
            is_real_name=data.get("is_real_name", False),
            region=data.get("region", ""),
            country=data.get("country", "") if data.get("region") == Region.OVERSEAS else "",
            sector=data.get("sector", ""),
            private_real_name=data.get("private_real_name", ""),
            birth_year=data.get("birth_year"),
        )


@dataclass(frozen=True)
class Submitted:
    declaration: Declaration
    receipt_code: str


class AlreadyImported(Exception):
    """A declaration with this import key exists: the line was imported before."""


@dataclass(frozen=True)
class DeclarationData:
    """One declaration for submit_declarations_bulk: submit_declaration's arguments."""

    persons: list[PersonData]
    statement_title: str = ""
    statement_text: str = ""
    contact: str = ""
    notes: str = ""
    import_key: bytes | None = None
    intake_hold: str = ""


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
    statement per table (see registry/bulk.py); for imports and group commit, where one
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


def find_by_receipt(code: str) -> Declaration | None:
    """The declaration of a receipt code, or None (registry/receipts.py).

    The code's serial finds the row; its secret must match the row's verifier (compared
    in constant time).
    """
    raw = receipts.normalize_code(code)
    if raw is None:
        return None
    serial, secret = receipts.split_code(raw)
    found = Declaration.objects.filter(pk=serial).first() if serial else None
    if found is not None and receipts.verify(
            settings.RECEIPT_KEY, serial, secret, bytes(found.receipt_hash)):
        return found
    return None


def revoke_declaration(declaration: Declaration, reason: str) -> Revocation | None:
    """Withdraw a declaration from the count and destroy its private data.

    Call inside the caller's transaction. A declaration already in the log gets a
    revocation entry; one not yet sequenced is simply never counted. The sealed private
    fields and the statement are erased (crypto-shredding): what remains is what the
    public log already holds.
    """
    locked = Declaration.objects.select_for_update().get(pk=declaration.pk)
    if locked.status == Status.REVOKED:
        raise ValueError("already revoked")
    was_logged = locked.log_index is not None
    locked.status = Status.REVOKED
    locked.is_published = False
    locked.sealed_private = None
    locked.statement_title = locked.statement_text = ""
    if locked.statement_status != StatementStatus.NONE:
        locked.statement_status = StatementStatus.REJECTED
    locked.save(update_fields=[
        "status", "is_published", "sealed_private", "statement_title", "statement_text",
        "statement_status",
    ])
    # Never to be logged now.
    PendingEntry.objects.filter(declaration=locked).delete()
    HeldEntry.objects.filter(declaration=locked).delete()
    for field in ("status", "is_published", "sealed_private", "statement_title",
                  "statement_text", "statement_status"):
        setattr(declaration, field, getattr(locked, field))
    if not was_logged:
        return None
    return Revocation.objects.create(
        declaration=locked, reason=reason, decided_on=dates.today()
    )


def retract_with_receipt(code: str) -> Declaration | None:
    """The declarant's own retraction, authorized by the receipt code alone."""
    with transaction.atomic():
        declaration = find_by_receipt(code)
        if declaration is None:
            return None
        if declaration.status in (Status.REVOKED, Status.REJECTED):
            return declaration
        revoke_declaration(declaration, Revocation.Reason.RETRACTED)
    return declaration
