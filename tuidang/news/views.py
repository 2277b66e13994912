"""Public news pages, the public statements page, the Atom feeds, media and the sitemap."""

import datetime
from pathlib import Path

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_safe
from django.views.static import serve

from tuidang.news.models import Article, PublicStatement
from tuidang.registry import dates

PAGE_SIZE = 10
FEED_SIZE = 30
CST = datetime.timezone(datetime.timedelta(hours=8))


@require_safe
def article_list(request: HttpRequest) -> HttpResponse:
    language = translation.get_language()
    articles = Article.objects.public().filter(language=language)
    page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "news/list.html", {"page": page, "articles": page.object_list})


@require_safe
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    language = translation.get_language()
    article = Article.objects.public().filter(language=language, slug=slug).first()
    if article is None:
        other = Article.objects.public().filter(slug=slug).order_by("pk").first()
        if other is None:
            raise Http404("no such article")
        return redirect(other.get_absolute_url())
    versions = [
        (a.language, a.get_absolute_url())
        for a in Article.objects.public().filter(slug=slug).exclude(pk=article.pk)
    ]
    statements = article.statements.filter(published=True)
    return render(request, "news/article.html", {
        "article": article, "versions": versions, "statements": statements,
    })


@require_safe
def public_statements(request: HttpRequest) -> HttpResponse:
    rows = PublicStatement.objects.filter(
        published=True, article__in=Article.objects.public()
    ).select_related("article")
    return render(request, "news/public_statements.html", {"statements": rows})


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=CST)


class _DateOnlyAtom(Atom1Feed):
    def latest_post_date(self) -> datetime.datetime:
        if not self.items:
            return _day_start(dates.today())
        return super().latest_post_date()


class NewsFeed(Feed):
    """Published articles of one language; dated 00:00 China Standard Time (no times)."""

    feed_type = _DateOnlyAtom

    def get_object(self, request, language=None):
        language = language or settings.LANGUAGE_CODE
        if language not in dict(settings.LANGUAGES):
            raise Http404("no such language")
        return language

    def title(self, language) -> str:
        with translation.override(language):
            return str(translation.gettext("Tuidang: news"))

    def link(self, language) -> str:
        with translation.override(language):
            return reverse("news:list")

    def author_name(self) -> str:
        return str(settings.SITE_NAME)

    def items(self, language):
        return list(Article.objects.public().filter(language=language)[:FEED_SIZE])

    def item_title(self, item) -> str:
        return item.title

    def item_description(self, item) -> str:
        return str(item.body_html())

    def item_link(self, item) -> str:
        return item.get_absolute_url()

    def item_author_name(self, item) -> str:
        return item.author

    def item_pubdate(self, item) -> datetime.datetime:
        return _day_start(item.publish_on)

    def item_updateddate(self, item) -> datetime.datetime:
        return _day_start(max(item.publish_on, item.updated_on))


_news_feed = NewsFeed()


@require_safe
def news_feed(request: HttpRequest, language: str | None = None) -> HttpResponse:
    response = _news_feed(request, language=language)
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def media(request: HttpRequest, path: str) -> HttpResponse:
    """Our own uploads (cover images), immutable under random names."""
    if not path.startswith("news/") or Path(path).suffix != ".jpg":
        raise Http404("no such file")
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
