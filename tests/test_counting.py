"""Screening, sequencing and the counters, checked against the database and count.json."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    declaration_naming,
    declaration_post,
    declare,
    person_fields,
    receipt_code,
)
from tuidang.intake import bulk
from tuidang.registry import actions, dates
from tuidang.registry.models import DailyCount, Declaration, PendingEntry, Revocation, Status, Total
from tuidang.stats import counters
from tuidang.tlog.checkpoint import Checkpoint
from tuidang.tlog.entry import parse_entry
from tuidang.tlog.tally import Tally
from tuidang.transparency import sequencer, storage
from tuidang.transparency.signals import batch_sequenced

pytestmark = pytest.mark.django_db


def totals() -> dict:
    return dict(Total.objects.values_list("key", "value"))


def test_it_accepts_and_counts_a_declaration(client):
    declare(client, "张三", "李四")
    assert Declaration.objects.get().status == Status.RECEIVED
    sequencer.drain()
    declaration = Declaration.objects.get()
    assert declaration.status == Status.ACCEPTED
    assert declaration.log_index == 0
    assert declaration.is_published
    assert totals()["persons"] == 2
    assert totals()["declarations"] == 1
    assert totals()["org:party"] == 2
    assert totals()["channel:self"] == 2
    assert DailyCount.objects.get(day=dates.today(), key="persons").value == 2


def test_it_counts_per_organization(client):
    client.post("/en/declare/", declaration_post(
        person_fields(0, "甲", ["party", "league", "pioneers"]),
        person_fields(1, "乙", ["league"]),
    ))
    sequencer.drain()
    data = client.get("/count.json").json()
    assert data["persons"] == 2
    assert data["by_organization"] == {"party": 1, "league": 2, "pioneers": 1}


def test_it_holds_an_exact_duplicate(client):
    declare(client, "张三")
    declare(client, "張三")  # the same name in traditional characters
    declare(client, "张 三")  # and with a space
    sequencer.drain()
    statuses = list(Declaration.objects.order_by("id").values_list("status", "hold_reason"))
    assert statuses == [("accepted", ""), ("held", "duplicate"), ("held", "duplicate")]
    assert totals()["persons"] == 1


@pytest.mark.parametrize("earlier, later", [
    (("王五", "李四"), ("李四",)),  # named second before, first now
    (("李四",), ("王五", "李四")),  # first before, second now
    (("王五", "李四"), ("赵六", "李四")),  # second both times
])
def test_it_holds_a_duplicate_whatever_place_the_person_has(client, earlier, later):
    declare(client, *earlier)
    declare(client, "孙七")  # in between, no one in common
    declare(client, *later)
    sequencer.drain()
    statuses = list(Declaration.objects.order_by("id").values_list("status", "hold_reason"))
    assert statuses == [("accepted", ""), ("accepted", ""), ("held", "duplicate")]


def test_an_earlier_rejected_declaration_makes_no_duplicate(client):
    declare(client, "王五", "李四")
    sequencer.drain()
    Declaration.objects.update(status=Status.REJECTED)
    declare(client, "李四")
    declare(client, "赵六", "王五")
    sequencer.drain()
    assert list(Declaration.objects.order_by("id").values_list("status", flat=True))[1:] == [
        "accepted", "accepted"]


def test_it_does_not_hold_the_same_name_for_another_organization(client):
    declare(client, "张三")
    client.post("/en/declare/", declaration_post(person_fields(0, "张三", ["league"])))
    sequencer.drain()
    assert set(Declaration.objects.values_list("status", flat=True)) == {"accepted"}


def test_it_holds_a_statement_over_the_link_limit(client, settings):
    settings.SCREEN_MAX_LINKS = 2
    text = "see http://a.example http://b.example www.c.example"
    declare(client, "张三", statement_text=text)
    sequencer.drain()
    declaration = Declaration.objects.get()
    assert (declaration.status, declaration.hold_reason) == ("held", "statement")
    assert not Total.objects.filter(key="persons").exists()


def test_it_holds_a_statement_over_the_length_limit(client, settings):
    settings.SCREEN_MAX_STATEMENT_LENGTH = 100
    declare(client, "张三", statement_text="字" * 101)
    sequencer.drain()
    assert Declaration.objects.get().status == Status.HELD


def test_it_counts_a_revocation_down_in_the_log(client):
    declare(client, "张三", "李四")
    declare(client, "王五")
    sequencer.drain()
    first = Declaration.objects.order_by("id").first()
    actions.revoke_declaration(first, Revocation.Reason.RETRACTED)
    sequencer.drain()
    assert totals()["persons"] == 1
    assert totals()["declarations"] == 1
    assert totals()["revocations"] == 1
    assert DailyCount.objects.get(day=dates.today(), key="persons").value == 1
    revocation = parse_entry(storage.entry(2))
    assert revocation.revokes == first.log_index
    assert revocation.persons == 2


def test_the_checkpoint_tally_equals_the_counters_and_the_entries(client):
    for name in ["甲", "乙", "丙", "丁"]:
        declare(client, name)
    sequencer.drain()
    actions.revoke_declaration(Declaration.objects.first(), Revocation.Reason.RETRACTED)
    sequencer.drain()
    text = storage.signed_checkpoint().decode().split("\n\n")[0] + "\n"
    checkpoint = Checkpoint.from_text(text)
    signed = Tally.from_extension_line(checkpoint.extensions[0])
    recomputed = Tally()
    for _index, data in storage.all_entries():
        recomputed.apply(parse_entry(data))
    assert signed.totals() == recomputed.totals()
    assert signed.persons == totals()["persons"] == 3
    assert checkpoint.size == 5


def test_a_failure_of_the_counters_rolls_the_whole_step_back(client, monkeypatch):
    """Stats writes the counters and milestones as it receives batch_sequenced, inside the
    sequencer's transaction: when that fails, no entry, index, count or checkpoint stays."""
    declare(client, "张三")
    sequencer.drain()
    checkpoint, counted = storage.signed_checkpoint(), totals()
    declare(client, "李四")

    def broken(*args, **kwargs):
        raise RuntimeError("milestones unavailable")

    monkeypatch.setattr(counters, "record_crossings", broken)  # after the counters' update
    with pytest.raises(RuntimeError):
        sequencer.step()
    assert (storage.state().size, storage.signed_checkpoint(), totals()) == (1, checkpoint,
                                                                           counted)
    assert Declaration.objects.order_by("id").last().log_index is None
    assert PendingEntry.objects.count() == 1
    monkeypatch.undo()
    sequencer.drain()
    assert (storage.state().size, totals()["persons"]) == (2, 2)


def test_the_sequencer_signs_nothing_when_no_one_keeps_the_counters(client):
    declare(client, "张三")
    sequencer.drain()
    checkpoint, counted = storage.signed_checkpoint(), totals()
    declare(client, "李四")
    assert batch_sequenced.disconnect(dispatch_uid="tuidang.stats.counters")
    try:
        with pytest.raises(ImproperlyConfigured):
            sequencer.step()
    finally:
        batch_sequenced.connect(counters.count_batch, dispatch_uid="tuidang.stats.counters")
    assert (storage.state().size, storage.signed_checkpoint(), totals()) == (1, checkpoint,
                                                                           counted)
    assert Declaration.objects.order_by("id").last().log_index is None


def test_count_json_has_the_documented_fields(client):
    declare(client, "张三")
    sequencer.drain()
    response = client.get("/count.json")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=5"
    data = response.json()
    assert set(data) >= {"persons", "declarations", "today", "yesterday", "by_organization",
                         "as_of"}
    assert (data["persons"], data["declarations"], data["today"], data["yesterday"]) == (1, 1, 1, 0)
    assert data["date"] == dates.today().isoformat()


def test_count_json_reads_a_constant_number_of_queries(client):
    for i in range(30):
        declare(client, f"人{i}")
    sequencer.drain()
    with CaptureQueriesContext(connection) as queries:
        client.get("/count.json")
    # The signed checkpoint (its tally line), the channels' counters, today and
    # yesterday, imported history, and the five periods (today to this year) in one.
    assert len(queries) == 5


def test_count_json_refuses_post(client):
    assert client.post("/count.json").status_code == 405


def test_yesterday_comes_from_daily_rows(client):
    yesterday = dates.today() - datetime.timedelta(days=1)
    DailyCount.objects.create(day=yesterday, key="persons", value=7)
    DailyCount.objects.create(day=dates.today() - datetime.timedelta(days=40), key="persons",
                              value=99)
    data = client.get("/count.json").json()
    assert data["yesterday"] == 7
    html = client.get("/en/").content.decode()
    assert 'id="yesterday">7<' in html


def test_days_are_counted_in_china_standard_time(client, monkeypatch):
    # 20:30 UTC on 1 March is already 2 March in Beijing.
    instant = datetime.datetime(2026, 3, 1, 20, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr("django.utils.timezone.now", lambda: instant)
    declare(client, "张三")
    assert Declaration.objects.get().received_on == datetime.date(2026, 3, 2)


def test_a_receipt_is_issued_only_for_a_committed_declaration(client, monkeypatch):
    insert = bulk._insert

    def fail_on_entries(table, *args, **kwargs):  # the declaration row is written first
        if table == PendingEntry._meta.db_table:
            raise RuntimeError("disk full")
        return insert(table, *args, **kwargs)

    monkeypatch.setattr(bulk, "_insert", fail_on_entries)
    client.raise_request_exception = False
    response = declare(client, "张三")
    assert response.status_code == 500
    assert "receipt-code" not in response.content.decode()
    assert not Declaration.objects.exists()


def test_a_receipt_code_finds_its_declaration(client):
    code = receipt_code(declare(client, "张三"))
    assert actions.find_by_receipt(code.lower().replace("-", " ")).person_count == 1
    assert actions.find_by_receipt("AAAA-AAAA-AAAA-AAAA-AAAA") is None
    assert actions.find_by_receipt("not a code") is None


def test_a_declaration_that_cannot_be_logged_is_held_not_a_poison_pill(client):
    declare(client, "张三")
    declare(client, "李四")
    # An entry written around the actions, with a person line no entry may carry.
    pending = PendingEntry.objects.get(declaration=declaration_naming("张三"))
    pending.data = bytes(pending.data).replace(b"person party alias - - ",
                                               b"person party alias - - \n")
    pending.save()
    sequencer.drain()
    statuses = {d.persons[0].display_name: d.status for d in Declaration.objects.all()}
    assert statuses == {"张三": "held", "李四": "accepted"}
    assert Declaration.objects.get(status="held").hold_reason == "entry"
    assert totals()["persons"] == 1


def test_a_hold_set_at_intake_is_kept_by_screening(db):
    from tuidang.intake.actions import submit_declaration
    from tuidang.registry.schema import PersonData

    submit_declaration([PersonData("张三", ("party",))], intake_hold="no-pow")
    sequencer.drain()
    declaration = Declaration.objects.get()
    assert (declaration.status, declaration.hold_reason) == ("held", "no-pow")
