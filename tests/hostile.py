"""Hypothesis strategies for hostile input: nesting, sizes, encodings, numbers, invisible
and mixed-direction text (tests/test_fuzz_endpoints.py)."""

import json
from urllib.parse import quote

from hypothesis import strategies as st

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u034f", "\u180e",
             "\u3000", "\xa0"]
DIRECTIONAL = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
               "\u2068", "\u2069", "\u200e", "\u200f", "\u061c"]
PIECES = ["שלום", "مرحبا", "张三", "張三", "abc", "ＡＢＣ", "e\u0301", "\u0301", "🇨🇳", "👨‍👩‍👧",
          "\x00", "\x1b[31m", "\r\n", "\t", "<script>", "'\"", "%00", "../", "=HYPERLINK(1)",
          "@SUM(1)", "+1", "-1", "\\", "{{ x }}", "{% x %}", "${x}", "\U0010ffff"]
NUMBERS = ["0", "-1", "-0", "1.5", "1e309", "NaN", "inf", "9" * 19, "9" * 40, "2" * 400,
           "0x10", "1_000", "²", "١٢", "٣", "Ⅻ", "𝟘", " 7 ", "+5", "0" * 30 + "1", ""]
SIZES = [255, 256, 2001, 5001, 70_000]

plain_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
# Digits of every script, superscripts, circled and Roman numerals: str.isdigit() says yes
# to many that int() refuses, and int() reads others that are no ASCII.
unicode_numbers = st.text(st.characters(categories=("Nd", "No", "Nl")), min_size=1, max_size=4)
NOT_DECIMAL_DIGITS = [chr(c) for c in range(0x110000)
                      if chr(c).isdigit() and not chr(c).isdecimal()]  # "²", "①", …
digit_lookalikes = st.text(st.sampled_from([*NOT_DECIMAL_DIGITS, *"0123456789"]),
                           min_size=1, max_size=4).filter(lambda t: not t.isdecimal())
mixed_text = st.lists(st.sampled_from(INVISIBLE + DIRECTIONAL + PIECES), max_size=12).map("".join)
numbers = st.one_of(st.sampled_from(NUMBERS), unicode_numbers, digit_lookalikes)
long_text = st.builds(lambda piece, size: (piece * size)[:size],
                      st.sampled_from(["字", "a", "\u202e", "0", "=", "😀"]),
                      st.sampled_from(SIZES))
texts = st.one_of(plain_text, mixed_text, numbers, long_text)

# A form field's values: usually one, sometimes several or none.
field_values = st.one_of(texts.map(lambda t: [t]), st.lists(texts, max_size=4))


def nested(depth: int, kind: str = "list") -> bytes:
    if kind == "list":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


deep_json = st.builds(nested, st.sampled_from([10, 100, 999, 1000, 5000, 50_000]),
                      st.sampled_from(["list", "object"]))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), texts),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(texts, inner, max_size=4)),
    max_leaves=20,
)


def _dump(value) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


json_bodies = st.one_of(json_values.map(_dump), deep_json)
encoded_bodies = st.one_of(
    st.binary(max_size=300),
    texts.map(lambda t: t.encode("utf-16")),
    texts.map(lambda t: t.encode("gb18030", "replace")),
    texts.map(lambda t: t.encode("latin-1", "replace")),
    st.just(b"\xff\xfe\x00\x00"), st.just(b"\xc0\xaf"), st.just(b"\xed\xa0\x80"),
)

# What may stand in a path segment: numbers, and any text, percent-encoded.
path_numbers = st.sampled_from(["0", "1", "2", "3", "9" * 19, "9" * 40, "00001"])
path_texts = st.one_of(texts, numbers).map(lambda t: quote(t, safe="") or "x")
# The parameters the pages read, each there or not, mostly with a number of some kind;
# and now and then one nobody reads.
PARAMETERS = ["before", "after", "day", "page", "serial", "limit", "next", "language"]
query_strings = st.tuples(
    st.fixed_dictionaries({}, optional={name: numbers for name in PARAMETERS}),
    st.lists(st.tuples(plain_text, texts), max_size=1),
).map(lambda both: "&".join(f"{quote(k, safe='')}={quote(v, safe='')}"
                            for k, v in [*both[0].items(), *both[1]]))
