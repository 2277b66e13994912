"""The counter other sites embed: an SVG of the signed total in three languages and two
sizes, with no cookie, no session and cache headers; and the page with its snippets."""

import re

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import login_verified
from tests.factories import declare
from tuidang.transparency import sequencer, signedcount

pytestmark = pytest.mark.django_db

IMAGES = [f"/counter/{language}-{size}.svg" for language in ("zh-hans", "zh-hant", "en")
          for size in ("small", "large")]


def vary(response) -> list[str]:
    return [v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()]


@pytest.mark.parametrize("path", IMAGES)
def test_it_shows_the_signed_total_as_a_cacheable_image(client, path):
    declare(Client(), "张三", "李四")
    declare(Client(), "王五")
    declare(Client(), "赵六")  # received after the batch: not counted yet
    sequencer.drain()
    declare(Client(), "钱七")
    assert signedcount.current().persons == 4
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert not response.cookies and "cookie" not in vary(response)
    svg = response.content.decode()
    assert svg.startswith("<svg xmlns=\"http://www.w3.org/2000/svg\"")
    assert re.search(r">4</text>", svg)
    assert "<script" not in svg and "href" not in svg  # nothing to run, nothing to load
    words = {"zh-hans": "三退人数", "zh-hant": "三退人數", "en": "People who have quit"}
    assert words[path.split("/")[2].rsplit("-", 1)[0]] in svg


def test_it_touches_no_session_even_for_a_signed_in_helper(client, alice):
    login_verified(client, alice)
    response = client.get("/counter/en-small.svg")
    assert response.status_code == 200
    assert not response.cookies and "cookie" not in vary(response)
    assert response["Cache-Control"] == "public, max-age=300"


@pytest.mark.parametrize("path", ["/counter/fr-small.svg", "/counter/en-huge.svg",
                                  "/counter/en-small.png", "/counter/zh-hans.svg"])
def test_it_has_no_other_counters(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", [IMAGES[0], "/zh-hans/counter/"])
def test_it_refuses_to_be_posted_to(client, path):
    assert client.post(path).status_code == 405
    assert client.put(path).status_code == 405


def test_the_page_gives_a_snippet_for_each_language_and_size(client):
    html = client.get("/zh-hans/counter/").content.decode()
    snippets = re.findall(r"<code>&lt;a href=&quot;(.+?)&quot;&gt;&lt;img src=&quot;(.+?)&quot;",
                          html) or re.findall(r'<code>&lt;a href="(.+?)"&gt;&lt;img src="(.+?)"',
                                              html)
    assert [src for _home, src in snippets] == [settings.SITE_URL + p for p in IMAGES]
    assert snippets[0][0] == settings.SITE_URL + "/zh-hans/"
    assert snippets[-1][0] == settings.SITE_URL + "/en/"
    for path in IMAGES:
        assert f'<img src="{path}"' in html
    assert "<script" not in html.split("<main>")[1]
