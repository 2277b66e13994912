"""Languages: prefixed URLs, a switcher without JavaScript, every page translated."""

import pytest

from tests.factories import declaration_post, person_fields

pytestmark = pytest.mark.django_db

PAGES = ["", "declare/", "receipt/", "statements/", "counting/", "verify/", "accounts/login/"]


def test_the_root_redirects_to_the_default_language(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/zh-hans/"


def test_the_root_follows_the_browsers_language(client):
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en")["Location"] == "/en/"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="zh-TW")["Location"] == "/zh-hant/"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_exists_in_every_language(client, page):
    titles = set()
    for lang in ("zh-hans", "zh-hant", "en"):
        response = client.get(f"/{lang}/{page}")
        assert response.status_code == 200
        html = response.content.decode()
        assert f'<html lang="{lang}">' in html
        titles.add(html.split("<title>")[1].split("</title>")[0])
    assert len(titles) == 3  # three different translations of the title


@pytest.mark.parametrize("page", PAGES)
def test_the_chinese_pages_show_no_untranslated_interface_text(client, page):
    english = ["Declare", "Statements", "Check a receipt", "Verify the count", "How we count",
               "Staff log in", "Submit the declaration", "Look it up"]
    for lang in ("zh-hans", "zh-hant"):
        html = client.get(f"/{lang}/{page}").content.decode()
        visible = [phrase for phrase in english if f">{phrase}<" in html]
        assert visible == [], (lang, page)


def test_the_switcher_links_to_the_same_page_in_each_language(client):
    html = client.get("/zh-hans/statements/").content.decode()
    for lang in ("zh-hans", "zh-hant", "en"):
        assert f'href="/{lang}/statements/" lang="{lang}"' in html


def test_simplified_and_traditional_differ(client):
    hans = client.get("/zh-hans/declare/").content.decode()
    hant = client.get("/zh-hant/declare/").content.decode()
    assert "声明" in hans and "聲明" in hant


def test_errors_come_in_traditional_chinese_too(client):
    response = client.post("/zh-hant/declare/", declaration_post(person_fields(0, "")))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a name to display" not in html
    assert "請" in html


def test_submitted_text_is_stored_as_written(client):
    from tests.factories import person_named

    client.post("/zh-hant/declare/", declaration_post(person_fields(0, "張三豐")))
    assert person_named("張三豐")


def test_country_names_are_translated(client):
    html = client.get("/zh-hans/declare/").content.decode()
    assert "加拿大" in html
