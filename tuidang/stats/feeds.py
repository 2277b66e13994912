"""Atom feeds of published statements and milestones.

We never publish times, so every Atom timestamp is the day at 00:00 China Standard Time
(+08:00). The feeds are in the default language and link to its pages.
"""

import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from tuidang.registry import dates
from tuidang.registry.models import StatementStatus
from tuidang.stats import opendata
from tuidang.stats.models import Milestone

FEED_SIZE = 50
FEED_MAX_AGE = 300
CST = datetime.timezone(datetime.timedelta(hours=8))


def day_start(day: datetime.date) -> datetime.datetime:
    """A date as an Atom timestamp: 00:00 at +08:00 (we publish no times)."""
    return datetime.datetime.combine(day, datetime.time(), tzinfo=CST)


class DateOnlyAtomFeed(Atom1Feed):
    def latest_post_date(self) -> datetime.datetime:
        if not self.items:  # Django would use the current time
            return day_start(dates.today())
        return super().latest_post_date()


class _Feed(Feed):
    feed_type = DateOnlyAtomFeed

    def author_name(self) -> str:
        return str(settings.SITE_NAME)

    def feed_copyright(self) -> str:
        return opendata.LICENCE


class StatementsFeed(_Feed):
    def title(self) -> str:
        return _("Tuidang: published statements")

    def subtitle(self) -> str:
        return _(
            "The newest published declarations. A statement's text appears once a "
            "moderator has approved it. Dates only: each entry is dated 00:00 China "
            "Standard Time of the day it was received."
        )

    def link(self) -> str:
        return reverse("statements")

    def items(self):
        return list(
            opendata.published().order_by("-id")[:FEED_SIZE]
        )

    def item_title(self, item) -> str:
        if item.statement_status == StatementStatus.APPROVED and item.statement_title:
            return item.statement_title
        persons = [p for p in item.persons if not p.withdrawn]
        first = persons[0].display_name if persons else ""
        if len(persons) > 1:
            return ngettext(
                "%(name)s and %(others)s other person quit",
                "%(name)s and %(others)s other people quit",
                len(persons) - 1,
            ) % {"name": first, "others": len(persons) - 1}
        return _("%(name)s quit") % {"name": first}

    def item_description(self, item) -> str:
        names = ", ".join(p.display_name for p in item.persons if not p.withdrawn)
        parts = [f"<p>№ {item.pk} · {item.received_on.isoformat()} · {escape(names)}</p>"]
        if item.statement_status == StatementStatus.APPROVED:
            parts.append(linebreaks(item.statement_text, autoescape=True))
        return "".join(parts)

    def item_link(self, item) -> str:
        return reverse("statement", args=[item.pk])

    def item_pubdate(self, item) -> datetime.datetime:
        return day_start(item.received_on)

    item_updateddate = item_pubdate  # Atom requires <updated> on every entry


class MilestonesFeed(_Feed):
    def title(self) -> str:
        return _("Tuidang: milestones")

    def subtitle(self) -> str:
        return _(
            "Each time the total proven by the public log reaches a milestone: the day "
            "(00:00 China Standard Time) and the log entry that reached it."
        )

    def link(self) -> str:
        return reverse("milestones")

    def items(self):
        return list(Milestone.objects.order_by("-value")[:FEED_SIZE])

    def item_title(self, item) -> str:
        return ngettext(
            "%(persons)s person has quit", "%(persons)s people have quit", item.value
        ) % {"persons": f"{item.value:,}"}

    def item_description(self, item) -> str:
        return escape(
            _("Reached on %(date)s with log entry %(index)s.")
            % {"date": item.reached_on.isoformat(), "index": item.log_index}
        )

    def item_link(self, item) -> str:
        return f"{reverse('milestones')}#m{item.value}"

    def item_pubdate(self, item) -> datetime.datetime:
        return day_start(item.reached_on)

    item_updateddate = item_pubdate


def _serve(feed: Feed):
    @require_safe
    def view(request, *args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            response = feed(request, *args, **kwargs)
        response["Cache-Control"] = f"public, max-age={FEED_MAX_AGE}"
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return view


statements_feed = _serve(StatementsFeed())
milestones_feed = _serve(MilestonesFeed())
