"""Moving through the statements: newer, older, oldest, a day, and back from a statement."""

import datetime
import re

import pytest

from tests.factories import packed
from tuidang.public.statements import PAGE_SIZE
from tuidang.registry import dates, days
from tuidang.registry.models import Declaration

pytestmark = pytest.mark.django_db

TOTAL = 2 * PAGE_SIZE + 7


@pytest.fixture
def published():
    """TOTAL published declarations over three days, the first of them with two pages; the
    serials, oldest first."""
    today = dates.today()

    def days_ago(i: int) -> int:
        return 2 if i < PAGE_SIZE + 10 else 1 if i < TOTAL - 5 else 0

    rows = Declaration.objects.bulk_create([
        Declaration(
            channel="self", received_on=today - datetime.timedelta(days=days_ago(i)),
            receipt_hash=b"r", person_count=1, party_count=1, league_count=0,
            pioneers_count=0, status="accepted", is_published=True, log_index=i,
            statement_salt=b"", private_commitment=b"",
            people=packed({"display_name": f"人{i}", "party": True}), identity_digest=i,
        ) for i in range(TOTAL)
    ])
    serials = list(Declaration.objects.order_by("id").values_list("id", flat=True))
    assert len(rows) == TOTAL
    spans: dict = {}
    for declaration in Declaration.objects.order_by("id"):  # as the sequencer records them
        spans.setdefault(declaration.received_on, [declaration.pk, declaration.pk])[1] = \
            declaration.pk
    days.record(spans)
    return serials


def names(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<span class="name">人(\d+)</span>', html)]


def link(html: str, label: str) -> str:
    pager = html.split('class="pager"')[-1]
    match = re.search(r'<a (?:rel="\w+" )?href="(\?[^"]*)">' + label + "<", pager)
    assert match, f"no {label} link"
    return match.group(1)


def test_it_walks_older_then_newer_back_to_the_first_page(client, published):
    first = client.get("/en/statements/").content.decode()
    assert names(first) == list(range(TOTAL - 1, TOTAL - 1 - PAGE_SIZE, -1))
    assert "Newer" not in first and "Newest" not in first
    second = client.get("/en/statements/" + link(first, "Older")).content.decode()
    assert names(second) == list(range(TOTAL - 1 - PAGE_SIZE, TOTAL - 1 - 2 * PAGE_SIZE, -1))
    back = client.get("/en/statements/" + link(second, "Newer")).content.decode()
    assert names(back) == names(first)
    assert "Newer" not in back.split('class="pager"')[-1]


def test_it_has_a_link_to_the_oldest_page_and_from_there_to_newer_ones(client, published):
    first = client.get("/en/statements/").content.decode()
    assert link(first, "Oldest") == "?after=0"
    oldest = client.get("/en/statements/?after=0").content.decode()
    assert names(oldest) == list(range(PAGE_SIZE - 1, -1, -1))  # still newest first
    pager = oldest.split('class="pager"')[-1]
    assert "Older" not in pager and "Oldest" not in pager
    newer = client.get("/en/statements/" + link(oldest, "Newer")).content.decode()
    assert names(newer) == list(range(2 * PAGE_SIZE - 1, PAGE_SIZE - 1, -1))
    assert link(newer, "Older") == f"?before={published[PAGE_SIZE]}"


def test_a_day_page_pages_within_its_day(client, published):
    day = (dates.today() - datetime.timedelta(days=2)).isoformat()
    on_day = [i for i, d in enumerate(published)
              if Declaration.objects.get(id=d).received_on.isoformat() == day]
    assert len(on_day) > PAGE_SIZE  # two pages
    html = client.get(f"/en/statements/{day}/").content.decode()
    assert names(html) == on_day[::-1][:PAGE_SIZE]
    rest = client.get(f"/en/statements/{day}/" + link(html, "Older")).content.decode()
    assert names(rest) == on_day[::-1][PAGE_SIZE:]
    assert client.get(f"/en/statements/{day}/?after=0").content.decode().count(
        'class="declaration"') == PAGE_SIZE


def test_it_jumps_to_a_day(client):
    response = client.get("/en/statements/?day=2026-01-05")
    assert response.status_code == 302
    assert response["Location"] == "/en/statements/2026-01-05/"
    assert client.get("/en/statements/?day=2026-02-30").status_code == 404
    assert client.get("/en/statements/?day=yesterday").status_code == 404
    assert 'name="day"' in client.get("/zh-hans/statements/").content.decode()


def test_a_statement_links_to_its_place_in_the_list(client, published):
    serial = published[10]
    html = client.get(f"/en/statements/{serial}/").content.decode()
    href = re.search(r'href="(/en/statements/\?before=\d+)#d' + str(serial) + '"', html).group(1)
    page = client.get(href).content.decode()
    assert names(page)[0] == 10 and f'id="d{serial}"' in page


def test_it_refuses_bad_cursors(client):
    for query in ("after=-1", "after=x", "after=" + "9" * 19, "before=1&after=1"):
        assert client.get(f"/en/statements/?{query}").status_code == 404, query


def test_a_page_costs_the_same_few_queries_however_many_cards(
    client, published, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        assert client.get("/en/statements/").status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get(f"/en/statements/?after={published[5]}").status_code == 200


def test_a_card_escapes_everything_and_reads_as_a_statement(client):
    declaration = Declaration.objects.create(
        channel="self", received_on=dates.today(), receipt_hash=b"x", person_count=2,
        party_count=1, league_count=1, pioneers_count=1, status="accepted", is_published=True,
        log_index=0, statement_salt=b"", private_commitment=b"", statement_status="approved",
        statement_title="<i>标题</i>", statement_text="第一行\n第二行 <b>&</b>",
        people=packed({"display_name": "<b>张三</b>", "is_real_name": True, "party": True,
                       "league": True, "region": "overseas", "country": "FR",
                       "sector": "teacher"}, {"display_name": "李四", "pioneers": True}),
        identity_digest=1,
    )
    days.record({dates.today(): [declaration.pk, declaration.pk]})
    html = client.get("/en/statements/").content.decode()
    assert "<b>" not in html and "<i>" not in html
    assert f'<a href="/en/statements/{declaration.pk}/">&lt;i&gt;标题&lt;/i&gt;</a></h3>' in html
    assert "<p>第一行<br>第二行 &lt;b&gt;&amp;&lt;/b&gt;</p>" in html
    assert ('<span>Declared by: <span class="name">&lt;b&gt;张三&lt;/b&gt;</span> and 1 other'
            "</span><span>Overseas · France</span>") in html
    zh = client.get(f"/zh-hans/statements/{dates.today().isoformat()}/").content.decode()
    assert f'<a href="/zh-hans/statements/{declaration.pk}/">' in zh
    assert '声明人：<span class="name">&lt;b&gt;张三&lt;/b&gt;</span> 等 2 人' in zh
    assert "<span>海外 · 法国</span>" in zh
    assert "Declared" not in zh.split("<main>")[1]  # the labels are translated
