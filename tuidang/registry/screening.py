"""Screening rules that decide whether a received declaration is accepted or held.

The sequencer applies them in batches, in serial order, so the outcome does not depend on
which web process stored a declaration first (transparency/pending.py reads the rows and
asks the database which persons an earlier declaration already named).
"""

import re

from django.conf import settings
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef

from tuidang.registry.models import Declaration, PersonIdentity, Status

HOLD_DUPLICATE = "duplicate"
HOLD_STATEMENT = "statement"

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
