"""A declarant in a real browser with JavaScript off (Playwright driving Debian's Chromium)."""

import re
import shutil
import signal
import time

import pytest

from tests.service import free_port, start, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def service():
    port = free_port()
    process = start(["runservice"], PORT=str(port))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/count.json")
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)


@pytest.fixture
def page():
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        context = browser.new_context(java_script_enabled=False, locale="zh-CN")
        requests: list[str] = []
        context.on("request", lambda request: requests.append(request.url))
        page = context.new_page()
        page.requests = requests
        yield page
        browser.close()


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
    assert total(page, base) == before + 2

    page.goto(base + "/zh-hans/receipt/")
    page.fill("#id_code", code)
    page.click("main button[type='submit']")
    assert page.get_attribute("#status", "data-status") == "published"
    assert "张三" in page.inner_text("#receipt-status")
    assert "小明" in page.inner_text("#receipt-status")

    # Nothing was loaded from any other host.
    assert page.requests and all(url.startswith(base) for url in page.requests)


def test_the_language_switcher_works_without_javascript(service, page):
    page.goto(service + "/zh-hans/declare/")
    page.click("nav.languages a[hreflang='en']")
    assert page.url == service + "/en/declare/"
    assert page.locator("h1").inner_text() == "Declare that you quit"
    page.click("nav.languages a[hreflang='zh-hant']")
    assert page.url == service + "/zh-hant/declare/"
