"""The export's memory between runs, kept in the mirror directory as one SQLite file.

It holds what a re-export needs to skip work: the fingerprint of every page group it
rendered (so an unchanged day is not rendered again), the published declarations it
exported per day with their fingerprints (so only changed statement pages are rendered),
and the SHA-256 of every file it wrote (so an unchanged file is not rewritten). All
changes of one run are committed together at its end: a run that stops half-way leaves
the previous state, and the next run simply redoes the work.
"""

import sqlite3
from collections.abc import Iterable
from pathlib import Path

STATE_NAME = ".export-state.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS units (key TEXT PRIMARY KEY, fp TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS decls (id INTEGER PRIMARY KEY, day TEXT NOT NULL, fp TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS decls_day ON decls (day);
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, sha256 BLOB NOT NULL);
"""


class State:
    def __init__(self, directory: Path) -> None:
        self.path = directory / STATE_NAME
        self.db = sqlite3.connect(self.path)
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def commit(self) -> None:
        self.db.commit()

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def unit(self, key: str) -> str | None:
        row = self.db.execute("SELECT fp FROM units WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def units(self, prefix: str) -> dict[str, str]:
        rows = self.db.execute(
            "SELECT key, fp FROM units WHERE key >= ? AND key < ?", (prefix, prefix + "\uffff")
        )
        return dict(rows)

    def set_unit(self, key: str, fp: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO units VALUES (?, ?)", (key, fp))

    def delete_unit(self, key: str) -> None:
        self.db.execute("DELETE FROM units WHERE key = ?", (key,))

    def day_decls(self, day: str) -> dict[int, str]:
        return dict(self.db.execute("SELECT id, fp FROM decls WHERE day = ?", (day,)))

    def replace_day_decls(self, day: str, decls: dict[int, str]) -> None:
        self.db.execute("DELETE FROM decls WHERE day = ?", (day,))
        self.db.executemany(
            "INSERT OR REPLACE INTO decls VALUES (?, ?, ?)",
            ((i, day, fp) for i, fp in decls.items()),
        )

    def exported_decls(self, ids: Iterable[int]) -> set[int]:
        query = "SELECT 1 FROM decls WHERE id = ?"
        return {i for i in ids if self.db.execute(query, (i,)).fetchone()}

    def file_hash(self, path: str) -> bytes | None:
        row = self.db.execute("SELECT sha256 FROM files WHERE path = ?", (path,)).fetchone()
        return row[0] if row else None

    def set_file(self, path: str, sha256: bytes) -> None:
        self.db.execute("INSERT OR REPLACE INTO files VALUES (?, ?)", (path, sha256))

    def delete_file(self, path: str) -> None:
        self.db.execute("DELETE FROM files WHERE path = ?", (path,))

    def file_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM files").fetchone()[0]
