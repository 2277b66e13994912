"""The figures behind the open-data files, the feeds and the statistics page.

Everything here is read from the latest signed checkpoint's tally line (the headline
totals), the counters the sequencer keeps (``Total``, ``DailyCount``: days and
breakdowns), from published declarations, and, kept apart and labelled, from the imported
history.
"""

import base64
import datetime
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tuidang.registry import countries
from tuidang.registry.choices import ORGANIZATIONS, Channel, Region, Sector
from tuidang.registry.entries import person_entry
from tuidang.registry.models import DailyCount, Declaration, StatementStatus, Total
from tuidang.transparency import signedcount

LICENCE = "CC0-1.0"
LICENCE_URL = "https://creativecommons.org/publicdomain/zero/1.0/"
NOT_GIVEN = "-"
KNOWN_CHANNELS = tuple(Channel.values)


def channel_order(seen) -> list[str]:
    """Known channels in their usual order, then any other channel seen, sorted."""
    return [*KNOWN_CHANNELS, *sorted(set(seen) - set(KNOWN_CHANNELS))]


@dataclass
class Day:
    day: datetime.date
    persons: int = 0
    declarations: int = 0
    party: int = 0
    league: int = 0
    pioneers: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)


def daily(first: datetime.date | None = None) -> list[Day]:
    """Per-day counters (China Standard Time), oldest first, from `first` on."""
    rows = DailyCount.objects.order_by("day")
    if first is not None:
        rows = rows.filter(day__gte=first)
    days: dict[datetime.date, Day] = {}
    for day, key, value in rows.values_list("day", "key", "value").iterator(chunk_size=10_000):
        entry = days.get(day) or days.setdefault(day, Day(day))
        kind, _sep, name = key.partition(":")
        if kind == "channel":
            entry.by_channel[name] = value
        elif kind == "org" and name in ORGANIZATIONS:
            setattr(entry, name, value)
        elif key in ("persons", "declarations"):
            setattr(entry, key, value)
    return list(days.values())


@dataclass(frozen=True)
class Totals:
    entries: int
    persons: int
    declarations: int
    revocations: int
    by_organization: dict[str, int]
    by_channel: dict[str, int]
    by_region: dict[str, int]
    by_sector: dict[str, int]

    @property
    def region_not_given(self) -> int:
        return self.persons - sum(self.by_region.values())

    @property
    def sector_not_given(self) -> int:
        return self.persons - sum(self.by_sector.values())


def totals() -> Totals:
    """The signed totals, with the breakdowns the tally line does not carry from the
    counters (in one statement, so mutually consistent)."""
    signed = signedcount.current()
    rows = dict(Total.objects.values_list("key", "value"))

    def prefixed(prefix: str, keep_zero: bool = False) -> dict[str, int]:
        return {
            key.removeprefix(prefix): value
            for key, value in sorted(rows.items())
            if key.startswith(prefix) and (value or keep_zero)
        }

    return Totals(
        entries=signed.entries,
        persons=signed.persons,
        declarations=signed.declarations,
        revocations=signed.revocations,
        by_organization={org: getattr(signed, org) for org in ORGANIZATIONS},
        by_channel=prefixed("channel:", keep_zero=True),
        by_region=prefixed("region:"),
        by_sector=prefixed("sector:"),
    )


def ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Largest first; ties by code."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def region_name(code: str) -> str:
    """The region's name in the active language; overseas:US → 'Overseas: United States'."""
    if code == NOT_GIVEN:
        return pgettext("statistics", "Not given")
    if code.startswith("overseas:"):
        country = code.removeprefix("overseas:")
        return _("Overseas: %(country)s") % {"country": countries.name(country)}
    try:
        return str(Region(code).label)
    except ValueError:
        return code


def sector_name(code: str) -> str:
    if code == NOT_GIVEN:
        return pgettext("statistics", "Not given")
    try:
        return str(Sector(code).label)
    except ValueError:
        return code


def channel_name(code: str) -> str:
    try:
        return str(Channel(code).label)
    except ValueError:
        return code


# --- Published declarations ---------------------------------------------------------------

STATEMENT_FIELDS = (
    "id", "received_on", "channel", "log_index", "statement_title", "statement_text",
    "statement_status", "statement_salt",
)


def published() -> QuerySet[Declaration]:
    """Declarations in the log and not revoked, with only the fields that may be published."""
    return Declaration.objects.filter(is_published=True).only(*STATEMENT_FIELDS)


def statement_record(declaration: Declaration) -> dict:
    """What is public about one published declaration, as in its log entry, plus the
    approved statement and its salt, so anyone can check the entry's commitment."""
    statement = None
    if declaration.statement_status == StatementStatus.APPROVED:
        statement = {
            "title": declaration.statement_title,
            "text": declaration.statement_text,
            "salt": base64.b64encode(bytes(declaration.statement_salt)).decode(),
        }
    persons = []
    for person in declaration.persons:
        if person.withdrawn:  # its name and salt are gone; the log still counts nothing
            persons.append({"position": person.position, "withdrawn": True})
            continue
        entry = person_entry(person)
        persons.append({
            "position": person.position,
            "name": person.display_name,
            # With the salt, anyone checks the name against the entry's commitment:
            # SHA-256(salt ‖ utf8(name)) (docs/log-format.md).
            "name_salt": base64.b64encode(person.salt).decode(),
            "organizations": list(entry.organizations),
            "real_name": entry.real_name,
            "region": entry.region,
            "sector": entry.sector,
        })
    return {
        "serial": declaration.pk,
        "date": declaration.received_on.isoformat(),
        "log_index": declaration.log_index,
        "channel": declaration.channel,
        "persons": persons,
        "statement": statement,
    }
