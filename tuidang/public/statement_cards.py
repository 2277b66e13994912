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
from django.utils.translation import ngettext, pgettext

from tuidang.registry import countries
from tuidang.registry.choices import Region
from tuidang.registry.models import StatementStatus
from tuidang.registry.people import Person, unpack

# What a card shows: serial, day, persons, the statement once a moderator approved it,
# the day it was featured (精彩推荐; None if it is not), and the packed persons.
CARD_FIELDS = ("id", "received_on", "person_count", "statement_status", "statement_title",
               "statement_text", "featured__featured_on", "people")


@dataclass(frozen=True)
class Labels:
    """The translated words every card of a page shares."""

    organizations: tuple[str, str, str]  # as a title names them: 中共, 共青团, 少先队
    separator: str  # between organizations in a title: 、 in Chinese
    title: str  # "Declaration of withdrawal from %(organizations)s"
    declarants: str  # "Declared by: %(name)s"
    awaiting: str
    featured: str
    regions: dict

    @classmethod
    def current(cls) -> "Labels":
        return cls(
            (pgettext("title", "the CCP"), pgettext("title", "the Communist Youth League"),
             pgettext("title", "the Young Pioneers")),
            pgettext("list separator", ", "),
            _("Declaration of withdrawal from %(organizations)s"),
            _("Declared by: %(names)s"),
            _("The statement's text will appear once a moderator has read it."),
            _("Featured"),
            {k: str(v) for k, v in Region.choices},
        )


def render(rows: list[tuple], statements_url: str) -> SafeString:
    """The HTML of the cards for rows of CARD_FIELDS, in their order."""
    if not rows:
        return SafeString("")
    labels = Labels.current()
    url = escape(statements_url)
    # Safe: every value from the database or a catalogue goes through escape() below.
    return mark_safe("".join(  # noqa: S308
        _card(row[:-1], [p for p in unpack(row[-1]) if not p.withdrawn], labels, url)
        for row in rows))


def made_title(persons: list[Person], labels: Labels) -> str:
    """The title a card shows when the declarant gave none: the organizations quit, e.g.
    声明退出共青团、少先队."""
    quit = [label for label, flag in zip(labels.organizations, (
        any(p.party for p in persons), any(p.league for p in persons),
        any(p.pioneers for p in persons)), strict=True) if flag]
    return labels.title % {"organizations": labels.separator.join(quit)}


def declarants(persons: list[Person], count: int, labels: Labels) -> str:
    """声明人：张三 等 3 人 (the first name shown, and how many the declaration covers), as
    HTML: the words escaped, the name in its own span."""
    first = f'<span class="name">{escape(persons[0].display_name)}</span>' if persons else ""
    if count > 1:
        # Chinese says the whole number (张三 等 5 人), English the others (and 4 others).
        many = ngettext("%(name)s and %(others)s other", "%(name)s and %(others)s others",
                        count - 1)
        names = escape(many) % {"name": first, "others": count - 1, "persons": count}
    else:
        names = first
    return escape(labels.declarants) % {"names": names}


def place(person: Person, labels: Labels) -> str:
    """The region as readers know it: 北京, or 海外 · 加拿大."""
    if not person.region:
        return ""
    words = labels.regions.get(person.region, person.region)
    if person.country:
        words += f" · {countries.name(person.country)}"
    return words


def _paragraphs(text: str) -> str:
    """Django's linebreaks filter (paragraphs and <br>, escaped), without its overhead."""
    paragraphs = re.split("\n{2,}", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n\n".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def _card(row: tuple, persons: list[Person], labels: Labels, url: str) -> str:
    serial, day, count, status, title, text, featured = row
    day = day.isoformat()
    approved = status == StatementStatus.APPROVED
    heading = title if approved and title else made_title(persons, labels)
    html = f'<article class="declaration" id="d{serial}">\n  <header>'
    if featured:
        html += f'<p class="featured">{escape(labels.featured)}</p>'
    html += f'<h3><a href="{url}{serial}/">{escape(heading)}</a></h3></header>'
    if approved and text:
        html += f'\n  <div class="statement-text">{_paragraphs(text)}</div>'
    elif status == StatementStatus.PENDING:
        html += f'\n  <p class="awaiting">{escape(labels.awaiting)}</p>'
    where = place(persons[0], labels) if persons else ""
    html += (f'\n  <p class="meta"><span>{declarants(persons, count, labels)}</span>'
             + (f"<span>{escape(where)}</span>" if where else "")
             + f'<span><time datetime="{day}">{day}</time></span><span>№ {serial}</span></p>')
    return html + "\n</article>\n"
