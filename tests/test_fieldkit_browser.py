"""The field kit in a real browser (Debian's Chromium): an alias taken with one click and
JavaScript off; the counter image and the attestation render, carry no cookie and ask
no other host for anything. Screenshots at a phone's and a desktop's width go to
$SCREENSHOTS_DIR when it is set (to look at them), else to a temporary directory."""

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.browser import chromium_page, running_service
from tests.conftest import login_verified
from tuidang.imports.files import CSV_COLUMNS
from tuidang.intake import service as intake
from tuidang.registry.schema import DeclarationData, PersonData

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 1280)


@pytest.fixture(scope="module")
def service(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), running_service() as base:
        yield base


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(page, folder: Path, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)


def only_from(base: str, page) -> None:
    assert page.requests and all(url.startswith(base) for url in page.requests), page.requests


def test_an_alias_is_taken_with_one_click_without_javascript(service, shots):
    with chromium_page(javascript=False) as page:
        page.goto(service + "/zh-hans/declare/")
        screenshot(page, shots, "declare")
        alias = page.locator("button[name='use_alias']").first.inner_text().strip()
        page.locator("button[name='use_alias']").first.click()
        assert page.input_value("#id_persons-0-display_name") == alias
        page.check("input[name='persons-0-organizations'][value='party']")
        page.focus("#id_persons-0-display_name")
        page.keyboard.press("Enter")  # submits the declaration, not another alias
        page.wait_for_selector("#receipt-code")
        screenshot(page, shots, "receipt-issued")
        only_from(service, page)


def test_the_counter_renders_with_no_cookie_and_nothing_from_elsewhere(service, shots):
    with chromium_page(javascript=False) as page:
        page.goto(service + "/zh-hans/counter/")
        page.context.clear_cookies()
        page.reload()
        images = page.locator("main img")
        assert images.count() == 6
        for i in range(6):
            assert images.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
        screenshot(page, shots, "counter-page")
        response = page.goto(service + "/counter/zh-hans-large.svg")
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert "set-cookie" not in response.headers
        page.screenshot(path=str(shots / "counter-zh-hans-large.png"))
        page.goto(service + "/counter/en-small.svg")
        page.screenshot(path=str(shots / "counter-en-small.png"))
        assert page.context.cookies() == []
        only_from(service, page)


def test_the_attestation_renders_and_prints_with_no_cookie(service, shots):
    with chromium_page(javascript=False) as page:
        page.goto(service + "/zh-hans/declare/")
        page.fill("#id_persons-0-display_name", "证明人")
        page.check("input[name='persons-0-organizations'][value='league']")
        page.click("button[name='submit']")
        code = page.inner_text("#receipt-code").strip()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # the service publishes every half second
            page.goto(service + "/zh-hans/receipt/")
            page.fill("#id_code", code)
            page.click("main button[type='submit']")
            if page.get_attribute("#status", "data-status") == "published":
                break
            time.sleep(0.5)
        screenshot(page, shots, "receipt-lookup")
        page.context.clear_cookies()
        response_of = []
        page.on("response", lambda r: r.url.endswith("/attestation/") and response_of.append(r))
        page.click("#attestation-button")
        page.wait_for_selector("#attestation")
        assert "set-cookie" not in response_of[0].headers
        assert page.context.cookies() == []
        assert page.is_visible("svg.qr")
        text = page.inner_text("#attestation")
        assert "证明人" in text and "共青团" in text and "Communist Youth League" in text
        screenshot(page, shots, "attestation")
        page.emulate_media(media="print")
        page.pdf(path=str(shots / "attestation.pdf"), format="A4")
        only_from(service, page)
        assert code not in " ".join(page.requests)


def session_of(user, base: str) -> dict:
    """A session cookie of `user` with both factors, made in the database (before the
    browser starts: Playwright's loop forbids database calls)."""
    client = Client()
    login_verified(client, user)
    return {"name": settings.SESSION_COOKIE_NAME, "url": base,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value}


def pdf_text(page, path: Path) -> str:
    """Print the page to PDF as a browser does (its @page size), and read the text back;
    a PNG of each page is left beside it to look at."""
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils is not installed (apt-get install poppler-utils)")
    page.emulate_media(media="print")
    page.pdf(path=str(path), prefer_css_page_size=True, print_background=True)
    page.emulate_media(media="screen")
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(path), str(path.with_suffix(""))],
                   check=True)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_the_sheet_and_the_slips_print_with_the_columns_and_the_codes(service, shots, alice):
    cookie = session_of(alice, service)
    with chromium_page(javascript=False) as page:
        page.context.add_cookies([cookie])
        page.goto(service + "/zh-hans/helpers/sheet/")
        assert page.locator("th[data-column]").count() == len(CSV_COLUMNS)
        screenshot(page, shots, "sheet")
        text = pdf_text(page, shots / "sheet.pdf")
        squeezed = re.sub(r"\s+", "", text)
        for name in CSV_COLUMNS:
            assert name in squeezed, name
        assert "只登记主动请您代为声明的人" in squeezed

        page.goto(service + "/zh-hans/helpers/slips/")
        screenshot(page, shots, "slips-form")
        codes = ["ABCD-EFGH-JKMN-PQRS-TUVW", "2345-6789-ABCD-EFGH-JKMN", "WXYZ-2345-6789-ABCD-EFGH"]
        page.fill("#id_codes", "\n".join(codes))
        page.click("main button[type='submit']")
        assert page.locator(".slip").count() == 3
        screenshot(page, shots, "slips")
        text = pdf_text(page, shots / "slips.pdf")
        for code in codes:
            assert re.search(r"\s+".join(code.split("-")), text), code
        assert "/zh-hans/receipt/" in text
        only_from(service, page)


def test_the_helper_and_moderator_pages_render(service, shots, alice, mona):
    for n in range(6):
        intake.receive(DeclarationData([PersonData(f"张{n}", ("party",))]),
                       channel="in-person", helper=alice)
    helper, moderator = session_of(alice, service), session_of(mona, service)
    with chromium_page(javascript=False) as page:
        page.context.add_cookies([helper])
        page.goto(service + "/zh-hans/helpers/")
        screenshot(page, shots, "helpers-home")
        page.goto(service + "/zh-hans/helpers/declare/")
        screenshot(page, shots, "helpers-declare")
        page.locator("button[name='use_alias']").nth(2).click()
        assert page.input_value("#id_persons-0-display_name")
        page.check("input[name='persons-0-organizations'][value='party']")
        page.check("#id_consent")
        page.click("button[name='submit']")
        page.wait_for_selector("#slip-button")
        screenshot(page, shots, "helpers-receipt")
        page.click("#slip-button")
        assert page.locator(".slip").count() == 1
        page.context.clear_cookies()
        page.context.add_cookies([moderator])
        page.goto(service + "/zh-hans/moderation/helpers/")
        assert page.locator("tr[data-helper='alice'] td.day").last.inner_text() == "7"
        screenshot(page, shots, "moderation-helpers")
        only_from(service, page)
