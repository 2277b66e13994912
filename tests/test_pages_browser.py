"""Every public page, in each language, at a phone's width (390 px) and a desktop's
(1280 px), in a real browser: nothing wider than the screen (also at 320 px), no
interface text left in English on a Chinese page, nothing loaded from another host, each
page within its byte budget, and no serious or critical accessibility violation as
axe-core judges it.

The pages are the anonymous GET routes of tests/endpoints.py under a language prefix, so
a new public page is checked as soon as it is in that table. One browser, one tab, one
service for the whole run. With SCREENSHOTS=<dir> the test also saves a screenshot of
every page at both widths.
"""

import os
import re
from pathlib import Path

import pytest

from tests.browser import chromium_page, running_service
from tests.endpoints import ENDPOINTS
from tests.factories import declaration_post, person_fields
from tuidang.moderation import actions as moderation
from tuidang.news.models import Article, Status
from tuidang.registry import dates
from tuidang.registry.models import Declaration
from tuidang.transparency import sequencer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "axe" / "axe.min.js"
AXE_VERSION = "4.10.3"
LANGUAGES = ("zh-hans", "zh-hant", "en")
WIDTHS = (390, 1280)
NARROWEST = 320  # the smallest phones still in use: checked for overflow only
# Bytes a page may weigh: its HTML and everything it loads (CSS, images, scripts),
# uncompressed, with nothing cached, JavaScript on. The forms behind the abuse gate also
# load the proof-of-work widget (ALTCHA, about 98 KB of script and style) when
# JavaScript is on (its style sheet, 15 KB, loads either way).
BUDGET = 40_000
WITH_PROOF_OF_WORK = 150_000
BUDGETS = dict.fromkeys(["declare/", "receipt/", "contest/", "newsletter/"],
                        WITH_PROOF_OF_WORK)
# Interface text left in English: three or more English words in a row, outside code,
# the language switcher and what declarants and editors wrote.
ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}(?:[ ,'’]+[A-Za-z]{2,}){2,}\b")
VISIBLE_TEXT = """() => {
  const skip = "pre, code, kbd, [lang=en], [translate=no], .statement-text, .user-text";
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll(skip).forEach(e => e.remove());
  clone.querySelectorAll("script, style, noscript, template").forEach(e => e.remove());
  return clone.textContent;
}"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  const where = v => v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | ");
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id} (${v.impact}): ${where(v)}`);
}"""


def public_paths(values: dict[str, str]) -> list[str]:
    """The anonymous pages under a language prefix, with {int}, {day}, {slug} and {text}
    filled in from the data made for the test."""
    paths = []
    for endpoint in ENDPOINTS:
        if endpoint.role != "anon" or "GET" not in endpoint.methods:
            continue
        if not endpoint.path.startswith("/{lang}/"):
            continue
        path = endpoint.path.removeprefix("/{lang}/")
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        paths.append(path)
    return paths


def make_content() -> dict[str, str]:
    """A published declaration with an approved statement, a pending one, and an article
    in each language; the values for the page paths."""
    from django.contrib.auth.models import Group, User
    from django.test import Client

    client = Client()
    client.post("/zh-hans/declare/", declaration_post(
        person_fields(0, "张三", ["party", "league"], region="beijing"),
        person_fields(1, "李四", ["pioneers"], region="overseas", country="CA"),
        statement_title="", statement_text="我宣布退出中共及其相关组织。",
    ))
    client.post("/zh-hans/declare/", declaration_post(
        person_fields(0, "王五", ["league", "pioneers"]),
        statement_title="声明", statement_text="等待审核的声明。",
    ))
    sequencer.drain()
    moderator = User.objects.create_user("mona", password="x" * 20, is_staff=True)
    moderator.groups.add(Group.objects.get_or_create(name="moderators")[0])
    first = Declaration.objects.order_by("id").first()
    moderation.decide(moderator, first.pk, "approve-statement", "ok")
    texts = {"zh-hans": ("三退新闻", "简讯", "正文。"), "zh-hant": ("三退新聞", "簡訊", "正文。"),
             "en": ("News of the day", "Summary", "Some text.")}
    for language, (title, summary, body) in texts.items():
        Article.objects.create(language=language, slug="news-day", status=Status.PUBLISHED,
                               title=title, summary=summary, body=body,
                               publish_on=dates.today(), updated_on=dates.today())
    return {"int": str(first.pk), "day": dates.today().isoformat(), "slug": "news-day",
            "text": "not-a-token"}


def page_bytes(page, url: str) -> tuple[int, int]:
    """Load `url` with nothing cached; the status and the bytes of every response."""
    responses: list = []

    def keep(response) -> None:
        responses.append(response)

    page.on("response", keep)
    try:
        response = page.goto(url, wait_until="networkidle")
    finally:
        page.remove_listener("response", keep)
    size = 0
    for each in responses:
        if each.url.endswith("/axe.min.js") or not 200 <= each.status < 300:
            continue  # the test's own tool; a redirect has no body
        try:
            size += len(each.body())
        except Exception:  # a document replaced meanwhile: its size as the browser saw it
            size += each.request.sizes()["responseBodySize"]
    return response.status, size


def test_every_public_page_in_every_language_and_width():
    values = make_content()
    paths = public_paths(values)
    assert {"", "declare/", "statements/", "verify/", "data/"} <= set(paths)
    shots = os.environ.get("SCREENSHOTS")
    problems: list[str] = []
    weights: dict[str, int] = {}
    versions: set[str] = set()
    with running_service() as base, chromium_page(javascript=True) as page:
        page.context.route("**/*", lambda route: route.continue_())  # no HTTP cache
        # axe-core is served as if from the site itself, so the strict CSP lets it run.
        page.context.route(base + "/axe.min.js", lambda route: route.fulfill(
            body=AXE.read_bytes(), content_type="text/javascript"))
        for language in LANGUAGES:
            for width in (NARROWEST, *WIDTHS):
                page.set_viewport_size({"width": width, "height": 900})
                for path in paths:
                    where = f"{language} {width}px /{path}"
                    if width == NARROWEST:
                        page.goto(f"{base}/{language}/{path}")
                        if (overflow := page.evaluate(OVERFLOW)) > 0:
                            problems.append(f"{where}: {overflow} px wider than the screen")
                        continue
                    status, size = page_bytes(page, f"{base}/{language}/{path}")
                    if status >= 400 and "not-a-token" not in path:
                        problems.append(f"{where}: status {status}")
                    weights[path] = max(weights.get(path, 0), size)
                    if size > BUDGETS.get(path, BUDGET):
                        problems.append(f"{where}: {size} bytes, over its budget")
                    if (overflow := page.evaluate(OVERFLOW)) > 0:
                        problems.append(f"{where}: {overflow} px wider than the screen")
                    if language != "en":
                        text = page.evaluate(VISIBLE_TEXT)
                        for run in ENGLISH_RUN.findall(text):
                            problems.append(f"{where}: untranslated {run!r}")
                    if width == WIDTHS[0]:
                        page.add_script_tag(url=base + "/axe.min.js")
                        versions.add(page.evaluate("axe.version"))
                        for violation in page.evaluate(AXE_RUN):
                            problems.append(f"{where}: axe {violation}")
                    if shots and language == "zh-hans":
                        name = (path.strip("/").replace("/", "_") or "home") + f"-{width}.png"
                        page.screenshot(path=str(Path(shots) / name), full_page=True)
        foreign = [url for url in page.requests if not url.startswith(base)]
    if report := os.environ.get("PAGE_WEIGHTS"):
        Path(report).write_text("".join(f"{p or '(home)'}\t{n}\n" for p, n in weights.items()))
    assert versions == {AXE_VERSION}
    assert not foreign, foreign
    assert not problems, "\n".join(problems)
