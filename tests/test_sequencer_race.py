"""Two sequencers at once never sequence the same declaration twice.

On PostgreSQL the advisory lock serializes them; on SQLite the single writer lock does.
"""

import threading

import pytest
from django.db import connection

from tests.factories import declare
from tuidang.registry.models import Declaration, Total
from tuidang.transparency import sequencer, storage

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_sequencers_racing_sequence_each_declaration_once(client):
    for i in range(120):
        declare(client, f"人{i}")
    errors = []

    def run() -> None:
        try:
            for _ in range(40):
                sequencer.step(limit=3)
        except Exception as exc:  # reported below, with the thread's failure
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(Declaration.objects.values_list("log_index", flat=True)) == list(range(120))
    assert len(list(storage.all_entries())) == 120
    assert Total.objects.get(key="persons").value == 120
