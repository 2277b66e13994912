"""News articles and featured public statements.

Dates only: an article carries the day it is published (China Standard Time); one
published with a day still to come is "scheduled" and appears on that day.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from tuidang.news import images, markup
from tuidang.registry import dates


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("Needs review")
    PUBLISHED = "published", _("Published")


class ArticleQuerySet(models.QuerySet):
    def public(self) -> "ArticleQuerySet":
        return self.filter(status=Status.PUBLISHED, publish_on__lte=dates.today())


class Article(models.Model):
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    slug = models.SlugField(max_length=80, allow_unicode=False)
    title = models.CharField(max_length=200)
    summary = models.TextField(max_length=1000, blank=True)
    author = models.CharField(max_length=120, blank=True)
    body = models.TextField(help_text="Markdown")
    publish_on = models.DateField(help_text="Day of publication (China Standard Time).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    cover = models.CharField(max_length=80, blank=True)
    cover_widths = models.JSONField(default=list, blank=True)
    cover_alt = models.CharField(max_length=200, blank=True)
    # A machine translation (OpenCC, zh-hans → zh-hant) of another article, which an
    # editor reviews and corrects before publishing it.
    translated_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="translations"
    )
    updated_on = models.DateField()

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["language", "slug"], name="news_article_lang_slug")
        ]
        indexes = [models.Index(fields=["language", "status", "-publish_on"])]

    def __str__(self) -> str:
        return self.title

    @property
    def state(self) -> str:
        """draft, review, scheduled or published."""
        if self.status == Status.PUBLISHED and self.publish_on > dates.today():
            return "scheduled"
        return self.status

    @property
    def state_label(self) -> str:
        if self.state == "scheduled":
            return str(_("Scheduled"))
        return str(self.get_status_display())

    @property
    def is_public(self) -> bool:
        return self.status == Status.PUBLISHED and self.publish_on <= dates.today()

    def body_html(self):
        return markup.render(self.body)

    def get_absolute_url(self) -> str:
        with translation.override(self.language):
            return reverse("news:article", args=[self.slug])

    def cover_srcset(self) -> str:
        return ", ".join(f"{images.url(self.cover, w)} {w}w" for w in self.cover_widths)

    def cover_url(self) -> str:
        if not self.cover_widths:
            return ""
        small = [w for w in self.cover_widths if w <= 960] or self.cover_widths
        return images.url(self.cover, max(small))


class PublicStatement(models.Model):
    """A real-name public statement (an official, a diplomat…) featured with its story."""

    name = models.CharField(max_length=120)
    role = models.CharField(max_length=200, blank=True, help_text="e.g. former consul")
    quote = models.TextField(max_length=2000)
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="statements")
    declaration_serial = models.PositiveBigIntegerField(null=True, blank=True)
    featured_on = models.DateField()
    published = models.BooleanField(default=False)

    class Meta:
        ordering = ["-featured_on", "-id"]

    def __str__(self) -> str:
        return self.name
