"""Contests from the public and bulk revocation by moderators."""

import datetime

import pytest

from tests.conftest import login_verified
from tests.factories import declare
from tuidang.moderation.models import Contest, Decision
from tuidang.registry import dates
from tuidang.registry.models import Declaration, Total
from tuidang.transparency import sequencer

pytestmark = pytest.mark.django_db


def published(client, *names) -> Declaration:
    declare(client, *names)
    sequencer.drain()
    return Declaration.objects.latest("id")


def persons_total() -> int:
    return Total.objects.filter(key="persons").values_list("value", flat=True).first() or 0


def test_anyone_can_contest_a_published_declaration(client):
    declaration = published(client, "张三")
    page = client.get(f"/en/contest/?serial={declaration.pk}")
    assert page.status_code == 200
    assert f'value="{declaration.pk}"' in page.content.decode()
    response = client.post("/en/contest/", {"serial": declaration.pk,
                                            "account": "我是张三，我没有委托任何人。"})
    assert response.status_code == 200
    assert 'id="contest-filed"' in response.content.decode()
    contest = Contest.objects.get()
    assert (contest.declaration, contest.state) == (declaration, "open")


def test_a_contest_needs_a_published_serial_and_an_account(client):
    declare(client, "李四")  # received, not published
    unpublished = Declaration.objects.get()
    for data in ({"serial": unpublished.pk, "account": "x"}, {"serial": 999, "account": "x"},
                 {"serial": "", "account": "x"}):
        response = client.post("/en/contest/", data)
        assert response.status_code == 400
    response = client.post("/en/contest/", {"serial": published(client, "王五").pk,
                                            "account": ""})
    assert response.status_code == 400
    assert not Contest.objects.exists()
    assert client.put("/en/contest/").status_code == 405


def test_an_upheld_contest_revokes_and_counts_down(client, mona):
    declaration = published(client, "张三", "李四")
    client.post("/en/contest/", {"serial": declaration.pk, "account": "不是我"})
    contest = Contest.objects.get()
    login_verified(client, mona)
    assert "不是我" in client.get("/en/moderation/contests/").content.decode()
    response = client.post(f"/en/moderation/contests/{contest.pk}/decide/",
                           {"action": "uphold-contest", "who": "all",
                            "reason": "identity confirmed"})
    assert response.status_code == 302
    sequencer.drain()
    declaration.refresh_from_db()
    assert declaration.status == "revoked"
    assert declaration.revocations.get().reason == "contest"
    assert persons_total() == 0
    assert Decision.objects.get().action == "uphold-contest"
    again = client.post(f"/en/moderation/contests/{contest.pk}/decide/",
                        {"action": "dismiss-contest", "reason": "x"})
    assert again.status_code == 400


def test_a_dismissed_contest_changes_nothing(client, mona):
    declaration = published(client, "张三")
    client.post("/en/contest/", {"serial": declaration.pk, "account": "不是我"})
    login_verified(client, mona)
    client.post(f"/en/moderation/contests/{Contest.objects.get().pk}/decide/",
                {"action": "dismiss-contest", "reason": "no evidence"})
    assert Contest.objects.get().state == "dismissed"
    assert Declaration.objects.get().status == "accepted"
    assert persons_total() == 1


def test_contest_pages_are_for_moderators_only(client, alice):
    declaration = published(client, "张三")
    client.post("/en/contest/", {"serial": declaration.pk, "account": "不是我"})
    contest = Contest.objects.get()
    assert client.get("/en/moderation/contests/").status_code == 302
    login_verified(client, alice)
    assert client.get("/en/moderation/contests/").status_code == 403
    assert client.get(f"/en/moderation/contests/{contest.pk}/").status_code == 403
    assert client.post(f"/en/moderation/contests/{contest.pk}/decide/",
                       {"action": "uphold-contest", "reason": "x"}).status_code == 403
    assert Contest.objects.get().state == "open"


def test_unknown_contests_are_404_and_decide_needs_post(client, mona):
    login_verified(client, mona)
    assert client.get("/en/moderation/contests/99/").status_code == 404
    assert client.get("/en/moderation/contests/99/decide/").status_code == 405


def test_bulk_revoke_previews_then_revokes_a_helpers_batch(client, alice, charlie, mona):
    login_verified(client, alice)
    for name in ("甲", "乙", "丙"):
        client.post("/en/helpers/declare/", helper_post(name))
    login_verified(client, charlie)
    client.post("/en/helpers/declare/", helper_post("丁"))
    sequencer.drain()
    assert persons_total() == 4
    login_verified(client, mona)
    today = dates.today().isoformat()
    form = {"helper": "alice", "first_day": today, "last_day": today, "reason": "fabricated"}
    preview = client.post("/en/moderation/bulk-revoke/", form)
    assert 'id="preview">3 accepted declarations match' in preview.content.decode()
    assert Declaration.objects.filter(status="revoked").count() == 0
    response = client.post("/en/moderation/bulk-revoke/", {**form, "confirm": "on"})
    assert response.status_code == 302
    sequencer.drain()
    assert persons_total() == 1
    assert Decision.objects.filter(action="revoke").count() == 3
    assert set(Declaration.objects.filter(status="revoked").values_list(
        "helper__username", flat=True)) == {"alice"}


def test_bulk_revoke_by_day_range_and_its_errors(client, mona):
    published(client, "张三")
    login_verified(client, mona)
    today = dates.today()
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    bad = client.post("/en/moderation/bulk-revoke/", {
        "first_day": today.isoformat(), "last_day": yesterday, "reason": "x", "confirm": "on"})
    assert bad.status_code == 400
    no_reason = client.post("/en/moderation/bulk-revoke/", {
        "first_day": yesterday, "last_day": today.isoformat(), "reason": "", "confirm": "on"})
    assert no_reason.status_code == 400
    nobody = client.post("/en/moderation/bulk-revoke/", {
        "helper": "nobody", "first_day": yesterday, "last_day": today.isoformat(),
        "reason": "x", "confirm": "on"})
    assert nobody.status_code == 302
    assert Declaration.objects.get().status == "accepted"
    client.post("/en/moderation/bulk-revoke/", {
        "first_day": yesterday, "last_day": today.isoformat(), "reason": "spam wave",
        "confirm": "on"})
    assert Declaration.objects.get().status == "revoked"


def test_bulk_revoke_is_for_moderators_only(client, alice):
    assert client.get("/en/moderation/bulk-revoke/").status_code == 302
    login_verified(client, alice)
    assert client.get("/en/moderation/bulk-revoke/").status_code == 403
    assert client.put("/en/moderation/bulk-revoke/").status_code in (403, 405)


def helper_post(name):
    from tests.factories import declaration_post, person_fields

    return declaration_post(person_fields(0, name), channel="phone", consent="on")
