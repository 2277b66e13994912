"""Several sequencers on one PostgreSQL: one leader, standbys that take over when it dies
or hangs.

Two real `manage.py sequencer` processes against the test database; the leader is
killed with SIGKILL (no chance to clean up), or stopped with SIGSTOP (it keeps its
database session, and would keep any lock for ever), and the standby must take over
within the lease's bound, sequence what follows, and never sequence a declaration
twice; a stopped leader woken again must sign nothing. On SQLite there is no lease to
pass (the single writer lock serializes every sequencer), so the tests are PostgreSQL
only and run in the PostgreSQL pass of .ci/run.
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
from tuidang.transparency.models import LogState

# Short, so the tests are quick: the standby takes the lead after LEASE seconds without
# a heartbeat, looking every PERIOD seconds.
LEASE, PERIOD = 3.0, 0.5

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Sequencer:
    """A sequencer process whose output lines are collected as they come."""

    def __init__(self) -> None:
        self.proc = start(["sequencer", "--standby-interval", str(PERIOD), "--lease", str(LEASE)],
                          PUBLISH_INTERVAL="0.1")
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


def lease_holder() -> tuple[int, int]:
    """The process id and epoch the lease names."""
    from tuidang.transparency.models import Lease

    row = Lease.objects.get()
    return int(row.holder.rsplit(" ", 2)[1]), row.epoch


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
        pytest.skip("the lease passes between machines on PostgreSQL; .ci/run runs this there")
    first = Sequencer()
    second = None
    try:
        first.wait_for_line("leader, sequencing")
        second = Sequencer()
        second.wait_for_line("standby, waiting")
        assert lease_holder()[0] == first.proc.pid
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
        assert took < LEASE + 5, f"the standby took {took:.1f}s to take over"
        for i in range(15):
            declare(client, f"丙{i}")
        wait_until_sequenced(45)
        assert lease_holder()[0] == second.proc.pid
    finally:
        first.stop()
        if second is not None:
            second.stop()

    check_log(tmp_path, 45)


def check_log(tmp_path: Path, total: int) -> None:
    """Each declaration exactly once, in a gapless log that the auditor accepts."""
    indices = sorted(Declaration.objects.values_list("log_index", flat=True))
    assert indices == list(range(total))
    assert len(list(storage.all_entries())) == total
    call_command("log_export", str(tmp_path / "log"))
    audit = subprocess.run(
        [str(Path(sys.executable).parent / "tuidang-audit"), str(tmp_path / "log"),
         "--key", keys.verifier_key(), "--no-progress"],
        capture_output=True, text=True, timeout=60,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert f"size={total} persons={total}" in audit.stdout


def test_it_fails_over_when_the_leader_hangs_and_the_woken_leader_signs_nothing(client, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the lease passes between machines on PostgreSQL; .ci/run runs this there")
    first = Sequencer()
    second = None
    try:
        first.wait_for_line("leader, sequencing")
        second = Sequencer()
        second.wait_for_line("standby, waiting")
        for i in range(10):
            declare(client, f"甲{i}")
        wait_until_sequenced(10)
        _pid, epoch = lease_holder()

        # A hung leader: its process and its database session live on, doing nothing.
        os.kill(first.proc.pid, signal.SIGSTOP)
        stopped = time.monotonic()
        for i in range(10):
            declare(client, f"乙{i}")
        took = second.wait_for_line("leader, sequencing", timeout=LEASE + 20)
        # Within the bound docs/deploy.md states: the lease plus a look (and the time the
        # leader may have been renewing before it stopped: one heartbeat period).
        assert time.monotonic() - stopped < LEASE + 3 * PERIOD + 5, took
        wait_until_sequenced(20)
        assert lease_holder() == (second.proc.pid, epoch + 1)
        signed = bytes(LogState.objects.get().signed_checkpoint)

        # Woken, the old leader finds the lease gone at its next heartbeat or step, and
        # steps down without signing: the checkpoint is still the new leader's.
        os.kill(first.proc.pid, signal.SIGCONT)
        first.wait_for_line("standby, waiting", timeout=15)
        assert bytes(LogState.objects.get().signed_checkpoint) == signed
        for i in range(10):
            declare(client, f"丙{i}")
        wait_until_sequenced(30)
        assert lease_holder() == (second.proc.pid, epoch + 1)
        assert [line for line in first.lines if "leader, sequencing" in line] == [
            "sequencer: leader, sequencing"]
    finally:
        if first.proc.poll() is None:
            os.kill(first.proc.pid, signal.SIGCONT)
        first.stop()
        if second is not None:
            second.stop()
    check_log(tmp_path, 30)


def test_a_step_fenced_by_an_old_epoch_signs_nothing(client):
    """What stops a woken leader, in process: its step finds the lease at another epoch."""
    if connection.vendor != "postgresql":
        pytest.skip("fencing is PostgreSQL's; .ci/run runs this there")
    from tuidang.transparency import lease, sequencer

    holder = lease.Holder(LEASE, PERIOD)
    assert holder.try_to_lead()
    declare(client, "张三")
    sequencer.publish(fence=holder.fence())
    before = LogState.objects.get()
    taker = lease.Holder(LEASE, PERIOD)
    from tuidang.transparency.models import Lease

    Lease.objects.update(holder="")  # released: the other takes it at once
    assert taker.try_to_lead()
    declare(client, "李四")
    with pytest.raises(lease.Fenced):
        sequencer.publish(fence=holder.fence())
    after = LogState.objects.get()
    assert (after.size, bytes(after.signed_checkpoint)) == (
        before.size, bytes(before.signed_checkpoint))
    assert not holder.renew() and not holder.leads
    assert sequencer.publish(fence=taker.fence()) == 1
