"""News: sanitized Markdown, states, public pages, feeds, the sitemap, cover images, OpenCC,
public statements, and the editors' back office (302/403/404/405)."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import translation
from PIL import Image

from tests.conftest import login_verified
from tuidang.news import markup, opencc_convert
from tuidang.news.models import Article, PublicStatement, Status
from tuidang.registry import dates


def make_article(language="en", slug="hello", status=Status.PUBLISHED, days=0, **fields):
    values = {
        "title": f"Title {slug}", "summary": "Summary", "author": "A. Writer",
        "body": "Some **text**.", "publish_on": dates.today() + datetime.timedelta(days=days),
        "updated_on": dates.today(),
    }
    values.update(fields)
    return Article.objects.create(language=language, slug=slug, status=status, **values)


def url(name, *args, lang="en"):
    with translation.override(lang):
        return reverse(name, args=args)


# --- Markdown ------------------------------------------------------------------------------

@pytest.mark.parametrize("source, forbidden", [
    ("<script>alert(1)</script>", "<script"),
    ("<script>alert(1)</script>", "alert(1)"),
    ('<a href="/x" onclick="steal()">x</a>', "onclick"),
    ('<img src="/media/x.jpg" onerror="steal()">', "onerror"),
    ("[click](javascript:alert(1))", "javascript:"),
    ('<a href="JaVaScRiPt:alert(1)">x</a>', "alert"),
    ('<p style="color:red">x</p>', "style="),
    ('<iframe src="https://evil.example/"></iframe>', "iframe"),
    ('<svg onload="steal()"></svg>', "onload"),
    ("![x](https://evil.example/pixel.png)", "evil.example"),
    ('<form action="https://evil.example/"><input name=x></form>', "<form"),
    ('<style>body{}</style>', "<style"),
])
def test_markdown_is_sanitized(source, forbidden):
    html = str(markup.render(source))
    assert forbidden.lower() not in html.lower()


def test_markdown_keeps_ordinary_formatting():
    html = str(markup.render("## Head\n\n**bold** [link](https://example.org/) > q\n\n- a\n- b"))
    assert "<h2>Head</h2>" in html and "<strong>bold</strong>" in html
    assert 'href="https://example.org/"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert "<li>a</li>" in html


def test_an_article_page_shows_sanitized_html(client, db):
    make_article(body='Hi <script>alert("x")</script> <b onmouseover="x()">b</b> '
                      "[j](javascript:alert(1))")
    response = client.get(url("news:article", "hello"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "alert" not in html and "onmouseover" not in html and "<b>b</b>" in html


# --- States and public pages --------------------------------------------------------------

@pytest.mark.django_db
def test_only_published_articles_of_the_day_or_earlier_are_public(client):
    make_article(slug="live")
    make_article(slug="draft", status=Status.DRAFT)
    make_article(slug="review", status=Status.REVIEW)
    scheduled = make_article(slug="later", days=3)
    assert scheduled.state == "scheduled"
    html = client.get(url("news:list")).content.decode()
    assert "Title live" in html
    assert "Title draft" not in html and "Title later" not in html and "Title review" not in html
    for slug in ("draft", "later", "review", "nothing"):
        assert client.get(url("news:article", slug)).status_code == 404


@pytest.mark.django_db
def test_the_list_is_in_the_page_language_newest_first_and_paginated(client):
    for i in range(12):
        make_article(slug=f"a{i}", days=-i)
    make_article(language="zh-hans", slug="zh")
    html = client.get(url("news:list")).content.decode()
    assert "Title zh" not in html
    titles = re.findall(r"Title (a\d+)</a>", html)
    assert titles == [f"a{i}" for i in range(10)]
    second = client.get(url("news:list") + "?page=2").content.decode()
    assert re.findall(r"Title (a\d+)</a>", second) == ["a10", "a11"]
    assert "Title zh" in client.get(url("news:list", lang="zh-hans")).content.decode()


@pytest.mark.django_db
def test_an_article_in_another_language_redirects_there(client):
    make_article(language="zh-hans", slug="only-zh")
    response = client.get(url("news:article", "only-zh"))
    assert response.status_code == 302
    assert response["Location"] == "/zh-hans/news/only-zh/"


@pytest.mark.django_db
def test_news_pages_set_no_cookie_and_have_nothing_inline(client):
    make_article()
    for page in (url("news:list"), url("news:article", "hello"), url("news:public_statements")):
        response = client.get(page)
        assert response.status_code == 200
        assert not response.cookies
        html = response.content.decode()
        assert "style=" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert not re.search(r"\son[a-z]+=", html)


@pytest.mark.django_db
def test_the_atom_feed_lists_published_articles_with_dates_only(client):
    make_article(slug="live", publish_on=datetime.date(2026, 3, 1))
    make_article(slug="draft", status=Status.DRAFT)
    response = client.get("/feeds/news-en.atom")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Title live" in body and "Title draft" not in body
    assert "2026-03-01T00:00:00+08:00" in body
    assert "/en/news/live/" in body
    assert client.get("/feeds/news.atom").status_code == 200  # the default language


@pytest.mark.django_db
def test_the_sitemap_lists_articles_and_main_pages(client):
    make_article(slug="live")
    make_article(slug="draft", status=Status.DRAFT)
    body = client.get("/sitemap.xml").content.decode()
    assert "/en/news/live/" in body and "/draft/" not in body
    for page in ("/zh-hans/", "/en/news/", "/zh-hant/statements/", "/en/newsletter/"):
        assert page in body


# --- OpenCC -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_opencc_makes_a_traditional_version_that_needs_review():
    original = make_article(language="zh-hans", slug="soft", title="软件与信息",
                            body="头发 软件", status=Status.DRAFT)
    version = opencc_convert.sync_hant(original)
    assert version.language == "zh-hant" and version.slug == "soft"
    assert version.title == "軟體與資訊" and "頭髮" in version.body
    assert version.status == Status.REVIEW and version.translated_from == original
    # While unreviewed, it follows the original; once an editor publishes it, never again.
    original.title = "软件"
    original.save()
    assert opencc_convert.sync_hant(original).title == "軟體"
    version.refresh_from_db()
    version.title = "軟體（校訂）"
    version.status = Status.PUBLISHED
    version.save()
    original.title = "信息"
    original.save()
    assert opencc_convert.sync_hant(original).title == "軟體（校訂）"


# --- Public statements --------------------------------------------------------------------

@pytest.mark.django_db
def test_public_statements_link_their_article_and_declaration(client):
    article = make_article(slug="consul")
    PublicStatement.objects.create(
        name="Chen Yonglin", role="former consul", quote="I quit.", article=article,
        declaration_serial=42, featured_on=dates.today(), published=True,
    )
    PublicStatement.objects.create(
        name="Hidden", quote="x", article=article, featured_on=dates.today(), published=False,
    )
    html = client.get(url("news:public_statements")).content.decode()
    assert "Chen Yonglin" in html and "Hidden" not in html
    assert "/en/news/consul/" in html and "/en/statements/42/" in html


# --- The back office --------------------------------------------------------------------

EDITOR_GETS = ["news:editor", "news:editor_article_new", "news:editor_statements",
               "news:editor_statement_new", "newsletter:editor_list", "newsletter:editor_new"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", EDITOR_GETS)
def test_editor_pages_redirect_anonymous_visitors_to_log_in(client, name):
    response = client.get(url(name))
    assert response.status_code == 302 and "/accounts/" in response["Location"]


@pytest.mark.parametrize("name", EDITOR_GETS)
def test_editor_pages_refuse_others(client, mona, name):
    login_verified(client, mona)
    assert client.get(url(name)).status_code == 403


@pytest.mark.parametrize("name", EDITOR_GETS)
def test_editor_pages_need_the_second_factor(client, erin, name):
    client.force_login(erin)
    assert client.get(url(name)).status_code == 403


@pytest.mark.parametrize("name", EDITOR_GETS)
def test_editor_pages_open_for_an_editor(client, erin, name):
    login_verified(client, erin)
    response = client.get(url(name))
    assert response.status_code == 200
    assert "style=" not in response.content.decode()


def test_editor_pages_answer_404_and_405(client, erin):
    login_verified(client, erin)
    assert client.get(url("news:editor_article", 999)).status_code == 404
    assert client.get(url("news:editor_article_preview", 999)).status_code == 404
    assert client.post(url("news:editor_article_publish", 999)).status_code == 404
    assert client.get(url("news:editor_statement", 999)).status_code == 404
    article = make_article(status=Status.DRAFT)
    assert client.get(url("news:editor_article_publish", article.pk)).status_code == 405
    assert client.get(url("news:editor_article_translate", article.pk)).status_code == 405
    assert client.delete(url("news:editor")).status_code == 405


def _png(width=2000, height=1000) -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(data, "PNG")
    data.seek(0)
    data.name = "cover.png"
    return data


def test_an_editor_writes_previews_and_publishes_an_article(client, erin, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    login_verified(client, erin)
    response = client.post(url("news:editor_article_new"), {
        "language": "zh-hans", "slug": "first", "title": "第一篇软件", "summary": "摘要",
        "author": "编辑部", "publish_on": dates.today().isoformat(),
        "body": "正文 <script>x()</script>", "cover_alt": "红色", "cover_upload": _png(),
    })
    assert response.status_code == 302
    article = Article.objects.get(language="zh-hans", slug="first")
    assert article.status == Status.DRAFT
    assert article.cover_widths == [480, 960, 1600]
    for width in article.cover_widths:
        with Image.open(tmp_path / f"{article.cover}-{width}.jpg") as image:
            assert image.width == width and image.format == "JPEG"
    # The zh-hant version waits for review.
    version = Article.objects.get(language="zh-hant", slug="first")
    assert version.status == Status.REVIEW and version.title == "第一篇軟體"
    # Not public until published; the preview shows it to the editor.
    assert client.get(url("news:article", "first", lang="zh-hans")).status_code == 404
    preview = client.get(url("news:editor_article_preview", article.pk))
    assert preview.status_code == 200 and "第一篇软件" in preview.content.decode()
    assert "x()" not in preview.content.decode()
    client.post(url("news:editor_article_publish", article.pk), {"action": "publish"})
    page = client.get(url("news:article", "first", lang="zh-hans"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/media/{article.cover}-480.jpg" in html
    # The cover is served by us.
    image = client.get(f"/media/{article.cover}-480.jpg")
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert client.get("/media/../settings.py").status_code == 404
    # The traditional version is not public until reviewed and published.
    assert client.get(url("news:article", "first", lang="zh-hant")).status_code == 302


def test_a_future_date_schedules_the_article(client, erin):
    login_verified(client, erin)
    article = make_article(status=Status.DRAFT, days=2)
    client.post(url("news:editor_article_publish", article.pk), {"action": "publish"})
    article.refresh_from_db()
    assert article.state == "scheduled"
    assert client.get(url("news:article", "hello")).status_code == 404
    listing = client.get(url("news:editor")).content.decode()
    assert "Scheduled" in listing


def test_a_non_image_upload_is_refused(client, erin, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    login_verified(client, erin)
    upload = io.BytesIO(b"<svg onload='x()'/>")
    upload.name = "x.png"
    response = client.post(url("news:editor_article_new"), {
        "language": "en", "slug": "bad", "title": "t", "publish_on": dates.today().isoformat(),
        "body": "b", "cover_upload": upload,
    })
    assert response.status_code == 200
    assert not Article.objects.filter(slug="bad").exists()


def test_an_editor_features_a_public_statement(client, erin):
    login_verified(client, erin)
    article = make_article(slug="story")
    response = client.post(url("news:editor_statement_new"), {
        "name": "Hao Fengjun", "role": "former police officer", "quote": "I quit.",
        "article": article.pk, "featured_on": dates.today().isoformat(), "published": "on",
    })
    assert response.status_code == 302
    assert "Hao Fengjun" in client.get(url("news:public_statements")).content.decode()


def test_create_account_makes_an_editor(db):
    from django.core.management import call_command

    from tuidang.accounts.access import is_editor

    call_command("create_account", "ed", "--role", "editor", "--generate-password",
                 "--email", "ed@example.org", stdout=io.StringIO())
    from django.contrib.auth.models import User

    user = User.objects.get(username="ed")
    assert is_editor(user) and user.is_staff and user.email == "ed@example.org"
