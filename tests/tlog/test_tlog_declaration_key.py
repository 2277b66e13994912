"""The auditor's one-regex reading of a declaration accepts exactly what parse_entry
accepts, and reads the same date, channel and organizations."""

from __future__ import annotations

import base64
import datetime

import pytest
from conftest import declaration
from hypothesis import given, settings
from hypothesis import strategies as st

from tuidang.tlog.entry import (
    DeclarationEntry,
    EntryError,
    PersonEntry,
    declaration_key,
    encode_entry,
    key_organizations,
    parse_entry,
)

GOOD = [encode_entry(declaration(i, persons)) for i, persons in
        ((1, 1), (2, 2), (3, 3), (4, 4), (5, 7), (6, 50))]


def agree(data: bytes) -> None:
    """declaration_key never accepts what parse_entry refuses, reads what it reads, and
    takes every declaration parse_entry accepts. (Its caller checks that the date is a
    real day, as the auditor does.)"""
    key = declaration_key(data)
    if key is not None:
        try:
            datetime.date.fromisoformat(key[0].decode())
        except ValueError:
            key = None
    try:
        entry = parse_entry(data)
    except EntryError:
        assert key is None, data
        return
    if not isinstance(entry, DeclarationEntry):
        assert key is None
        return
    assert key is not None, data
    assert key[0] == entry.date.isoformat().encode()
    assert key[1] == entry.channel.encode()
    assert key_organizations(key) == [",".join(p.organizations).encode()
                                      for p in entry.persons]


@pytest.mark.parametrize("data", GOOD)
def test_it_reads_every_good_declaration(data: bytes) -> None:
    assert declaration_key(data) is not None
    agree(data)


def _person(**changes: object) -> bytes:
    p = PersonEntry(bytes(32), ("party",), True, "beijing", "teacher")
    p = PersonEntry(**{**p.__dict__, **changes})
    return encode_entry(DeclarationEntry(7, datetime.date(2026, 1, 2), "self", (p,), None,
                                         bytes(32)))


EDGES = [
    _person(region="a" * 64), _person(region="a-" * 31 + "bc"), _person(sector="b" * 64),
    _person(region="overseas:US"), _person(region=None, sector=None),
    _person(organizations=("party", "league", "pioneers")),
    _person(organizations=("league", "pioneers"), real_name=False),
]
BAD = [
    GOOD[0].replace(b"serial 1\n", b"serial 01\n"),
    GOOD[0].replace(b"serial 1\n", b"serial 1234567890123456789\n"),
    GOOD[0].replace(b"date 2026-11-29", b"date 2026-02-30"),
    GOOD[0].replace(b"date 2026-11-29", b"date 0000-01-01"),
    GOOD[0].replace(b"channel self", b"channel " + b"c" * 65),
    GOOD[0].replace(b"channel self", b"channel -self"),
    GOOD[0].replace(b"channel self", b"channel Self"),
    GOOD[0][:-1], GOOD[0] + b"\n", GOOD[0].replace(b"\n", b"\r\n"),
    GOOD[0].replace(b" real ", b" Real "), GOOD[0].replace(b" real ", b"  real "),
    _person(sector="s" * 64).replace(b"s" * 64, b"s" * 65),
    _person(region="a" * 64).replace(b"a" * 64, b"a" * 65),
    _person(region="overseas:US").replace(b"overseas:US", b"overseas:us"),
    _person(region="overseas:US").replace(b"overseas:US", b"overseas:USA"),
    _person().replace(b"party", b"league,party"), _person().replace(b"party", b"party,party"),
    GOOD[5].replace(b"statement", encode_entry(declaration(9, 1)).split(b"\n")[4]
                    + b"\nstatement"),  # 51 persons
    GOOD[0].replace(b"tuidang/v2", b"tuidang/v1"),
]
# The last character of a 32-byte base64 value carries 4 bits; the 2 spare bits are 0.
_B64 = base64.b64encode(bytes(32)).decode()
BAD += [_person().replace(_B64.encode(), _B64[:-2].encode() + c + b"=", 1)
        for c in (b"B", b"C", b"D", b"9", b"/")]
BAD += [_person().replace(_B64.encode(), _B64[:-2].encode() + b"AA", 1)]


@pytest.mark.parametrize("data", EDGES + BAD)
def test_it_agrees_with_parse_entry_at_the_edges(data: bytes) -> None:
    agree(data)


def test_the_edges_are_what_they_say() -> None:
    assert all(declaration_key(d) is not None for d in EDGES)
    assert [d for d in BAD if declaration_key(d) is not None] == BAD[2:4]  # no real day


ALPHABET = b"abz09-, :\nAZ+/=_\x00\xe4personrealalias"


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(GOOD + EDGES), st.integers(0, 400), st.integers(0, 3),
       st.binary(max_size=3).map(lambda b: bytes(ALPHABET[x % len(ALPHABET)] for x in b)))
def test_it_agrees_with_parse_entry_on_any_change(data: bytes, at: int, cut: int,
                                                  insert: bytes) -> None:
    at %= len(data) + 1
    agree(data[:at] + insert + data[at + cut:])
