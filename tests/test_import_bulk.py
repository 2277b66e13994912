"""submit_declarations_bulk: many declarations in one transaction, as one would be stored."""

import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, transaction

from tests.factories import stored_persons
from tuidang.intake.actions import (
    submit_declaration,
    submit_declarations_bulk,
)
from tuidang.registry import identity
from tuidang.registry.actions import find_by_receipt
from tuidang.registry.models import Declaration, Status
from tuidang.registry.schema import DeclarationData, PersonData
from tuidang.tlog.entry import EntryError, parse_entry
from tuidang.transparency import sequencer, storage

pytestmark = pytest.mark.django_db


def one(name: str, **fields) -> DeclarationData:
    return DeclarationData([PersonData(name, ("party",))], **fields)


def decrypt() -> list[dict]:
    out = StringIO()
    call_command("records_decrypt", key=settings.TEST_RECORDS_PRIVATE_KEY_FILE, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_it_stores_each_declaration_as_submit_declaration_does(alice):
    family = DeclarationData(
        [PersonData("李四", ("party", "league"), is_real_name=True),
         PersonData("李四的女儿", ("pioneers",), region="overseas", country="CA",
                    sector="student")],
        statement_title="声明", statement_text="我退出。")
    stored = submit_declarations_bulk([one("张三"), family], channel="phone", helper=alice)
    single = submit_declaration([PersonData("王五", ("party",))], channel="phone", helper=alice)
    assert [s.declaration.pk for s in stored] == sorted(s.declaration.pk for s in stored)
    assert single.declaration.pk > stored[1].declaration.pk
    for submitted in [*stored, single]:
        declaration = find_by_receipt(submitted.receipt_code)
        assert declaration.pk == submitted.declaration.pk
        assert submitted.declaration.received_on == declaration.received_on
        assert (declaration.channel, declaration.helper, declaration.status) == (
            "phone", alice, Status.RECEIVED)
    second = Declaration.objects.get(pk=stored[1].declaration.pk)
    assert (second.person_count, second.party_count, second.league_count,
            second.pioneers_count) == (2, 1, 1, 1)
    assert (second.statement_text, second.statement_status) == ("我退出。", "pending")
    daughter = second.persons[1]
    assert (daughter.display_name, daughter.pioneers, daughter.party, daughter.country,
            daughter.sector) == ("李四的女儿", True, False, "CA", "student")
    assert second.other_identities.get(position=1).digest == identity.person_digest(
        "李四的女儿", ["pioneers"])
    assert second.identity_digest == identity.person_digest(second.persons[0].display_name,
                                                            second.persons[0].organizations())
    assert sequencer.drain() == 3
    assert Declaration.objects.filter(status=Status.ACCEPTED).count() == 3


def test_it_honours_the_intake_hold_like_submit_declaration():
    stored = submit_declarations_bulk([one("张三", intake_hold="no-pow"), one("李四")],
                                      channel="self")
    single = submit_declaration([PersonData("王五", ("party",))], intake_hold="no-pow")
    assert [s.declaration.hold_reason for s in stored] == ["no-pow", ""]
    sequencer.drain()
    statuses = {d.pk: (d.status, d.hold_reason) for d in Declaration.objects.all()}
    assert statuses[stored[0].declaration.pk] == (Status.HELD, "no-pow")
    assert statuses[stored[1].declaration.pk] == (Status.ACCEPTED, "")
    assert statuses[single.declaration.pk] == (Status.HELD, "no-pow")


def test_it_commits_or_rolls_back_with_the_callers_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        submit_declarations_bulk([one("张三"), one("李四")], channel="self")
        assert Declaration.objects.count() == 2
        raise RuntimeError
    assert not Declaration.objects.exists()
    with transaction.atomic():
        submit_declaration([PersonData("王五", ("party",))])
        submit_declarations_bulk([one("赵六")], channel="self")
    assert Declaration.objects.count() == 2


def test_it_stores_nothing_when_one_declaration_fails():
    submit_declarations_bulk([one("张三", import_key="k1")], channel="import")
    with pytest.raises(IntegrityError):
        submit_declarations_bulk([one("李四", import_key="k2"), one("王五", import_key="k1")],
                                 channel="import")
    with pytest.raises(EntryError):
        submit_declarations_bulk([one("李四"), one("bad\nname")], channel="self")
    with pytest.raises(ValueError, match="at least one person"):
        submit_declarations_bulk([one("李四"), DeclarationData([])], channel="self")
    assert [p.display_name for p in stored_persons()] == ["张三"]


def test_it_never_reuses_a_serial(alice):
    first = submit_declarations_bulk([one("张三"), one("李四")], channel="self")
    last = first[-1].declaration.pk
    Declaration.objects.filter(pk=last).delete()
    again = submit_declarations_bulk([one("王五")], channel="self")
    assert again[0].declaration.pk > last


def test_it_seals_only_declarations_that_give_something_private(alice):
    stored = submit_declarations_bulk([
        one("张三"),
        DeclarationData([PersonData("小草", ("party",), private_real_name="真名王大锤")]),
        one("李四", contact="x@example.org"),
        DeclarationData([PersonData("王五", ("league",), birth_year=1970)]),
    ], channel="phone", helper=alice)
    rows = {d.pk: d for d in Declaration.objects.all()}
    plain = rows[stored[0].declaration.pk]
    # Nothing to seal and nothing to commit to: the sequencer draws the entry's random line.
    assert plain.sealed_private is None and bytes(plain.private_commitment) == b""
    assert all(rows[s.declaration.pk].sealed_private is not None for s in stored[1:])
    records = decrypt()
    assert [r["serial"] for r in records] == [s.declaration.pk for s in stored[1:]]
    assert all(r["matches_log_commitment"] for r in records)
    assert records[0]["private"] == {
        "serial": stored[1].declaration.pk, "helper": alice.pk, "contact": "", "notes": "",
        "persons": [{"real_name": "真名王大锤", "birth_year": None}]}
    sequencer.drain()
    entries = dict(storage.all_entries())
    # A commitment to nothing looks like any other: 32 bytes, different every time.
    commitments = {parse_entry(data).private_commitment for data in entries.values()}
    assert len(commitments) == 4 and all(len(c) == 32 for c in commitments)
    sealed = {bytes(d.private_commitment) for d in Declaration.objects.exclude(pk=plain.pk)}
    assert sealed < commitments  # the sealed ones' entries carry their commitments
    assert bytes(Declaration.objects.get(pk=plain.pk).private_commitment) == b""
    assert "真名王大锤".encode() not in b"".join(entries.values())
