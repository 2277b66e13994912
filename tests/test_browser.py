"""A declarant in a real browser with JavaScript off (Playwright driving Debian's Chromium)."""

import re
import time

import pytest

from tests.browser import chromium_page, running_service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

@pytest.fixture
def service():
    with running_service() as base:
        yield base


@pytest.fixture
def page():
    with chromium_page(javascript=False) as page:
        yield page


def total(page, base: str) -> int:
    page.goto(base + "/zh-hans/")
    return int(page.inner_text("#total").replace(",", ""))


def test_it_declares_two_persons_without_javascript(service, page):
    base = service
    before = total(page, base)
    page.goto(base + "/")
    assert page.url == base + "/zh-hans/"
    page.click("a[href='/zh-hans/declare/']")
    page.fill("#id_persons-0-display_name", "张三")
    page.check("input[name='persons-0-organizations'][value='party']")
    page.click("button[name='add_person']")
    page.fill("#id_persons-1-display_name", "小明")
    page.check("input[name='persons-1-organizations'][value='pioneers']")
    page.select_option("#id_persons-1-region", "overseas")
    page.select_option("#id_persons-1-country", "CA")
    page.click("button[name='submit']")
    code = page.inner_text("#receipt-code").strip()
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){4}", code)

    deadline = time.monotonic() + 15
    while total(page, base) < before + 2 and time.monotonic() < deadline:
        time.sleep(0.3)
    time.sleep(1.2)  # every web process's micro-cached copy is fresh by now
    assert total(page, base) == before + 2

    page.goto(base + "/zh-hans/receipt/")
    page.fill("#id_code", code)
    page.click("main button[type='submit']")
    assert page.get_attribute("#status", "data-status") == "published"
    assert "张三" in page.inner_text("#receipt-status")
    assert "小明" in page.inner_text("#receipt-status")

    # The rest of a visit: every public page, the proof download, a contest form.
    for path in ["/zh-hans/statements/", "/zh-hans/counting/", "/zh-hans/verify/",
                 "/zh-hans/contest/", "/zh-hant/", "/en/statements/", "/log/checkpoint",
                 "/count.json", "/zh-hans/accounts/login/"]:
        response = page.goto(base + path)
        assert response.status == 200, path
    page.goto(base + "/zh-hans/statements/")
    page.click("article.declaration header a")
    assert "张三" in page.inner_text("main")

    # Nothing was loaded from any other host, and no page needed a web font.
    assert page.requests and all(url.startswith(base) for url in page.requests), page.requests
    assert not [url for url in page.requests if url.endswith((".woff", ".woff2", ".ttf"))]


def test_the_language_switcher_works_without_javascript(service, page):
    page.goto(service + "/zh-hans/declare/")
    page.click("nav.languages a[hreflang='en']")
    assert page.url == service + "/en/declare/"
    assert page.locator("h1").inner_text() == "Declare that you quit"
    page.click("nav.languages a[hreflang='zh-hant']")
    assert page.url == service + "/zh-hant/declare/"
