"""The sequencer's batch path: entries encoded from plain rows, indices, holds, counters."""

import base64
import dataclasses
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from tuidang.intake.actions import submit_declaration
from tuidang.registry.actions import revoke_declaration
from tuidang.registry.entries import declaration_entry
from tuidang.registry.models import Declaration, HeldEntry, PendingEntry, Revocation, Status, Total
from tuidang.registry.schema import PersonData
from tuidang.tlog.entry import DeclarationEntry, encode_entry, name_commitment, parse_entry
from tuidang.transparency import keys, sequencer, storage

pytestmark = pytest.mark.django_db

AUDIT = str(Path(sys.executable).parent / "tuidang-audit")


def logged(declaration: Declaration) -> bytes:
    return storage.entry(declaration.log_index)


def test_it_logs_exactly_the_entry_intake_checked():
    variants = [
        [PersonData("张三", ("party",))],
        [PersonData("Zhang San", ("party", "league"), is_real_name=True, region="beijing",
                    sector="teacher"),
         PersonData("小明", ("pioneers",), region="overseas", country="US"),
         PersonData("王\u3000五", ("league",), sector="police")],  # an ideographic space
        [PersonData("李四", ("party", "league", "pioneers"), region="tianjin")],
    ]
    for persons in variants:
        submit_declaration(persons)
    submit_declaration([PersonData("赵六", ("party",))], statement_title="为什么",
                       statement_text="我退出。")
    sequencer.drain()
    declarations = Declaration.objects.order_by("id")
    assert sorted(d.log_index for d in declarations) == [0, 1, 2, 3]  # in a random order
    for declaration in declarations:
        persons = declaration.persons
        # Nothing private: the `private` line is random, drawn as the entry is written.
        entry = parse_entry(logged(declaration))
        expected = encode_entry(dataclasses.replace(declaration_entry(declaration, persons),
                                                    private_commitment=entry.private_commitment))
        assert logged(declaration) == expected
        assert bytes(declaration.private_commitment) == b""
        assert parse_entry(expected).serial == declaration.id
    wang = declarations[1].persons[2]
    committed = base64.b64encode(name_commitment(wang.salt, "王\u3000五"))
    assert b"person league alias - police " + committed + b"\n" in logged(declarations[1])
    assert "王".encode() not in logged(declarations[1])  # names only as commitments
    assert b"overseas:US" in logged(declarations[1])
    assert parse_entry(logged(declarations[3])).statement_commitment is not None


def test_it_numbers_consecutive_and_scattered_declarations_in_a_random_order():
    for i in range(40):  # a run of consecutive accepted ids
        submit_declaration([PersonData(f"甲{i}", ("party",))])
    for i in range(30):  # then every other one a duplicate, held: scattered ids
        submit_declaration([PersonData(f"乙{i}", ("party",))])
        submit_declaration([PersonData(f"甲{i}", ("party",))])
    assert sequencer.step(limit=1000).sequenced == 70
    accepted = list(Declaration.objects.filter(status=Status.ACCEPTED).order_by("id"))
    indices = [d.log_index for d in accepted]
    assert sorted(indices) == list(range(70)) and indices != list(range(70))
    assert all(d.is_published for d in accepted)
    held = Declaration.objects.filter(status=Status.HELD)
    assert held.count() == 30
    assert not held.filter(log_index__isnull=False).exists()
    assert not held.filter(is_published=True).exists()
    for declaration in accepted:
        assert parse_entry(logged(declaration)).serial == declaration.id


def test_it_holds_a_declaration_whose_stored_entry_is_wrong_and_logs_the_rest():
    for i in range(60):
        submit_declaration([PersonData(f"丙{i}", ("party",)),
                            PersonData(f"丁{i}", ("league",), region="hebei")])
    serials = list(Declaration.objects.order_by("id").values_list("id", flat=True))
    missing, wrong, garbled = serials[10], serials[30], serials[40]
    # Only intake puts a declaration in the sequencer's inbox: one written around it
    # (here, taken out) is never screened or logged.
    PendingEntry.objects.filter(declaration_id=missing).delete()
    other = PendingEntry.objects.get(declaration_id=serials[0])
    PendingEntry.objects.filter(declaration_id=wrong).update(data=other.data)  # serial differs
    PendingEntry.objects.filter(declaration_id=garbled).update(
        data=bytes(other.data).replace(b"person party", b"person bogus"))
    assert sequencer.step(limit=1000).sequenced == 57
    held = Declaration.objects.filter(status=Status.HELD).order_by("id")
    assert [(d.id, d.hold_reason, d.log_index) for d in held] == [
        (wrong, "entry", None), (garbled, "entry", None)]
    assert Declaration.objects.get(pk=missing).status == Status.RECEIVED
    totals = dict(Total.objects.values_list("key", "value"))
    assert totals["persons"] == 114
    assert totals["region:hebei"] == 57
    assert len(list(storage.all_entries())) == 57
    # The inbox is empty; the held ones' entries wait for a moderator.
    assert not PendingEntry.objects.exists()
    assert set(HeldEntry.objects.values_list("declaration_id", flat=True)) == {wrong, garbled}
    assert sequencer.drain() == 0


def test_a_held_declaration_accepted_by_a_moderator_is_logged_with_its_entry(mona):
    from tuidang.moderation import actions as moderation

    submit_declaration([PersonData("甲", ("party",))])
    submit_declaration([PersonData("甲", ("party",))])  # a duplicate: held
    sequencer.drain()
    held = Declaration.objects.get(status=Status.HELD)
    entry = bytes(HeldEntry.objects.get(declaration=held).data)
    moderation.decide(mona, held.pk, "accept", "two people of one name")
    assert not HeldEntry.objects.exists()
    assert sequencer.step().sequenced == 1
    held.refresh_from_db()
    assert (held.status, held.log_index) == (Status.ACCEPTED, 1)
    assert storage.entry(1) == entry
    assert not PendingEntry.objects.exists()


def test_counters_follow_the_entries_when_declarations_and_a_revocation_share_a_batch(
    tmp_path,
):
    submit_declaration([PersonData("戊", ("party",), region="overseas", country="CA",
                                   sector="teacher")])
    sequencer.drain()
    with transaction.atomic():
        revoke_declaration(Declaration.objects.get(), Revocation.Reason.RETRACTED)
    for i in range(5):
        submit_declaration([PersonData(f"己{i}", ("league",), region="overseas", country="CA"),
                            PersonData(f"庚{i}", ("pioneers",), sector="teacher")])
    assert sequencer.step(limit=100).sequenced == 6
    entries = [parse_entry(data) for _index, data in storage.all_entries()]
    assert [type(e).__name__ for e in entries] == ["DeclarationEntry"] + [
        "DeclarationEntry"] * 5 + ["RevocationEntry"]
    expected = Counter()
    for entry in entries:
        sign = 1 if isinstance(entry, DeclarationEntry) else -1
        for person in (entry if sign > 0 else entries[entry.revokes]).persons:
            expected[f"region:{person.region}"] += sign * bool(person.region)
            expected[f"sector:{person.sector}"] += sign * bool(person.sector)
    totals = dict(Total.objects.values_list("key", "value"))
    assert totals["region:overseas:CA"] == expected["region:overseas:CA"] == 5
    assert totals["sector:teacher"] == expected["sector:teacher"] == 5
    assert (totals["persons"], totals["declarations"], totals["revocations"]) == (10, 5, 1)
    assert (totals["org:party"], totals["org:league"], totals["org:pioneers"]) == (0, 5, 5)
    call_command("log_export", tmp_path)
    result = subprocess.run([AUDIT, str(tmp_path), "--key", keys.verifier_key(),
                             "--no-progress"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "persons=10" in result.stdout
