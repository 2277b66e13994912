"""What the export reads from the database to decide what to render.

Statement lists are paginated by serial ("the 50 below N"). A static mirror needs pages
that stay the same when new statements arrive, so its pages are anchored from the oldest:
page k holds the 50 oldest statements after page k - 1, and is the view's page "below the
(50k + 1)-th oldest" (its anchor). New statements then only add pages at the top; the
newest page (the view without `before`) may repeat a few statements of the anchored page
below it.
"""

import datetime
import hashlib
from bisect import bisect_left, bisect_right
from pathlib import Path

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce, Length

from tuidang.public.statements import PAGE_SIZE
from tuidang.registry import days
from tuidang.registry.models import Declaration, StatementStatus

_VERSION_SOURCES = (("templates", "*"), ("static", "*"), ("locale", "*.mo"), ("tuidang", "*.py"))


def site_version() -> str:
    """A hash of everything besides the data that shapes the pages: code, templates,
    translations, static files and a few settings. When it changes, every page is
    rendered again (and still only rewritten if its bytes differ)."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for folder, pattern in _VERSION_SOURCES:
        for path in sorted((base / folder).rglob(pattern)):
            if path.is_file():
                digest.update(str(path.relative_to(base)).encode() + b"\0")
                digest.update(path.read_bytes())
    for name in ("SITE_URL", "LOG_ORIGIN", "LANGUAGES", "LANGUAGE_CODE", "STATIC_URL"):
        digest.update(repr(getattr(settings, name)).encode())
    return digest.hexdigest()[:16]


def _published():
    return Declaration.objects.filter(is_published=True)


_APPROVED = Q(statement_status=StatementStatus.APPROVED)
_TEXT_LENGTH = Length("statement_title") + Length("statement_text")


def day_fingerprints() -> dict[datetime.date, str]:
    """One cheap aggregate per day of everything a day's pages show that can change:
    which declarations are published, their persons, their log index, and approved
    statements."""
    rows = (
        _published()
        .order_by()
        .values("received_on")
        .annotate(
            n=Count("id"),
            ids=Sum("id"),
            # (a person revoked alone changes no other aggregate, and their name must go)
            persons=Sum("person_count"),
            logged=Sum(Coalesce("log_index", Value(0))),
            approved=Sum(Case(When(_APPROVED, then="id"), default=0,
                              output_field=IntegerField())),
            text=Sum(Case(When(_APPROVED, then=_TEXT_LENGTH), default=0,
                          output_field=IntegerField())),
        )
    )
    return {
        r["received_on"]:
        f"{r['n']}.{r['ids']}.{r['persons']}.{r['logged']}.{r['approved']}.{r['text']}"
        for r in rows
    }


def day_declarations(day: datetime.date, version: str) -> dict[int, str]:
    """The published declarations of one day, each with its own fingerprint."""
    rows = (
        days.on_day(_published(), day)
        .annotate(text=_TEXT_LENGTH)
        .values_list("id", "log_index", "statement_status", "text", "person_count")
    )
    return {row[0]: f"{version}.{row[1]}.{row[2]}.{row[3]}.{row[4]}" for row in rows}


def anchors_of(sorted_ids: list[int]) -> list[int]:
    """The `before` serials of a list's pages anchored from the oldest, oldest first."""
    return sorted_ids[PAGE_SIZE::PAGE_SIZE]


def update_anchors(anchors: list[int], changed: list[int]) -> list[int]:
    """The anchors of the whole list, kept from one export to the next.

    Anchors are only ever added, so a page and every statement's link into the list stay
    put: the newest range (above the last anchor) is cut into pages of 50 as it fills,
    and a range that grew past 50 (a held declaration accepted later) is cut the same
    way. A range that lost statements keeps its anchor; its page then repeats a few
    statements of the page below, which the live site's page would show too.
    """
    ranges = {bisect_right(anchors, serial) for serial in changed} | {len(anchors)}
    added: list[int] = []
    for r in sorted(ranges):
        rows = _published().filter(id__gte=anchors[r - 1] if r else 0)
        if r < len(anchors):
            rows = rows.filter(id__lt=anchors[r])
            if rows.count() <= PAGE_SIZE:
                continue
        ids = rows.order_by("id").values_list("id", flat=True).iterator(chunk_size=10_000)
        added.extend(serial for n, serial in enumerate(ids) if n and n % PAGE_SIZE == 0)
    return sorted(set(anchors) | set(added))


def page_of(anchors: list[int], before: int) -> int | None:
    """The anchored page that continues the view's page "below `before`": the page of
    `before` itself if it is an anchor, else the page holding the statements just below
    it; None for the newest page."""
    i = bisect_left(anchors, before)
    return anchors[i] if i < len(anchors) else None


def page_above(anchors: list[int], after: int) -> int | None:
    """The anchored page for the view's page "above `after`": the oldest page for 0, else
    the page above the one holding `after`; None for the newest page."""
    if after == 0:
        return anchors[0] if anchors else None
    i = bisect_right(anchors, after) + 1
    return anchors[i] if i < len(anchors) else None


def touches(sorted_ids: list[int], low: int, high: int) -> bool:
    """Whether any of sorted_ids lies in [low, high)."""
    i = bisect_left(sorted_ids, low)
    return i < len(sorted_ids) and sorted_ids[i] < high
