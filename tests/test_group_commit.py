"""Group commit: concurrent declarations share a transaction, and none is lost or mixed up."""

import threading
import time

import pytest
from django.db import connection, transaction

from tests.factories import declare, receipt_code, stored_persons
from tuidang.intake import actions, groupcommit
from tuidang.registry.actions import find_by_receipt
from tuidang.registry.models import Declaration
from tuidang.registry.schema import DeclarationData, PersonData

pytestmark = pytest.mark.django_db(transaction=True)


def item(name: str, **fields) -> DeclarationData:
    return DeclarationData([PersonData(display_name=name, organizations=("party",))], **fields)


def in_threads(count: int, work) -> list:
    """Run work(i) in `count` threads started together; their results, in order."""
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # handed back to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def slow_first_batch(monkeypatch):
    """Hold the first batch's transaction open a moment, as a slow disk would."""
    write = groupcommit._write
    first = threading.Event()

    def slow(batch):
        if not first.is_set():
            first.set()
            time.sleep(0.5)
        write(batch)

    monkeypatch.setattr(groupcommit, "_write", slow)
    committer = groupcommit.GroupCommitter(max_batch=200)
    monkeypatch.setattr(groupcommit, "_committer", committer)
    return committer


def test_it_stores_requests_that_arrive_during_a_commit_in_one_more_transaction(
    slow_first_batch,
):
    results = in_threads(20, lambda i: groupcommit.submit(item(f"人{i}"), channel="self"))
    assert all(isinstance(r, actions.Submitted) for r in results)
    # The first request commits alone; the 19 that queued meanwhile share the next commit.
    assert slow_first_batch.batches == 2
    stored = {d.pk: d for d in Declaration.objects.all()}
    assert len(stored) == 20
    for i, submitted in enumerate(results):
        declaration = stored[submitted.declaration.pk]
        assert [p.display_name for p in declaration.persons] == [f"人{i}"]
        # Each request's code finds its own declaration, not a neighbour's.
        assert find_by_receipt(submitted.receipt_code).pk == declaration.pk


def test_it_stores_the_good_ones_when_one_in_a_batch_fails(slow_first_batch, monkeypatch):
    submit_one = actions.submit_declaration

    def refuse_bad(persons, **kwargs):
        if persons[0].display_name == "坏":
            raise ValueError("cannot be stored")
        return submit_one(persons, **kwargs)

    monkeypatch.setattr(actions, "submit_declaration", refuse_bad)
    store = actions.store_prepared

    def store_refusing_bad(prepared, helper):
        if any(p.persons[0][3] == "坏" for p in prepared):  # the first person's name
            raise ValueError("cannot be stored")
        return store(prepared, helper)

    monkeypatch.setattr(actions, "store_prepared", store_refusing_bad)
    names = ["坏" if i == 7 else f"人{i}" for i in range(12)]
    results = in_threads(12, lambda i: groupcommit.submit(item(names[i]), channel="self"))
    assert isinstance(results[7], ValueError)
    assert sum(isinstance(r, actions.Submitted) for r in results) == 11
    assert sorted(p.display_name for p in stored_persons()) == sorted(
        n for n in names if n != "坏")


def test_a_declaration_that_cannot_be_made_ready_costs_no_other(monkeypatch):
    committer = groupcommit.GroupCommitter(max_batch=200)
    monkeypatch.setattr(groupcommit, "_committer", committer)
    empty = DeclarationData([])  # no person: bulk.prepare refuses it before any write
    outcomes = groupcommit.submit_many([item("甲"), empty, item("乙")], channel="self")
    assert [type(o) for o in outcomes] == [actions.Submitted, ValueError, actions.Submitted]
    # A submission with nothing ready queues nothing, and the next one still commits.
    assert isinstance(groupcommit.submit_many([empty], channel="self")[0], ValueError)
    (after,) = in_threads(1, lambda i: groupcommit.submit(item("丙"), channel="self"))
    assert isinstance(after, actions.Submitted)
    assert committer.batches == 2
    assert sorted(p.display_name for p in stored_persons()) == [
        "丙", "乙", "甲"]


def test_it_keeps_each_requests_channel_helper_and_hold(slow_first_batch, alice):
    def work(i: int):
        if i % 3 == 0:
            return groupcommit.submit(item(f"甲{i}"), channel="phone", helper=alice)
        if i % 3 == 1:
            return groupcommit.submit(item(f"乙{i}", intake_hold="no-pow"), channel="self")
        return groupcommit.submit(item(f"丙{i}"), channel="self")

    results = in_threads(15, work)
    assert all(isinstance(r, actions.Submitted) for r in results)
    rows = {d.persons[0].display_name: d for d in Declaration.objects.all()}
    for i in range(15):
        name = ("甲", "乙", "丙")[i % 3] + str(i)
        d = rows[name]
        assert (d.channel, d.helper_id, d.hold_reason) == {
            0: ("phone", alice.pk, ""), 1: ("self", None, "no-pow"), 2: ("self", None, "")
        }[i % 3]


def test_it_stores_on_the_spot_inside_a_callers_transaction(monkeypatch):
    committer = groupcommit.GroupCommitter(max_batch=200)
    monkeypatch.setattr(groupcommit, "_committer", committer)
    with pytest.raises(RuntimeError), transaction.atomic():
        groupcommit.submit(item("回滚"), channel="self")
        raise RuntimeError("the caller rolls back")
    assert committer.batches == 0
    assert not Declaration.objects.exists()


def test_it_shows_a_receipt_only_for_a_stored_declaration_over_http(client):
    code = receipt_code(declare(client, "王小明"))
    declaration = find_by_receipt(code)
    assert [p.display_name for p in declaration.persons] == ["王小明"]
