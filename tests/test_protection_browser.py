"""The proof-of-work widget in a real browser with JavaScript on, under the site's strict CSP."""

import shutil
import signal
import time

import pytest

from tests.service import free_port, start, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; worker-src 'self' blob:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


@pytest.fixture
def service():
    port = free_port()
    process = start(["runservice"], PORT=str(port), PROTECTION_POW_HOLD="1",
                    PROTECTION_POW_MAXNUMBER="20000")
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
        context = browser.new_context(java_script_enabled=True, locale="zh-CN")
        requests: list[str] = []
        console: list[str] = []
        context.on("request", lambda request: requests.append(request.url))

        def with_csp(route):
            # Enforce the site's policy on every page, whatever the middleware sends.
            response = route.fetch()
            route.fulfill(response=response,
                          headers={**response.headers, "content-security-policy": CSP})

        context.route(lambda url: "/static/" not in url and "/altcha/" not in url, with_csp)
        page = context.new_page()
        page.on("console", lambda message: console.append(message.text))
        page.on("pageerror", lambda error: console.append(str(error)))
        page.requests = requests
        page.console = console
        yield page
        browser.close()


def test_it_solves_the_proof_of_work_under_the_strict_csp(service, page):
    base = service
    page.goto(base + "/zh-hans/declare/")
    page.wait_for_function("customElements.get('altcha-widget') !== undefined")
    page.fill("#id_persons-0-display_name", "张三")
    page.check("input[name='persons-0-organizations'][value='party']")
    page.click("button[name='submit']")
    page.wait_for_selector("#receipt-code", timeout=60_000)
    code = page.inner_text("#receipt-code").strip()

    # Accepted without a moderator (held "no-pow" would mean the proof failed).
    deadline = time.monotonic() + 15
    while True:
        page.goto(base + "/en/receipt/")
        page.fill("#id_code", code)
        page.click("main button[type='submit']")
        status = page.get_attribute("#status", "data-status")
        if status in ("published", "held") or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert status == "published"
    assert not [m for m in page.console if "Content Security Policy" in m], page.console
    assert any(url.endswith("/altcha/challenge") for url in page.requests)
    assert all(url.startswith(base) for url in page.requests), page.requests
