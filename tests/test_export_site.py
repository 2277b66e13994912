"""`manage.py export_site DIR`: the public site as static files for a mirror."""

import datetime
import io
import posixpath
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from tests.factories import declare, received_on
from tests.test_audit import audit
from tuidang.mirror.state import STATE_NAME, State
from tuidang.moderation import actions as moderation
from tuidang.news import images
from tuidang.news.models import Article, Status
from tuidang.registry import dates
from tuidang.registry.actions import revoke_declaration
from tuidang.registry.models import Declaration, Revocation
from tuidang.transparency import keys, sequencer

pytestmark = pytest.mark.django_db

LANGUAGES = ("zh-hans", "zh-hant", "en")
LINK = re.compile(r'\s(href|src|srcset|action)="([^"]*)"')
SITE_URL = "https://tuidang.example"
# Files that change on every run: count.json says when it was made, the log is rewritten.
ALWAYS = {"count.json", "log/key", "log/policy", "log/checkpoint"}


@pytest.fixture(autouse=True)
def site_settings(settings, tmp_path):
    settings.SITE_URL = SITE_URL
    settings.MEDIA_ROOT = tmp_path / "media"


def declare_many(client, count: int, prefix: str = "人", **fields) -> None:
    for i in range(count):
        declare(client, f"{prefix}{i}", **fields)
    sequencer.drain()


def make_article(slug: str, language: str = "en", cover: bool = False) -> Article:
    values = {"title": f"Title {slug}", "summary": "Summary", "body": "Some **text**.",
              "publish_on": dates.today(), "updated_on": dates.today()}
    if cover:
        data = io.BytesIO()
        Image.new("RGB", (1000, 500), (200, 30, 30)).save(data, "PNG")
        stem, widths = images.save_cover(SimpleUploadedFile("c.png", data.getvalue()))
        values.update(cover=stem, cover_widths=widths, cover_alt="red")
    return Article.objects.create(language=language, slug=slug, status=Status.PUBLISHED,
                                  **values)


def export(directory: Path) -> str:
    out = io.StringIO()
    call_command("export_site", directory, stdout=out)
    return out.getvalue()


def html_files(directory: Path) -> list[Path]:
    return sorted(directory.rglob("*.html"))


def links_of(page: Path) -> list[tuple[str, str]]:
    found = []
    for attribute, value in LINK.findall(page.read_text()):
        values = [part.split()[0] for part in value.split(",")] if attribute == "srcset" else [
            value]
        found.extend((attribute, v.replace("&amp;", "&")) for v in values)
    return found


def local_target(directory: Path, page: Path, link: str) -> Path | None:
    """The file a relative link of page points to, or None for an absolute link."""
    if re.match(r"^[a-z]+:", link) or link.startswith("#"):
        return None
    path = link.split("#")[0]
    return Path(posixpath.normpath(posixpath.join(str(page.parent), path)))


def snapshot(directory: Path) -> dict[str, int]:
    """Each file's inode: a file rewritten through temp-and-rename gets a new one."""
    return {str(p.relative_to(directory)): p.stat().st_ino
            for p in directory.rglob("*") if p.is_file()}


def check_links(directory: Path) -> int:
    checked = 0
    for page in html_files(directory):
        for attribute, link in links_of(page):
            assert not link.startswith("/"), f"{page}: root-relative link {link}"
            assert "?" not in link or link.startswith(SITE_URL), f"{page}: query in {link}"
            target = local_target(directory, page, link)
            if target is None:
                assert attribute != "action" or link.startswith(SITE_URL + "/"), link
                continue
            assert attribute != "action", f"{page}: a form posts to the mirror: {link}"
            assert target.is_file(), f"{page}: {link} → {target} is missing"
            assert target.resolve().is_relative_to(directory.resolve()), link
            checked += 1
    return checked


def statement_links(directory: Path, pages: list[Path]) -> set[int]:
    serials = set()
    for page in pages:
        found = re.findall(r'href="(?:\.\./)*([0-9]+)/index\.html"', page.read_text())
        serials.update(int(s) for s in found)
    return serials


def test_it_exports_the_public_site_with_relative_links_that_all_resolve(client, mona, tmp_path):
    declare_many(client, 120)
    declare(client, "王五", statement_title="我的声明", statement_text="我宣布退出共青团。")
    sequencer.drain()
    with_statement = Declaration.objects.get(statement_title="我的声明")
    moderation.decide(mona, with_statement.pk, "approve-statement", "ok")
    make_article("hello", cover=True)
    make_article("hello", language="zh-hans")
    site = tmp_path / "site"

    export(site)

    for language in LANGUAGES:
        for page in ("", "statements/", "statistics/", "milestones/", "data/", "verify/",
                     "counting/", "news/", "news/public-statements/", "terms/", "privacy/",
                     f"statements/{dates.today()}/", "statements/today/",
                     f"statements/{with_statement.pk}/", "statements/featured/"):
            assert (site / language / page / "index.html").is_file(), (language, page)
        assert not (site / language / "declare").exists()
        assert not (site / language / "receipt").exists()
        assert not (site / language / "moderation").exists()
    for name in ("index.html", "count.json", "data/daily.csv", "data/daily.json",
                 "data/totals.json", "data/regions.csv", "data/sectors.csv",
                 "data/statements.json", "data/weekly.csv", "data/monthly.json",
                 "data/yearly.csv", "feeds/statements.atom", "feeds/milestones.atom",
                 "feeds/news.atom", "feeds/news-en.atom", "static/css/site.css",
                 "log/checkpoint", "log/key",
                 f"data/statements/{dates.today() - datetime.timedelta(days=1)}.jsonl",
                 "en/news/hello/index.html", "zh-hans/news/hello/index.html"):
        assert (site / name).is_file(), name
    article = Article.objects.get(language="en")
    assert (site / f"media/{article.cover}-480.jpg").is_file()
    statement = site / f"en/statements/{with_statement.pk}/index.html"
    assert "我宣布退出共青团" in statement.read_text()

    assert check_links(site) > 1000
    home = (site / "en/index.html").read_text()
    assert 'href="statements/index.html"' in home
    assert f'href="{SITE_URL}/en/declare/"' in home  # not exportable: the live site
    assert 'href="../static/css/site.css"' in home
    feed = (site / "feeds/statements.atom").read_text()
    assert f"{SITE_URL}/" in feed and "testserver" not in feed


def test_it_paginates_by_path_and_every_statement_is_reachable(client, tmp_path):
    declare_many(client, 130)
    site = tmp_path / "site"
    export(site)
    lists = site / "en/statements"
    pages = [lists / "index.html", *sorted((lists / "before").glob("*/index.html"))]
    assert len(pages) == 1 + 2  # the newest 50, then anchored pages of 50 from the oldest
    published = set(Declaration.objects.filter(is_published=True).values_list("id", flat=True))
    assert statement_links(site, pages) == published
    # Following "Older" from the newest page reaches the oldest page.
    page, seen = lists / "index.html", []
    while match := re.search(r'rel="next" href="([^"]+)"', page.read_text()):
        page = Path(posixpath.normpath(posixpath.join(str(page.parent), match[1])))
        seen.append(page)
    assert seen and seen[-1] == lists / f"before/{sorted(published)[50]}/index.html"
    assert "rel=\"next\"" not in seen[-1].read_text()


def test_a_second_export_rewrites_only_what_changed(client, mona, tmp_path):
    today = dates.today()
    past = today - datetime.timedelta(days=3)
    with received_on(past):  # an earlier day, finished
        declare_many(client, 60, prefix="旧")
    declare_many(client, 60, prefix="今")
    declare(client, "王五", statement_text="我宣布退出共青团。")
    sequencer.drain()
    pending = Declaration.objects.get(statement_text__startswith="我宣布")
    site = tmp_path / "site"
    first = export(site)
    assert "deleted 0" in first
    before = snapshot(site)

    unchanged = export(site)  # nothing happened
    after = snapshot(site)
    changed = {p for p in after if before.get(p) != after[p]}
    assert changed <= ALWAYS, sorted(changed)
    # At most count.json (its figures are for today).
    assert re.search(r"wrote [01],", unchanged) and "deleted 0" in unchanged

    declare_many(client, 5, prefix="新")
    moderation.decide(mona, pending.pk, "approve-statement", "ok")
    make_article("news-day")
    old_one = Declaration.objects.filter(received_on=past).order_by("id").first()
    revoke_declaration(old_one, Revocation.Reason.RETRACTED)
    sequencer.drain()
    new_serials = [d.pk for d in Declaration.objects.order_by("id")
                   if d.persons[0].display_name.startswith("新")]
    export(site)
    after = snapshot(site)
    changed = {p for p in after if before.get(p) != after[p]}
    removed = set(before) - set(after)

    for language in LANGUAGES:
        for serial in new_serials:
            assert f"{language}/statements/{serial}/index.html" in changed
        assert f"{language}/statements/{pending.pk}/index.html" in changed
        assert f"{language}/statements/{old_one.pk}/index.html" in removed
        assert f"{language}/statements/{today}/index.html" in changed
        assert f"{language}/statements/{past}/index.html" in changed  # lost one
        assert f"{language}/index.html" in changed
    assert {"en/news/news-day/index.html", "en/news/index.html"} <= changed
    # Statement pages of declarations that did not change were not rewritten.
    untouched = Declaration.objects.filter(is_published=True).exclude(
        pk__in=[pending.pk, *new_serials]).values_list("id", flat=True)
    assert untouched
    for serial in untouched:
        for language in LANGUAGES:
            assert f"{language}/statements/{serial}/index.html" not in changed
    assert check_links(site)
    text = (site / f"en/statements/{pending.pk}/index.html").read_text()
    assert "我宣布退出共青团" in text
    assert f"/statements/{old_one.pk}/" not in "".join(
        p.read_text() for p in html_files(site))
    state = State(site)
    assert state.file_hash(f"en/statements/{old_one.pk}/index.html") is None
    state.close()


def test_unchanged_days_are_not_rendered_again(client, tmp_path):
    past = dates.today() - datetime.timedelta(days=5)
    with received_on(past):
        declare_many(client, 70)
    site = tmp_path / "site"
    export(site)
    before = snapshot(site)
    declare_many(client, 3, prefix="新")
    out = export(site)
    after = snapshot(site)
    # Nine new statement pages, today's day pages and the pages rendered on every run
    # (home, news, statistics, feeds, the help pages, the period files...): about 85,
    # nothing of the past day's 70 statements in three languages (210 pages).
    rendered = int(re.search(r"rendered (\d+)", out)[1])
    assert rendered < 100, out
    for name, inode in before.items():
        if str(past) in name or re.search(r"statements/[0-9]+/", name):
            assert after[name] == inode, name


def test_the_mirrors_log_passes_the_audit(client, tmp_path):
    declare_many(client, 30)
    revoke_declaration(Declaration.objects.order_by("id").first(), Revocation.Reason.RETRACTED)
    sequencer.drain()
    site = tmp_path / "site"
    export(site)
    result = audit(str(site / "log"), "--key", keys.verifier_key())
    assert result.returncode == 0, result.stdout + result.stderr
    old_checkpoint = tmp_path / "old-checkpoint"
    old_checkpoint.write_bytes((site / "log/checkpoint").read_bytes())
    declare_many(client, 300, prefix="新")
    export(site)
    result = audit(str(site / "log"), "--key", keys.verifier_key(), "--prev", str(old_checkpoint))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK test.tuidang.example/log size=331 persons=329")


def test_without_its_state_file_it_renders_again_but_rewrites_nothing(client, tmp_path):
    declare_many(client, 10)
    site = tmp_path / "site"
    export(site)
    assert (site / STATE_NAME).is_file()
    (site / STATE_NAME).unlink()
    before = snapshot(site)
    out = export(site)  # every page is rendered again and compared with the file on disk
    after = snapshot(site)
    assert re.search(r"wrote [01],", out) and "deleted 0" in out  # at most count.json
    changed = {p for p in after if before.get(p) != after[p]}
    # count.json is rewritten only if the second changed between the two exports.
    assert changed - {"count.json"} == ALWAYS - {"count.json"} | {STATE_NAME}, sorted(changed)
