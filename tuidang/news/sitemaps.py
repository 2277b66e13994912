"""/sitemap.xml: the main public pages in every language, and the published articles."""

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from tuidang.news.models import Article

PAGES = [
    "home", "news:list", "news:public_statements", "statements", "declare", "counting_rule",
    "verify", "statistics", "milestones", "open_data", "newsletter:signup", "newsletter:terms",
    "newsletter:privacy", "declarant_privacy", "pages:safe_access", "pages:questions",
    "pages:other_ways",
    "newsletter:privacy", "declarant_privacy", "counter_embed",
]


class PagesSitemap(Sitemap):
    i18n = True
    languages = [code for code, _name in settings.LANGUAGES]
    changefreq = "daily"

    def items(self) -> list[str]:
        found = []
        for name in PAGES:
            try:
                reverse(name)
            except NoReverseMatch:
                continue  # a page another part of the project may not have
            found.append(name)
        return found

    def location(self, item: str) -> str:
        return reverse(item)


class ArticlesSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Article.objects.public().order_by("-publish_on", "-id")

    def location(self, item: Article) -> str:
        with translation.override(item.language):
            return reverse("news:article", args=[item.slug])

    def lastmod(self, item: Article):
        return max(item.publish_on, item.updated_on)


SITEMAPS = {"pages": PagesSitemap, "news": ArticlesSitemap}
