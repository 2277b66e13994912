"""Publication in batches: the log, the counts and the pages change only on the clock's
multiples of PUBLISH_INTERVAL, and a batch's entries are not in the order they arrived."""

import itertools
import random
import signal
import time

import pytest
from django.db import connection

from tests.service import start
from tuidang.intake.actions import submit_declarations_bulk
from tuidang.registry.models import Declaration
from tuidang.registry.schema import DeclarationData, PersonData
from tuidang.transparency import pending, sequencer, storage
from tuidang.transparency.models import LogState


def one(name: str) -> DeclarationData:
    return DeclarationData([PersonData(name, ("party",))])


@pytest.mark.django_db
def test_a_batch_is_appended_in_a_random_order(monkeypatch):
    monkeypatch.setattr(pending, "_RANDOM", random.Random(20261207))
    submit_declarations_bulk([one(f"人{i}") for i in range(60)], channel="self")
    sequencer.drain()
    assert not Declaration.objects.filter(log_index=None).exists()  # all logged
    by_index = list(Declaration.objects.order_by("log_index").values_list("id", flat=True))
    assert by_index != sorted(by_index)
    # In arrival order every neighbour would be later than the one before; shuffled,
    # about half are.
    rising = sum(a < b for a, b in itertools.pairwise(by_index))
    assert 15 <= rising <= 44, rising


INTERVAL = 3.0


def _size() -> int:
    connection.close()  # a fresh read each time, as a watcher's request would make
    state = LogState.objects.filter(pk=storage.STATE_ID).values_list("size", flat=True).first()
    return state or 0


@pytest.mark.django_db(transaction=True)
def test_a_watcher_sees_declarations_only_at_publication_times():
    process = start(["sequencer"], PUBLISH_INTERVAL=str(INTERVAL))
    try:
        seen: list[tuple[float, int]] = []
        posted = 0
        started = time.time()
        next_post = started
        while time.time() - started < 4 * INTERVAL:
            now = time.time()
            if now >= next_post and now - started < 3 * INTERVAL:
                submit_declarations_bulk([one(f"观察{posted}")], channel="self")
                posted += 1
                next_post += 1.0  # one declaration a second
            size = _size()
            if not seen or seen[-1][1] != size:
                seen.append((time.time(), size))
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
    changes = seen[1:]
    assert changes, "nothing was published"
    assert seen[-1][1] == posted  # everything, in the end
    for at, _size_then in changes:
        # Just after a multiple of the interval (the step takes a moment), never between.
        assert at % INTERVAL < 1.0, (at % INTERVAL, seen)
    # Several declarations appear together: the watcher cannot tell them apart.
    assert max(b - a for (_t, a), (_u, b) in itertools.pairwise(seen)) >= 2
