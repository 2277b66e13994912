"""Several sequencers on one PostgreSQL: one leader, standbys that take over when it dies.

Two real `manage.py sequencer` processes against the test database; the leader is
killed with SIGKILL (no chance to clean up), and the standby must take over, sequence
what follows, and never sequence a declaration twice. On SQLite there is no leader lock
(the single writer lock serializes every sequencer), so the test is PostgreSQL only and
runs in the PostgreSQL pass of .ci/run.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from tests.factories import declare
from tests.service import start
from tuidang.registry.models import Declaration
from tuidang.transparency import keys, storage
from tuidang.transparency.management.commands.sequencer import LEADER_LOCK_ID

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Sequencer:
    """A sequencer process whose output lines are collected as they come."""

    def __init__(self) -> None:
        self.proc = start(["sequencer", "--standby-interval", "0.5"], PUBLISH_INTERVAL="0.1")
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for_line(self, text: str, timeout: float = 20.0) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if any(text in line for line in self.lines):
                return time.monotonic() - started
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no {text!r} within {timeout}s; output: {self.lines}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(timeout=5)


def leader_lock_holders() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid = %s AND objid = %s AND objsubid = 1",
            [LEADER_LOCK_ID >> 32, LEADER_LOCK_ID & 0xFFFF_FFFF],
        )
        return cursor.fetchone()[0]


def wait_until_sequenced(total: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = Declaration.objects.filter(log_index=None).exists()
        if not pending and Declaration.objects.count() == total:
            return
        time.sleep(0.1)
    pending = Declaration.objects.filter(log_index=None).count()
    raise AssertionError(f"{pending} of {total} declarations still unsequenced")


def test_it_keeps_one_leader_and_fails_over_when_it_is_killed(client, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the leader lock is PostgreSQL's; .ci/run runs this on PostgreSQL")
    first = Sequencer()
    second = None
    try:
        first.wait_for_line("leader, sequencing")
        second = Sequencer()
        second.wait_for_line("standby, waiting")
        assert leader_lock_holders() == 1
        for i in range(15):
            declare(client, f"甲{i}")
        wait_until_sequenced(15)
        # Only the leader sequenced: the standby never said it leads.
        assert not any("leader, sequencing" in line for line in second.lines)

        for i in range(15):
            declare(client, f"乙{i}")
        os.kill(first.proc.pid, signal.SIGKILL)
        first.proc.wait(timeout=10)
        took = second.wait_for_line("leader, sequencing", timeout=15)
        assert took < 10, f"the standby took {took:.1f}s to take over"
        for i in range(15):
            declare(client, f"丙{i}")
        wait_until_sequenced(45)
        assert leader_lock_holders() == 1
    finally:
        first.stop()
        if second is not None:
            second.stop()

    # Each declaration exactly once, in a gapless log that the auditor accepts.
    indices = sorted(Declaration.objects.values_list("log_index", flat=True))
    assert indices == list(range(45))
    assert len(list(storage.all_entries())) == 45
    call_command("log_export", str(tmp_path / "log"))
    audit = subprocess.run(
        [str(Path(sys.executable).parent / "tuidang-audit"), str(tmp_path / "log"),
         "--key", keys.verifier_key(), "--no-progress"],
        capture_output=True, text=True, timeout=60,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "size=45 persons=45" in audit.stdout
