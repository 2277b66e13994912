"""The shortcuts that make encoding fast decide exactly as the rules they stand for."""

from __future__ import annotations

import datetime
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from tuidang.tlog.entry import (
    ORGANIZATIONS,
    DeclarationEntry,
    EntryError,
    PersonEntry,
    check_published_name,
    encode_declaration,
    encode_entry,
    name_commitment,
    person_line,
)


def name_is_valid_by_the_rule(name: str) -> bool:
    """docs/log-format.md: 1-40 characters, NFC, no surrounding spaces, no C*, Zl, Zp."""
    return (1 <= len(name) <= 40 and name == name.strip()
            and unicodedata.normalize("NFC", name) == name
            and not any(unicodedata.category(c)[0] == "C"
                        or unicodedata.category(c) in ("Zl", "Zp") for c in name))


def published(name: str) -> bool:
    try:
        check_published_name(name)
    except EntryError:
        return False
    return True


@settings(max_examples=1000, deadline=None)
@given(st.text(min_size=0, max_size=42))
def test_the_published_name_check_agrees_with_the_rule_for_any_text(name: str) -> None:
    assert published(name) == name_is_valid_by_the_rule(name)


def test_the_published_name_check_agrees_with_the_rule_on_every_space_and_format_character(
        ) -> None:
    for code in range(0x110000):
        c = chr(code)
        category = unicodedata.category(c)
        # Every control, format and space; of the vast unassigned and private planes, the
        # first.
        if category in ("Cc", "Cf", "Zs", "Zl", "Zp") or (category[0] == "C" and code < 0x10000):
            name = f"a{c}b"
            assert published(name) == name_is_valid_by_the_rule(name), hex(code)


NAME = name_commitment(b"s" * 16, "张三")


ORG_TUPLES = st.lists(st.sampled_from(ORGANIZATIONS), max_size=4).map(tuple)
TOKENS = st.one_of(st.none(), st.sampled_from(["beijing", "overseas:US", "Bad", "a--b", "x" * 65,
                                               "teacher", "inner-mongolia", ""]))


@given(ORG_TUPLES, TOKENS, TOKENS, st.booleans())
def test_person_line_validates_like_person_entry(orgs, region, sector, real) -> None:
    person = PersonEntry(NAME, orgs, real, region, sector)
    try:
        person.validate()
    except EntryError:
        valid = False
    else:
        valid = True
    try:
        line = person_line(NAME, orgs, real, region, sector)
    except EntryError:
        assert not valid
    else:
        assert valid and line == person.line()


def test_encode_declaration_is_what_encode_entry_writes() -> None:
    persons = (PersonEntry(NAME, ("party", "league"), True, "beijing", "teacher"),
               PersonEntry(name_commitment(b"t" * 16, "小明"), ("pioneers",), False,
                           "overseas:US", None))
    entry = DeclarationEntry(1042, datetime.date(2026, 11, 29), "self", persons, None, b"p" * 32)
    lines = [p.line() for p in persons]
    assert encode_declaration(1042, entry.date, "self", lines, None, b"p" * 32) == \
        encode_entry(entry)


@given(st.binary(max_size=40))
def test_a_person_line_needs_a_commitment_of_32_bytes(value: bytes) -> None:
    if len(value) == 32:
        assert person_line(value, ("party",), False).startswith("person party alias - ")
    else:
        try:
            person_line(value, ("party",), False)
        except EntryError:
            return
        raise AssertionError(value)
