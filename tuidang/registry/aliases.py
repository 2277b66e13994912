"""Aliases (化名) made up on the spot: plausible Chinese names a declarant can take.

A volunteer at a tourist site, or a declarant on the form, often wants a name that is not
their own and does not look made up. `suggest` draws surnames as often as they occur in
China (so 王, 李 and 张 come up most) and given names of one or two common characters,
and never offers a name already in the declaration or offered twice at once: two persons
of one declaration may not share a name (the schema's rule, compared as it compares them,
with `identity.normalize_name`). Every name offered has passed the schema's own rules for
a displayed name, so taking one can never be what makes a declaration invalid.

The forms show a few per person as submit buttons (declaring/flow.py), so this works
without JavaScript; nothing about which name was offered or taken is kept.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable
from functools import cache

from pydantic import TypeAdapter

from tuidang.registry import schema
from tuidang.registry.identity import normalize_name

# The commonest surnames, most frequent first, each with its approximate share (per ten
# thousand people) in the household-registration ranking of 2019/2020.
SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 712), ("李", 700), ("张", 674), ("刘", 510), ("陈", 461), ("杨", 322),
    ("黄", 245), ("赵", 219), ("吴", 205), ("周", 195), ("徐", 175), ("孙", 153),
    ("马", 151), ("朱", 144), ("胡", 141), ("郭", 139), ("何", 127), ("林", 121),
    ("高", 120), ("罗", 115), ("郑", 111), ("梁", 105), ("谢", 99), ("宋", 88),
    ("唐", 86), ("许", 84), ("韩", 81), ("邓", 79), ("冯", 79), ("曹", 74), ("彭", 73),
    ("曾", 70), ("肖", 67), ("田", 66), ("董", 63), ("潘", 58), ("袁", 57), ("蔡", 56),
    ("蒋", 56), ("余", 54), ("于", 53), ("杜", 51), ("叶", 50), ("程", 49), ("魏", 47),
    ("苏", 47), ("吕", 46), ("丁", 45), ("任", 43), ("卢", 42), ("姚", 42), ("沈", 41),
    ("钟", 40), ("姜", 40), ("崔", 39), ("谭", 38), ("陆", 37), ("范", 36), ("汪", 36),
    ("廖", 35), ("石", 35), ("金", 34), ("韦", 33), ("贾", 33), ("夏", 32), ("付", 31),
    ("方", 31), ("邹", 30), ("熊", 30), ("白", 29), ("孟", 29), ("秦", 28), ("邱", 28),
    ("侯", 27), ("江", 27), ("尹", 26), ("薛", 26), ("闫", 25), ("段", 24), ("雷", 24),
    ("龙", 23), ("黎", 23), ("史", 22), ("陶", 22), ("贺", 21), ("毛", 21), ("郝", 20),
    ("顾", 20), ("龚", 19), ("邵", 19), ("万", 18), ("覃", 18), ("武", 18), ("钱", 17),
    ("戴", 17), ("严", 16), ("莫", 16), ("孔", 15), ("向", 15), ("常", 15), ("汤", 14),
)

# Characters common in given names, of no political colour: no 党, 国, 红, 军, 卫, 东 and
# the like, which would make an alias read like a slogan.
GIVEN_CHARACTERS = "".join(dict.fromkeys(  # (each character once)
    "伟芳娜秀英敏静丽强磊洋艳勇杰娟涛明超霞平刚桂兰玉萍鹏辉燕玲华飞慧建文"
    "波宁丹亮成林云莉婷雪琳晨欣怡佳嘉宇浩然子轩涵梓睿博思雨萱诗悦瑶晓峰"
    "志斌凯鑫浩宏俊凡彤阳颖倩琪璐瑞祥新海清源安泰和顺春秋梅竹松柏兴福德"
    "永家蕾薇菲晴琦昊天逸辰铭泽皓煜彬晶莹"
))
TWO_CHARACTER_SHARE = 0.8  # most given names today have two characters


@cache
def _display_name() -> TypeAdapter:
    return TypeAdapter(schema.DisplayName)


def is_valid_name(name: str) -> bool:
    """Whether the schema takes `name` as a person's displayed name."""
    try:
        _display_name().validate_python(name)
    except ValueError:
        return False
    return True


def _surname(rng: random.Random) -> str:
    names, shares = zip(*SURNAMES, strict=True)
    return rng.choices(names, weights=shares)[0]


def _given(rng: random.Random) -> str:
    if rng.random() < TWO_CHARACTER_SHARE:
        return "".join(rng.sample(GIVEN_CHARACTERS, 2))  # two different characters
    return rng.choice(GIVEN_CHARACTERS)


def draw(rng: random.Random | None = None) -> str:
    """One alias."""
    rng = rng or secrets.SystemRandom()
    return _surname(rng) + _given(rng)


def suggest(count: int, taken: Iterable[str] = (), rng: random.Random | None = None
            ) -> list[str]:
    """`count` different aliases, none the same name (as the schema compares names) as
    any in `taken` (the names already in the declaration) or as each other."""
    rng = rng or secrets.SystemRandom()
    seen = {normalize_name(name) for name in taken if name}
    found: list[str] = []
    while len(found) < count:
        name = draw(rng)
        key = normalize_name(name)
        if key in seen or not is_valid_name(name):
            continue
        seen.add(key)
        found.append(name)
    return found
