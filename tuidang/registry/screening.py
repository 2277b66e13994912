"""Screening rules that decide whether a received declaration is accepted or held.

Run in batches by the sequencer, in serial order, so the outcome does not depend on
which web process stored a declaration first.
"""

import re

from django.conf import settings

from tuidang.registry.models import Declaration, Status

HOLD_DUPLICATE = "duplicate"
HOLD_STATEMENT = "statement"

_LINK = re.compile(r"(https?://|www\.|[a-z0-9-]+\.(com|net|org|cn|io|me|info)\b)", re.I)


def statement_needs_review(text: str) -> bool:
    return (
        len(text) > settings.SCREEN_MAX_STATEMENT_LENGTH
        or len(_LINK.findall(text)) > settings.SCREEN_MAX_LINKS
    )


def screen_received(limit: int) -> int:
    """Accept or hold up to `limit` received declarations; returns how many were screened.

    Must run inside the sequencer's transaction.
    """
    batch = list(
        Declaration.objects.select_for_update()
        .filter(status=Status.RECEIVED)
        .order_by("id")
        .only("id", "persons_digest", "statement_text", "hold_reason")[:limit]
    )
    if not batch:
        return 0
    earliest: dict[str, int] = {}
    earlier = (
        Declaration.objects.filter(
            persons_digest__in={d.persons_digest for d in batch}, id__lt=batch[-1].id
        )
        .exclude(status=Status.REJECTED)
        .values_list("persons_digest", "id")
    )
    for digest, pk in earlier:
        earliest[digest] = min(pk, earliest.get(digest, pk))
    accepted, held = [], {HOLD_DUPLICATE: [], HOLD_STATEMENT: []}
    for declaration in batch:
        if declaration.hold_reason:  # set at intake by the abuse gate
            held.setdefault(declaration.hold_reason, []).append(declaration.id)
        elif earliest.get(declaration.persons_digest, declaration.id) < declaration.id:
            held[HOLD_DUPLICATE].append(declaration.id)
        elif statement_needs_review(declaration.statement_text):
            held[HOLD_STATEMENT].append(declaration.id)
        else:
            accepted.append(declaration.id)
    Declaration.objects.filter(id__in=accepted).update(status=Status.ACCEPTED)
    for reason, ids in held.items():
        if ids:
            Declaration.objects.filter(id__in=ids).update(status=Status.HELD, hold_reason=reason)
    return len(batch)
