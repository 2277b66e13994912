"""The privacy page for declarants, in each language, linked from every page."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("lang", "heading", "said"), [
    ("zh-hans", "声明人的隐私", "查询密码是撤回的唯一途径"),
    ("zh-hant", "聲明人的隱私", "查詢密碼是撤回的唯一途徑"),
    ("en", "Privacy for declarants", "The receipt code is the only way to withdraw."),
])
def test_it_tells_a_declarant_what_is_public_sealed_and_removed(lang, heading, said):
    response = Client().get(f"/{lang}/privacy/declarants/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page and said in page
    for section in ("log", "until-withdrawn", "sealed", "never", "withdraw", "device"):
        assert f'id="{section}"' in page
    assert "csrftoken" in page
    assert not response.cookies


def test_it_says_how_often_batches_are_published(settings):
    settings.PUBLISH_INTERVAL = 600
    assert "every 10 minutes" in Client().get("/en/privacy/declarants/").content.decode()


def test_every_page_and_the_form_link_to_it():
    for path in ("/en/", "/en/statements/", "/en/declare/"):
        assert 'href="/en/privacy/declarants/"' in Client().get(path).content.decode()


def test_it_is_in_the_sitemap():
    assert "/zh-hant/privacy/declarants/" in Client().get("/sitemap.xml").content.decode()
