"""{{ code|reason_label }}: a hold or revocation reason code in the reader's language
(the words are registry.screening's, the one place they are written)."""

from django import template

from tuidang.registry.screening import reason_label as _reason_label

register = template.Library()


@register.filter
def reason_label(code: str) -> str:
    return _reason_label(code)
