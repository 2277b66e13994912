"""Short texts editors keep up to date: the questions and answers (三退问答) and the other
ways to declare (hotlines, e-mail, service points).

One row holds one entry in every language, so that editors see at once what is missing
in one of them; a language left empty shows the text of another (see `text`).
"""

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# The field suffix of each language the site speaks: zh-hans → zh_hans.
LANGUAGE_FIELDS = [code.replace("-", "_") for code, _name in settings.LANGUAGES]
MAX_TITLE = 300
MAX_BODY = 5000


class Kind(models.TextChoices):
    QUESTION = "question", _("Question and answer")
    HOTLINE = "hotline", _("Hotline")
    EMAIL = "email", _("E-mail")
    IN_PERSON = "in-person", _("Service point in person")


# The kinds listed on the page of other ways to declare, in its order.
WAY_KINDS = [Kind.HOTLINE, Kind.EMAIL, Kind.IN_PERSON]


class EntryQuerySet(models.QuerySet):
    def public(self) -> "EntryQuerySet":
        return self.filter(published=True).order_by("order", "id")

    def questions(self) -> "EntryQuerySet":
        return self.public().filter(kind=Kind.QUESTION)

    def ways(self) -> "EntryQuerySet":
        return self.public().filter(kind__in=WAY_KINDS)


class Entry(models.Model):
    kind = models.CharField(max_length=10, choices=Kind.choices)
    order = models.PositiveSmallIntegerField(default=100)
    published = models.BooleanField(default=True)
    # A question, or the name of a hotline, address or service point.
    title_zh_hans = models.CharField(max_length=MAX_TITLE, blank=True)
    title_zh_hant = models.CharField(max_length=MAX_TITLE, blank=True)
    title_en = models.CharField(max_length=MAX_TITLE, blank=True)
    # The answer, or the number, address, hours: plain text, blank lines between paragraphs.
    body_zh_hans = models.TextField(max_length=MAX_BODY, blank=True)
    body_zh_hant = models.TextField(max_length=MAX_BODY, blank=True)
    body_en = models.TextField(max_length=MAX_BODY, blank=True)
    updated_on = models.DateField()

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "order", "id"]
        indexes = [models.Index(fields=["kind", "published", "order"])]

    def __str__(self) -> str:
        return self.text("title", "zh-hans")

    def text(self, part: str, language: str | None = None) -> str:
        """The title or body in a language, or else in the first language that has it."""
        wanted = (language or translation.get_language() or "zh-hans").replace("-", "_")
        order = [wanted] + [code for code in LANGUAGE_FIELDS if code != wanted]
        for code in order:
            value = getattr(self, f"{part}_{code}", "")
            if value:
                return value
        return ""

    @property
    def title(self) -> str:
        return self.text("title")

    @property
    def body(self) -> str:
        return self.text("body")
