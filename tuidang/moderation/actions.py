"""Moderators' decisions: each one changes a declaration and records itself, atomically."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from tuidang.moderation.models import Contest, Decision
from tuidang.registry import actions as registry_actions
from tuidang.registry import dates, receipts
from tuidang.registry.models import (
    Declaration,
    FeaturedStatement,
    HeldEntry,
    PendingEntry,
    Revocation,
    StatementStatus,
    Status,
)

Action = Decision.Action


class DecisionError(ValueError):
    """The decision does not apply to the declaration in its current state."""


def _applies(declaration: Declaration) -> dict[str, bool]:
    """Which of a declaration's decisions its current state allows: the one rule that both
    the decision page (which offers only these) and `_apply` follow."""
    held = declaration.status == Status.HELD
    pending = declaration.statement_status == StatementStatus.PENDING and (
        declaration.status not in (Status.REJECTED, Status.REVOKED))
    return {
        Action.ACCEPT: held, Action.REJECT: held,
        Action.APPROVE_STATEMENT: pending, Action.REJECT_STATEMENT: pending,
        Action.REVOKE: declaration.status == Status.ACCEPTED,
    }


def valid_actions(declaration: Declaration) -> list[str]:
    """The decisions a moderator may take on the declaration now, in the page's order."""
    return [action for action, allowed in _applies(declaration).items() if allowed]


def _apply(declaration: Declaration, action: str, person: int | None = None) -> None:
    if action in (Action.ACCEPT, Action.REJECT):
        if not _applies(declaration)[action]:
            raise DecisionError(_("Only a held declaration can be accepted or rejected."))
        declaration.status = Status.ACCEPTED if action == Action.ACCEPT else Status.REJECTED
        if action == Action.REJECT and declaration.statement_status == StatementStatus.PENDING:
            declaration.statement_status = StatementStatus.REJECTED
        declaration.save(update_fields=["status", "statement_status"])
        # Its entry, kept while it was held (the sequencer holds a declaration with its
        # entry): back in the sequencer's inbox, or gone.
        held = HeldEntry.objects.get(declaration=declaration)
        if action == Action.ACCEPT:
            PendingEntry.objects.create(declaration=declaration, data=held.data)
        held.delete()
    elif action in (Action.APPROVE_STATEMENT, Action.REJECT_STATEMENT):
        if not _applies(declaration)[action]:
            raise DecisionError(_("This statement is not waiting for review."))
        declaration.statement_status = (
            StatementStatus.APPROVED if action == Action.APPROVE_STATEMENT
            else StatementStatus.REJECTED
        )
        declaration.save(update_fields=["statement_status"])
    elif action == Action.REVOKE:
        if not _applies(declaration)[action]:
            raise DecisionError(_("Only an accepted declaration can be revoked."))
        _revoke(declaration, Revocation.Reason.MODERATOR, person)
    else:
        raise DecisionError(_("Unknown decision."))


def _revoke(declaration: Declaration, reason: str, person: int | None) -> None:
    try:
        registry_actions.revoke_declaration(declaration, reason, person)
    except ValueError:
        raise DecisionError(_("This person cannot be revoked alone: the declaration is not "
                              "in the log yet, or the person was revoked already.")) from None


def decide(moderator: AbstractBaseUser, declaration_id: int, action: str, reason: str,
           person: int | None = None) -> Decision:
    """Apply one decision with its reason, and record who took it; a revocation takes
    the person at position `person` only, if given."""
    reason = reason.strip()
    if not reason:
        raise DecisionError(_("Give a reason for the decision."))
    with transaction.atomic():
        declaration = Declaration.objects.select_for_update().get(pk=declaration_id)
        _apply(declaration, action, person)
        return Decision.objects.create(
            moderator=moderator, declaration=declaration, action=action, reason=reason[:500],
            decided_on=dates.today(),
        )


def feature(moderator: AbstractBaseUser, declaration_id: int, featured: bool) -> Declaration:
    """Recommend a published statement (精彩推荐), or stop recommending it. Only a
    statement whose text a moderator approved can be recommended."""
    with transaction.atomic():
        declaration = Declaration.objects.select_for_update().get(pk=declaration_id)
        if featured and not (declaration.is_published and declaration.shows_statement):
            raise DecisionError(_("Only a published statement with an approved text can be "
                                  "featured."))
        if featured:
            FeaturedStatement.objects.get_or_create(
                declaration=declaration, defaults={"featured_on": dates.today()})
        else:
            FeaturedStatement.objects.filter(declaration=declaration).delete()
        return declaration


CONTEST_PURPOSE = "contest-reference"


def file_contest(declaration: Declaration, account: str) -> tuple[Contest, str]:
    """Someone's contest of a published declaration, for the moderators' queue; with the
    reference its author sees the outcome with (shown once; only its keyed hash is kept,
    under its own purpose, so it never verifies as a receipt code)."""
    with transaction.atomic():
        contest = Contest.objects.create(declaration=declaration, account=account,
                                         filed_on=dates.today())
        [secret] = receipts.new_secrets(1)
        contest.reference_hash = receipts.verifier(settings.RECEIPT_KEY, CONTEST_PURPOSE)(
            contest.pk, secret)
        contest.save(update_fields=["reference_hash"])
    return contest, receipts.make_code(contest.pk, secret)


def find_contest(reference: str) -> Contest | None:
    """The contest of a reference, or None."""
    raw = receipts.normalize_code(reference)
    if raw is None:
        return None
    number, secret = receipts.split_code(raw)
    contest = Contest.objects.filter(pk=number).first()
    if contest is not None and receipts.verify(settings.RECEIPT_KEY, number, secret,
                                               bytes(contest.reference_hash), CONTEST_PURPOSE):
        return contest
    return None


def decide_contest(moderator: AbstractBaseUser, contest_id: int, action: str,
                   reason: str, person: int | None = None) -> Decision:
    """Uphold a contest (the person at position `person` is revoked, or with None the
    whole declaration) or dismiss it, with a reason."""
    reason = reason.strip()
    if not reason:
        raise DecisionError(_("Give a reason for the decision."))
    with transaction.atomic():
        contest = Contest.objects.select_for_update().get(pk=contest_id)
        if contest.state != Contest.State.OPEN:
            raise DecisionError(_("This contest has been decided already."))
        declaration = Declaration.objects.select_for_update().get(pk=contest.declaration_id)
        if action == Action.UPHOLD_CONTEST:
            if declaration.status != Status.REVOKED:
                _revoke(declaration, Revocation.Reason.CONTEST, person)
            contest.state = Contest.State.UPHELD
        elif action == Action.DISMISS_CONTEST:
            contest.state = Contest.State.DISMISSED
        else:
            raise DecisionError(_("Unknown decision."))
        contest.save(update_fields=["state"])
        return Decision.objects.create(
            moderator=moderator, declaration=declaration, action=action, reason=reason[:500],
            decided_on=dates.today(),
        )


def bulk_revoke(moderator: AbstractBaseUser, declarations, reason: str) -> int:
    """Revoke every accepted declaration in the queryset, each with a recorded decision."""
    reason = reason.strip()
    if not reason:
        raise DecisionError(_("Give a reason for the decision."))
    with transaction.atomic():
        targets = list(declarations.select_for_update().filter(status=Status.ACCEPTED))
        for declaration in targets:
            registry_actions.revoke_declaration(declaration, Revocation.Reason.MODERATOR)
        Decision.objects.bulk_create(
            Decision(moderator=moderator, declaration=d, action=Action.REVOKE,
                     reason=reason[:500], decided_on=dates.today())
            for d in targets
        )
    return len(targets)
