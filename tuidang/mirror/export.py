"""`export_site`: the public site as static files with relative links, incrementally.

Pages are rendered by the real views through Django's test client (no template is
duplicated here), then their links are made relative (tuidang.mirror.links). What is
rendered again is decided per day: a day whose published declarations did not change is
skipped entirely; in a changed day only the changed declarations' pages and the
anchored list pages that hold them are rendered. The few pages that summarize everything
(home, statistics, news, open data, feeds) are rendered on every run. A file whose bytes
did not change is not rewritten; every write is atomic (temp file and rename), targets are
written before the pages that link to them, and the log goes last with its checkpoint
last of all, so a mirror being updated never links to a missing file or offers a
checkpoint ahead of its tiles.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import translation

from tuidang.mirror import links, plan
from tuidang.mirror.state import State
from tuidang.news import views as news_views
from tuidang.news.models import Article
from tuidang.registry import dates
from tuidang.registry.models import Declaration
from tuidang.tlog.export import write_file
from tuidang.transparency.export import ExportResult as LogResult
from tuidang.transparency.export import export_log


class ExportError(Exception):
    pass


@dataclass
class ExportResult:
    rendered: int
    written: int
    unchanged: int
    deleted: int
    log: LogResult


class Exporter:
    def __init__(self, directory: Path, *, full: bool = False) -> None:
        self.directory = directory
        self.full = full
        self.state = State(directory)
        self.version = plan.site_version()
        self.today = dates.today()
        self.languages = tuple(code for code, _ in settings.LANGUAGES)
        self.rendered = self.written = self.unchanged = self.deleted = 0
        self.global_files: set[str] = set()
        self.media: dict[str, str | None] = {}
        self.statements_done: set[int] = set()
        self.changed: list[int] = []
        site_url = urlsplit(settings.SITE_URL)
        self.host = site_url.hostname or "localhost"
        self.secure = site_url.scheme == "https"
        # Absolute URLs the views build (feeds) then name the live site.
        self.client = Client(HTTP_HOST=site_url.netloc, SERVER_NAME=self.host,
                             SERVER_PORT=str(site_url.port or (443 if self.secure else 80)))

    # --- files --------------------------------------------------------------------------

    def write(self, path: str, data: bytes) -> None:
        sha = hashlib.sha256(data).digest()
        known = self.state.file_hash(path)
        target = self.directory / path
        if known is None and target.is_file():  # a lost state: compare with the disk
            known = hashlib.sha256(target.read_bytes()).digest()
            self.state.set_file(path, known)
        if known == sha and target.is_file():
            self.unchanged += 1
            return
        write_file(self.directory, path, data)
        self.state.set_file(path, sha)
        self.written += 1

    def delete(self, path: str) -> None:
        (self.directory / path).unlink(missing_ok=True)
        self.state.delete_file(path)
        self.deleted += 1

    def page(self, url: str, path: str | None = None, *, alias_today: bool = False,
             required: bool = True) -> bool:
        """Render url through the views and store it (at path, or where its URL says)."""
        # Never response.close(): outside the client it would fire request_finished,
        # which closes the database connection. Reading a streamed body closes its file.
        response = self.client.get(url, secure=self.secure)
        data = response.getvalue()
        if response.status_code != 200:
            if required:
                raise ExportError(f"{url} answered {response.status_code}")
            return False
        path = path or links.file_of(urlsplit(url).path)
        if response["Content-Type"].startswith("text/html"):
            rewriter = links.Rewriter(self.site, url, path, alias_today)
            data = rewriter.rewrite(data.decode()).encode()
        self.rendered += 1
        self.write(path, data)
        return True

    def fetch_media(self, url_path: str) -> str | None:
        """Cover images, exported when a page shows them (their names never change)."""
        if url_path not in self.media:
            path = links.file_of(url_path)
            exported = self.state.file_hash(path) and (self.directory / path).is_file()
            if not exported and not self.page(url_path, path, required=False):
                path = None
            self.media[url_path] = path
        if self.media[url_path]:
            self.global_files.add(self.media[url_path])
        return self.media[url_path]

    # --- the run ------------------------------------------------------------------------

    def run(self) -> ExportResult:
        if self.full or self.state.meta("version") != self.version:
            self.state.db.execute("DELETE FROM units")
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, self.host]):
            self.site = self._site()
            self._static()
            self._days()
            self._statement_list()
            self._global_pages()
        log = export_log(self._log_dir())
        old = set(json.loads(self.state.meta("global_files") or "[]"))
        for path in sorted(old - self.global_files):
            self.delete(path)
        self.state.set_meta("global_files", json.dumps(sorted(self.global_files)))
        self.state.set_meta("version", self.version)
        self.state.commit()
        self.state.close()
        return ExportResult(self.rendered, self.written, self.unchanged, self.deleted, log)

    def _log_dir(self) -> Path:
        path = self.directory / "log"
        path.mkdir(exist_ok=True)
        return path

    def _site(self) -> links.Site:
        public = list(Article.objects.public().order_by("pk").values_list("language", "slug"))
        fallback: dict[str, str] = {}
        for language, slug in public:
            if slug not in fallback:
                with translation.override(language):
                    fallback[slug] = reverse("news:article", args=[slug])
        news_pages = {
            code: Paginator(Article.objects.public().filter(language=code),
                            news_views.PAGE_SIZE).num_pages
            for code in self.languages
        }
        return links.Site(
            today=self.today, first_day=self.today, languages=self.languages,
            static_files=set(), articles=set(public), article_fallback=fallback,
            news_pages=news_pages, is_declaration=self.state.exported_decls,
            fetch_media=self.fetch_media,
        )

    def _static(self) -> None:
        prefix = settings.STATIC_URL.lstrip("/")
        for finder in finders.get_finders():
            for name, storage in finder.list(["CVS", ".*", "*~"]):
                name = name.replace("\\", "/")
                if name in self.site.static_files:
                    continue  # the first finder's file wins, as in collectstatic
                self.site.static_files.add(name)
                with storage.open(name) as handle:
                    self.write(prefix + name, handle.read())
                self.global_files.add(prefix + name)

    def _url(self, language: str, name: str, *args) -> str:
        with translation.override(language):
            return reverse(name, args=args)

    def _days(self) -> None:
        """Find the days that changed and their changed declarations, fix the list's
        anchors (statement pages link into the list), then render those days."""
        aggregates = plan.day_fingerprints()
        first = min([*aggregates, self.today - datetime.timedelta(days=1)])
        stored = self.state.meta("first_day")
        if stored:  # the range of days only grows: exported day pages stay linked
            first = min(first, datetime.date.fromisoformat(stored))
        self.site.first_day = first
        self.state.set_meta("first_day", first.isoformat())
        todo: list[tuple[datetime.date, str, list[int], set[int]]] = []
        changed: list[int] = []
        day = first
        while day <= self.today:
            key = day.isoformat()
            shape = f"{self.version}.{day < self.today}.{day == first}"
            fp = f"{shape}|{aggregates.get(day)}"
            if self.state.unit(f"day:{key}") != fp:
                new = plan.day_declarations(day, self.version) if day in aggregates else {}
                old = self.state.day_decls(key)
                serials = sorted(i for i in old.keys() | new.keys() if old.get(i) != new.get(i))
                self.state.replace_day_decls(key, new)
                todo.append((day, fp, serials, set(new)))
                changed.extend(serials)
            day += datetime.timedelta(days=1)
        self.changed = sorted(changed)
        old_anchors = sorted(int(k[5:]) for k in self.state.units("list:"))
        self.site.list_anchors = plan.update_anchors(old_anchors, self.changed)
        for day, fp, serials, published in todo:
            self._day(day, fp, serials, published)
        # The pager of the stable copy of today's page (statements/today/).
        today_ids = sorted(self.state.day_decls(self.today.isoformat()))
        self.site.day_anchors = {self.today: plan.anchors_of(today_ids)}

    def _statement(self, serial: int, published: bool) -> None:
        if serial in self.statements_done:
            return
        self.statements_done.add(serial)
        for language in self.languages:
            url = self._url(language, "statement", serial)
            if not published or not self.page(url, required=False):
                self.delete(links.file_of(url))

    def _day(self, day: datetime.date, fp: str, serials: list[int], published: set[int]) -> None:
        for serial in serials:
            self._statement(serial, serial in published)
        anchors = plan.anchors_of(sorted(published))
        self.site.day_anchors = {day: anchors}
        shape = fp.partition("|")[0]
        self._chain(f"dayp:{day}:", anchors, serials, shape,
                    lambda language: self._url(language, "statements_day", day))
        for language in self.languages:
            self.page(self._url(language, "statements_day", day))
        if day < self.today:
            self.page(reverse("data_statements_day", args=[day.isoformat()]))
        self.state.set_unit(f"day:{day}", fp)

    def _chain(self, prefix: str, anchors: list[int], changed: list[int], shape: str,
               base_url, alias_today: bool = False) -> list[tuple[int, int]]:
        """The anchored pages of one list: rendered when their bounds or contents changed
        (a page may repeat statements of the one below), deleted when their anchor is
        gone. Returns the ranges whose bounds changed."""
        old = self.state.units(prefix)
        moved = []
        for k, anchor in enumerate(anchors):
            key = f"{prefix}{anchor}"
            low = anchors[k - 1] if k else 0
            fp = f"{shape}.{low}"
            previous = old.pop(key, None)
            if previous != fp or plan.touches(changed, anchors[k - 2] if k > 1 else 0, anchor):
                for language in self.languages:
                    base = base_url(language)
                    self.page(f"{base}?before={anchor}", links.before_file(base, anchor),
                              alias_today=alias_today)
                self.state.set_unit(key, fp)
            if previous != fp:
                moved.append((low, anchor))
        for key in old:
            anchor = int(key[len(prefix):])
            for language in self.languages:
                self.delete(links.before_file(base_url(language), anchor))
            self.state.delete_unit(key)
        return moved

    def _statement_list(self) -> None:
        moved = self._chain("list:", self.site.list_anchors, self.changed, self.version,
                            lambda language: self._url(language, "statements"),
                            alias_today=True)
        # Statements that moved from the newest page (or a page that was cut in two) to
        # another page link to it from their own page.
        for low, high in moved:
            rows = Declaration.objects.filter(is_published=True, id__gte=low, id__lt=high)
            for serial in rows.values_list("id", flat=True):
                self._statement(serial, True)

    def _global_pages(self) -> None:
        def page(url: str, path: str | None = None, **options) -> None:
            self.page(url, path, **options)
            self.global_files.add(path or links.file_of(url.partition("?")[0]))

        for language in self.languages:
            with translation.override(language):
                page(reverse("statements"), alias_today=True)
                page(reverse("statements_day", args=[self.today]),
                     f"{language}/{links.TODAY_ALIAS}")
                for name in sorted(links.LANGUAGE_PAGES):
                    page(reverse(name))
                news = reverse("news:list")
                for number in range(1, self.site.news_pages[language] + 1):
                    page(f"{news}?page={number}" if number > 1 else news,
                         links.news_page_file(news, number))
            for article_language, slug in sorted(self.site.articles):
                if article_language == language:
                    page(self._url(language, "news:article", slug))
        for name in sorted(links.ROOT_FILES - {"feed_news_language"}):
            page(reverse(name))
        for language in self.languages:
            page(reverse("feed_news_language", args=[language]))
        # The root of the mirror: the home page in the default language.
        page(self._url(settings.LANGUAGE_CODE, "home"), "index.html")


def export_site(directory: Path, *, full: bool = False) -> ExportResult:
    directory.mkdir(parents=True, exist_ok=True)
    return Exporter(directory, full=full).run()
