"""Shared plumbing for the browser tests: the real service and Debian's Chromium."""

import shutil
import signal
from contextlib import contextmanager

import pytest

from tests.service import free_port, start, wait_for

CHROMIUM = "/usr/bin/chromium"


@contextmanager
def running_service(**env: str):
    """`runservice` on a free port against the test database; yields its base URL."""
    port = free_port()
    process = start(["runservice"], PORT=str(port), **env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/count.json")
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)


@contextmanager
def chromium_page(javascript: bool):
    """A page in a fresh headless Chromium; `page.requests` lists every URL it asked for,
    `page.console` every console message and page error."""
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        context = browser.new_context(java_script_enabled=javascript, locale="zh-CN")
        requests: list[str] = []
        console: list[str] = []
        context.on("request", lambda request: requests.append(request.url))
        page = context.new_page()
        page.on("console", lambda message: console.append(message.text))
        page.on("pageerror", lambda error: console.append(str(error)))
        page.requests = requests
        page.console = console
        try:
            yield page
        finally:
            browser.close()
