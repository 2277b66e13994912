"""Numbers as readers of each language read them: the one place figures are formatted.

Exact figures are grouped by thousands with Babel (CLDR), so every page, in every
language, writes 466,012,345 the same way. Large figures also get a short reading:
"4.66 亿" (zh-hans), "4.66 億" (zh-hant), "466.01 million" (en). The short reading is
cut, never rounded, to two decimals: a total just short of a milestone must not read as
the milestone ("3.99 亿" at 399,999,999, not "4 亿").
"""

from decimal import ROUND_DOWN, Decimal

from babel.numbers import format_decimal
from django.utils.translation import get_language

# Django's language code → the CLDR locale whose conventions the page follows.
BABEL_LOCALES = {"zh-hans": "zh_Hans_CN", "zh-hant": "zh_Hant_TW", "en": "en"}
# Units largest first: (value, word); the word follows the number after a space.
UNITS = {
    "zh-hans": ((10**8, "亿"), (10**4, "万")),
    "zh-hant": ((10**8, "億"), (10**4, "萬")),
    "en": ((10**9, "billion"), (10**6, "million")),
}
SHORT_PATTERN = "#,##0.##"


def babel_locale(language: str | None = None) -> str:
    """The CLDR locale for a Django language code (the active language by default)."""
    return BABEL_LOCALES.get((language or get_language() or "en").lower(), "en")


def _units(language: str | None) -> tuple[tuple[int, str], ...]:
    return UNITS.get((language or get_language() or "en").lower(), UNITS["en"])


def exact(value: int | None, language: str | None = None) -> str:
    """12345678 → "12,345,678"."""
    return format_decimal(value or 0, locale=babel_locale(language))


def short(value: int | None, language: str | None = None) -> str:
    """The figure as readers say it ("4.66 亿"), or the exact figure when it is too small
    to have a unit (below 1 万 in Chinese, 1 million in English)."""
    value = value or 0
    for size, word in _units(language):
        if abs(value) >= size:
            amount = (Decimal(value) / size).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
            number = format_decimal(amount, format=SHORT_PATTERN, locale=babel_locale(language))
            return f"{number} {word}"
    return exact(value, language)


def has_short(value: int | None, language: str | None = None) -> bool:
    """Whether the short reading differs from the exact figure (so a page shows both)."""
    return short(value, language) != exact(value, language)
