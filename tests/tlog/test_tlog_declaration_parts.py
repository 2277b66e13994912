"""A declaration encoded in two parts is the entry itself; its summary is its tally."""

from __future__ import annotations

import datetime
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tuidang.tlog.declaration import (
    complete_declaration,
    declaration_body,
    summarize_declaration,
)
from tuidang.tlog.entry import (
    ORGANIZATIONS,
    EntryError,
    encode_declaration,
    name_commitment,
    parse_entry,
    person_line,
)
from tuidang.tlog.fields import MAX_NUMBER
from tuidang.tlog.tally import tally_delta

NAME = name_commitment(b"s" * 16, "张三")

ORGS = st.lists(st.sampled_from(ORGANIZATIONS), min_size=1, max_size=3, unique=True).map(
    lambda chosen: tuple(o for o in ORGANIZATIONS if o in chosen))
PERSONS = st.lists(st.tuples(
    st.binary(min_size=32, max_size=32),
    ORGS, st.booleans(),
    st.one_of(st.none(), st.sampled_from(["beijing", "overseas:US", "inner-mongolia"])),
    st.one_of(st.none(), st.sampled_from(["teacher", "soe"])),
), min_size=1, max_size=50)


@settings(max_examples=300, deadline=None)
@given(PERSONS, st.integers(0, MAX_NUMBER), st.booleans(), st.sampled_from(["self", "in-person"]))
def test_the_parts_make_the_entry_and_the_summary_counts_it(persons, serial, statement, channel):
    day = datetime.date(2026, 12, 2)
    lines = [person_line(*p) for p in persons]
    commitment, private = (os.urandom(32) if statement else None), os.urandom(32)
    data = complete_declaration(serial, declaration_body(day, channel, lines, commitment),
                                private)
    assert data == encode_declaration(serial, day, channel, lines, commitment, private)
    entry = parse_entry(data)
    summary = summarize_declaration(data)
    delta = tally_delta(entry)
    assert (summary.serial, summary.date, summary.channel) == (serial, "2026-12-02", channel)
    assert (summary.persons, summary.party, summary.league, summary.pioneers) == (
        delta.persons, delta.party, delta.league, delta.pioneers)
    assert sorted(summary.places) == sorted(
        [f"region:{p.region}" for p in entry.persons if p.region]
        + [f"sector:{p.sector}" for p in entry.persons if p.sector])


def test_the_body_refuses_what_the_entry_refuses():
    day = datetime.date(2026, 12, 2)
    line = person_line(NAME, ("party",), False)
    for args in [(day, "Self", [line], None), (day, "self", [], None),
                 (day, "self", [line] * 51, None), ("2026-12-02", "self", [line], None),
                 (day, "self", [line], b"short")]:
        with pytest.raises(EntryError):
            declaration_body(*args)
    body = declaration_body(day, "self", [line], None)
    for serial, private in [(-1, os.urandom(32)), (10**19, os.urandom(32)), (1, b"x" * 31),
                            (1, None)]:
        with pytest.raises(EntryError):
            complete_declaration(serial, body, private)


def test_every_serial_it_encodes_parses_back_and_no_larger_one_is_encoded():
    body = declaration_body(datetime.date(2026, 12, 2), "self",
                            [person_line(NAME, ("party",), False)], None)
    largest = complete_declaration(MAX_NUMBER, body, b"\1" * 32)
    assert parse_entry(largest).serial == MAX_NUMBER
    # 10**18 has a 19th digit, which parse_entry refuses: encoding it made an entry that
    # could not be read back.
    with pytest.raises(EntryError):
        complete_declaration(MAX_NUMBER + 1, body, b"\1" * 32)


def test_the_summary_refuses_what_is_not_a_declaration_in_structure():
    good = encode_declaration(7, datetime.date(2026, 12, 2), "self",
                              [person_line(NAME, ("party",), False)], None, b"\1" * 32)
    summarize_declaration(good)
    bad = [
        good.replace(b"declaration", b"revocation"),
        good.replace(b"serial 7", b"serial 07"),
        good.replace(b"serial 7", b"serial x"),
        good.replace(b"person party", b"person pioneers,party"),
        good.replace(b"person party alias", b"person party nobody"),
        good.replace(b"\nstatement -", b""),
        good.replace(b"\n", b"\r\n"),
        good[:-1],
        good.replace(b"alias - ", b"alias - \n"),
        good.replace(b"alias - - ", b"alias - - x"),
        good.replace(b"tuidang/v2", b"tuidang/v1"),
        b"tuidang/v2 declaration\n" * 3000,
    ]
    for data in bad:
        with pytest.raises(EntryError):
            summarize_declaration(data)
