"""The count is the signed count: the pages read the latest checkpoint's tally line, and
the sequencer stops publishing when the database's counters disagree with the log."""

import pytest
from django.core.management import call_command

from tests.factories import declare
from tuidang.registry.models import Declaration, Total
from tuidang.tlog.checkpoint import Checkpoint
from tuidang.tlog.note import parse_note
from tuidang.tlog.tally import Tally
from tuidang.transparency import sequencer, storage
from tuidang.transparency.signedcount import CountMismatch

pytestmark = pytest.mark.django_db


def signed_tally() -> Tally:
    text = parse_note(storage.signed_checkpoint()).text
    return Tally.from_extension_line(Checkpoint.from_text(text).extension("tally"))


def test_the_pages_show_the_signed_totals_not_the_counters(client):
    declare(client, "张三", "李四")
    sequencer.drain()
    assert signed_tally().persons == 2
    # A counter changed around the sequencer (a bug, a hand edit, a bad restore).
    Total.objects.filter(key="persons").update(value=1000)
    Total.objects.filter(key="org:party").update(value=900)
    count = client.get("/count.json").json()
    assert (count["persons"], count["by_organization"]["party"]) == (2, 2)
    assert client.get("/data/totals.json").json()["persons"] == 2
    home = client.get("/en/").content.decode()
    assert 'id="total">2<' in home and "1,000" not in home


def test_a_counter_that_disagrees_with_the_log_stops_publication(client):
    declare(client, "张三")
    sequencer.drain()
    before = storage.signed_checkpoint()
    Total.objects.filter(key="persons").update(value=7)
    declare(client, "李四")
    with pytest.raises(CountMismatch, match="publication stopped") as stopped:
        call_command("sequencer", "--once")
    assert "persons=8" in str(stopped.value) and "persons=2" in str(stopped.value)
    # Nothing of the step stayed: the checkpoint, the log and the counters are as they were.
    assert storage.signed_checkpoint() == before
    assert storage.state().size == 1
    assert Declaration.objects.get(log_index=None).persons[0].display_name == "李四"
    assert Total.objects.get(key="persons").value == 7
    assert client.get("/count.json").json()["persons"] == 1
    # Once the counter is right again, the log goes on.
    Total.objects.filter(key="persons").update(value=1)
    call_command("sequencer", "--once")
    assert storage.state().size == 2 and signed_tally().persons == 2


def test_an_empty_log_is_not_signed_over_counters_that_are_not_empty():
    Total.objects.create(key="persons", value=3)
    with pytest.raises(CountMismatch):
        sequencer.step()
    assert storage.signed_checkpoint() == b""
