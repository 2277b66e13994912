"""The receipt page, rendered once per language, path, person count and day."""

import pytest

from tests.factories import declaration_post, declare, person_fields, receipt_code
from tuidang.registry import actions

pytestmark = pytest.mark.django_db


def test_it_shows_each_declarant_their_own_code(client):
    first, second = declare(client, "甲"), declare(client, "乙")
    codes = receipt_code(first), receipt_code(second)
    assert codes[0] != codes[1]
    assert [actions.find_by_receipt(c).persons[0].display_name for c in codes] == ["甲", "乙"]
    assert first.content.replace(codes[0].encode(), b"") == second.content.replace(
        codes[1].encode(), b"")


def test_it_keeps_the_language_and_the_number_of_persons_apart(client):
    two = client.post("/en/declare/", declaration_post(person_fields(0, "甲"),
                                                       person_fields(1, "乙")))
    one = client.post("/en/declare/", declaration_post(person_fields(0, "丙")))
    hant = client.post("/zh-hant/declare/", declaration_post(person_fields(0, "丁")))
    assert "It covers 2 people." in two.content.decode()
    assert "It covers 1 person." in one.content.decode()
    assert 'lang="zh-hant"' in hant.content.decode() and "It covers" not in hant.content.decode()
    assert len({receipt_code(r) for r in (two, one, hant)}) == 3


def test_it_renders_a_signed_in_helpers_page_in_full(client, alice):
    from tests.conftest import login_verified

    login_verified(client, alice)
    response = client.post("/en/helpers/declare/", declaration_post(
        person_fields(0, "戊"), channel="phone", consent="on"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "My submissions" in html and "csrfmiddlewaretoken" in html  # the log-out form
    assert actions.find_by_receipt(receipt_code(response)).helper == alice
