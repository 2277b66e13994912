"""{% other_ways_link as url %}: the page of other ways to declare, or "" while editors
have listed none (a link to an empty page would only disappoint)."""

from django import template
from django.urls import reverse

from tuidang.pages.models import Entry

register = template.Library()


@register.simple_tag
def other_ways_link() -> str:
    return reverse("pages:other_ways") if Entry.objects.ways().exists() else ""
