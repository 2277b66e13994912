"""A whole session from a distinctive address and browser leaves no trace of either."""

import logging
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from tests.conftest import login_verified
from tests.factories import declaration_post, person_fields, receipt_code
from tests.test_privacy import database_dump
from tuidang.registry.models import Declaration
from tuidang.transparency import sequencer

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.203"
AGENT = "NoTraceBrowser/7.7 (distinctive-agent-marker)"
MARKERS = [ADDRESS, "198.51.100", AGENT, "distinctive-agent-marker"]


def visitor() -> Client:
    return Client(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=AGENT, HTTP_X_FORWARDED_FOR=ADDRESS,
                  HTTP_X_REAL_IP=ADDRESS)


def every_file_under(directory: Path) -> str:
    texts = []
    for path in directory.rglob("*"):
        if path.is_file():
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(texts)


def cache_contents() -> str:
    from django.core.cache import cache

    store = getattr(cache, "_cache", {})  # local memory: {key: pickled value}
    return "\n".join(f"{key} {bytes(value)!r}" for key, value in store.items())


def test_a_whole_session_leaves_no_address_or_agent_anywhere(
    caplog, tmp_path, alice, mona, settings
):
    # The deployed limits, so the rate limiter really sees the address.
    settings.PROTECTION_DECLARATIONS_PER_SUBMITTER = 20
    settings.PROTECTION_RECEIPT_LOOKUPS_PER_SUBMITTER = 10
    caplog.set_level(logging.DEBUG)
    public = visitor()
    public.get("/zh-hans/")
    public.get("/zh-hans/declare/")
    response = public.post("/zh-hans/declare/", declaration_post(
        person_fields(0, "无痕", private_real_name="真名"), statement_text="我退出。",
        contact="x@example.org"))
    code = receipt_code(response)
    public.post("/zh-hans/declare/", declaration_post(person_fields(0, "")))  # a bad post too
    public.post("/zh-hans/receipt/", {"code": code})
    public.post("/zh-hans/receipt/", {"code": "AAAA-BBBB-CCCC-DDDD-EEEE"})
    public.get("/zh-hans/no-such-page/")

    helper = visitor()
    login_verified(helper, alice)
    helper.post("/zh-hans/helpers/declare/", declaration_post(
        person_fields(0, "代交"), channel="hotline", consent="on"))
    helper.get("/zh-hans/helpers/")

    sequencer.drain()
    moderator = visitor()
    login_verified(moderator, mona)
    for declaration in Declaration.objects.all():
        if declaration.status == "held":
            moderator.post(f"/zh-hans/moderation/declarations/{declaration.pk}/decide/",
                           {"action": "accept", "reason": "checked"})
        if declaration.statement_status == "pending":
            moderator.post(f"/zh-hans/moderation/declarations/{declaration.pk}/decide/",
                           {"action": "approve-statement", "reason": "fine"})
    sequencer.drain()
    public.get("/zh-hans/statements/")
    public.get("/count.json")
    public.get("/log/checkpoint")
    public.post("/zh-hans/contest/", {"serial": Declaration.objects.first().pk,
                                      "account": "不是我"})
    public.post("/zh-hans/receipt/retract/", {"code": code, "confirm": "yes"})
    sequencer.drain()

    export = tmp_path / "export"
    call_command("log_export", export)
    places = {
        "database": database_dump(),
        "log records": caplog.text,
        "exported log": every_file_under(export),
        "var directory": every_file_under(Path(settings.VAR_DIR)),
        "cache": cache_contents(),
    }
    assert "rate" in places["cache"]  # the limiter ran
    for place, text in places.items():
        for marker in MARKERS:
            assert marker not in text, f"{marker!r} found in the {place}"
    assert Declaration.objects.count() == 2  # the session really happened
