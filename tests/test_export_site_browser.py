"""The exported mirror opened from disk (file://) in Chromium, JavaScript off: the
navigation works across pages and languages and no request leaves the folder."""

import pytest
from django.core.management import call_command

from tests.browser import chromium_page
from tests.factories import declare
from tests.test_export_site import make_article
from tuidang.moderation import actions as moderation
from tuidang.registry.models import Declaration
from tuidang.transparency import sequencer

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

SITE_URL = "https://tuidang.example"


@pytest.fixture
def site(client, mona, settings, tmp_path):
    settings.SITE_URL = SITE_URL
    settings.MEDIA_ROOT = tmp_path / "media"
    for i in range(110):
        declare(client, f"人{i}")
    declare(client, "王五", statement_title="我的声明", statement_text="我宣布退出共青团。")
    sequencer.drain()
    moderation.decide(mona, Declaration.objects.get(statement_title="我的声明").pk,
                      "approve-statement", "ok")
    make_article("hello", cover=True)
    directory = tmp_path / "site"
    call_command("export_site", directory)
    return directory


def test_it_browses_the_mirror_from_disk_without_leaving_the_folder(site):
    root = site.as_uri()
    with chromium_page(javascript=False) as page:
        outside: list[str] = []

        def guard(route):
            if route.request.url.startswith(root + "/"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.context.route("**/*", guard)
        page.goto(root + "/index.html")
        assert page.locator("#total").inner_text().strip() == "111"

        page.click("header nav a:nth-child(2)")  # statements
        assert page.url == root + "/zh-hans/statements/index.html"
        page.click("a[rel='next']")  # older, a path, not ?before=
        assert page.url.startswith(root + "/zh-hans/statements/before/")
        page.click("a[rel='next']")
        assert page.locator("article.declaration").count() == 50
        assert page.locator("a[rel='next']").count() == 0  # the oldest page

        page.click("nav.languages a[hreflang='en']")
        assert page.url.startswith(root + "/en/statements/before/")
        assert page.locator("h1").inner_text() == "Statements"
        page.click("article.declaration header a >> nth=0")
        assert "/en/statements/" in page.url and page.url.endswith("/index.html")
        page.click("main a[href^='../20']")  # all of this day
        assert page.locator("article.declaration").count() > 0

        page.goto(root + "/en/statements/today/index.html")
        assert "我的声明" in page.inner_text("main")
        page.click("footer a[href$='data/index.html']")
        assert page.locator("h1").count() == 1
        page.click("header nav a:nth-child(3)")  # statistics: SVG charts, drawn server-side
        assert page.locator("svg").count() > 0
        page.click("header nav a:nth-child(4)")  # news, with the cover image
        page.click("article.news-item h2 a")
        assert page.locator("h1").inner_text() == "Title hello"
        assert page.get_attribute("figure.news-cover img", "src").startswith("../../../media/")
        # No 繁體中文 version: like the live site's redirect, the link stays on this one.
        page.click("nav.languages a[hreflang='zh-hant']")
        assert page.url == root + "/en/news/hello/index.html"
        page.click("header a.brand")
        page.click("nav.languages a[hreflang='zh-hant']")
        assert page.url == root + "/zh-hant/index.html"
        page.click("header nav a:nth-child(6)")  # verify the count
        page.click("main a[href$='log/checkpoint']")
        assert page.url == root + "/log/checkpoint"

        # Pages that need the server point to the live site, not to a missing file.
        page.goto(root + "/en/index.html")
        assert page.get_attribute("header nav a:nth-child(1)", "href") == (
            SITE_URL + "/en/declare/")

        assert not outside, outside
        assert page.requests and all(url.startswith(root + "/") for url in page.requests), [
            url for url in page.requests if not url.startswith(root + "/")]
        assert any(url.endswith("/static/css/site.css") for url in page.requests)
        assert any("/media/news/" in url for url in page.requests)
