"""The witness's memory: per log, the latest checkpoint it cosigned, in SQLite.

Checking a request against the stored size and root and storing the new ones happen in
one transaction that holds SQLite's write lock (BEGIN IMMEDIATE): two requests, even
from two witness processes on the same file, cannot both pass the check against the
same old size (tlog-witness's rollback race). The commit is durable before the witness
answers (synchronous=FULL). Checkpoints that failed the consistency checks although the
log signed them are kept as evidence of a split view (`conflicts`). No time and no
address of any request is stored.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Latest", "Store"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS latest (
    origin TEXT PRIMARY KEY,
    size INTEGER NOT NULL CHECK (size >= 0),
    root BLOB NOT NULL CHECK (length(root) = 32),
    checkpoint BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS conflicts (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,
    old INTEGER NOT NULL,
    request BLOB NOT NULL,
    reason TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Latest:
    """The latest checkpoint cosigned for one log."""

    size: int
    root: bytes
    checkpoint: bytes  # the note with the log's signatures and this witness's cosignature


class Store:
    """One SQLite file; safe to share between the server's threads."""

    def __init__(self, path: str | Path) -> None:
        """Open (creating if needed) the database at ``path``."""
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                                   timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # durable before the answer
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """A write transaction: what is read in it cannot change until it ends."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def latest(self, origin: str) -> Latest | None:
        """What was last cosigned for the log, if anything (in a transaction)."""
        row = self._db.execute("SELECT size, root, checkpoint FROM latest WHERE origin = ?",
                               (origin,)).fetchone()
        return Latest(row[0], bytes(row[1]), bytes(row[2])) if row else None

    def published(self, origin: str) -> Latest | None:
        """What was last cosigned for the log, read outside any transaction."""
        with self._lock:
            return self.latest(origin)

    def record(self, origin: str, latest: Latest) -> None:
        """Remember a cosigned checkpoint (in a transaction, after the checks)."""
        self._db.execute(
            "INSERT INTO latest (origin, size, root, checkpoint) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, "
            "checkpoint = excluded.checkpoint",
            (origin, latest.size, latest.root, latest.checkpoint),
        )

    def record_conflict(self, origin: str, old: int, request: bytes, reason: str) -> None:
        """Keep a signed checkpoint that failed the consistency checks."""
        self._db.execute("INSERT INTO conflicts (origin, old, request, reason) "
                         "VALUES (?, ?, ?, ?)", (origin, old, request, reason))

    def conflicts(self, origin: str) -> list[tuple[int, bytes, str]]:
        """(old size, request body, reason) of the conflicts kept for the log."""
        with self._lock:
            rows = self._db.execute("SELECT old, request, reason FROM conflicts WHERE origin = ? "
                                    "ORDER BY id", (origin,)).fetchall()
        return [(old, bytes(request), reason) for old, request, reason in rows]

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
