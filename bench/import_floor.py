"""What SQLite alone costs an import: the database's share of `bench/import.py`.

Run by hand: `.venv/bin/python bench/import_floor.py [--declarations 800000]`. It migrates
a throw-away SQLite database (the real schema and PRAGMAs), then inserts what an import
writes for each declaration, a declaration row and its log entry in the sequencer's
inbox, in transactions of 1,000 (imports.BATCH_SIZE), with rows built beforehand, so
only SQLite's work is timed: the statements (executemany) and the commits. It does so
with the schema as it is, and again without each of the two indexes over random keys
(the import key and the identity digest), to show what they cost. Figures are
microseconds per declaration, the mean over the whole run and over its last tenth (the
cost grows with the size of those indexes).

Beside bench/import.py's persons a second (1.25 persons a declaration there), this says
what is left for the rest: at 50,000 persons a second, 25 µs a declaration in all.
"""

import argparse
import os
import random
import shutil
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._django import setup

RANDOM_INDEXES = ("declaration_import_key", "declaration_identity")


def rows(first: int, count: int, helper: int) -> tuple[list[tuple], list[tuple]]:
    """A batch as bulk.store writes it for one-person declarations (see DECLARATION_COLUMNS)."""
    from tuidang.registry.people import pack

    declarations, entries = [], []
    for serial in range(first, first + count):
        declarations.append((
            serial, "received", "import", "2026-12-03", helper, os.urandom(16), "", 1, 1, 1,
            0, pack([(f"人{serial}", False, True, True, False, "beijing", "", "",
                         os.urandom(16))]),
            random.getrandbits(63), "", "", "none", b"", None, b"", None, False,
            os.urandom(16)))
        entries.append((serial, b"tuidang/v2 declaration\nserial %d\n" % serial
                         + os.urandom(88) + b"\n" * 60))
    return declarations, entries


def run(migrated: Path, drop: tuple[str, ...], total: int, batch: int, helper: int) -> tuple:
    from django.conf import settings

    from tuidang.intake.bulk import DECLARATION_COLUMNS

    path = migrated.with_name("floor.sqlite3")  # a fresh copy of the migrated database
    for old in path.parent.glob("floor.sqlite3*"):
        old.unlink()
    shutil.copyfile(migrated, path)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.executescript(settings.DATABASES["default"]["OPTIONS"]["init_command"])
    connection.execute("PRAGMA cache_size = -262144")  # as bulk.large_cache() for an import
    for name in drop:
        connection.execute(f'DROP INDEX "{name}"')
    columns = ", ".join(DECLARATION_COLUMNS)
    insert = (f"INSERT INTO registry_declaration ({columns}) "
              f"VALUES ({', '.join('?' * len(DECLARATION_COLUMNS))})")
    insert_entry = "INSERT INTO registry_pendingentry (declaration_id, data) VALUES (?, ?)"
    spent, last_tenth = 0.0, 0.0
    for first in range(1, total + 1, batch):
        declarations, entries = rows(first, min(batch, total + 1 - first), helper)
        started = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(insert, declarations)
        connection.executemany(insert_entry, entries)
        connection.execute("COMMIT")
        took = time.perf_counter() - started
        spent += took
        if first > total * 9 // 10:
            last_tenth += took
    connection.close()
    return 1e6 * spent / total, 1e6 * last_tenth / (total - total * 9 // 10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--declarations", type=int, default=800_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    workdir = setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db import connection

    if connection.vendor != "sqlite":
        sys.exit("SQLite only: PostgreSQL's share is the server's CPU in bench/import.py")
    helper = User.objects.create_user("bench-helper").pk
    path = Path(settings.DATABASES["default"]["NAME"])
    connection.close()
    checkpoint = sqlite3.connect(path)  # everything in the file that run() copies
    checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    checkpoint.close()
    print(f"{args.declarations:,} one-person declarations, {args.batch:,} a transaction; "
          "µs a declaration (mean / last tenth):")
    for drop in ((), RANDOM_INDEXES[:1], RANDOM_INDEXES[1:], RANDOM_INDEXES):
        mean, last = run(path, drop, args.declarations, args.batch, helper)
        label = "the schema as it is" if not drop else "without " + " and ".join(drop)
        print(f"  {label:62s} {mean:5.1f} / {last:5.1f}", flush=True)
    print(f"(database in {workdir})")


if __name__ == "__main__":
    main()
