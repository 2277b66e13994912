"""SQLite's writers queue on a lock file (tuidang/core/sqlite): held for exactly a write
transaction, dropped on commit, rollback or close, and waited for no longer than the
busy timeout."""

import fcntl
import os
import threading

import pytest
from django.db import OperationalError, connection, transaction

from tuidang.registry.models import Total

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(os.environ.get("DATABASE_URL", "").startswith("postgres")),
                       reason="the lock file is SQLite's"),
]


def lock_file() -> int:
    connection.ensure_connection()
    return os.open(f"{connection.settings_dict['NAME']}-writer.lock", os.O_RDWR | os.O_CREAT)


def is_free(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    fcntl.flock(fd, fcntl.LOCK_UN)
    return True


def test_a_write_transaction_holds_the_lock_until_it_commits():
    fd = lock_file()
    assert is_free(fd)
    with transaction.atomic():
        Total.objects.create(key="persons", value=1)
        assert not is_free(fd)
    assert is_free(fd)
    assert Total.objects.get().value == 1
    os.close(fd)


def test_a_rolled_back_transaction_lets_go_of_the_lock():
    fd = lock_file()
    with pytest.raises(RuntimeError), transaction.atomic():
        Total.objects.create(key="persons", value=1)
        raise RuntimeError("the caller gives up")
    assert is_free(fd)
    assert not Total.objects.exists()
    os.close(fd)


def test_a_writer_gives_up_after_the_busy_timeout_and_writes_nothing(monkeypatch):
    fd = lock_file()
    fcntl.flock(fd, fcntl.LOCK_EX)  # another writer holds it
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "timeout", 0.2)
    with pytest.raises(OperationalError, match="writer lock"), transaction.atomic():
        Total.objects.create(key="persons", value=1)
    os.close(fd)  # the other writer is done
    assert not Total.objects.exists()
    with transaction.atomic():  # and the connection goes on working
        Total.objects.create(key="persons", value=2)
    assert Total.objects.get().value == 2


def test_a_waiting_writer_gets_in_when_the_holder_commits():
    fd = lock_file()
    fcntl.flock(fd, fcntl.LOCK_EX)
    done = threading.Event()

    def write() -> None:
        try:
            with transaction.atomic():
                Total.objects.create(key="persons", value=3)
            done.set()
        finally:
            connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    assert not done.wait(0.3)  # it waits while the lock is held
    os.close(fd)
    writer.join(10)
    assert done.is_set()
    assert Total.objects.get().value == 3
