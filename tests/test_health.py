"""The operators' health endpoint (issue 24): a 404 to the public; with the token, whether
this machine leads, whether the leader is alive, the age of the last publication as a
duration and whether the queue drains; a stopped sequencer shows within the lease."""

import json
import os
import re
import signal
import time

import pytest

from tests.factories import declare
from tests.service import start
from tuidang.transparency import lease

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "an-operators-token-long-enough-to-guess-never"
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


@pytest.fixture(autouse=True)
def health_settings(settings):
    settings.HEALTH_TOKEN = TOKEN
    settings.SEQUENCER_LEASE = 1.5
    settings.SEQUENCER_HEARTBEAT = 0.2
    settings.PUBLISH_INTERVAL = 0.5
    from tuidang.transparency import health

    health._seen.clear()


def test_it_is_a_404_to_anyone_without_the_token(client, settings):
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"},
                    {"HTTP_AUTHORIZATION": TOKEN}, {"HTTP_X_HEALTH_TOKEN": TOKEN}):
        assert client.get("/health", **headers).status_code == 404
        assert client.post("/health", **headers).status_code == 404
    assert client.get(f"/health?token={TOKEN}").status_code == 404
    settings.HEALTH_TOKEN = None  # unset: nobody
    assert client.get("/health", HTTP_AUTHORIZATION="Bearer ").status_code == 404
    assert client.get("/health", HTTP_AUTHORIZATION="Bearer None").status_code == 404


def test_with_the_token_it_refuses_other_methods(client):
    assert client.post("/health", **AUTH).status_code == 405
    assert client.get("/health", **AUTH).status_code == 200


def read(client) -> dict:
    response = client.get("/health", **AUTH)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    return json.loads(response.content)


def test_it_reports_the_leader_and_sees_it_stop(client):
    before = read(client)
    assert before["leader"] is None and not before["leader_alive"] and not before["draining"]
    process = start(["sequencer"], PUBLISH_INTERVAL="0.5", SEQUENCER_LEASE="1.5",
                    SEQUENCER_HEARTBEAT="0.2")
    try:
        deadline = time.monotonic() + 30
        while (report := read(client))["seconds_since_publication"] is None:
            assert time.monotonic() < deadline, report
            time.sleep(0.2)
        declare(client, "张三")
        time.sleep(1.5)
        report = read(client)
        assert report["this_machine_leads"] and report["leader"] == lease.machine()
        assert report["leader_alive"] and report["draining"]
        assert report["seconds_since_publication"] <= 1
        assert report["full_batches_pending"] == 0 and report["log_size"] == 1
        # Durations and counts only: nothing that reads as a time of day.
        assert not re.search(r"\d\d:\d\d", json.dumps(report))

        os.kill(process.pid, signal.SIGSTOP)
        time.sleep(2.5)  # past the lease
        report = read(client)
        assert not report["leader_alive"] and not report["draining"]
        assert report["heartbeat_unchanged_seconds"] >= 1.5
        os.kill(process.pid, signal.SIGCONT)
        time.sleep(1)
        assert read(client)["leader_alive"]
    finally:
        os.kill(process.pid, signal.SIGCONT)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    # A clean stop releases the lease: nobody leads.
    assert read(client)["leader"] is None, output
