"""Milestones: recorded by the sequencer with the day and the log index that crossed them."""

import xml.etree.ElementTree as ET

import pytest

from tests.factories import declaration_post, declare, person_fields
from tuidang.registry import actions, dates
from tuidang.registry.models import Declaration, Revocation
from tuidang.stats import conf
from tuidang.stats.milestones import crossings
from tuidang.stats.models import Milestone
from tuidang.tlog.entry import parse_entry
from tuidang.tlog.tally import Tally
from tuidang.transparency import sequencer, storage

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def reached() -> list[tuple[int, int]]:
    return list(Milestone.objects.order_by("value").values_list("value", "log_index"))


def persons_through(index: int) -> int:
    tally = Tally()
    for at, data in storage.all_entries():
        if at > index:
            break
        tally.apply(parse_entry(data))
    return tally.persons


def test_it_records_the_entry_that_crosses_a_milestone(client, settings):
    settings.MILESTONES = [2, 4, 100]
    declare(client, "甲")
    sequencer.drain()
    assert reached() == []
    declare(client, "乙")
    declare(client, "丙")
    sequencer.drain()  # one batch: entry 1 reaches 2
    assert reached() == [(2, 1)]
    milestone = Milestone.objects.get()
    assert milestone.reached_on == dates.today()
    # The log proves it: the tally through the entry reaches it, the one before does not.
    assert persons_through(1) >= 2 > persons_through(0)


def test_one_entry_can_cross_two_milestones_at_once(client, settings, monkeypatch):
    settings.MILESTONES = [2, 3, 5, 1000]
    # In arrival order, to know which entry crosses which milestone.
    monkeypatch.setattr("tuidang.transparency.pending._shuffle", lambda batch: None)
    declare(client, "甲")
    client.post("/en/declare/", declaration_post(
        person_fields(0, "乙"), person_fields(1, "丙"), person_fields(2, "丁"),
    ))
    declare(client, "戊")
    sequencer.drain()  # one batch of three entries: 1, then 4, then 5 persons
    assert reached() == [(2, 1), (3, 1), (5, 2)]


def test_a_revocation_does_not_erase_a_milestone_nor_record_it_twice(client, settings):
    settings.MILESTONES = [2]
    declare(client, "甲")
    declare(client, "乙")
    sequencer.drain()
    assert reached() == [(2, 1)]
    actions.revoke_declaration(Declaration.objects.order_by("id").last(),
                               Revocation.Reason.RETRACTED)
    sequencer.drain()
    declare(client, "丙")
    sequencer.drain()  # back to 2 people
    assert reached() == [(2, 1)]


def test_crossings_is_exact_at_the_edges():
    assert crossings(0, 10, [1, 2, 3], (1, 3)) == [(1, 10), (3, 12)]
    assert crossings(3, 10, [2, 3], (3,)) == [(3, 11)]  # a dip and back
    assert crossings(5, 10, [6], (5,)) == []  # already there before the batch
    assert crossings(0, 0, [], (1,)) == []


def test_milestone_settings_come_from_the_environment(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    assert 400_000_000 in conf.DEFAULT_MILESTONES
    assert 10_000_000 in conf.DEFAULT_MILESTONES
    assert conf.parse_numbers("1_000_000, 400000000", "X") == [1_000_000, 400_000_000]
    for bad in ["ten", "1,,2", "-5", "1.5"]:
        with pytest.raises(ImproperlyConfigured):
            conf.validate_milestones(conf.parse_numbers(bad, "MILESTONES"))
    with pytest.raises(ImproperlyConfigured):
        conf.validate_milestones([0])
    assert conf.validate_milestones([30, 10, 30]) == (10, 30)
    monkeypatch.setenv("MILESTONES", "5, 1_000")
    conf._env_milestones.cache_clear()
    try:
        assert conf.milestones() == (5, 1000)
    finally:
        conf._env_milestones.cache_clear()


def test_the_pages_and_the_feed_announce_milestones(client, settings):
    settings.MILESTONES = [1, 2, 3]
    declare(client, "甲")
    declare(client, "乙")
    sequencer.drain()
    html = client.get("/en/").content.decode()
    assert 'id="latest-milestone"' in html
    assert f"Milestone: 2 people, reached on {dates.today().isoformat()}" in html

    page = client.get("/en/milestones/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="m2"' in html and 'id="m1"' in html
    assert "Next milestone: 3 people." in html
    for lang in ("zh-hans", "zh-hant"):
        assert client.get(f"/{lang}/milestones/").status_code == 200

    response = client.get("/feeds/milestones.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert response["Cache-Control"].startswith("public, max-age=")
    feed = ET.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    day = dates.today().isoformat()
    assert [e.find(f"{ATOM}updated").text for e in entries] == [f"{day}T00:00:00+08:00"] * 2
    assert feed.find(f"{ATOM}updated").text == f"{day}T00:00:00+08:00"
    assert entries[0].find(f"{ATOM}link").get("href").endswith("/zh-hans/milestones/#m2")
    assert "log entry 1" in entries[0].find(f"{ATOM}summary").text or "1" in (
        entries[0].find(f"{ATOM}summary").text
    )


def test_no_milestone_no_announcement(client):
    assert 'id="latest-milestone"' not in client.get("/en/").content.decode()
    assert "No milestone has been reached yet." in client.get("/en/milestones/").content.decode()
    feed = ET.fromstring(client.get("/feeds/milestones.atom").content)
    assert feed.findall(f"{ATOM}entry") == []
    assert feed.find(f"{ATOM}updated").text.endswith("T00:00:00+08:00")
