"""The back office: queues, decisions with reasons, the audit trail, and permissions."""

import pytest

from tests.conftest import login_verified
from tests.factories import declare
from tuidang.moderation.models import Decision
from tuidang.registry.models import Declaration, Total
from tuidang.transparency import sequencer

pytestmark = pytest.mark.django_db

PAGES = ["/en/moderation/", "/en/moderation/held/", "/en/moderation/statements/",
         "/en/moderation/audit/"]


def held_duplicate(client) -> Declaration:
    declare(client, "张三")
    declare(client, "张三")
    sequencer.drain()
    return Declaration.objects.get(status="held")


def persons_total() -> int:
    return Total.objects.filter(key="persons").values_list("value", flat=True).first() or 0


@pytest.mark.parametrize("page", PAGES)
def test_it_asks_anonymous_visitors_to_log_in(client, page):
    assert client.get(page).status_code == 302


@pytest.mark.parametrize("page", PAGES)
def test_it_forbids_helpers_and_plain_accounts(client, alice, bob, page):
    for user in (alice, bob):
        login_verified(client, user)
        assert client.get(page).status_code == 403


def test_it_forbids_deciding_without_the_role(client, alice):
    declaration = held_duplicate(client)
    login_verified(client, alice)
    response = client.post(f"/en/moderation/declarations/{declaration.pk}/decide/",
                           {"action": "accept", "reason": "ok"})
    assert response.status_code == 403
    assert Declaration.objects.get(pk=declaration.pk).status == "held"


def test_it_lists_held_declarations(client, mona):
    declaration = held_duplicate(client)
    login_verified(client, mona)
    html = client.get("/en/moderation/held/").content.decode()
    assert f"/en/moderation/declarations/{declaration.pk}/" in html
    assert "Same persons as an earlier declaration" in html


def test_accepting_a_held_declaration_counts_it(client, mona):
    declaration = held_duplicate(client)
    login_verified(client, mona)
    response = client.post(f"/en/moderation/declarations/{declaration.pk}/decide/",
                           {"action": "accept", "reason": "a second person of the same name"})
    assert response.status_code == 302
    sequencer.drain()
    assert Declaration.objects.get(pk=declaration.pk).log_index is not None
    assert persons_total() == 2
    decision = Decision.objects.get()
    assert (decision.moderator, decision.action) == (mona, "accept")
    assert "a second person" in client.get("/en/moderation/audit/").content.decode()


def test_rejecting_a_held_declaration_never_counts_it(client, mona):
    declaration = held_duplicate(client)
    login_verified(client, mona)
    client.post(f"/en/moderation/declarations/{declaration.pk}/decide/",
                {"action": "reject", "reason": "duplicate"})
    sequencer.drain()
    assert Declaration.objects.get(pk=declaration.pk).status == "rejected"
    assert persons_total() == 1


def test_a_decision_needs_a_reason(client, mona):
    declaration = held_duplicate(client)
    login_verified(client, mona)
    response = client.post(f"/en/moderation/declarations/{declaration.pk}/decide/",
                           {"action": "accept", "reason": " "})
    assert response.status_code == 400
    assert "Give a reason" in response.content.decode()
    assert Declaration.objects.get(pk=declaration.pk).status == "held"
    assert not Decision.objects.exists()


def test_a_decision_must_fit_the_state(client, mona):
    declare(client, "张三")
    sequencer.drain()
    declaration = Declaration.objects.get()
    login_verified(client, mona)
    response = client.post(f"/en/moderation/declarations/{declaration.pk}/decide/",
                           {"action": "reject", "reason": "no"})
    assert response.status_code == 400
    assert "Only a held declaration" in response.content.decode()
    assert not Decision.objects.exists()


def test_it_approves_and_declines_statements(client, mona):
    declare(client, "张三", statement_text="第一")
    declare(client, "李四", statement_text="第二")
    sequencer.drain()
    first, second = Declaration.objects.order_by("id")
    login_verified(client, mona)
    assert "第一" in client.get("/en/moderation/statements/").content.decode()
    client.post(f"/en/moderation/declarations/{first.pk}/decide/",
                {"action": "approve-statement", "reason": "fine"})
    client.post(f"/en/moderation/declarations/{second.pk}/decide/",
                {"action": "reject-statement", "reason": "insults"})
    assert set(Declaration.objects.values_list("statement_status", flat=True)) == {
        "approved", "rejected"}
    assert "第一" not in client.get("/en/moderation/statements/").content.decode()
    public = client.get("/en/statements/").content.decode()
    assert "第一" in public and "第二" not in public


def test_a_moderator_can_revoke_and_the_count_goes_down(client, mona):
    declare(client, "张三", "李四")
    sequencer.drain()
    declaration = Declaration.objects.get()
    login_verified(client, mona)
    client.post(f"/en/moderation/declarations/{declaration.pk}/decide/",
                {"action": "revoke", "who": "all", "reason": "fabricated"})
    sequencer.drain()
    assert persons_total() == 0
    assert declaration.revocations.get().log_index == 1


def test_it_answers_404_for_an_unknown_declaration(client, mona):
    login_verified(client, mona)
    assert client.get("/en/moderation/declarations/999/").status_code == 404
    assert client.post("/en/moderation/declarations/999/decide/",
                       {"action": "accept", "reason": "x"}).status_code == 404


def test_it_refuses_the_wrong_methods(client, mona):
    declaration = held_duplicate(client)
    login_verified(client, mona)
    assert client.get(f"/en/moderation/declarations/{declaration.pk}/decide/").status_code == 405
    assert client.post("/en/moderation/held/").status_code == 405


def test_the_dashboard_counts_the_queues(client, mona):
    held_duplicate(client)
    declare(client, "王五", statement_text="声明")
    sequencer.drain()
    login_verified(client, mona)
    html = client.get("/en/moderation/").content.decode()
    assert 'id="held-count">1<' in html
    assert 'id="statement-count">1<' in html
