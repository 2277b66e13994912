"""Bytes per person, database plus log, broken down per table, index and log part.

Run by hand: `.venv/bin/python bench/storage.py` (SQLite, temp files), or with
DATABASE_URL=postgres://.../bench_storage (the bench creates and drops the databases
bench_storage_1 and bench_storage_4 next to it). Two runs, one process each: N
declarations of one person, and N/4 declarations of four persons (a family), both through
submit_declarations_bulk (the rows submit_declaration writes, a thousand at a time) and
the sequencer, then `log_export --gzip-bundles --archive` as deployed: the copy nginx
serves (entry bundles only as `tile/entries/N.gz`; hash tiles, checkpoint and key
uncompressed) becomes the store of record for full entry bundles, which are dropped from
the database (transparency/archive.py); `--no-archive` keeps them in both.

Sizes are what the data added to an empty, migrated database: SQLite after VACUUM and
ANALYZE, from the dbstat table (pages per table and index); PostgreSQL after VACUUM FULL
ANALYZE, from pg_relation_size per heap, TOAST and index. The exported log is counted by
file size (apparent) and by blocks on disk; the uncompressed size of the entry bundles (what
a plain mirror, export_site, keeps) is printed too, outside the totals.
"""

import argparse
import io
import os
import random
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
REGIONS = ("beijing", "shanghai", "guangdong", "sichuan", "hubei")
SECTORS = ("teacher", "official", "soe", "student")


def person(rng: random.Random):
    from tuidang.registry.schema import PersonData

    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
    orgs = rng.choice((("party",), ("league",), ("pioneers",), ("league", "pioneers"),
                       ("party", "league", "pioneers")))
    return PersonData(
        name + str(rng.randrange(10**6)),  # unique enough that no one is held as a duplicate
        orgs, region=rng.choice(REGIONS) if rng.random() < 0.3 else "",
        sector=rng.choice(SECTORS) if rng.random() < 0.1 else "",
    )


def sizes() -> dict[str, int]:
    """Bytes per table and per index of the current database."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("VACUUM")
            cursor.execute("ANALYZE")
            cursor.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")
            return dict(cursor.fetchall())
        cursor.execute("VACUUM FULL ANALYZE")
        cursor.execute("""
            SELECT c.relname, pg_relation_size(c.oid),
                   COALESCE(pg_total_relation_size(NULLIF(c.reltoastrelid, 0)), 0)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')""")
        found = {}
        for name, main, toast in cursor.fetchall():
            found[name] = main
            if toast:
                found[name + " (toast)"] = toast
        return found


def log_parts(directory: Path) -> dict[str, tuple[int, int]]:
    """(apparent bytes, bytes on disk) of the exported log: entry bundles, tiles, the rest."""
    parts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for path in directory.rglob("*"):
        if path.is_file():
            relative = path.relative_to(directory).parts
            part = (f"entry bundles{', gzip' if path.suffix == '.gz' else ''}"
                    if relative[:2] == ("tile", "entries")
                    else f"hash tiles, level {relative[1]}" if relative[0] == "tile"
                    else "checkpoint, key")
            stat = path.stat()
            parts[part][0] += stat.st_size
            parts[part][1] += stat.st_blocks * 512
    return {name: (a, b) for name, (a, b) in sorted(parts.items())}


def unpacked_bundles(directory: Path) -> int:
    """Bytes of the entry bundles uncompressed (a gzip file ends with its size mod 2**32)."""
    return sum(int.from_bytes(path.read_bytes()[-4:], "little") if path.suffix == ".gz"
               else path.stat().st_size
               for path in (directory / "tile/entries").rglob("*") if path.is_file())


def run(declarations: int, per_declaration: int, archive: bool, export_every: int) -> None:
    from bench._django import setup

    workdir = setup()
    from django.conf import settings
    from django.core.management import call_command

    from tuidang.intake.actions import submit_declarations_bulk
    from tuidang.registry.schema import DeclarationData
    from tuidang.transparency import sequencer

    empty = sizes()
    rng = random.Random(per_declaration)
    log_dir = workdir / "log-export"
    settings.LOG_ARCHIVE_DIR = log_dir

    def export() -> None:
        call_command("log_export", "--gzip-bundles", *(["--archive"] if archive else []),
                     str(log_dir), verbosity=0, stdout=io.StringIO())

    chunk = export_every or 1000
    for start in range(0, declarations, chunk):
        submit_declarations_bulk(
            [DeclarationData([person(rng) for _ in range(per_declaration)])
             for _ in range(min(chunk, declarations - start))], channel="self")
        sequencer.drain()
        if export_every:
            export()
    export()
    persons = declarations * per_declaration
    grown = {name: size - empty.get(name, 0) for name, size in sizes().items()}
    grown = {name: size for name, size in grown.items() if size > 0}
    database = sum(grown.values())
    print(f"\n{declarations:,} declarations of {per_declaration} person(s): {persons:,} persons")
    print(f"{'table or index':<48} {'bytes':>12} {'per person':>11}")
    for name, size in sorted(grown.items(), key=lambda item: -item[1]):
        print(f"{name:<48} {size:>12,} {size / persons:>11.1f}")
    print(f"{'database, total':<48} {database:>12,} {database / persons:>11.1f}")
    parts = log_parts(log_dir)
    for name, (apparent, disk) in parts.items():
        print(f"{'log: ' + name:<48} {apparent:>12,} {apparent / persons:>11.1f}"
              f"   on disk {disk / persons:.1f}")
    plain = unpacked_bundles(log_dir)
    print(f"{'  (entry bundles uncompressed, as a plain mirror)':<48} {plain:>12,}"
          f" {plain / persons:>11.1f}")
    log_bytes = sum(a for a, _ in parts.values())
    log_disk = sum(d for _, d in parts.values())
    print(f"{'log, total':<48} {log_bytes:>12,} {log_bytes / persons:>11.1f}"
          f"   on disk {log_disk / persons:.1f}")
    total = database + log_bytes
    print(f"{'DATABASE + LOG':<48} {total:>12,} {total / persons:>11.1f}   (target 300)")


def postgres_database(base_url: str, suffix: str) -> str:
    """A fresh database next to the one in base_url, for one run."""
    import psycopg

    head, name = base_url.rsplit("/", 1)
    name = f"{name.split('?')[0]}_{suffix}"
    with psycopg.connect(f"{head}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{head}/{name}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=20_000, help="persons per run")
    parser.add_argument("--each", default="1,4", help="persons a declaration, one run each")
    parser.add_argument("--no-archive", action="store_true",
                        help="keep every entry bundle in the database too (no --archive)")
    parser.add_argument("--export-every", type=int, default=0, metavar="N",
                        help="export after every N declarations, as the timer does (35: "
                             "every minute at 50,000 a day); default: once, at the end")
    parser.add_argument("--run", help="internal: declarations:persons_each")
    args = parser.parse_args()
    if args.run:
        declarations, each = (int(x) for x in args.run.split(":"))
        run(declarations, each, archive=not args.no_archive, export_every=args.export_every)
        return
    base_url = os.environ.get("DATABASE_URL", "")
    for each in (int(x) for x in args.each.split(",")):
        env = dict(os.environ)
        if base_url.startswith("postgres"):
            env["DATABASE_URL"] = postgres_database(base_url, str(each))
        subprocess.run([sys.executable, __file__, "--run", f"{args.persons // each}:{each}",
                        "--export-every", str(args.export_every),
                        *(["--no-archive"] if args.no_archive else [])], env=env, check=True)


if __name__ == "__main__":
    main()
