"""The receipt survives, in a real browser (Playwright driving Debian's Chromium): a
reload, Back-and-resubmit and a double submit file one declaration; the language switch,
the download, copy and print keep the code out of every URL."""

import re
from pathlib import Path

import pytest

from tests.browser import chromium_page, running_redis, running_service
from tuidang.registry.models import Declaration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE = re.compile(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){4}")


@pytest.fixture(scope="module")
def service(django_db_setup, django_db_blocker):
    """The service as deployed: two web processes sharing a Redis."""
    with django_db_blocker.unblock(), running_redis() as redis, running_service(
            REDIS_URL=redis) as base:
        yield base


def fill(page, base: str, name: str) -> None:
    page.goto(base + "/zh-hans/declare/")
    page.fill("#id_persons-0-display_name", name)
    page.check("input[name='persons-0-organizations'][value='party']")


def code_on(page) -> str:
    code = page.inner_text("#receipt-code").strip()
    assert CODE.fullmatch(code), code
    return code


def naming(name: str) -> int:
    return sum(any(p.display_name == name for p in d.persons) for d in Declaration.objects.all())


def double_click(page, selector: str) -> int:
    """Click twice at a person's pace: the second click comes while the first post is on
    its way (its answer is held back until then), so the browser drops the first answer
    and shows the second's. Returns the number of posts that reached the server."""
    held, posts = [], []

    def hold_the_first(route) -> None:
        response = route.fetch()
        posts.append(1)
        if held:
            route.fulfill(response=response)
        else:
            held.append(route)

    page.route("**/declare/", hold_the_first)
    page.locator(selector).scroll_into_view_if_needed()
    box = page.locator(selector).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)  # (raw clicks: page.click would wait for the navigation)
    for _ in range(500):
        if held:
            break
        page.wait_for_timeout(20)
    page.mouse.click(x, y)
    for _ in range(500):
        if len(posts) == 2:
            break
        page.wait_for_timeout(20)
    page.unroute("**/declare/")
    return len(posts)


def test_a_reload_back_and_a_double_submit_file_one_declaration(service):
    with chromium_page(javascript=False) as page:
        fill(page, service, "重载")
        page.click("button[name='submit']")
        code = code_on(page)
        assert not page.is_visible("#repeat")

        page.reload()  # the browser posts the form again
        assert code_on(page) == code and page.is_visible("#repeat")

        page.go_back()  # the form, fetched again, with what was typed filled in
        assert page.input_value("#id_persons-0-display_name") == "重载"
        page.click("button[name='submit']")
        assert code_on(page) == code and page.is_visible("#repeat")

        fill(page, service, "双击")
        posts = double_click(page, "button[name='submit']")
        page.wait_for_selector("#receipt-code, #already-received")
        assert posts == 2  # the server did get the form twice
        urls = list(page.requests)
    assert naming("重载") == 1
    assert naming("双击") == 1
    assert not [url for url in urls if code in url]


def test_the_receipt_switches_language_and_downloads_with_the_code_in_no_url(
        service, tmp_path: Path):
    with chromium_page(javascript=False) as page:
        fill(page, service, "换语言")
        page.click("button[name='submit']")
        code = code_on(page)
        assert not page.is_visible("button[data-copy]")  # it needs JavaScript
        page.click("nav.languages button[lang='en']")
        assert page.url == service + "/en/receipt/issued/"
        assert page.inner_text("h1") == "Your declaration has been received"
        assert code_on(page) == code
        page.click("nav.languages button[lang='zh-hant']")
        assert page.url == service + "/zh-hant/receipt/issued/" and code_on(page) == code
        with page.expect_download() as download:
            page.click("#receipt-download")
        saved = tmp_path / "receipt.txt"
        download.value.save_as(saved)
        assert download.value.suggested_filename == "receipt.txt"
        assert code in saved.read_text()
        urls = list(page.requests)
    assert not [url for url in urls if code in url]
    assert naming("换语言") == 1


def test_copy_and_print_with_javascript(service):
    with chromium_page(javascript=True) as page:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=service)
        failed = []
        page.on("response", lambda r: r.status >= 400 and failed.append(r.url))
        fill(page, service, "复制")
        page.click("button[name='submit']")  # after the browser has solved the puzzle
        code = code_on(page)
        assert page.is_visible("button[data-print]")
        page.click("button[data-copy]")
        page.wait_for_selector("#copy-status:not(:empty)")
        assert page.evaluate("navigator.clipboard.readText()") == code
        assert all(url.endswith("/favicon.ico") for url in failed), failed
        # Chromium names the Permissions-Policy features it does not know, and asks for a
        # /favicon.ico there is none of: neither is the page's error.
        assert not [m for m in page.console if "Permissions-Policy" not in m
                    and "Failed to load resource" not in m], page.console
