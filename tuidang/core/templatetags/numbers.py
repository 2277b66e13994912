from django import template

from tuidang.core import numbers

register = template.Library()


@register.filter
def grouped(value: int | None) -> str:
    """12345678 → 12,345,678 (tuidang/core/numbers.py, in the page's language)."""
    return numbers.exact(value)


@register.filter
def readable(value: int | None) -> str:
    """466012345 → "4.66 亿" in Chinese, "466.01 million" in English."""
    return numbers.short(value)


@register.inclusion_tag("core/_figure.html")
def figure(value: int | None, element_id: str = "") -> dict:
    """A figure as readers say it, with the exact figure beside it when they differ; the
    exact figure carries the id (tests and scripts read it)."""
    return {"short": numbers.short(value), "exact": numbers.exact(value),
            "both": numbers.has_short(value), "id": element_id}
