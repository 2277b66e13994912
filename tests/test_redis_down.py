"""Redis optional for real (issue 24): with REDIS_URL naming a Redis that does not answer,
declarations are received and receipted through the real HTTP interface, the limits
still count (in each process's memory), one line says so, and nothing is a 500."""

import logging
import re
import signal

import pytest
from django.test import override_settings

from tests.factories import declaration_post, declare, person_fields
from tests.service import Browser, free_port, start, wait_for
from tuidang.core import fallbackcache
from tuidang.registry.models import Declaration

pytestmark = pytest.mark.django_db(transaction=True)


def closed_redis() -> dict:
    return {"default": {
        "BACKEND": "tuidang.core.fallbackcache.FallbackRedisCache",
        "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        "KEY_PREFIX": "tuidang",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }}


def test_the_service_receives_declarations_with_redis_down():
    port = free_port()
    # The limits on (the tests' settings switch them off), as in production.
    service = start(["runservice"], PORT=str(port), REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
                    PROTECTION_DECLARATIONS_PER_SUBMITTER="5",
                    PROTECTION_DECLARATIONS_PER_MINUTE="100",
                    PROTECTION_RECEIPT_LOOKUPS_PER_SUBMITTER="5")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/count.json")
        browser = Browser(base)
        fields = declaration_post(person_fields(0, "张三"))
        page = browser.post_form("/en/declare/", fields)
        assert 'id="receipt-code"' in page, page[:2000]
        code = re.search(r'id="receipt-code">\s*([^<\s]+)', page)[1]
        found = browser.post_form("/en/receipt/", {"code": code})
        assert "张三" in found or code in found
        assert "<html" in browser.get("/zh-hans/")
    finally:
        service.send_signal(signal.SIGINT)
        output, _ = service.communicate(timeout=60)
    assert Declaration.objects.count() == 1
    assert "Traceback" not in output and "Internal Server Error" not in output, output
    lost = [line for line in output.splitlines() if "Redis cache cannot be reached" in line]
    assert 1 <= len(lost) <= 4, output  # once per process that used the cache at most
    assert not any(re.search(r"\d\d:\d\d", line) for line in lost)


def test_the_limits_still_count_with_redis_down(client, settings, caplog):
    settings.PROTECTION_DECLARATIONS_PER_SUBMITTER = 2
    with override_settings(CACHES=closed_redis()), caplog.at_level(logging.WARNING, "tuidang"):
        answers = [declare(client, name).status_code for name in ("一", "二", "三")]
        assert answers == [200, 200, 429]
    assert Declaration.objects.count() == 2
    assert [r.getMessage() for r in caplog.records].count(
        "the Redis cache cannot be reached (ConnectionError): rate limits and caches are "
        "kept in each process's memory until it is back") == 1


def test_it_goes_back_to_redis_when_it_answers_again(monkeypatch, caplog):
    backend = fallbackcache.FallbackRedisCache(
        closed_redis()["default"]["LOCATION"], {"OPTIONS": {"socket_connect_timeout": 0.5}})
    with caplog.at_level(logging.WARNING, "tuidang"):
        assert backend.add("k", 1) is True  # in memory
        assert backend.incr("k") == 2
        assert backend._down
        # Redis is back (the real one of the test machine) once the retry time is over.
        backend._servers = ["redis://127.0.0.1:6379/15"]
        backend.__dict__.pop("_cache", None)
        monkeypatch.setattr(fallbackcache, "RETRY_SECONDS", 0.0)
        backend._retry_at = 0.0
        backend.set("k2", "v", timeout=5)
        if backend._down:
            pytest.skip("no Redis on 127.0.0.1:6379")
        assert backend.get("k2") == "v"
        backend.delete("k2")
    messages = [r.getMessage() for r in caplog.records]
    assert messages[-1] == "the Redis cache is back"
