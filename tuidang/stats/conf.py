"""Settings of the statistics app, from Django settings or the environment.

``MILESTONES``: the persons totals to announce, as a list of numbers in settings or a
comma-separated list in the environment variable of the same name (``1000000,400000000``;
``_`` and spaces are allowed inside numbers). Default: 1, 2 and 5 million, then every 10
million up to 1.5 billion (400,000,000 among them).

``MEMBERSHIP_REFERENCE`` (a whole number) and ``MEMBERSHIP_REFERENCE_SOURCE`` (who
reported it, and the year): the home page shows the total as a share of that figure.
Both or neither must be set.

Bad values raise ImproperlyConfigured when the app loads.
"""

import os
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_MILESTONES = (
    1_000_000,
    2_000_000,
    5_000_000,
    *range(10_000_000, 1_500_000_001, 10_000_000),
)
MAX_MILESTONE = 10**15
MAX_MILESTONES = 10_000


def parse_numbers(raw: str, name: str) -> list[int]:
    """'1_000_000, 2000000' → [1000000, 2000000]; ImproperlyConfigured naming `name`."""
    values = []
    for part in raw.split(","):
        text = part.strip().replace("_", "").replace(" ", "")
        if not text.isdigit() or not text.isascii():
            raise ImproperlyConfigured(
                f"{name} must be comma-separated whole numbers, got {part.strip()!r}"
            )
        values.append(int(text))
    return values


def validate_milestones(values, name: str = "MILESTONES") -> tuple[int, ...]:
    """Sorted, distinct, positive whole numbers up to 10**15, at most 10,000 of them."""
    try:
        numbers = list(values)
    except TypeError:
        raise ImproperlyConfigured(f"{name} must be a list of whole numbers") from None
    for value in numbers:
        if type(value) is not int or not 0 < value <= MAX_MILESTONE:
            raise ImproperlyConfigured(
                f"{name}: every milestone must be a whole number from 1 to {MAX_MILESTONE}, "
                f"got {value!r}"
            )
    if len(numbers) > MAX_MILESTONES:
        raise ImproperlyConfigured(f"{name}: at most {MAX_MILESTONES} milestones")
    return tuple(sorted(set(numbers)))


@cache
def _env_milestones() -> tuple[int, ...]:
    raw = os.environ.get("MILESTONES")
    if raw is None:
        return DEFAULT_MILESTONES
    if not raw.strip():
        return ()
    return validate_milestones(parse_numbers(raw, "MILESTONES"))


def milestones() -> tuple[int, ...]:
    """The configured milestones, ascending."""
    configured = getattr(settings, "MILESTONES", None)
    if configured is None:
        return _env_milestones()
    return validate_milestones(configured)


@dataclass(frozen=True)
class Membership:
    reference: int
    source: str


@cache
def _env_membership() -> Membership | None:
    raw = os.environ.get("MEMBERSHIP_REFERENCE", "").strip()
    source = os.environ.get("MEMBERSHIP_REFERENCE_SOURCE", "").strip()
    if not raw and not source:
        return None
    numbers = parse_numbers(raw, "MEMBERSHIP_REFERENCE") if raw else []
    return _membership(numbers[0] if len(numbers) == 1 else raw, source)


def _membership(reference, source) -> Membership | None:
    if reference in (None, "") and not source:
        return None
    if type(reference) is not int or not 0 < reference <= MAX_MILESTONE:
        raise ImproperlyConfigured(
            f"MEMBERSHIP_REFERENCE must be one whole number from 1 to {MAX_MILESTONE}, "
            f"got {reference!r}"
        )
    if not isinstance(source, str) or not source.strip() or len(source) > 300:
        raise ImproperlyConfigured(
            "MEMBERSHIP_REFERENCE_SOURCE must name the source and year (1-300 characters) "
            "when MEMBERSHIP_REFERENCE is set"
        )
    return Membership(reference, source.strip())


def membership() -> Membership | None:
    """The reported membership figure with its source, or None when not configured."""
    if hasattr(settings, "MEMBERSHIP_REFERENCE") or hasattr(
        settings, "MEMBERSHIP_REFERENCE_SOURCE"
    ):
        return _membership(
            getattr(settings, "MEMBERSHIP_REFERENCE", None),
            getattr(settings, "MEMBERSHIP_REFERENCE_SOURCE", ""),
        )
    return _env_membership()
