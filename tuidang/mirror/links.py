"""Where a URL of the live site lives in the mirror, and relative links in exported pages.

Every link, image and stylesheet in an exported page is rewritten: to a path relative to
the page, ending in `index.html` for directory pages (a folder opened from disk has no
index files), when the target is exported; to the live site (SITE_URL) when it is not
(the declaration form, receipts, contests, the newsletter, staff pages). Form actions
always go to the live site. Query strings become paths, since a static host ignores them:
`statements/?before=N` → `statements/before/N/index.html`, `news/?page=N` →
`news/page/N/index.html`.
"""

import datetime
import html
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.urls import Resolver404, ResolverMatch, resolve
from django.utils import translation

from tuidang.mirror import plan

# Every page that exists once per language and needs nothing else to be exported.
LANGUAGE_PAGES = frozenset({
    "home", "counting_rule", "verify", "statistics", "milestones", "open_data",
    "news:public_statements", "newsletter:terms", "newsletter:privacy", "declarant_privacy",
    "pages:safe_access", "pages:questions", "pages:other_ways",
    "statements_featured",
})
ROOT_FILES = frozenset({
    "count_json", "data_daily_json", "data_daily_csv", "data_totals", "data_regions",
    "data_sectors", "data_statements", "feed_statements", "feed_milestones", "feed_news",
    "feed_news_language", *(f"data_{grain}ly_{kind}" for grain in ("week", "month", "year")
                            for kind in ("json", "csv")),
})
LOG_FILES = re.compile(r"^/log/(checkpoint|key|policy|tile/[0-9a-z./]+)$")
TODAY_ALIAS = "statements/today/index.html"

_ATTRIBUTE = re.compile(r'(\s(href|src|srcset|action)=")([^"]*)(")')
_FORM_WITHOUT_ACTION = re.compile(r"<form(?![^>]*\saction=)")
_SERIAL = re.compile(r'/statements/([0-9]{1,18})/')


def file_of(path: str) -> str:
    """The file a plain URL path is stored in, relative to the mirror's root."""
    return path.lstrip("/") + ("index.html" if path.endswith("/") or path == "" else "")


def before_file(page_path: str, anchor: int) -> str:
    return file_of(f"{page_path}before/{anchor}/")


def news_page_file(page_path: str, number: int) -> str:
    return file_of(page_path if number == 1 else f"{page_path}page/{number}/")


def live(path: str, query: str = "", fragment: str = "") -> str:
    return (settings.SITE_URL + path + (f"?{query}" if query else "")
            + (f"#{fragment}" if fragment else ""))


@lru_cache(maxsize=4096)
def _resolve(language: str, path: str) -> ResolverMatch | None:
    """resolve() for the language of the prefix (i18n patterns match only the active
    one); cached, since every page repeats the same navigation links."""
    try:
        if language:
            with translation.override(language):
                return resolve(path)
        return resolve(path)
    except Resolver404:
        return None


@dataclass
class Site:
    """What is exported in this run, as far as links need to know."""

    today: datetime.date
    first_day: datetime.date
    languages: tuple[str, ...]
    static_files: set[str]
    articles: set[tuple[str, str]]
    article_fallback: dict[str, str]  # slug → the URL path the live site redirects to
    news_pages: dict[str, int]
    is_declaration: Callable[[set[int]], set[int]]
    fetch_media: Callable[[str], str | None]
    list_anchors: list[int] = field(default_factory=list)
    day_anchors: dict[datetime.date, list[int]] = field(default_factory=dict)

    def has_day(self, day: datetime.date) -> bool:
        return self.first_day <= day <= self.today

    def has_dump(self, day: datetime.date) -> bool:
        return self.first_day <= day < self.today


class Rewriter:
    """Rewrites one page's links; `alias_today` sends links to today's day page to the
    stable `statements/today/` copy, so that list pages do not change every midnight."""

    def __init__(self, site: Site, page_url: str, page_file: str, alias_today: bool = False):
        self.site = site
        self.page_path, _, self.page_query = page_url.partition("?")
        self.page_dir = posixpath.dirname(page_file) or "."
        self.alias_today = alias_today
        self.declarations: set[int] = set()

    def rewrite(self, text: str) -> str:
        serials = {int(s) for s in _SERIAL.findall(text)}
        self.declarations = self.site.is_declaration(serials) if serials else set()
        # A form without an action submits to the page itself: on a mirror, to the file.
        text = _FORM_WITHOUT_ACTION.sub(
            lambda m: f'{m[0]} action="{html.escape(live(self.page_path))}"', text)
        return _ATTRIBUTE.sub(self._attribute, text)

    def _attribute(self, match: re.Match) -> str:
        name, value = match.group(2), html.unescape(match.group(3))
        if name == "action":
            new = self._live(value)
        elif name == "srcset":
            new = ", ".join(" ".join([self.url(part.split()[0]), *part.split()[1:]])
                            for part in value.split(",") if part.strip())
        else:
            new = self.url(value)
        return match.group(1) + html.escape(new, quote=True) + match.group(4)

    def _live(self, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme or parts.netloc:
            return value
        return live(self._absolute(parts.path), parts.query, parts.fragment)

    def _absolute(self, path: str) -> str:
        if path.startswith("/"):
            return path
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(self.page_path), path))
        return joined + "/" if path.endswith("/") and not joined.endswith("/") else joined

    def url(self, value: str) -> str:
        """The mirror's link for one href/src value of the page."""
        parts = urlsplit(value)
        if parts.scheme or parts.netloc or value.startswith("#") or not value:
            return value
        path = self._absolute(parts.path) if parts.path else self.page_path
        query = parts.query if (parts.path or value.startswith("?")) else self.page_query
        target = self.target(path, query)
        if target is None:
            return live(path, query, parts.fragment)
        relative = posixpath.relpath(target, self.page_dir)
        return relative + (f"#{parts.fragment}" if parts.fragment else "")

    def target(self, path: str, query: str) -> str | None:
        """The exported file for a URL of the site, or None if it is not exported."""
        params = parse_qs(query)
        if path.startswith(settings.STATIC_URL):
            name = path[len(settings.STATIC_URL):]
            return file_of(path) if not query and name in self.site.static_files else None
        if path.startswith("/media/"):
            return None if query else self.site.fetch_media(path)
        if LOG_FILES.match(path):
            return file_of(path)
        language = path.split("/")[1] if path.count("/") > 1 else ""
        match = _resolve(language if language in self.site.languages else "", path)
        if match is None:
            return None
        name = match.view_name
        if language not in self.site.languages:
            return file_of(path) if name in ROOT_FILES and not query else None
        if name in LANGUAGE_PAGES and not query:
            return file_of(path)
        if name == "statements":
            return self._paged(path, params, self.site.list_anchors)
        if name == "statements_day":
            day = match.kwargs["day"]
            if not self.site.has_day(day):
                return None
            if day == self.site.today and self.alias_today and not query:
                return f"{language}/{TODAY_ALIAS}"
            return self._paged(path, params, self.site.day_anchors.get(day))
        if name == "statement":
            return file_of(path) if match.kwargs["serial"] in self.declarations else None
        if name == "news:list":
            return self._news_page(path, params, self.site.news_pages.get(language, 1))
        if name == "news:article":
            if (language, match.kwargs["slug"]) in self.site.articles:
                return file_of(path)
            fallback = self.site.article_fallback.get(match.kwargs["slug"])
            return file_of(fallback) if fallback and not query else None
        return None

    @staticmethod
    def _paged(path: str, params: dict, anchors: list[int] | None) -> str | None:
        if not params:
            return file_of(path)
        (name, (value, *more)), *other = params.items()
        if anchors is None or other or more or not value.isdigit():
            return None
        if name == "before":
            anchor = plan.page_of(anchors, int(value))
        elif name == "after":
            anchor = plan.page_above(anchors, int(value))
        else:
            return None
        return before_file(path, anchor) if anchor is not None else file_of(path)

    @staticmethod
    def _news_page(path: str, params: dict, pages: int) -> str | None:
        page = params.get("page", ["1"])[0]
        if len(params) > 1 or not page.isdigit():
            return None
        return news_page_file(path, min(max(int(page), 1), pages))
