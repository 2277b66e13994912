"""Django's SQLite backend, with writers queued on a lock file instead of SQLite's
busy handler.

SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps
and retries on a fixed schedule of up to 100 ms a sleep. Under a burst (two web
processes' group commits and the sequencer, all writing often) a waiting writer kept
sleeping long after the lock came free while a newcomer took it, so the slowest requests
waited far longer than the rest (bench/intake.py; docs/performance.md). Here each write
transaction (BEGIN IMMEDIATE, which is how every atomic block starts on SQLite) first
takes an exclusive flock on `<database>-writer.lock`, looking again every millisecond at
most, so a waiter gets in within a millisecond of the holder's commit, rollback or death
(the kernel drops a dead process's flock).

The flock is held only while SQLite's own write lock is wanted or held, so what may run
beside what is unchanged; only the waiting is. Writers that come without it (the sqlite3
shell, a backup) still meet SQLite's busy handler, and the wait for the flock is bounded
by the same timeout (OPTIONS["timeout"]), after which it fails as SQLite would.
"""

import fcntl
import os
import time
from pathlib import Path

from django.db import OperationalError
from django.db.backends.sqlite3 import base

from tuidang.core.private import create_private

_FIRST_PAUSE = 0.0002
_LONGEST_PAUSE = 0.001


class DatabaseWrapper(base.DatabaseWrapper):
    _writer_lock: int | None = None

    def get_new_connection(self, conn_params):
        # The database holds staff sessions and second-factor secrets: created private,
        # so its WAL and shared-memory files, which SQLite gives the database's mode,
        # are private too.
        if not self.is_in_memory_db():
            create_private(Path(self.settings_dict["NAME"]))
        return super().get_new_connection(conn_params)

    def _start_transaction_under_autocommit(self) -> None:
        self._take_writer_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer_lock()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_writer_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_writer_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_writer_lock()

    def _take_writer_lock(self) -> None:
        if self._writer_lock is not None or self.is_in_memory_db():
            return
        path = f"{self.settings_dict['NAME']}-writer.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        deadline = time.monotonic() + float(self.settings_dict["OPTIONS"].get("timeout", 5))
        pause = _FIRST_PAUSE
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise OperationalError("database is locked (waited for the writer "
                                           "lock)") from None
                time.sleep(pause)
                pause = min(pause * 2, _LONGEST_PAUSE)
        self._writer_lock = fd

    def _release_writer_lock(self) -> None:
        fd, self._writer_lock = self._writer_lock, None
        if fd is not None:
            os.close(fd)  # closing the descriptor drops its flock
