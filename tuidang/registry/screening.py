"""Screening rules that decide whether a received declaration is accepted or held.

Run in batches by the sequencer, in serial order, so the outcome does not depend on
which web process stored a declaration first.
"""

import re

from django.conf import settings
from django.db.models import Exists, OuterRef

from tuidang.registry.models import Declaration, Person, Status

HOLD_DUPLICATE = "duplicate"
HOLD_STATEMENT = "statement"

_LINK = re.compile(r"(https?://|www\.|[a-z0-9-]+\.(com|net|org|cn|io|me|info)\b)", re.I)


def statement_needs_review(text: str) -> bool:
    return (
        len(text) > settings.SCREEN_MAX_STATEMENT_LENGTH
        or len(_LINK.findall(text)) > settings.SCREEN_MAX_LINKS
    )


def _duplicates(first: int, last: int) -> set[int]:
    """Declarations received with ids first..last naming a person (same normalized name
    and organizations) that an earlier declaration, not rejected or revoked, already
    named: one query, the look-up of each digest done by the database on its index."""
    earlier = Person.objects.filter(
        identity_digest=OuterRef("identity_digest"),
        declaration_id__lt=OuterRef("declaration_id"),
    ).exclude(declaration__status__in=[Status.REJECTED, Status.REVOKED])
    return set(
        Person.objects.filter(
            declaration__status=Status.RECEIVED,
            declaration_id__gte=first,
            declaration_id__lte=last,
        )
        .filter(Exists(earlier))
        .values_list("declaration_id", flat=True)
    )


def screen_received(limit: int) -> int:
    """Accept or hold up to `limit` received declarations; returns how many were screened.

    Must run inside the sequencer's transaction. Plain rows, not model instances: the
    sequencer screens thousands a second.
    """
    batch = list(
        Declaration.objects.select_for_update()
        .filter(status=Status.RECEIVED)
        .order_by("id")
        .values_list("id", "statement_text", "hold_reason")[:limit]
    )
    if not batch:
        return 0
    # Only the ids in the batch count: one committed meanwhile within the range is
    # screened by the next step.
    duplicates = _duplicates(batch[0][0], batch[-1][0])
    accepted, held = [], {HOLD_DUPLICATE: [], HOLD_STATEMENT: []}
    for declaration_id, statement_text, hold_reason in batch:
        if hold_reason:  # set at intake by the abuse gate
            held.setdefault(hold_reason, []).append(declaration_id)
        elif declaration_id in duplicates:
            held[HOLD_DUPLICATE].append(declaration_id)
        elif statement_text and statement_needs_review(statement_text):
            held[HOLD_STATEMENT].append(declaration_id)
        else:
            accepted.append(declaration_id)
    Declaration.objects.filter(id__in=accepted).update(status=Status.ACCEPTED)
    for reason, ids in held.items():
        if ids:
            Declaration.objects.filter(id__in=ids).update(status=Status.HELD, hold_reason=reason)
    return len(batch)
