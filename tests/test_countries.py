"""Country names on the declaration form: CLDR's, in every language, in the reader's order
(registry/countries.py)."""

import html
import re

import pytest
from babel import Locale
from pypinyin import Style, lazy_pinyin

from tuidang.registry import countries, schema

pytestmark = pytest.mark.django_db

CLDR = {"zh-hans": "zh_Hans", "zh-hant": "zh_Hant", "en": "en"}


def options(client, language: str) -> list[tuple[str, str]]:
    page = client.get(f"/{language}/declare/").content.decode()
    select = page.split('id="id_persons-0-country"')[1].split("</select>")[0]
    found = re.findall(r'<option value="([A-Z]{2})"[^>]*>([^<]+)<', select)
    return [(code, html.unescape(name)) for code, name in found]


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
def test_every_country_on_the_form_has_its_cldr_name(client, language):
    territories = Locale.parse(CLDR[language]).territories
    shown = options(client, language)
    assert {code for code, _name in shown} == set(schema.country_codes())
    wrong = [(code, name, territories[code]) for code, name in shown
             if name != territories[code]]
    assert wrong == []


def test_the_names_that_were_wrong_are_right():
    assert countries.name("GN", "zh-hans") == "几内亚"  # was 巴布亚新几内亚
    assert countries.name("WS", "zh-hans") == "萨摩亚"  # was 美属萨摩亚群岛
    assert countries.name("NP", "zh-hans") == "尼泊尔"  # was 尼珀尔
    assert countries.name("TJ", "zh-hans") == "塔吉克斯坦"  # was 塔吉克斯斯坦
    assert countries.name("BA", "zh-hans") == "波斯尼亚和黑塞哥维那"  # was truncated
    assert countries.name("BA", "zh-hant") == "波士尼亞與赫塞哥維納"


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant"])
def test_chinese_readers_find_the_common_countries_first_then_pinyin_order(client, language):
    shown = options(client, language)
    common = [code for code in countries.COMMON if code in schema.country_codes()]
    assert [code for code, _name in shown[:len(common)]] == common
    rest = [name for _code, name in shown[len(common):]]
    keys = [lazy_pinyin(name, style=Style.TONE3) for name in rest]
    assert keys == sorted(keys)
    # 阿尔巴尼亚 (a) comes before 巴西 (b), which comes before 中非共和国 (z)
    names = [name for _code, name in shown]
    if language == "zh-hans":
        assert names.index("阿尔巴尼亚") < names.index("巴西") < names.index("中非共和国")
    # China, Hong Kong, Macau and Taiwan are regions, not countries abroad.
    assert not {"CN", "HK", "MO", "TW"} & {code for code, _name in shown}


def test_english_readers_find_them_alphabetically_ignoring_accents(client):
    shown = options(client, "en")
    names = [name for _code, name in shown[len(countries.COMMON):]]
    assert names.index("Côte d’Ivoire") < names.index("Croatia")
    assert names.index("Åland Islands") < names.index("Albania")
