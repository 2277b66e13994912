"""`make run`'s service as a whole: web, sequencer and worker started and stopped together."""

import datetime
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session

from tests.factories import declaration_post, person_fields
from tests.service import Browser, free_port, start, wait_for
from tuidang.registry.models import Declaration

pytestmark = pytest.mark.django_db(transaction=True)


def count(base: str) -> dict:
    with urllib.request.urlopen(base + "/count.json", timeout=5) as response:
        return json.load(response)


def test_it_serves_declares_counts_and_stops_cleanly_on_ctrl_c():
    ended = Session.objects.create(session_key="ended" * 6, session_data="",
                                   expire_date=datetime.datetime(2020, 1, 2, tzinfo=datetime.UTC))
    port = free_port()
    service = start(["runservice"], PORT=str(port))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/count.json")
        # It prunes ended staff sessions as it starts (and every hour).
        deadline = time.monotonic() + 30
        while Session.objects.filter(pk=ended.pk).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not Session.objects.filter(pk=ended.pk).exists()
        browser = Browser(base)
        page = browser.post_form("/en/declare/", declaration_post(
            person_fields(0, "张三"), person_fields(1, "李四", ["league"])))
        assert 'id="receipt-code"' in page
        deadline = time.monotonic() + 60  # the sequencer runs every second; CI may be busy
        while count(base)["persons"] < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        # Each web process keeps its own micro-cached copy for up to a second, so another
        # process may still answer the old count that long: wait it out, then every
        # process must answer the new one.
        time.sleep(1.2)
        assert [count(base)["persons"] for _ in range(6)] == [2] * 6
        assert Declaration.objects.get().log_index == 0
        with urllib.request.urlopen(base + "/log/checkpoint", timeout=5) as response:
            assert response.read().decode().split("\n")[1] == "1"
        with urllib.request.urlopen(base + "/log/key", timeout=5) as response:
            key = response.read().decode().strip()
        audit = subprocess.run(
            [str(Path(sys.executable).parent / "tuidang-audit"), base + "/log/", "--key", key,
             "--no-progress"], capture_output=True, text=True, timeout=60,
        )
        assert audit.returncode == 0, audit.stdout + audit.stderr
        assert "persons=2" in audit.stdout
    finally:
        service.send_signal(signal.SIGINT)
        output, _ = service.communicate(timeout=30)
        print(output)  # shown by pytest if the test failed
    assert service.returncode == 0, output
    assert "tuidang stopped" in output
    # No request was logged: neither addresses nor paths appear in the output.
    assert "127.0.0.1 -" not in output and "POST /" not in output and "GET /" not in output


def children_of(pid: int) -> dict[int, str]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        pids = [int(p) for p in f.read().split()]
    result = {}
    for child in pids:
        with open(f"/proc/{child}/cmdline", "rb") as f:
            result[child] = f.read().replace(b"\0", b" ").decode()
    return result


def is_running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has stopped running


def test_it_stops_everything_when_one_part_dies():
    port = free_port()
    service = start(["runservice"], PORT=str(port))
    try:
        wait_for(f"http://127.0.0.1:{port}/count.json")
        children = {pid: cmd for pid, cmd in children_of(service.pid).items()
                    if "prune_" not in cmd}  # the hourly pruning comes and goes
        # web, sequencer, worker, mail receiver and the cache they share
        assert len(children) == 5
        sequencer = next(pid for pid, cmd in children.items() if cmd.endswith("sequencer "))
        os.kill(sequencer, signal.SIGKILL)
        output, _ = service.communicate(timeout=30)
    finally:
        if service.poll() is None:
            service.kill()
    assert service.returncode == 1
    assert "sequencer exited" in output
    for pid in children:
        assert not is_running(pid)
