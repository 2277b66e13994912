"""Killing the sequencer at any instant loses nothing receipted (docs/design.md, principle 3)."""

import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from tests.factories import declare, receipt_code
from tests.service import start
from tuidang.registry.models import Declaration, Total
from tuidang.transparency import keys, storage

pytestmark = pytest.mark.django_db(transaction=True)

AUDIT = str(Path(sys.executable).parent / "tuidang-audit")


def run_sequencer() -> subprocess.Popen:
    return start(["sequencer"], PUBLISH_INTERVAL="0.02", SEQUENCER_BATCH="7")


def test_killing_the_sequencer_repeatedly_loses_nothing(client, tmp_path):
    rng = random.Random(20261129)
    stop = threading.Event()
    kills = []

    def killer() -> None:
        process = run_sequencer()
        while not stop.is_set():
            time.sleep(rng.uniform(0.05, 0.4))
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills.append(process.returncode)
            process = run_sequencer()
        process.send_signal(signal.SIGKILL)
        process.wait()
        connection.close()

    thread = threading.Thread(target=killer)
    thread.start()
    codes = []
    try:
        for i in range(300):
            response = declare(client, f"人{i}", f"家人{i}")
            assert response.status_code == 200
            codes.append(receipt_code(response))
    finally:
        stop.set()
        thread.join()
    assert len(kills) >= 3

    final = run_sequencer()
    try:
        deadline = time.monotonic() + 60
        while Declaration.objects.filter(log_index=None).exists():
            assert time.monotonic() < deadline, "the sequencer did not catch up"
            time.sleep(0.2)
    finally:
        final.send_signal(signal.SIGTERM)
        final.wait(timeout=30)

    assert Declaration.objects.count() == 300
    indices = sorted(Declaration.objects.values_list("log_index", flat=True))
    assert indices == list(range(300))  # each exactly once, none skipped
    assert len(list(storage.all_entries())) == 300
    assert Total.objects.get(key="persons").value == 600
    for code in rng.sample(codes, 20):
        page = client.post("/en/receipt/", {"code": code}).content.decode()
        assert 'data-status="published"' in page

    call_command("log_export", tmp_path)
    result = subprocess.run([AUDIT, str(tmp_path), "--key", keys.verifier_key(),
                             "--no-progress"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "persons=600" in result.stdout
