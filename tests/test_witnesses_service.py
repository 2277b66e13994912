"""The running service (runservice) with real witness processes: it gathers their
cosignatures by itself, and one that never answers holds up neither intake nor the log."""

import json
import signal
import socket
import time
import urllib.error
import urllib.request

import pytest

from tests.factories import declaration_post, person_fields
from tests.service import Browser, free_port, start, wait_for
from tests.witnesses import Witness, audit_command, wait_until
from tuidang.transparency import keys
from tuidang.transparency.models import CosignedCheckpoint, WitnessState

pytestmark = pytest.mark.django_db(transaction=True)


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read()


def published_checkpoint(base: str) -> bytes:
    """The log's checkpoint, or an empty one before the first is published (a 404)."""
    try:
        return fetch(base + "/log/checkpoint")
    except urllib.error.HTTPError as e:
        if e.code != 404:
            raise
        return b"\n0\n"


def persons(base: str) -> int:
    return json.loads(fetch(base + "/count.json"))["persons"]


def run_service(policy_file, **env: str):
    port = free_port()
    service = start(["runservice"], PORT=str(port), LOG_WITNESS_POLICY=str(policy_file),
                    PUBLISH_INTERVAL="0.5", **env)
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/count.json")
    # The sequencer signs the empty log's checkpoint once it has started, which may be
    # after the web processes answer on a busy machine: a 404 until then.
    wait_for(base + "/log/checkpoint")
    return service, base


def stop_service(service) -> str:
    service.send_signal(signal.SIGINT)
    output, _ = service.communicate(timeout=30)
    print(output)  # shown by pytest if the test failed
    return output


def test_the_running_service_gathers_both_cosignatures_and_the_audit_needs_them(tmp_path):
    logs = f"log {keys.verifier_key()}\n"
    w1, w2 = (Witness(tmp_path / n, f"witness.example/{n}", logs).start() for n in ("w1", "w2"))
    w3 = Witness(tmp_path / "w3", "witness.example/w3", logs)  # never started
    policy = tmp_path / "witnesses.policy"
    policy.write_text(f"witness w1 {w1.vkey} {w1.url}\nwitness w2 {w2.vkey} {w2.url}\n"
                      "group both all w1 w2\nquorum both\n")
    service, base = run_service(policy)
    try:
        Browser(base).post_form("/en/declare/", declaration_post(
            person_fields(0, "张三"), person_fields(1, "李四", ["league"])))
        checkpoint = wait_until(lambda: (lambda c: c if c.split(b"\n")[1] == b"1"
                                         and c.count(b"witness.example/w") == 2 else None)(
            published_checkpoint(base)))
        assert b"\xe2\x80\x94 witness.example/w1 " in checkpoint
        # The other web process may still hold its micro-cached copy of the checkpoint
        # (up to a second): wait it out, then every process serves this one.
        time.sleep(1.2)
        published = tmp_path / "policy"
        published.write_bytes(fetch(base + "/log/policy"))
        passed = audit_command(base + "/log/", "--policy", str(published))
        assert passed.returncode == 0, passed.stdout + passed.stderr
        assert "persons=2" in passed.stdout and passed.stdout.strip().endswith("cosigned=w1,w2")
        stricter = tmp_path / "stricter"
        stricter.write_text(published.read_text().replace(
            "group both all w1 w2", f"witness w3 {w3.vkey}\ngroup all3 all w1 w2 w3")
            .replace("quorum both", "quorum all3"))
        failed = audit_command(base + "/log/", "--policy", str(stricter))
        assert failed.returncode == 1 and "not met: cosigned by w1, w2" in failed.stdout
        assert "witnesses who cosigned the current count: 2 of 2" in fetch(
            base + "/en/").decode()
    finally:
        output = stop_service(service)
        for witness in (w1, w2):
            witness.stop()
    assert service.returncode == 0, output
    assert CosignedCheckpoint.objects.get().quorum
    assert dict(WitnessState.objects.values_list("name", "size")) == {"w1": 1, "w2": 1}


def test_a_witness_that_never_answers_holds_up_nothing(tmp_path):
    w1 = Witness(tmp_path / "w1", "witness.example/w1", "")
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        policy = tmp_path / "witnesses.policy"
        policy.write_text(f"witness w1 {w1.vkey} http://127.0.0.1:{silent.getsockname()[1]}/\n"
                          "quorum w1\n")
        service, base = run_service(policy, LOG_WITNESS_TIMEOUT="30")
        try:
            browser = Browser(base)
            started = time.monotonic()
            for i in range(3):
                browser.post_form("/en/declare/", declaration_post(person_fields(0, f"人{i}")))
                wait_until(lambda n=i + 1: persons(base) == n, timeout=20)
            assert time.monotonic() - started < 30  # sooner than one wait for the witness
            # Each web process may answer from its micro-cache for a second.
            wait_until(lambda: fetch(base + "/log/checkpoint").split(b"\n")[1] == b"3",
                       timeout=5)
            assert b"witness.example" not in fetch(base + "/log/checkpoint")
            home = fetch(base + "/en/").decode()
            assert "witnesses who cosigned the current count: 0 of 1" in home
        finally:
            output = stop_service(service)
    assert service.returncode == 0, output
