"""Published statements: what is shown, when, and keyset pagination."""

import datetime

import pytest

from tests.factories import declare, packed, received_on
from tuidang.moderation import actions as moderation
from tuidang.public.statements import PAGE_SIZE
from tuidang.registry import dates
from tuidang.registry.models import Declaration
from tuidang.transparency import sequencer

pytestmark = pytest.mark.django_db


def test_it_lists_only_published_declarations(client):
    declare(client, "张三")
    declare(client, "张三")  # held as a duplicate
    declare(client, "李四")
    html = client.get("/en/statements/").content.decode()
    assert "张三" not in html  # nothing is published before sequencing
    sequencer.drain()
    html = client.get("/en/statements/").content.decode()
    assert html.count("张三") == 1
    assert html.index("李四") < html.index("张三")  # newest first


def test_it_shows_a_statement_text_only_after_approval(client, mona):
    declare(client, "张三", statement_title="我的声明", statement_text="我宣布退出共青团。")
    sequencer.drain()
    declaration = Declaration.objects.get()
    page = f"/en/statements/{declaration.pk}/"
    assert "我宣布退出共青团" not in client.get(page).content.decode()
    assert "张三" in client.get(page).content.decode()
    moderation.decide(mona, declaration.pk, "approve-statement", "ok")
    html = client.get(page).content.decode()
    assert "我宣布退出共青团" in html and "我的声明" in html
    assert "我宣布退出共青团" in client.get("/en/statements/").content.decode()


def test_it_escapes_statement_text(client, mona):
    declare(client, "张三", statement_text="<script>alert(1)</script>")
    sequencer.drain()
    moderation.decide(mona, Declaration.objects.get().pk, "approve-statement", "ok")
    html = client.get("/en/statements/").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_it_shows_the_date_but_never_a_time(client):
    declare(client, "张三")
    sequencer.drain()
    html = client.get(f"/en/statements/{Declaration.objects.get().pk}/").content.decode()
    assert dates.today().isoformat() in html
    assert ":" not in html.split("<main>")[1].split("</main>")[0].replace("://", "")


def test_it_pages_by_keyset(client):
    Declaration.objects.all().delete()
    for i in range(PAGE_SIZE + 5):
        declare(client, f"人{i}")
    sequencer.drain()
    first = client.get("/en/statements/").content.decode()
    assert f"人{PAGE_SIZE + 4}<" in first and "人4<" not in first
    newest_ids = list(Declaration.objects.order_by("-id").values_list("id", flat=True))
    boundary = newest_ids[PAGE_SIZE - 1]
    assert f"?before={boundary}" in first
    second = client.get(f"/en/statements/?before={boundary}").content.decode()
    assert "人4<" in second and "人0<" in second and f"人{PAGE_SIZE + 4}<" not in second
    assert "?before=" not in second.split('class="pager"')[1]


def test_it_rejects_a_bad_page_marker(client):
    assert client.get("/en/statements/?before=abc").status_code == 404
    assert client.get("/en/statements/?before=" + "9" * 30).status_code == 404


def test_it_has_a_page_per_day(client):
    declare(client, "张三")
    sequencer.drain()
    today = dates.today()
    Declaration.objects.create(
        channel="self", received_on=today - datetime.timedelta(days=3), receipt_hash=b"x",
        person_count=1, party_count=1, league_count=0, pioneers_count=0,
        is_published=True, status="accepted", statement_salt=b"", private_commitment=b"",
        people=packed({"display_name": "旧人", "party": True}), identity_digest=1,
    )
    html = client.get(f"/en/statements/{today.isoformat()}/").content.decode()
    assert "张三" in html
    older = client.get(f"/en/statements/{(today - datetime.timedelta(days=1)).isoformat()}/")
    assert "张三" not in older.content.decode()
    assert older.status_code == 200


def test_a_day_pages_by_keyset_within_its_own_serials(client):
    yesterday, today = dates.today() - datetime.timedelta(days=1), dates.today()
    with received_on(yesterday):
        declare(client, "昨日")
        sequencer.drain()
    names = [f"今{i}" for i in range(PAGE_SIZE + 3)]
    for name in names:
        declare(client, name)
    sequencer.drain()
    with received_on(today + datetime.timedelta(days=1)):
        declare(client, "明日")  # a later serial, another day
        sequencer.drain()
    ids = {d.persons[0].display_name: d.pk for d in Declaration.objects.all()}
    day = f"/en/statements/{today.isoformat()}/"

    def shown(query: str) -> set[str]:
        html = client.get(day + query).content.decode()
        return {n for n in [*names, "昨日", "明日"] if f"{n}<" in html}

    assert shown("") == set(names[3:])
    assert shown(f"?before={ids[names[3]]}") == set(names[:3])
    # Cursors beyond the day's serials stay within the day.
    assert shown(f"?before={ids['明日'] + 5}") == set(names[3:])
    assert shown("?after=0") == set(names[:PAGE_SIZE])
    assert shown(f"?after={ids['昨日']}") == set(names[:PAGE_SIZE])
    assert shown(f"?after={ids[names[PAGE_SIZE - 1]]}") == set(names[PAGE_SIZE:])


def test_it_has_no_page_for_a_future_or_impossible_day(client):
    tomorrow = dates.today() + datetime.timedelta(days=1)
    assert client.get(f"/en/statements/{tomorrow.isoformat()}/").status_code == 404
    assert client.get("/en/statements/2026-02-30/").status_code == 404


def test_it_hides_unpublished_and_revoked_statement_pages(client, mona):
    declare(client, "张三")
    declaration = Declaration.objects.get()
    assert client.get(f"/en/statements/{declaration.pk}/").status_code == 404
    sequencer.drain()
    assert client.get(f"/en/statements/{declaration.pk}/").status_code == 200
    moderation.decide(mona, declaration.pk, "revoke", "fraud")
    assert client.get(f"/en/statements/{declaration.pk}/").status_code == 404
    assert client.get("/en/statements/999999/").status_code == 404


def test_statement_pages_refuse_post(client):
    assert client.post("/en/statements/").status_code == 405
