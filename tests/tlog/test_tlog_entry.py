"""The tuidang entry format v2 and the tally rule."""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib

import pytest
from conftest import DAY, declaration, revocation, sample_entries

from tuidang.tlog.entry import (
    DeclarationEntry,
    EntryError,
    PersonEntry,
    RevocationEntry,
    check_published_name,
    commitment,
    encode_entry,
    name_commitment,
    parse_entry,
    statement_commitment,
)
from tuidang.tlog.tally import Tally, TallyChecker, tally_delta

S = hashlib.sha256(b"s").digest()
P = hashlib.sha256(b"p").digest()
B64S, B64P = base64.b64encode(S).decode(), base64.b64encode(P).decode()
# The names of the documented example (docs/log-format.md) and their salts.
SALT_1, SALT_2 = bytes(range(0x40, 0x50)), bytes(range(0x50, 0x60))
N1 = "7tsMQv/TSHy5/3JKIwIFYoMdADJ/paku7NPL3FdrJ2E="
N2 = "UXdjZQkLTfU6oYUxTf74qGfuFT7ozrbmPK+WDv6sJYg="
DECL = (f"tuidang/v2 declaration\nserial 1042\ndate 2026-11-29\nchannel self\n"
        f"person party,league real beijing teacher {N1}\n"
        f"person pioneers alias overseas:US - {N2}\nstatement {B64S}\nprivate {B64P}\n").encode()
REVO = (b"tuidang/v2 revocation\nserial 1042\ndate 2026-12-01\nrevokes 17\nperson -\n"
        b"declared 2026-11-29\nchannel self\npersons 2\nparty 1\nleague 1\npioneers 1\n"
        b"reason retracted\n")
ONE = (b"tuidang/v2 revocation\nserial 1042\ndate 2026-12-01\nrevokes 17\nperson 1\n"
       b"declared 2026-11-29\nchannel self\npersons 1\nparty 0\nleague 0\npioneers 1\n"
       b"reason contest\n")


def test_it_parses_the_documented_examples() -> None:
    d = parse_entry(DECL)
    assert isinstance(d, DeclarationEntry)
    assert d.persons[0] == PersonEntry(name_commitment(SALT_1, "张三"), ("party", "league"),
                                       True, "beijing", "teacher")
    assert d.persons[1] == PersonEntry(name_commitment(SALT_2, "小明"), ("pioneers",), False,
                                       "overseas:US", None)
    assert (d.serial, d.date, d.channel) == (1042, DAY, "self")
    assert d.counts() == (2, 1, 1, 1)
    assert encode_entry(d) == DECL
    r = parse_entry(REVO)
    assert r == RevocationEntry(1042, datetime.date(2026, 12, 1), 17, None, DAY, "self", 2, 1,
                                1, 1, "retracted")
    assert encode_entry(r) == REVO
    one = parse_entry(ONE)
    assert one.person == 1 and one.counts() == (1, 0, 0, 1)
    assert encode_entry(one) == ONE


def test_the_documented_example_has_the_documented_leaf_hash() -> None:
    example = DECL.replace(B64S.encode(), b"OQuCrtL6y9cmmyi+EgoHkHHV87eCW94GPAq1GoX+uq8=").replace(
        B64P.encode(), b"BOBz5VUU7Ej9Ye+j6tMqWi8CNHXGCePUgrb5i1sB5K0=")
    assert hashlib.sha256(b"\x00" + example).hexdigest() == (
        "302316a6aead3960f8db45cf5148d24a20f4801f0aa7e014cf29204b6f98c255")
    assert hashlib.sha256(b"\x00" + ONE).hexdigest() == (
        "409b559957aba58e37fb1fc00687518400465fb910139228d7a3defc5378decd")


def test_no_name_is_in_an_entry_and_a_published_name_is_checked() -> None:
    assert "张三".encode() not in DECL and "小明".encode() not in DECL
    check_published_name("张三")
    for bad in ["", " 张三", "长" * 41, "e\u0301", "a\u200bb", "x\ny"]:
        with pytest.raises(EntryError):
            check_published_name(bad)


def test_it_round_trips_generated_entries() -> None:
    for raw in sample_entries(60):
        assert encode_entry(parse_entry(raw)) == raw
    no_statement = dataclasses.replace(declaration(1), statement_commitment=None)
    assert b"\nstatement -\n" in encode_entry(no_statement)
    assert parse_entry(encode_entry(no_statement)) == no_statement


@pytest.mark.parametrize("old,new", [
    (b"serial 1042", b"serial 01042"), (b"date 2026-11-29", b"date 2026-11-31"),
    (b"date 2026-11-29", b"date 2026-1-29"), (b"channel self", b"channel Self"),
    (b"party,league real", b"league,party real"), (b"party,league real", b"party,party real"),
    (b"party,league real", b"real"), (b"real beijing", b"Real beijing"),
    (b"teacher " + N1.encode(), b"teacher  " + N1.encode()),
    (N1.encode(), N1.encode()[:-1]), (N1.encode(), N1.encode() + b" x"),
    (N1.encode(), "张三".encode()), (N2.encode(), base64.b64encode(b"x" * 31)),
    (b"overseas:US", b"overseas:us"), (b"overseas:US", b"-us-"), (b" - ", b" -- "),
    (b"statement ", b"statement  "), (B64P.encode(), B64P.encode()[:-1]),
    (b"\nprivate", b"\r\nprivate"), (b"tuidang/v2 declaration", b"tuidang/v1 declaration"),
    (b"channel self\n", b""), (b"person pioneers", b"persons pioneers"),
])
def test_it_rejects_non_canonical_declarations(old: bytes, new: bytes) -> None:
    assert old in DECL
    with pytest.raises(EntryError):
        parse_entry(DECL.replace(old, new, 1))


@pytest.mark.parametrize("bad", [
    DECL[:-1], DECL + b"\n", DECL + b"extra 1\n", b"", b"\n",
    REVO.replace(b"persons 2", b"persons 0"), REVO.replace(b"party 1", b"party 3"),
    REVO.replace(b"pioneers 1", b"pioneers 0").replace(b"party 1", b"party 0"),
    REVO.replace(b"declared 2026-11-29", b"declared 2026-12-02"),
    REVO.replace(b"reason retracted", b"reason "), REVO.replace(b"revokes 17", b"revokes -1"),
    REVO.replace(b"channel self\n", b""), REVO.replace(b"person -\n", b""),
    REVO.replace(b"person -", b"person 01"), REVO.replace(b"person -", b"person 50"),
    ONE.replace(b"persons 1", b"persons 2").replace(b"league 0", b"league 1"),
])
def test_it_rejects_bad_entries(bad: bytes) -> None:
    with pytest.raises(EntryError):
        parse_entry(bad)


def test_it_limits_persons_and_size() -> None:
    d = declaration(1, 50)
    assert parse_entry(encode_entry(d)) == d
    with pytest.raises(EntryError):
        encode_entry(dataclasses.replace(d, persons=d.persons + d.persons[:1]))
    with pytest.raises(EntryError):
        encode_entry(dataclasses.replace(d, persons=()))


def test_it_computes_commitments() -> None:
    salt = bytes(range(32))
    assert commitment(salt, b"x") == hashlib.sha256(salt + b"x").digest()
    assert statement_commitment(salt, "标题", "正文") == hashlib.sha256(
        salt + "标题\n正文".encode()).digest()
    with pytest.raises(ValueError):
        commitment(b"short", b"x")


def test_it_tallies_declarations_and_revocations() -> None:
    d0, d1 = declaration(0, 2, "self"), declaration(1, 3, "phone")
    r = revocation(0, d0)
    assert tally_delta(r).persons == -2 and tally_delta(r).day == d0.date
    checker = TallyChecker()
    for e in (d0, d1, r):
        checker.add(e)
    t = checker.tally
    assert (t.entries, t.declarations, t.revocations, t.persons) == (3, 1, 1, 3)
    assert (t.party, t.league, t.pioneers) == d1.counts()[1:]
    assert t.by_day[DAY].persons == 3 and t.by_day[DAY].by_channel == {"self": 0, "phone": 3}
    assert t.by_channel == {"self": 0, "phone": 3}
    line = t.extension_line()
    assert line == "tally persons=3 declarations=1 revocations=1 party=1 league=2 pioneers=2"
    assert Tally.from_extension_line(line).totals() == t.totals()
    for bad in [line + " ", line.replace("=3", "=03"), "tally persons=3", line.replace(" ", "  ")]:
        with pytest.raises(EntryError):
            Tally.from_extension_line(bad)


def test_it_checks_revocations_against_the_log() -> None:
    d0, d1 = declaration(0, 2, "self"), declaration(1, 3, "phone")

    def run(*entries: DeclarationEntry | RevocationEntry) -> None:
        checker = TallyChecker()
        for e in entries:
            checker.add(e)

    run(d0, d1, revocation(0, d0), revocation(1, d1))
    r0 = revocation(0, d0)
    for bad in [
        (d0, revocation(1, d0)),  # refers to itself / a later index
        (d0, r0, r0),  # already revoked
        (d0, r0, dataclasses.replace(r0, revokes=1)),  # a revocation is not a declaration
        (d0, dataclasses.replace(r0, persons=1, party=1, league=0, pioneers=0)),
        (d0, dataclasses.replace(r0, declared=DAY - datetime.timedelta(days=1))),
        (d0, dataclasses.replace(r0, channel="phone")),
    ]:
        with pytest.raises(EntryError):
            run(*bad)
    with pytest.raises(EntryError):
        TallyChecker().add(d0, 1)


def test_it_tallies_a_revocation_of_one_person() -> None:
    d = declaration(0, 3, "self")
    one = revocation(0, d, "contest", person=1)
    checker = TallyChecker()
    for e in (d, one):
        checker.add(e)
    t = checker.tally
    assert (t.declarations, t.revocations, t.persons) == (1, 1, 2)
    assert t.by_day[DAY].persons == 2
    rest = dataclasses.replace(revocation(0, d), persons=2, party=d.counts()[1]
                               - d.persons[1].counts()[1], league=d.counts()[2]
                               - d.persons[1].counts()[2], pioneers=d.counts()[3]
                               - d.persons[1].counts()[3])
    checker.add(rest)  # the whole declaration: the persons not revoked before
    assert (checker.tally.declarations, checker.tally.persons) == (0, 0)


def test_it_refuses_bad_revocations_of_one_person() -> None:
    d = declaration(0, 2, "self")

    def run(*entries: DeclarationEntry | RevocationEntry) -> None:
        checker = TallyChecker()
        for e in entries:
            checker.add(e)

    first = revocation(0, d, person=0)
    for bad in [
        (d, first, first),  # the same person twice
        (d, first, revocation(0, d, person=1)),  # the last person: revoke the whole
        (d, dataclasses.replace(first, person=2)),  # no such person
        (d, dataclasses.replace(revocation(0, d, person=1), person=0)),  # wrong counts
        (d, first, revocation(0, d)),  # the whole repeats the person revoked before
    ]:
        with pytest.raises(EntryError):
            run(*bad)
