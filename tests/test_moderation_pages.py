"""The moderators' pages as a careful moderator needs them: nothing destructive chosen
beforehand, only the decisions the state allows, reasons in words, a held duplicate linked
to the declaration it repeats, open contests counted, decisions dated (China time)."""

import datetime
import re

import pytest
from django.utils import timezone

from tests.conftest import login_verified
from tests.factories import declare
from tuidang.moderation.models import Contest, Decision
from tuidang.registry import dates, screening
from tuidang.registry.models import Declaration
from tuidang.transparency import sequencer

pytestmark = pytest.mark.django_db


def held_duplicate(client) -> tuple[Declaration, Declaration]:
    declare(client, "张三")
    declare(client, "张三")
    sequencer.drain()
    return Declaration.objects.get(status="accepted"), Declaration.objects.get(status="held")


def radios(html: str, name: str) -> dict[str, bool]:
    """The radio buttons of one field: value → checked."""
    found = {}
    for tag in re.findall(r"<input[^>]*>", html):
        if 'type="radio"' in tag and f'name="{name}"' in tag:
            value = re.search(r'value="([^"]*)"', tag).group(1)
            found[value] = "checked" in tag
    return found


def test_a_held_declaration_offers_accept_and_reject_none_chosen(client, mona):
    _first, held = held_duplicate(client)
    login_verified(client, mona)
    html = client.get(f"/en/moderation/declarations/{held.pk}/").content.decode()
    actions = radios(html, "action")
    assert set(actions) == {"accept", "reject"}
    assert not any(actions.values())
    assert not any(radios(html, "who").values())
    assert "<select" not in html.split('name="action"')[0][-200:]


def test_an_accepted_declaration_offers_only_revoking(client, mona):
    first, _held = held_duplicate(client)
    login_verified(client, mona)
    html = client.get(f"/en/moderation/declarations/{first.pk}/").content.decode()
    assert set(radios(html, "action")) == {"revoke"}
    assert not any(radios(html, "action").values())


def test_a_rejected_declaration_offers_no_decision(client, mona):
    _first, held = held_duplicate(client)
    login_verified(client, mona)
    client.post(f"/en/moderation/declarations/{held.pk}/decide/",
                {"action": "reject", "reason": "duplicate"})
    html = client.get(f"/en/moderation/declarations/{held.pk}/").content.decode()
    assert radios(html, "action") == {} and 'id="no-decision"' in html


def test_a_decision_the_state_does_not_allow_is_refused_and_changes_nothing(client, mona):
    first, _held = held_duplicate(client)
    login_verified(client, mona)
    response = client.post(f"/en/moderation/declarations/{first.pk}/decide/",
                           {"action": "reject", "reason": "no"})
    assert response.status_code == 400
    assert Declaration.objects.get(pk=first.pk).status == "accepted"
    assert not Decision.objects.exists()
    assert set(radios(response.content.decode(), "action")) == {"revoke"}


@pytest.mark.parametrize("lang, words", [
    ("zh-hans", "与此前一份声明中的人相同"),
    ("en", "Same persons as an earlier declaration"),
])
def test_a_held_duplicate_shows_its_reason_in_words_and_links_the_earlier(client, mona,
                                                                          lang, words):
    first, held = held_duplicate(client)
    login_verified(client, mona)
    html = client.get(f"/{lang}/moderation/declarations/{held.pk}/").content.decode()
    assert words in html and "(duplicate)" not in html
    duplicates = html.split('id="duplicates"')[1].split("</dd>")[0]
    assert f'href="/{lang}/moderation/declarations/{first.pk}/"' in duplicates
    assert str(held.pk) not in re.findall(r"declarations/(\d+)/", duplicates)


@pytest.mark.parametrize("code", [screening.HOLD_DUPLICATE, screening.HOLD_STATEMENT,
                                  screening.HOLD_NO_POW, screening.HOLD_SURGE,
                                  screening.HOLD_ENTRY, "retracted", "moderator", "contest"])
def test_every_reason_code_has_translated_words(code):
    from django.utils import translation

    with translation.override("en"):
        english = screening.reason_label(code)
    with translation.override("zh-hans"):
        chinese = screening.reason_label(code)
    assert english != code and chinese != english
    assert re.search(r"[\u4e00-\u9fff]", chinese)


def test_the_held_queue_shows_reasons_in_chinese(client, mona):
    _first, held = held_duplicate(client)
    Declaration.objects.filter(pk=held.pk).update(hold_reason=screening.HOLD_NO_POW)
    login_verified(client, mona)
    html = client.get("/zh-hans/moderation/held/").content.decode()
    assert "no-pow" not in html.split("<tbody>")[1]
    assert "工作量证明" in html


def test_the_dashboard_counts_open_contests(client, mona):
    declare(client, "张三")
    sequencer.drain()
    declaration = Declaration.objects.get()
    for state in ("open", "open", "dismissed"):
        Contest.objects.create(declaration=declaration, account="x", filed_on=dates.today(),
                               state=state)
    login_verified(client, mona)
    html = client.get("/en/moderation/").content.decode()
    assert re.search(r'id="contest-count">2<', html)
    assert "/en/moderation/contests/" in html


def test_an_open_contest_offers_uphold_and_dismiss_none_chosen(client, mona):
    declare(client, "张三")
    sequencer.drain()
    contest = Contest.objects.create(declaration=Declaration.objects.get(), account="不是我",
                                     filed_on=dates.today())
    login_verified(client, mona)
    html = client.get(f"/en/moderation/contests/{contest.pk}/").content.decode()
    actions = radios(html, "action")
    assert set(actions) == {"uphold-contest", "dismiss-contest"}
    assert not any(actions.values())


def test_decisions_keep_and_show_only_their_day_in_china_time(client, mona, monkeypatch):
    # 20:30 UTC is already the next day in Beijing.
    late = datetime.datetime(2026, 3, 1, 20, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: late)
    _first, held = held_duplicate(client)
    login_verified(client, mona)
    client.post(f"/en/moderation/declarations/{held.pk}/decide/",
                {"action": "reject", "reason": "duplicate"})
    decision = Decision.objects.get()
    assert decision.decided_on == datetime.date(2026, 3, 2)
    assert not any(f.get_internal_type() == "DateTimeField" for f in Decision._meta.fields)
    html = client.get("/en/moderation/audit/").content.decode()
    assert "2026-03-02" in html and "20:30" not in html and "04:30" not in html


def test_whom_to_revoke_is_asked_only_when_revoking_is_offered(client, mona):
    first, held = held_duplicate(client)
    login_verified(client, mona)
    held_page = client.get(f"/en/moderation/declarations/{held.pk}/").content.decode()
    assert radios(held_page, "who") == {}
    accepted_page = client.get(f"/en/moderation/declarations/{first.pk}/").content.decode()
    assert set(radios(accepted_page, "who")) == {"all", "0"}
    assert not any(radios(accepted_page, "who").values())


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_each_old_decision_as_its_day_in_china_time(client, mona):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    declare(client, "张三")
    declaration = Declaration.objects.get()
    executor = MigrationExecutor(connection)
    before, after = [("moderation", "0002_contest_reference")], [("moderation", "0003_decided_on")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    decision = old.get_model("moderation", "Decision").objects.create(
        moderator_id=mona.pk, declaration_id=declaration.pk, action="reject", reason="x")
    old.get_model("moderation", "Decision").objects.filter(pk=decision.pk).update(
        decided_at=datetime.datetime(2026, 3, 1, 20, 30, tzinfo=datetime.UTC))
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    assert Decision.objects.get(pk=decision.pk).decided_on == datetime.date(2026, 3, 2)
