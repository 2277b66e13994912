"""Shared plumbing for the browser tests: the real service and Debian's Chromium."""

import shutil
import signal
import subprocess
from contextlib import contextmanager

import pytest

from tests.service import free_port, start, wait_for, wait_for_port

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
def running_redis():
    """A Redis of its own on a free port, configured as deploy/redis (nothing on disk);
    yields its REDIS_URL. The web processes share what it holds, as in production."""
    program = shutil.which("redis-server")
    if program is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [program, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, timeout=10)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


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
