"""Killing the whole service twice under load loses nothing that got a receipt (issue #7).

The real service (`manage.py runservice`: web server, sequencer, worker) takes form posts
with CSRF and API posts from several threads; twice during the load every one of its
processes is SIGKILLed at once (the process group) and it is started again. A request cut
off by a kill gets no receipt and counts for nothing; every receipt the server did give
must lead to exactly one entry in the log, and the exported log must pass the audit.
"""

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Sum

from tests.factories import declaration_post, person_fields
from tests.service import Browser, free_port, start, wait_for
from tests.test_api import make_token
from tuidang.registry.actions import find_by_receipt
from tuidang.registry.models import Declaration, Status, Total
from tuidang.transparency import keys, storage

pytestmark = pytest.mark.django_db(transaction=True)

AUDIT = str(Path(sys.executable).parent / "tuidang-audit")
TARGET = 300  # receipts to collect
KILL_AT = (90, 190)  # receipts collected when the service is killed
THREADS = 6
CUT_OFF = (OSError, http.client.HTTPException)  # what a killed server looks like


class Load:
    """Posts declarations from several threads and keeps every receipt code it is given."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token
        self.codes: list[str] = []
        self.cut_off = 0
        self.unexpected: list[str] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def run(self, worker: int) -> None:
        browser = Browser(self.base)
        n = 0
        while not self.stop.is_set():
            n += 1
            name = f"载{worker}号{n}"  # unique: no exact duplicate is held for review
            try:
                code = self.api(name) if n % 4 == 0 else self.form(browser, name)
            except CUT_OFF:
                with self.lock:
                    self.cut_off += 1
                time.sleep(0.05)
                continue
            with self.lock:
                if code is None:
                    self.unexpected.append(name)
                elif len(self.codes) < TARGET:
                    self.codes.append(code)
                else:
                    self.stop.set()

    def form(self, browser: Browser, name: str) -> str | None:
        page = browser.post_form("/en/declare/", declaration_post(
            person_fields(0, name), person_fields(1, name + "妻", ["league"])))
        match = re.search(r'id="receipt-code">([^<]+)<', page)
        return match.group(1).strip() if match else None

    def api(self, name: str) -> str | None:
        body = {"declarations": [{"persons": [{"display_name": name, "organizations": ["party"]}],
                                  "channel": "phone", "consent": True}]}
        request = urllib.request.Request(
            self.base + "/api/v1/declarations", data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}",
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                result = json.load(response)["results"][0]
        except urllib.error.HTTPError:
            return None
        return result.get("receipt_code")

    def collected(self) -> int:
        with self.lock:
            return len(self.codes)


def kill_group(service: subprocess.Popen) -> None:
    os.killpg(service.pid, signal.SIGKILL)  # runservice leads the group of all its children
    service.wait(timeout=10)


def start_service(port: int) -> subprocess.Popen:
    service = start(["runservice"], PORT=str(port))
    try:
        wait_for(f"http://127.0.0.1:{port}/count.json", timeout=90)
    except TimeoutError:
        kill_group(service)
        raise AssertionError("the service did not start:\n" + service.stdout.read()) from None
    return service


def test_it_loses_no_receipted_declaration_when_the_service_is_killed_twice(
    alice, client, tmp_path
):
    token = make_token(alice)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    service = start_service(port)
    load = Load(base, token)
    threads = [threading.Thread(target=load.run, args=(i,)) for i in range(THREADS)]
    try:
        for thread in threads:
            thread.start()
        for mark in (*KILL_AT, TARGET):
            # Each phase has its own time limit: a restart alone can take 20 s on a busy
            # machine.
            until = time.monotonic() + 60
            while load.collected() < mark and time.monotonic() < until:
                time.sleep(0.02)
            assert load.collected() >= mark, f"only {load.collected()} receipts"
            if mark != TARGET:
                kill_group(service)
                service = start_service(port)
        for thread in threads:
            thread.join(timeout=15)
        assert not any(thread.is_alive() for thread in threads), "the load did not stop"
        # Drained: every declaration the database holds is in the log.
        until = time.monotonic() + 60
        while Declaration.objects.filter(log_index=None).exists():
            assert time.monotonic() < until, "the sequencer did not catch up"
            time.sleep(0.2)
    finally:
        load.stop.set()
        if service.poll() is None:
            service.send_signal(signal.SIGINT)
            service.communicate(timeout=30)

    codes = load.codes
    assert len(codes) == TARGET and len(set(codes)) == TARGET
    assert load.cut_off > 0, "the kills did not cut off any request"
    assert load.unexpected == []
    # Every receipt leads to one declaration, published, at its own place in the log.
    found = [find_by_receipt(code) for code in codes]
    assert None not in found
    receipted = Declaration.objects.filter(pk__in=[d.pk for d in found])
    assert receipted.count() == TARGET
    assert not receipted.exclude(status=Status.ACCEPTED).exists()
    assert receipted.filter(log_index__isnull=False).count() == TARGET
    for code in codes[::30]:  # and the receipt page says so
        page = client.post("/en/receipt/", {"code": code}).content.decode()
        assert 'data-status="published"' in page
    # A request cut off after its commit may have stored a declaration without a receipt
    # reaching the client; no more than the requests cut off.
    stored = Declaration.objects.count()
    assert TARGET <= stored <= TARGET + load.cut_off
    indices = sorted(Declaration.objects.values_list("log_index", flat=True))
    assert indices == list(range(stored))  # each exactly once, none skipped
    assert len(list(storage.all_entries())) == stored
    persons = Declaration.objects.aggregate(n=Sum("person_count"))["n"]
    assert Total.objects.get(key="persons").value == persons

    call_command("log_export", tmp_path)
    result = subprocess.run([AUDIT, str(tmp_path), "--key", keys.verifier_key(),
                             "--no-progress"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"size={stored}" in result.stdout and f"persons={persons}" in result.stdout
