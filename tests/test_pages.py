"""The safe-access page, the questions and answers (三退问答) and the other ways to declare:
each in every language, the links to them, the editors' back office (302/403/404/405),
and an editor's change reaching the public page as plain text."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests.conftest import login_verified
from tuidang.pages import safety
from tuidang.pages.models import Entry, Kind
from tuidang.registry import dates
from tuidang.transparency import keys

LANGUAGES = ["zh-hans", "zh-hant", "en"]
ONION = "http://" + "a" * 56 + ".onion"


def url(name, *args, lang="en"):
    with translation.override(lang):
        return reverse(name, args=args)


def page(client, name, lang="en", *args) -> str:
    response = client.get(url(name, *args, lang=lang))
    assert response.status_code == 200
    return response.content.decode()


# --- Safe access -------------------------------------------------------------------------

@pytest.mark.parametrize("lang, heading, code_word", [
    ("zh-hans", "安全访问", "查询密码"),
    ("zh-hant", "安全訪問", "查詢密碼"),
    ("en", "Reaching this site safely", "receipt code"),
])
def test_it_explains_safe_access_in_each_language(client, db, lang, heading, code_word):
    html = page(client, "pages:safe_access", lang)
    assert f"<h1>{heading}" in html
    assert code_word in html
    for anchor in ("addresses", "genuine", "tor", "alias", "code", "private", "after"):
        assert f'id="{anchor}"' in html and f'href="#{anchor}"' in html
    assert keys.verifier_key() in html
    assert url("pages:questions", lang=lang) in html


def test_it_shows_the_fingerprint_of_the_configured_key(client, db):
    key = keys.verifier_key()
    html = page(client, "pages:safe_access")
    shown = re.search(r'id="fingerprint">([0-9A-F ]+)<', html).group(1)
    import hashlib
    assert shown.replace(" ", "") == hashlib.sha256(key.encode()).hexdigest()[:32].upper()
    assert len(shown.split()) == 8


def test_a_fingerprint_changes_with_the_key():
    assert safety.fingerprint("a+00000000+AQ") != safety.fingerprint("b+00000000+AQ")


def test_it_says_so_when_no_onion_or_mirror_is_configured(client, db, settings):
    settings.ONION_LOCATION, settings.MIRROR_URLS = "", []
    html = page(client, "pages:safe_access")
    assert 'id="no-onion"' in html and 'id="no-mirrors"' in html
    assert ".onion" not in html


def test_it_lists_the_configured_onion_and_mirrors(client, db, settings):
    settings.ONION_LOCATION = ONION
    settings.MIRROR_URLS = ["https://mirror-one.example/", "https://mirror-two.example/"]
    html = page(client, "pages:safe_access", "zh-hans")
    assert ONION in html and 'id="no-onion"' not in html
    assert "https://mirror-one.example/" in html and "https://mirror-two.example/" in html
    assert 'id="no-mirrors"' not in html


def test_mirror_urls_are_read_from_the_environment(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from tuidang.env import env_url_list

    monkeypatch.setenv("MIRROR_URLS", "https://a.example/, http://b.example/x/")
    assert env_url_list("MIRROR_URLS") == ["https://a.example/", "http://b.example/x/"]
    monkeypatch.setenv("MIRROR_URLS", "https://a.example/,ftp://b.example/")
    with pytest.raises(ImproperlyConfigured):
        env_url_list("MIRROR_URLS")
    monkeypatch.delenv("MIRROR_URLS")
    assert env_url_list("MIRROR_URLS") == []


@pytest.mark.parametrize("name", ["home", "declare", "counting_rule"])
def test_safe_access_and_questions_are_linked_from_the_pages(client, db, name):
    html = page(client, name, "zh-hans")
    assert url("pages:safe_access", lang="zh-hans") in html
    assert url("pages:questions", lang="zh-hans") in html


# --- Questions and answers ---------------------------------------------------------------

@pytest.mark.parametrize("lang, words", [
    ("zh-hans", ["什么是“三退”？", "红领巾", "退队", "化名", "撤回", "证书", "三退安全吗？",
                 "查询密码"]),
    ("zh-hant", ["什麼是「三退」？", "紅領巾", "退隊", "化名", "撤回", "證書", "三退安全嗎？",
                 "查詢密碼"]),
    ("en", ["three withdrawals", "red scarf", "alias", "withdraw", "certificate",
            "Is it safe to quit?", "receipt code"]),
])
def test_it_answers_the_shipped_questions_in_each_language(client, db, lang, words):
    html = page(client, "pages:questions", lang)
    for word in words:
        assert word in html, word
    assert html.count('<section class="answer"') == Entry.objects.questions().count() == 8
    assert url("pages:safe_access", lang=lang) in html


def test_every_shipped_question_is_written_in_every_language(db):
    for entry in Entry.objects.questions():
        for code in ("zh_hans", "zh_hant", "en"):
            assert getattr(entry, f"title_{code}") and getattr(entry, f"body_{code}")


def test_an_answer_is_plain_text_in_paragraphs(client, db):
    Entry.objects.create(kind=Kind.QUESTION, order=1, updated_on=dates.today(),
                         title_en="<b>Bold?</b>", body_en="One <script>x()</script>\n\nTwo")
    html = page(client, "pages:questions")
    assert "<script>x()" not in html and "&lt;script&gt;x()" in html
    assert "&lt;b&gt;Bold?&lt;/b&gt;" in html
    assert "<p>One &lt;script&gt;x()&lt;/script&gt;</p>" in html and "<p>Two</p>" in html


def test_a_language_left_empty_shows_another(db):
    entry = Entry.objects.create(kind=Kind.QUESTION, updated_on=dates.today(),
                                 title_zh_hans="只有简体", body_en="Only English")
    assert entry.text("title", "en") == "只有简体"
    assert entry.text("body", "zh-hant") == "Only English"


# --- Other ways to declare ---------------------------------------------------------------

def test_other_ways_are_linked_only_once_some_are_listed(client, db):
    other = url("pages:other_ways", lang="zh-hans")
    assert other not in page(client, "declare", "zh-hans")
    assert 'id="no-ways"' in page(client, "pages:other_ways", "zh-hans")
    Entry.objects.create(kind=Kind.HOTLINE, updated_on=dates.today(),
                         title_zh_hans="三退热线", body_zh_hans="+1 000 000 0000")
    assert other in page(client, "declare", "zh-hans")
    assert other in page(client, "pages:questions", "zh-hans")
    html = page(client, "pages:other_ways", "zh-hans")
    assert "三退热线" in html and "+1 000 000 0000" in html and 'id="no-ways"' not in html


def test_an_unpublished_way_is_not_shown(client, db):
    Entry.objects.create(kind=Kind.EMAIL, published=False, updated_on=dates.today(),
                         title_en="Hidden address")
    assert "Hidden address" not in page(client, "pages:other_ways")
    assert url("pages:other_ways") not in page(client, "declare")


# --- The editors' back office --------------------------------------------------------------

EDITOR_GETS = [("pages:editor", ()), ("pages:editor_new", ())]


@pytest.mark.parametrize("name, args", EDITOR_GETS)
def test_the_back_office_sends_visitors_to_log_in(client, db, name, args):
    response = client.get(url(name, *args))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name, args", EDITOR_GETS)
def test_the_back_office_refuses_non_editors(client, mona, name, args):
    login_verified(client, mona)
    assert client.get(url(name, *args)).status_code == 403


def test_a_moderator_cannot_change_an_answer(client, mona):
    entry = Entry.objects.questions().first()
    login_verified(client, mona)
    response = client.post(url("pages:editor_entry", entry.pk), {
        "kind": "question", "order": 1, "published": "on", "title_en": "Changed"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.title_en != "Changed"


def test_the_back_office_answers_404_and_405(client, erin):
    login_verified(client, erin)
    assert client.get(url("pages:editor_entry", 99999)).status_code == 404
    assert client.post(url("pages:editor_entry", 99999), {}).status_code == 404
    assert client.delete(url("pages:editor")).status_code == 405
    assert client.post(url("pages:editor")).status_code == 405
    assert client.post(url("pages:questions")).status_code == 405
    assert client.post(url("pages:safe_access")).status_code == 405
    assert client.get("/en/questions/nothing-here/").status_code == 404


def test_an_editor_changes_an_answer_and_the_public_sees_it(client, erin):
    entry = Entry.objects.questions().get(order=30)
    login_verified(client, erin)
    listing = client.get(url("pages:editor")).content.decode()
    assert url("pages:editor_entry", entry.pk) in listing
    form = client.get(url("pages:editor_entry", entry.pk)).content.decode()
    assert entry.body_zh_hans.splitlines()[0] in form
    response = client.post(url("pages:editor_entry", entry.pk), {
        "kind": "question", "order": 30, "published": "on",
        "title_zh_hans": "戴过红领巾怎么办？", "body_zh_hans": "选退队。\n\n成年人也可以。",
        "title_zh_hant": entry.title_zh_hant, "body_zh_hant": entry.body_zh_hant,
        "title_en": entry.title_en, "body_en": entry.body_en,
    })
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.title_zh_hans == "戴过红领巾怎么办？" and entry.updated_on == dates.today()
    client.logout()
    html = page(client, "pages:questions", "zh-hans")
    assert "戴过红领巾怎么办？" in html and "<p>成年人也可以。</p>" in html


def test_an_editor_unpublishes_an_answer(client, erin):
    entry = Entry.objects.questions().get(order=10)
    login_verified(client, erin)
    client.post(url("pages:editor_entry", entry.pk), {
        "kind": "question", "order": 10, "title_en": entry.title_en, "body_en": entry.body_en})
    assert not Entry.objects.get(pk=entry.pk).published
    client.logout()
    assert entry.title_en not in page(client, "pages:questions")


def test_an_editor_adds_a_hotline(client, erin):
    login_verified(client, erin)
    assert 'value="hotline" selected' in client.get(
        url("pages:editor_new") + "?kind=hotline").content.decode()
    response = client.post(url("pages:editor_new"), {
        "kind": "hotline", "order": 1, "published": "on",
        "title_zh_hans": "全球退党服务中心热线", "body_zh_hans": "电话：+1 000 000 0000"})
    assert response.status_code == 302
    assert Entry.objects.ways().get().title_zh_hans == "全球退党服务中心热线"


def test_an_entry_without_any_title_is_refused_and_nothing_changes(client, erin):
    login_verified(client, erin)
    before = Entry.objects.count()
    response = client.post(url("pages:editor_new", lang="zh-hans"),
                           {"kind": "hotline", "order": 1, "body_en": "x"})
    assert response.status_code == 400
    assert "至少用一种语言" in response.content.decode()
    assert Entry.objects.count() == before


@pytest.mark.parametrize("lang, heading, hotline", [
    ("zh-hans", "其他声明方式", "热线"), ("zh-hant", "其他聲明方式", "熱線"),
    ("en", "Other ways to declare", "Hotline"),
])
def test_it_lists_other_ways_in_each_language(client, db, lang, heading, hotline):
    Entry.objects.create(kind=Kind.HOTLINE, updated_on=dates.today(), title_en="Line",
                         body_en="+1 000")
    html = page(client, "pages:other_ways", lang)
    assert f"<h1>{heading}</h1>" in html and f"<h2>{hotline}</h2>" in html
    assert "+1 000" in html
    assert url("pages:safe_access", lang=lang) in html and url("declare", lang=lang) in html
