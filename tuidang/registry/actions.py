"""Changes to stored declarations, each in one transaction: look-up by receipt code,
retraction, revocation. (Storing new ones is intake's: tuidang/intake/actions.py.)"""


from django.conf import settings
from django.db import transaction

from tuidang.registry import dates, people, receipts
from tuidang.registry.models import (
    Declaration,
    HeldEntry,
    PendingEntry,
    PersonIdentity,
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


def revoke_declaration(declaration: Declaration, reason: str,
                       person: int | None = None) -> Revocation | None:
    """Withdraw a declaration, or its one person at position `person`, from the count,
    and destroy what could name them.

    Call inside the caller's transaction. What was in the log gets a revocation entry
    (one not yet sequenced is simply never counted). The persons withdrawn lose their
    names and their names' salts, and their identity digests; the statement, free text
    that may name them, is erased; withdrawing the whole declaration (or its last person
    still counted) also erases the sealed private fields (crypto-shredding): what remains
    is what the public log holds.
    Only a declaration in the log can lose one person (before, there is nothing to
    correct: the declarant retracts it whole). ValueError if there is nothing to revoke.
    """
    locked = Declaration.objects.select_for_update().get(pk=declaration.pk)
    if locked.status == Status.REVOKED:
        raise ValueError("already revoked")
    was_logged = locked.log_index is not None
    persons = locked.persons
    counted = [p.position for p in persons if not p.withdrawn]
    if person is not None:
        if not was_logged:
            raise ValueError("only a declaration in the log loses one person")
        if person not in counted:
            raise ValueError("no such person, or already withdrawn")
        if len(counted) == 1:
            person = None  # the last one: the declaration as a whole
    taken = counted if person is None else [person]
    locked.people = people.withdraw(persons, taken)
    fields = ["people", "identity_digest"]
    if 0 in taken:
        locked.identity_digest = 0
    PersonIdentity.objects.filter(declaration=locked, position__in=taken).delete()
    # The statement is free text that may name anyone in the declaration: it goes too.
    locked.statement_title = locked.statement_text = ""
    if locked.statement_status != StatementStatus.NONE:
        locked.statement_status = StatementStatus.REJECTED
    fields += ["statement_title", "statement_text", "statement_status"]
    if person is None:
        locked.status = Status.REVOKED
        locked.hold_reason = reason  # why it was revoked, for the declarant's receipt page
        locked.is_published = False
        locked.sealed_private = None
        fields += ["status", "hold_reason", "is_published", "sealed_private"]
        # Never to be logged now.
        PendingEntry.objects.filter(declaration=locked).delete()
        HeldEntry.objects.filter(declaration=locked).delete()
    else:
        kept = [p for p in persons if p.position not in taken and not p.withdrawn]
        locked.person_count = len(kept)
        locked.party_count = sum(p.party for p in kept)
        locked.league_count = sum(p.league for p in kept)
        locked.pioneers_count = sum(p.pioneers for p in kept)
        fields += ["person_count", "party_count", "league_count", "pioneers_count"]
    locked.save(update_fields=fields)
    for name in fields:
        setattr(declaration, name, getattr(locked, name))
    declaration.__dict__.pop("persons", None)  # unpacked from `people`, which changed
    if not was_logged:
        return None
    return Revocation.objects.create(
        declaration=locked, person=person, positions=bytes(taken), reason=reason,
        decided_on=dates.today(),
    )


def revocations_of(declaration: Declaration) -> dict[int | None, str]:
    """{position, or None for the whole declaration: reason} of what was revoked."""
    found: dict[int | None, str] = dict(
        declaration.revocations.values_list("person", "reason"))
    if declaration.status == Status.REVOKED and None not in found:
        found[None] = declaration.hold_reason  # revoked before it was in the log
    return found


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
