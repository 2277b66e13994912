"""Screening rules that decide whether a received declaration is accepted or held.

Run in batches by the sequencer, in serial order, so the outcome does not depend on
which web process stored a declaration first.
"""

import re

from django.conf import settings

from tuidang.registry.models import Declaration, Person, Status

HOLD_DUPLICATE = "duplicate"
HOLD_STATEMENT = "statement"

_LINK = re.compile(r"(https?://|www\.|[a-z0-9-]+\.(com|net|org|cn|io|me|info)\b)", re.I)


def statement_needs_review(text: str) -> bool:
    return (
        len(text) > settings.SCREEN_MAX_STATEMENT_LENGTH
        or len(_LINK.findall(text)) > settings.SCREEN_MAX_LINKS
    )


def _duplicates(batch: list[Declaration]) -> set[int]:
    """Declarations in the batch naming a person (same normalized name and organizations)
    that an earlier declaration, not rejected or revoked, already named."""
    digests: dict[int, set[str]] = {}
    for declaration_id, digest in Person.objects.filter(
        declaration__in=[d.id for d in batch]
    ).values_list("declaration_id", "identity_digest"):
        digests.setdefault(declaration_id, set()).add(digest)
    earliest: dict[str, int] = {}
    earlier = (
        Person.objects.filter(
            identity_digest__in=set().union(*digests.values()) if digests else set(),
            declaration_id__lt=batch[-1].id,
        )
        .exclude(declaration__status__in=[Status.REJECTED, Status.REVOKED])
        .values_list("identity_digest", "declaration_id")
    )
    for digest, declaration_id in earlier:
        earliest[digest] = min(declaration_id, earliest.get(digest, declaration_id))
    return {
        d.id
        for d in batch
        if any(earliest.get(digest, d.id) < d.id for digest in digests.get(d.id, ()))
    }


def screen_received(limit: int) -> int:
    """Accept or hold up to `limit` received declarations; returns how many were screened.

    Must run inside the sequencer's transaction.
    """
    batch = list(
        Declaration.objects.select_for_update()
        .filter(status=Status.RECEIVED)
        .order_by("id")
        .only("id", "statement_text", "hold_reason")[:limit]
    )
    if not batch:
        return 0
    duplicates = _duplicates(batch)
    accepted, held = [], {HOLD_DUPLICATE: [], HOLD_STATEMENT: []}
    for declaration in batch:
        if declaration.hold_reason:  # set at intake by the abuse gate
            held.setdefault(declaration.hold_reason, []).append(declaration.id)
        elif declaration.id in duplicates:
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
