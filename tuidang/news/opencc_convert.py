"""Traditional Chinese versions of articles written in simplified Chinese (OpenCC).

"s2twp" converts characters and Taiwan phrasing (软件 → 軟體). The result is a separate
article in "needs review": an editor reads and corrects it before it is published.
"""

import functools

import opencc
from django.db import transaction

from tuidang.news.models import Article, Status
from tuidang.registry import dates


@functools.cache
def _converter() -> "opencc.OpenCC":
    return opencc.OpenCC("s2twp")


def to_hant(text: str) -> str:
    return _converter().convert(text) if text else text


@transaction.atomic
def sync_hant(article: Article) -> Article | None:
    """Create or refresh the zh-hant version of a zh-hans article.

    A version an editor has already reviewed (published, or moved back to draft by hand)
    is left alone: OpenCC never overwrites a correction.
    """
    if article.language != "zh-hans":
        return None
    version = Article.objects.filter(translated_from=article, language="zh-hant").first()
    if version is None:
        version = Article.objects.filter(language="zh-hant", slug=article.slug).first()
        if version is not None and version.translated_from_id != article.pk:
            return None  # an article of its own already has this slug in zh-hant
    if version is not None and version.status != Status.REVIEW:
        return version
    if version is None:
        version = Article(language="zh-hant", slug=article.slug, translated_from=article)
    version.title = to_hant(article.title)
    version.summary = to_hant(article.summary)
    version.author = to_hant(article.author)
    version.body = to_hant(article.body)
    version.publish_on = article.publish_on
    version.cover, version.cover_widths = article.cover, list(article.cover_widths)
    version.cover_alt = to_hant(article.cover_alt)
    version.status = Status.REVIEW
    version.updated_on = dates.today()
    version.save()
    return version
