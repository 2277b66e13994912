"""What a newsletter says: its introduction, chosen articles and milestones."""

from django.utils import translation

from tuidang.news import markup
from tuidang.newsletter.mail import absolute


def milestone_model():
    """tuidang.stats' Milestone, if that app is installed (it may not be)."""
    try:
        from tuidang.stats.models import Milestone
    except ImportError:
        return None
    return Milestone


def recent_milestones(limit: int = 10) -> list:
    model = milestone_model()
    if model is None:
        return []
    return list(model.objects.order_by("-value")[:limit])


def build(newsletter) -> dict:
    with translation.override(newsletter.language):
        articles = [
            {
                "title": a.title,
                "summary": a.summary,
                "url": absolute(a.get_absolute_url()),
                "publish_on": a.publish_on,
            }
            for a in newsletter.articles.public().order_by("-publish_on", "-id")
        ]
    model = milestone_model()
    milestones = []
    if model is not None and newsletter.milestone_values:
        milestones = list(
            model.objects.filter(value__in=newsletter.milestone_values).order_by("-value")
        )
    return {
        "newsletter": newsletter,
        "intro_html": markup.render(newsletter.intro),
        "intro_text": markup.plain(newsletter.intro),
        "articles": articles,
        "milestones": milestones,
    }
