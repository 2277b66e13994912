"""Screening rules that decide whether a received declaration is accepted or held.

The sequencer applies them in batches, in serial order, so the outcome does not depend on
which web process stored a declaration first (transparency/pending.py reads the rows and
asks the database which persons an earlier declaration already named).
"""

import re

from django.conf import settings
from django.db.models import Exists, OuterRef

from tuidang.registry.models import Person, Status

HOLD_DUPLICATE = "duplicate"
HOLD_STATEMENT = "statement"

_LINK = re.compile(r"(https?://|www\.|[a-z0-9-]+\.(com|net|org|cn|io|me|info)\b)", re.I)


def statement_needs_review(text: str) -> bool:
    return (
        len(text) > settings.SCREEN_MAX_STATEMENT_LENGTH
        or len(_LINK.findall(text)) > settings.SCREEN_MAX_LINKS
    )


def named_earlier() -> Exists:
    """For a person row: does an earlier declaration, not rejected or revoked, name a
    person with the same normalized name and organizations? (One look-up in the
    identity index per person, done by the database.)"""
    return Exists(
        Person.objects.filter(
            identity_digest=OuterRef("identity_digest"),
            declaration_id__lt=OuterRef("declaration_id"),
        ).exclude(declaration__status__in=[Status.REJECTED, Status.REVOKED])
    )


def hold_reason(intake_hold: str, duplicate: bool, statement_text: str) -> str:
    """Why a received declaration is held ("" if it is accepted)."""
    if intake_hold:  # set at intake by the abuse gate
        return intake_hold
    if duplicate:
        return HOLD_DUPLICATE
    if statement_text and statement_needs_review(statement_text):
        return HOLD_STATEMENT
    return ""
