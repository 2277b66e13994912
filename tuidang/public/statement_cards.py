"""The cards of a statements page, rendered in Python.

A page shows 50 cards and must be answered in well under 20 ms with millions of rows.
The database part is cheap (one indexed query); rendering the cards was not: through the
template engine every card is a few dozen nodes, each resolved through the context stack,
and format_html runs its lazy-string checks on every argument, either way costing more
than the query (docs/performance.md, statements pages). Here each card is built from
f-strings, every value from the database or a catalogue passed through html.escape (what
Django's escape calls), and the labels are translated once per page.
"""

import re
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tuidang.registry.choices import Region, Sector
from tuidang.registry.models import StatementStatus
from tuidang.registry.people import Person, unpack

# What a card shows: serial, day, persons, and the statement once a moderator approved it.
CARD_FIELDS = ("id", "received_on", "person_count", "statement_status", "statement_title",
               "statement_text", "people")


@dataclass(frozen=True)
class Labels:
    """The translated words every card of a page shares."""

    organizations: tuple[str, str, str]
    real_name: str
    regions: dict
    sectors: dict

    @classmethod
    def current(cls) -> "Labels":
        return cls((_("Party"), _("League"), _("Pioneers")), _("real name"),
                   {k: str(v) for k, v in Region.choices}, {k: str(v) for k, v in Sector.choices})


def render(rows: list[tuple], statements_url: str) -> SafeString:
    """The HTML of the cards for rows of CARD_FIELDS, in their order."""
    if not rows:
        return SafeString("")
    labels = Labels.current()
    url = escape(statements_url)
    # Safe: every value from the database or a catalogue goes through escape() below.
    return mark_safe("".join(  # noqa: S308
        _card(row[:-1], [_person(p, labels) for p in unpack(row[-1]) if not p.withdrawn], url)
        for row in rows))


def _person(person: Person, labels: Labels) -> str:
    orgs = ", ".join(label for label, quit in zip(
        labels.organizations, (person.party, person.league, person.pioneers), strict=True)
        if quit)
    html = f'\n  <li><span class="name">{escape(person.display_name)}</span>'
    if person.is_real_name:
        html += f' <span class="tag">{escape(labels.real_name)}</span>'
    html += f" — {escape(orgs)}"
    if person.region:
        html += f" · {escape(labels.regions.get(person.region, person.region))}"
        if person.country:
            html += f" ({escape(person.country)})"
    if person.sector:
        html += f" · {escape(labels.sectors.get(person.sector, person.sector))}"
    return html + "</li>"


def _paragraphs(text: str) -> str:
    """Django's linebreaks filter (paragraphs and <br>, escaped), without its overhead."""
    paragraphs = re.split("\n{2,}", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n\n".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def _card(row: tuple, persons: list[str], url: str) -> str:
    serial, day, count, status, title, text = row
    day = day.isoformat()
    html = (f'<article class="declaration" id="d{serial}">\n  <header><a href="{url}{serial}/">'
            f'№ {serial}</a> · <time datetime="{day}">{day}</time>')
    if count > 1:
        many = ngettext("%(persons)s person", "%(persons)s people", count) % {"persons": count}
        html += f" · {escape(many)}"
    html += "</header>\n  "
    if status == StatementStatus.APPROVED:
        if title:
            html += f"<h3>{escape(title)}</h3>"
        html += f'\n  <div class="statement-text">{_paragraphs(text) if text else ""}</div>'
    return html + f'\n  <ul class="persons">{"".join(persons)}\n</ul>\n</article>\n'
