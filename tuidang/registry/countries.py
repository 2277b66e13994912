"""Countries as declarants read them: one definition of their names (CLDR, through Babel)
and of their order on the form.

Names come from CLDR's territory names for the page's language: zh-hans from `zh_Hans`,
zh-hant from `zh_Hant`, English from `en`. (django-countries' own Chinese catalogue had
wrong and truncated names; it now only supplies the list of ISO 3166-1 codes.)

Order: the countries where most Chinese abroad live and declare come first, in the order
of COMMON; then every other country, for Chinese by the pinyin of its name (pypinyin,
tone numbers breaking ties, then the name itself), for English alphabetically ignoring
accents. China, Hong Kong, Macau and Taiwan are regions, not countries here
(schema.NOT_OVERSEAS), so they are not in the list.
"""

import functools
import unicodedata

from babel import Locale
from pypinyin import Style, lazy_pinyin

from tuidang.core.numbers import babel_locale

# The countries with the largest Chinese communities abroad and the most declarations
# from helpers at tourist sites: first on the form, in this order.
COMMON = ("US", "CA", "AU", "GB", "JP", "KR", "SG", "MY", "NZ", "DE", "FR", "TH")
# CLDR locale for names: the script, not the region's conventions for numbers.
NAME_LOCALES = {"zh_Hans_CN": "zh_Hans", "zh_Hant_TW": "zh_Hant"}


def _names_locale(language: str | None) -> Locale:
    return _parsed(babel_locale(language))


# A statements page names a country on every card: parse each locale once, not per card.
@functools.cache
def _parsed(tag: str) -> Locale:
    return Locale.parse(NAME_LOCALES.get(tag, tag))


def name(code: str, language: str | None = None) -> str:
    """The country's name in the language (the active one by default); the code itself if
    CLDR does not know it."""
    return _names_locale(language).territories.get(code, code)


def _sort_key(text: str, chinese: bool) -> tuple:
    if chinese:
        return (lazy_pinyin(text, style=Style.TONE3), text)
    plain = unicodedata.normalize("NFKD", text)
    return ("".join(c for c in plain if not unicodedata.combining(c)).casefold(), text)


@functools.cache
def ordered(codes: tuple[str, ...], language: str) -> tuple[tuple[str, str], ...]:
    """(code, name) for `codes`: COMMON first, then the rest in the reader's order."""
    named = {code: name(code, language) for code in codes}
    first = [code for code in COMMON if code in named]
    chinese = language.lower().startswith("zh")
    rest = sorted(set(named) - set(first), key=lambda c: _sort_key(named[c], chinese))
    return tuple((code, named[code]) for code in first + rest)
