"""Statements as people know them: a title (made from the organizations when the declarant
gave none), the text once approved, "声明人：X 等 N 人", region, date; a note while the text
awaits a moderator; 精彩推荐, which moderators set."""

import pytest
from django.test import Client

from tests.conftest import login_verified
from tests.factories import declaration_post, person_fields
from tuidang.moderation import actions as moderation
from tuidang.registry.models import Declaration, FeaturedStatement
from tuidang.transparency import sequencer

pytestmark = pytest.mark.django_db


def declare(client, *persons, **fields) -> Declaration:
    client.post("/zh-hans/declare/", declaration_post(*persons, **fields))
    sequencer.drain()
    return Declaration.objects.order_by("-id").first()


def card(html: str, serial: int) -> str:
    return html.split(f'id="d{serial}"')[1].split("</article>")[0]


def test_a_card_without_a_title_is_titled_by_the_organizations_quit(client):
    declaration = declare(client, person_fields(0, "王五", ["league"], region="beijing"),
                          person_fields(1, "王六", ["pioneers"], region="overseas",
                                        country="CA"))
    html = card(client.get("/zh-hans/statements/").content.decode(), declaration.pk)
    assert ">声明退出共青团、少先队</a></h3>" in html
    assert '声明人：<span class="name">王五</span> 等 2 人' in html
    assert "<span>北京</span>" in html
    page = client.get(f"/zh-hans/statements/{declaration.pk}/").content.decode()
    assert "<h1>声明退出共青团、少先队</h1>" in page  # the statement's own page, titled alike
    assert "海外 · 加拿大" in page  # the country's name, not its code
    en = card(client.get("/en/statements/").content.decode(), declaration.pk)
    assert "Declaration of withdrawal from the Communist Youth League, the Young Pioneers" in en


def test_a_text_awaiting_a_moderator_is_said_so_on_the_card_then_shown(client, mona):
    declaration = declare(client, person_fields(0, "赵七", ["party"]),
                          statement_title="我的声明", statement_text="我宣布退出中共。")
    html = card(client.get("/zh-hans/statements/").content.decode(), declaration.pk)
    assert "待审核" in html and "我宣布退出中共" not in html
    assert ">声明退出中共</a></h3>" in html  # the title too waits for the moderator
    moderation.decide(mona, declaration.pk, "approve-statement", "ok")
    html = card(client.get("/zh-hans/statements/").content.decode(), declaration.pk)
    assert ">我的声明</a></h3>" in html and "我宣布退出中共。" in html
    assert "待审核" not in html


def test_moderators_feature_a_statement_and_it_is_listed_as_featured(client, mona, alice):
    declaration = declare(client, person_fields(0, "钱八", ["party"]),
                          statement_title="推荐", statement_text="全文。")
    url = f"/zh-hans/moderation/declarations/{declaration.pk}/feature/"
    # Not before its text is approved.
    login_verified(client, mona)
    client.post(url, {"featured": "1"})
    assert not FeaturedStatement.objects.filter(declaration=declaration).exists()
    moderation.decide(mona, declaration.pk, "approve-statement", "ok")
    # A helper may not; an anonymous visitor is sent to log in.
    other = Client()
    assert other.post(url, {"featured": "1"}).status_code == 302
    login_verified(other, alice)
    assert other.post(url, {"featured": "1"}).status_code == 403
    assert not FeaturedStatement.objects.filter(declaration=declaration).exists()
    assert client.post(url, {"featured": "yes"}).status_code == 400
    assert client.get(url).status_code == 405
    assert client.post("/zh-hans/moderation/declarations/999999/feature/",
                       {"featured": "1"}).status_code == 404
    assert client.post(url, {"featured": "1"}).status_code == 302
    assert FeaturedStatement.objects.get(declaration=declaration).featured_on

    anonymous = Client()
    featured = anonymous.get("/zh-hans/statements/featured/").content.decode()
    assert f'id="d{declaration.pk}"' in featured and "精彩推荐" in featured
    assert "精彩推荐" in card(anonymous.get("/zh-hans/statements/").content.decode(),
                              declaration.pk)
    client.post(url, {"featured": "0"})
    assert not FeaturedStatement.objects.filter(declaration=declaration).exists()
    assert f'id="d{declaration.pk}"' not in anonymous.get(
        "/zh-hans/statements/featured/").content.decode()
