"""make_hant keeps the glossary's terms where OpenCC's Taiwan phrases would swap them."""

from babel.messages.catalog import Catalog

from tuidang.core.make_hant import build


def _converted(text: str) -> str:
    source = Catalog(locale="zh_Hans")
    source.add("x", text)
    return build(source, [])["x"].string


def test_it_keeps_declaration_as_shengming_not_xuangao():
    assert _converted("提交声明") == "提交聲明"


def test_it_keeps_moderator_review_as_shenhe():
    assert "審核" in _converted("等待审核员审核") and "稽核" not in _converted("等待审核员审核")
