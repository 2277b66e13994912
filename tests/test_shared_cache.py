"""The cache `make run`'s processes share without Redis (core/sharedcache.py), and what
it is for: a proof of work accepted once, and limits and log-in locks that count once
across the web processes (issue 19)."""

import json
import signal
import subprocess
import sys
import time
import urllib.request
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client

import pytest
from django.contrib.auth.models import User

from tests.service import ROOT, Browser, child_env, free_port, start, wait_for
from tests.test_protection import solve
from tuidang.core import sharedcache
from tuidang.registry.models import Declaration


@pytest.fixture
def server(tmp_path):
    path = str(tmp_path / "cache.sock")
    process = subprocess.Popen([sys.executable, "-m", "tuidang.core.sharedcache", path],
                               cwd=ROOT, env=child_env())
    deadline = time.monotonic() + 30
    cache = sharedcache.SharedCache(path, {})
    while True:
        try:
            cache.get("ready")
            break
        except OSError:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
    yield path
    process.terminate()
    process.wait(timeout=10)


def test_it_answers_as_django_s_cache_does(server):
    cache = sharedcache.SharedCache(server, {"TIMEOUT": 300})
    assert cache.get("missing", "default") == "default"
    values = {"int": 5, "bool": True, "text": "张三", "bytes": b"\x00", "dict": {"a": [1]}}
    for key, value in values.items():
        cache.set(key, value)
    assert cache.get_many([*values, "missing"]) == values
    assert cache.add("int", 9) is False and cache.get("int") == 5
    assert cache.incr("int") == 6 and cache.incr("int", 10) == 16
    with pytest.raises(ValueError):
        cache.incr("missing")
    with pytest.raises(ValueError):
        cache.incr("text")
    assert cache.add("short", 1, timeout=0.2) is True
    assert cache.has_key("short")
    time.sleep(0.3)
    assert not cache.has_key("short") and cache.add("short", 2) is True
    assert cache.touch("short", 0.2) is True
    time.sleep(0.3)
    assert cache.get("short") is None
    assert cache.delete("text") is True and cache.delete("text") is False
    cache.delete_many(["int", "bool"])
    assert cache.get_many(["int", "bool", "dict"]) == {"dict": {"a": [1]}}
    cache.set("gone", 1, timeout=0)
    assert cache.get("gone") is None
    cache.clear()
    assert cache.get("dict") is None


def test_add_and_incr_count_once_across_processes(server):
    code = (
        "import django; django.setup()\n"
        "from django.core.cache import caches\n"
        "cache = caches['default']\n"
        "from tuidang.core.sharedcache import SharedCache\n"
        "assert isinstance(cache, SharedCache)\n"
        "won = [i for i in range(100) if cache.add(f'key{i}', 1)]\n"
        "cache.add('n', 0)\n"
        "for _ in range(200): cache.incr('n')\n"
        "print(len(won))\n"
    )
    processes = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, text=True,
                                  stdout=subprocess.PIPE,
                                  env=child_env(DJANGO_SETTINGS_MODULE="tuidang.settings_test",
                                                SHARED_CACHE_SOCKET=server))
                 for _ in range(4)]
    won = [int(p.communicate(timeout=120)[0]) for p in processes]
    assert all(p.returncode == 0 for p in processes)
    assert sum(won) == 100  # every key was added by exactly one process
    assert sharedcache.SharedCache(server, {}).get("n") == 800


def test_it_refuses_a_client_without_the_key_and_serves_on(server):
    with pytest.raises(AuthenticationError):
        Client(server, family="AF_UNIX", authkey=b"not the key")
    cache = sharedcache.SharedCache(server, {})
    cache.set("still", "here")
    assert cache.get("still") == "here"


def test_it_keeps_a_bounded_number_of_entries():
    store = sharedcache.Store(max_entries=9)
    for i in range(30):
        store.run("set", (f"k{i}", i, None))
        assert len(store.data) <= 9
    assert store.run("get_many", (["k29"],)) == {"k29": 29}


# -- make run ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_make_run_s_processes_share_proofs_limits_and_log_in_locks():
    User.objects.create_user("mona", password="mona-password-123")
    port = free_port()
    service = start(["runservice", "--workers", "2"], PORT=str(port), PROTECTION_POW_HOLD="1",
                    PROTECTION_POW_MAXNUMBER="50", PROTECTION_RECEIPT_LOOKUPS_PER_SUBMITTER="3",
                    LOGIN_THROTTLE_FAILURES="3")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/count.json")
        with urllib.request.urlopen(base + "/altcha/challenge", timeout=10) as response:
            proof = solve(json.load(response), 50)
        browser = Browser(base)
        for number in range(10):  # the web processes take turns, as the kernel hands out
            page = browser.post_form("/en/declare/", {
                "persons-TOTAL_FORMS": "1", "persons-0-display_name": f"名{number}",
                "persons-0-organizations": "party", "altcha": proof})
            assert 'id="receipt-code"' in page
        holds = sorted(Declaration.objects.values_list("hold_reason", flat=True))
        assert holds == [""] + ["no-pow"] * 9  # the same proof was accepted once

        lookups = [Browser(base) for _ in range(8)]
        refused = sum("Too many receipt look-ups" in b.post_form(
            "/en/receipt/", {"code": "AAAA-BBBB-CCCC-DDDD-EEEE"}) for b in lookups)
        assert refused == 5  # three per window, counted once for both web processes

        for _ in range(3):
            page = Browser(base).post_form("/en/accounts/login/", {
                "username": "mona", "password": "wrong-password-123"})
            assert "Too many failed attempts" not in page
        page = Browser(base).post_form("/en/accounts/login/", {
            "username": "mona", "password": "mona-password-123"})
        assert "Too many failed attempts" in page
    finally:
        service.send_signal(signal.SIGINT)
        output, _ = service.communicate(timeout=30)
        print(output)
    assert service.returncode == 0, output
