from django import template

register = template.Library()


@register.filter
def grouped(value: int | None) -> str:
    """12345678 → 12,345,678 (the grouping readers of all three languages expect)."""
    return f"{value or 0:,}"
