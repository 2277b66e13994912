"""Server time of the statements pages with 10 million published declarations.

Run by hand: `.venv/bin/python bench/statements.py` (SQLite), or with
DATABASE_URL=postgres://.../bench_statements for PostgreSQL (a database of its own: the
bench fills it when it is empty and refuses one holding anything else). The SQLite file is
kept in the temporary directory (`tuidang-bench-statements-packed-<rows>.sqlite3` under
$TMPDIR, /tmp by default) so the fill (minutes) happens once.

The rows are written directly (executemany / COPY in chunks, in serial order, so every
index is appended to), bypassing intake and the sequencer: they only need to look like
published declarations with approved statements to a read. Days run from 20 years ago to
yesterday (China Standard Time), about 1,400 a day, with one day of 80,000.

Each page is asked for through Django's test client (every middleware, the view and the
template; no HTTP server, no cache in front), many times; the median and p99 of wall time
and of this process's CPU time are printed. On SQLite the query runs in this process, so
CPU time is the server's; on PostgreSQL the query runs in the database server, so read
the wall times (on a quiet machine).
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DAYS = 7300
BIGGEST_DAY = 80_000
CHUNK = 50_000
PHRASES = ("我声明退出中国共产党及其一切附属组织。", "天灭中共，退党保平安。", "良心的选择。",
           "为了家人和自己的未来，", "不再做党的工具。", "愿更多的人看清真相，", "从今天起，",
           "我是一名教师，", "在海外多年，终于", "退出共青团和少先队。")
NAMES = ("张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴")



def sqlite_path(rows: int) -> Path:
    return Path(tempfile.gettempdir()) / f"tuidang-bench-statements-packed-{rows}.sqlite3"


def day_sizes(rows: int, last_day: datetime.date) -> list[tuple[datetime.date, int]]:
    """How many declarations each day gets: uneven, with one news day far above the rest."""
    days = min(DAYS, max(1, rows // 20))
    rng = random.Random(7)
    weights = [rng.lognormvariate(0, 0.6) for _ in range(days)]
    biggest = min(BIGGEST_DAY, rows // 10)
    rest = rows - biggest
    sizes = [int(rest * w / sum(weights)) for w in weights]
    sizes[0] += rest - sum(sizes)
    peak = days - days // 20  # a day about a year ago
    sizes[peak] += biggest
    first_day = last_day - datetime.timedelta(days=days - 1)
    return [(first_day + datetime.timedelta(days=i), n) for i, n in enumerate(sizes)]


def generate(rows: int, last_day: datetime.date,
             days: list[tuple]) -> Iterator[tuple[list[tuple], list[tuple]]]:
    """Chunks of (declaration rows, identity rows of persons after the first), in serial
    order, rows as intake/bulk.py writes them; each day's first and last serial is
    added to `days`, as the sequencer records them."""
    from tuidang.registry.people import pack

    serial = person_id = 0
    declarations: list[tuple] = []
    persons: list[tuple] = []
    for day, size in day_sizes(rows, last_day):
        if size:
            days.append((day, serial + 1, serial + size))
        for _ in range(size):
            serial += 1
            count = 1 if serial % 20 < 16 else 2 if serial % 20 < 19 else 3
            people = []
            for position in range(count):
                person_id += 1
                name = NAMES[(serial + position) % 10] + "先生" if serial % 3 else "某某"
                people.append((name, False, True, position > 0, position > 1, "", "", "",
                               serial.to_bytes(16, "big")))
                if position:
                    persons.append((serial, position, person_id))
            title = PHRASES[serial % 7][:8]
            text = "".join(PHRASES[(serial + k) % 10] for k in range(1 + serial % 5))
            declarations.append((
                serial, "accepted", "self", day, None, serial.to_bytes(16, "big"), "", count,
                count, count - 1, max(0, count - 2), pack(people), person_id - count + 1,
                title, text, "approved",
                serial.to_bytes(16, "big"), None, b"", serial - 1, True, None,
            ))
            if len(declarations) >= CHUNK:
                yield declarations, persons
                declarations, persons = [], []
    if declarations:
        yield declarations, persons


def fill(rows: int) -> None:
    from django.db import connection, transaction

    from tuidang.intake.bulk import DECLARATION_COLUMNS, IDENTITY_COLUMNS
    from tuidang.registry import dates

    started = time.perf_counter()
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "sqlite":
        raw.execute("PRAGMA synchronous=OFF")
    done = 0
    days: list[tuple] = []
    for declarations, persons in generate(rows, dates.today() - datetime.timedelta(days=1),
                                          days):
        with transaction.atomic():
            if connection.vendor == "sqlite":
                _insert_sqlite(raw, "registry_declaration", DECLARATION_COLUMNS, declarations)
                _insert_sqlite(raw, "registry_personidentity", IDENTITY_COLUMNS, persons)
            else:
                _copy_postgres(raw, "registry_declaration", DECLARATION_COLUMNS, declarations)
                _copy_postgres(raw, "registry_personidentity", IDENTITY_COLUMNS, persons)
        done += len(declarations)
        if done % 1_000_000 < CHUNK:
            rate = done / (time.perf_counter() - started)
            print(f"  {done:>11,} declarations, {rate:,.0f}/s", flush=True)
    with transaction.atomic():
        if connection.vendor == "sqlite":
            _insert_sqlite(raw, "registry_dayserials", ("day", "first", "last"), days)
        else:
            _copy_postgres(raw, "registry_dayserials", ("day", "first", "last"), days)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval(pg_get_serial_sequence('registry_declaration', "
                           "'id'), (SELECT max(id) FROM registry_declaration))")
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=1000")  # sample, not every row
        cursor.execute("ANALYZE")
    print(f"filled in {time.perf_counter() - started:.0f} s", flush=True)


def _insert_sqlite(raw, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    marks = ",".join("?" * len(columns))
    raw.executemany(f"INSERT INTO {table} ({','.join(columns)}) VALUES ({marks})", rows)


def _copy_postgres(raw, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    sql = f"COPY {table} ({','.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def prepare(rows: int) -> None:
    """Django on the bench database, filled with `rows` declarations (once)."""
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{sqlite_path(rows)}"
    from bench._django import setup

    setup()
    from tuidang.registry.models import Declaration

    existing = Declaration.objects.count()
    if existing == 0:
        print(f"filling {rows:,} declarations (once; kept for the next runs)", flush=True)
        fill(rows)
    elif existing != rows:
        sys.exit(f"the bench database holds {existing:,} declarations, not {rows:,}")


def measure(path: str, repeat: int) -> tuple[list[float], list[float], int]:
    from django.test import Client

    client = Client()
    for _ in range(3):  # warm the caches (templates, pages of the database)
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    wall, cpu = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        client.get(path)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return wall, cpu, len(response.content)


def p99(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * 0.99))]


def pages(rows: int) -> list[tuple[str, str]]:
    """The pages to time: the list's first, middle and last, and several days."""
    from django.db.models import F

    from tuidang.registry.models import DaySerials

    spans = DaySerials.objects.annotate(n=F("last") - F("first") + 1)
    biggest = spans.order_by("-n").values("day", "first", "n").first()
    oldest_of_biggest = biggest["first"]
    first_day = spans.order_by("day").values_list("day", flat=True).first()
    last_day = spans.order_by("-day").values_list("day", flat=True).first()
    middle_day = first_day + (last_day - first_day) / 2
    big = biggest["day"].isoformat()
    return [
        ("list, first page", "/en/statements/"),
        ("list, middle page", f"/en/statements/?before={rows // 2}"),
        ("list, last page (Oldest)", "/en/statements/?after=0"),
        (f"biggest day {big} ({biggest['n']:,}), first", f"/en/statements/{big}/"),
        ("biggest day, middle",
         f"/en/statements/{big}/?before={oldest_of_biggest + biggest['n'] // 2}"),
        ("biggest day, last (Oldest)", f"/en/statements/{big}/?after=0"),
        ("a middle day", f"/en/statements/{middle_day.isoformat()}/"),
        ("the first day", f"/en/statements/{first_day.isoformat()}/"),
        ("yesterday", f"/en/statements/{last_day.isoformat()}/"),
        ("a statement", f"/en/statements/{rows // 2}/"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--fill-only", action="store_true")
    args = parser.parse_args()
    prepare(args.rows)
    if args.fill_only:
        return
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    print(f"{'page':<42} {'bytes':>7} {'wall med':>9} {'wall p99':>9} {'cpu med':>8} "
          f"{'cpu p99':>8}  (ms, {args.repeat} requests each)")
    for name, path in pages(args.rows):
        wall, cpu, size = measure(path, args.repeat)
        print(f"{name:<42} {size:>7} {statistics.median(wall) * 1e3:>9.2f} "
              f"{p99(wall) * 1e3:>9.2f} {statistics.median(cpu) * 1e3:>8.2f} "
              f"{p99(cpu) * 1e3:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
