"""The fast paths of intake decide exactly as the slow definitions they stand for.

The schema on edge values (it decides every one, and what it accepts the log holds), the
entry pre-check against tlog's encoder, the hand-written canonical content against
json.dumps, the prepared HMAC against hmac, and the Unicode shortcuts (isalnum,
isprintable) against the categories.
"""

import hashlib
import hmac
import json
import random
import string
import unicodedata
from collections import Counter

import pytest

from tuidang.imports.importer import canonical_content
from tuidang.intake import bulk
from tuidang.registry import identity, receipts, schema
from tuidang.registry.models import Declaration, PendingEntry
from tuidang.registry.schema import DeclarationData, PersonData
from tuidang.tlog.entry import (
    EntryError,
    PersonEntry,
    check_published_name,
    name_commitment,
    parse_entry,
    person_line,
)
from tuidang.tlog.fields import is_plain_text

YEAR = 2026

NAMES = ["张三", "  张三  ", "", " ", "长" * 40, "长" * 41, "a\u200bb", "e\u0301" * 40,
         "e\u0301" * 41, "A\u3000B", "\u3000张三\u3000", "x\ny", "x\x00", "李\u2028四", "O'Brien",
         'say "hi"', "back\\slash", "\ufeff名", "名\u00a0字", "張三", "ｚｈａｎｇ", 5, None, ["x"]]
ORGANIZATIONS = [["party"], ["pioneers", "party"], ["party", "party"], [], ["bogus"], "party",
                 None, [1], ["league", "pioneers", "party"], ("party",)]
REGIONS = ["", None, "beijing", "Beijing", " beijing", "overseas", "atlantis", "hong-kong", 0]
COUNTRIES = ["", None, "DE", "de", "CN", "TW", "US", "XX", 1]
SECTORS = ["", None, "police", "Police", "spy", False]
REAL_NAMES = ["", None, "   ", "李小四", "x\ny", "长" * 60, "长" * 61, " 李 ", 7]
YEARS = [None, "", 1975, "1975", 1899, 1900, 2026, 2027, "2999", "1975.0", " 1975",
         "１９７５", True, 1975.0, "abc", -5]
REAL = [None, True, False, "yes", 1]
TEXTS = {
    "statement_title": ["", None, "标题", "x\ny", "t" * 200, "t" * 201, "  ", 3],
    "statement_text": ["", None, "我退出。", "line\nbreak", "x\x00", "s" * 5000, "s" * 5001],
    "contact": ["", None, "x@example.org", "a\tb", "c" * 100, "c" * 101],
    "notes": ["", None, "notes\nmore", "n" * 1000, "n" * 1001, "\x00"],
}


EDGES = {"display_name": NAMES, "organizations": ORGANIZATIONS, "region": REGIONS,
         "country": COUNTRIES, "sector": SECTORS, "private_real_name": REAL_NAMES,
         "birth_year": YEARS, "is_real_name": REAL}


def declaration(rng: random.Random) -> dict:
    """A valid declaration with one to three fields set to edge values."""
    count = rng.choice([1, 1, 1, 2, 3, 50, 51]) if rng.random() < 0.95 else 0
    data = {"persons": [valid_person(rng, i) for i in range(count)]}
    for _ in range(rng.randint(1, 3)):
        if data["persons"] and rng.random() < 0.7:
            key = rng.choice(list(EDGES))
            rng.choice(data["persons"])[key] = rng.choice(EDGES[key])
        else:
            key = rng.choice(list(TEXTS))
            data[key] = rng.choice(TEXTS[key])
    return data


def valid_person(rng: random.Random, index: int) -> dict:
    region = rng.choice(["", "beijing", "overseas", "tibet"])
    return {"display_name": f"{rng.choice(['张', '李', 'Wang ', 'ｚ'])}{index}",
            "organizations": rng.sample(["party", "league", "pioneers"], rng.randint(1, 3)),
            "region": region, "country": "DE" if region == "overseas" else "",
            "sector": rng.choice(["", "teacher"]), "is_real_name": rng.random() < 0.5,
            "private_real_name": rng.choice(["", "李小四"]),
            "birth_year": rng.choice([None, "", 1980, "1980"])}


@pytest.fixture
def this_year(monkeypatch):
    monkeypatch.setattr("tuidang.registry.dates.today", lambda: __import__("datetime")
                        .date(YEAR, 6, 1))


def test_the_schema_decides_every_edge_case_and_what_it_accepts_the_log_holds(this_year):
    rng = random.Random(7)
    accepted = 0
    for _ in range(3000):
        data = declaration(rng)
        checked = schema.validate(schema.Declaration, data)
        assert checked.ok == (not checked.errors)
        if checked.ok:
            accepted += 1
            for person in checked.data.persons:
                check_published_name(person.display_name)
                person_line(name_commitment(b"s" * 16, person.display_name),
                            person.organizations, person.is_real_name,
                            person.region or None, person.sector or None)
        else:
            assert all(e.message for e in checked.errors), data
    assert accepted > 100  # many edge values are valid ones


def test_the_schema_accepts_the_common_cases(this_year):
    rng = random.Random(11)
    for _ in range(300):
        data = {"persons": [valid_person(rng, i) for i in range(rng.randint(1, 4))],
                "statement_title": rng.choice(["", "声明"]), "statement_text": "我退出。",
                "contact": rng.choice(["", "x@example.org"]), "notes": ""}
        for person in data["persons"]:
            person["birth_year"] = schema.text_year(person["birth_year"]) if isinstance(
                person["birth_year"], str) else person["birth_year"]
        assert schema.validate(schema.Declaration, data).ok, data
    same = {"persons": [{"display_name": "张三", "organizations": ["party"]},
                        {"display_name": "張 三", "organizations": ["league"]}]}
    assert not schema.validate(schema.Declaration, same).ok


def test_its_unicode_shortcuts_match_the_categories():
    for code in range(0x110000):
        ch = chr(code)
        category = unicodedata.category(ch)
        assert ch.isalnum() == (category[0] in "LN"), hex(code)
        if ch.isprintable():
            assert category[0] != "C" and category not in ("Zl", "Zp"), hex(code)
        plain = category[0] != "C" and category not in ("Zl", "Zp")
        assert is_plain_text(ch) == plain, hex(code)
        assert is_plain_text(f"a{ch}b") == plain, hex(code)
    for ch in string.printable + "".join(chr(c) for c in range(128)):
        assert identity._to_simplified().convert(ch * 3) == ch * 3


def test_intake_refuses_exactly_what_the_log_cannot_hold_and_stores_the_entry_it_checked(db):
    """prepare encodes each entry with tlog's own rules, and refuses a name that could not
    be published beside the log; what it stores is what the strict parser reads back."""
    import datetime

    intake = bulk.Intake("import", None, datetime.date(2026, 6, 1), "k" * 40)
    cases = [("张三", "beijing", "", ""), ("A\u3000B", "", "", ""), ("x ", "", "", ""),
             ("x\ny", "", "", ""), ("e\u0301", "", "", ""), ("长" * 41, "", "", ""),
             ("ok", "overseas", "DE", "teacher"), ("ok", "overseas", "de", ""),
             ("ok", "Beijing", "", ""), ("ok", "", "", "Spy"), ("a\u200bb", "", "", "")]
    for name, region, country, sector in cases:
        person = PersonData(name, ("party",), region=region, country=country, sector=sector)
        place = f"overseas:{country}" if region == "overseas" else region or None
        entry_person = PersonEntry(b"c" * 32, ("party",), False, place, sector or None)
        try:
            entry_person.validate()
            check_published_name(name)
            loggable = True
        except EntryError:
            loggable = False
        if not loggable:
            with pytest.raises(EntryError):
                bulk.prepare([DeclarationData([person])], intake)
            continue
        [prepared] = bulk.prepare([DeclarationData([person])], intake)
        bulk.store([prepared])
        serial = prepared.row[0]
        entry = parse_entry(bytes(PendingEntry.objects.get(declaration_id=serial).data))
        assert (entry.serial, entry.date, entry.channel) == (serial, intake.received_on, "import")
        [stored] = Declaration.objects.get(pk=serial).persons
        entry_person = PersonEntry(name_commitment(stored.salt, name), ("party",), False,
                                   place, sector or None)
        assert entry.persons == (entry_person,), name


def test_the_canonical_content_is_json_dumps():
    rng = random.Random(3)
    pieces = ["张三", 'q"uote', "back\\slash", "new\nline", "\t", "\x01", "\u2028", "é", ""]
    for _ in range(500):
        persons = [PersonData(rng.choice(pieces) + rng.choice(pieces), tuple(
            rng.sample(["party", "league", "pioneers"], rng.randint(1, 3))),
            is_real_name=rng.random() < 0.5, region=rng.choice(["", "beijing", "overseas"]),
            country=rng.choice(["", "DE"]), sector=rng.choice(["", "teacher"]))
            for _ in range(rng.randint(1, 3))]
        title, text = rng.choice(pieces), rng.choice(pieces) * 2
        expected = json.dumps({
            "persons": [[p.display_name, p.is_real_name, list(p.organizations), p.region,
                         p.country, p.sector] for p in persons],
            "statement_title": title, "statement_text": text,
        }, ensure_ascii=False, separators=(",", ":"))
        assert canonical_content(persons, title, text) == expected


@pytest.mark.parametrize("length", [32, 63, 64, 65, 200])
def test_the_prepared_hmac_is_hmac(length):
    key = "".join(random.Random(length).choice(string.ascii_letters) for _ in range(length))
    for message in ["", "张三|party", "x" * 1000]:
        expected = hmac.new(key.encode(), f"person\n{message}".encode(), hashlib.sha256)
        assert receipts.hasher(key, "person")(message) == expected.hexdigest()


def test_receipt_secrets_are_uniform_over_the_alphabet():
    secrets = receipts.new_secrets(5000)
    assert len(set(secrets)) == 5000
    assert all(len(s) == receipts.SECRET_SYMBOLS for s in secrets)
    symbols = Counter()
    for secret in secrets:
        assert receipts.normalize_code(receipts.make_code(1, secret))[7:] == secret
        symbols.update(secret)
    assert set(symbols) == set(receipts.ALPHABET)
    expected = 5000 * receipts.SECRET_SYMBOLS / len(receipts.ALPHABET)
    chi2 = sum((n - expected) ** 2 / expected for n in symbols.values())
    assert chi2 < 80  # 30 degrees of freedom: p < 1e-6 for a fair source to exceed it
