"""Changes to stored declarations, each in one transaction: look-up by receipt code,
retraction, revocation. (Storing new ones is intake's: tuidang/intake/actions.py.)"""


from django.conf import settings
from django.db import transaction

from tuidang.registry import dates, receipts
from tuidang.registry.models import (
    Declaration,
    HeldEntry,
    PendingEntry,
    Revocation,
    StatementStatus,
    Status,
)


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
