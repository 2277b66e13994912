"""Screening rules that decide whether a received declaration is accepted or held.

The sequencer applies them in batches, in serial order, so the outcome does not depend on
which web process stored a declaration first (transparency/pending.py reads the rows and
asks the database which persons an earlier declaration already named).
"""

import re

from django.conf import settings
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef
from django.utils.translation import gettext_lazy as _

from tuidang.registry.models import Declaration, PersonIdentity, Revocation, Status

# Why a declaration is held (Declaration.hold_reason): the screening rules' own, the abuse
# gate's (protection/gate.py, set at intake) and the sequencer's (transparency/pending.py).
HOLD_DUPLICATE = "duplicate"
HOLD_STATEMENT = "statement"
HOLD_NO_POW = "no-pow"
HOLD_SURGE = "surge"
HOLD_ENTRY = "entry"

# The one place a reason code becomes words for moderators (a revoked declaration keeps
# the revocation's reason in the same column, registry/actions.py).
REASON_LABELS = {
    HOLD_DUPLICATE: _("Same persons as an earlier declaration"),
    HOLD_STATEMENT: _("Statement over the link or length limit"),
    HOLD_NO_POW: _("Sent without proof of work (JavaScript off, or a program)"),
    HOLD_SURGE: _("Held by the surge switch"),
    HOLD_ENTRY: _("Its log entry does not match the declaration"),
    **{reason.value: reason.label for reason in Revocation.Reason},
}


def reason_label(code: str) -> str:
    """A hold or revocation reason in the reader's language; an unknown code as it is."""
    return str(REASON_LABELS.get(code, code))

_LINK = re.compile(r"(https?://|www\.|[a-z0-9-]+\.(com|net|org|cn|io|me|info)\b)", re.I)


def statement_needs_review(text: str) -> bool:
    return (
        len(text) > settings.SCREEN_MAX_STATEMENT_LENGTH
        or len(_LINK.findall(text)) > settings.SCREEN_MAX_LINKS
    )


def named_earlier(digest: str, serial: str) -> ExpressionWrapper:
    """For a row with an identity digest and a serial (the names of those columns): does
    an earlier declaration, not rejected or revoked, name a person with the same
    normalized name and organizations, as its first person (Declaration.identity_digest)
    or another (PersonIdentity)? Two look-ups in the identity indexes, by the database."""
    dropped = [Status.REJECTED, Status.REVOKED]
    first = Declaration.objects.filter(
        identity_digest=OuterRef(digest), id__lt=OuterRef(serial)).exclude(status__in=dropped)
    other = PersonIdentity.objects.filter(
        digest=OuterRef(digest), declaration_id__lt=OuterRef(serial),
    ).exclude(declaration__status__in=dropped)
    return ExpressionWrapper(Exists(first) | Exists(other), output_field=BooleanField())


def hold_reason(intake_hold: str, duplicate: bool, statement_text: str) -> str:
    """Why a received declaration is held ("" if it is accepted)."""
    if intake_hold:  # set at intake by the abuse gate
        return intake_hold
    if duplicate:
        return HOLD_DUPLICATE
    if statement_text and statement_needs_review(statement_text):
        return HOLD_STATEMENT
    return ""


def earlier_duplicates(declaration: Declaration) -> list[int]:
    """The serials of earlier declarations, not rejected or revoked, that name one of this
    declaration's persons (the duplicate rule of `named_earlier`, for a moderator)."""
    digests = {declaration.identity_digest, *PersonIdentity.objects.filter(
        declaration=declaration).values_list("digest", flat=True)}
    dropped = [Status.REJECTED, Status.REVOKED]
    first = Declaration.objects.filter(identity_digest__in=digests, id__lt=declaration.pk)
    other = PersonIdentity.objects.filter(digest__in=digests, declaration_id__lt=declaration.pk)
    serials = set(first.exclude(status__in=dropped).values_list("id", flat=True)[:20])
    serials |= set(other.exclude(declaration__status__in=dropped)
                   .values_list("declaration_id", flat=True)[:20])
    return sorted(serials)[:20]
