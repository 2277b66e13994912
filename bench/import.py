"""CSV import rate (persons per second) and peak memory, for a 1,000,000-line file.

Run by hand: `.venv/bin/python bench/import.py` (SQLite in a temp dir), or with
DATABASE_URL=postgres://.../EMPTY_DB for PostgreSQL (a fresh, empty database: the
benchmark migrates it and creates its helper); `--lines N` for another size,
`--workers N` for the worker processes (default: as `import_declarations` picks).
The file is what a helper's spreadsheet holds: one person a line, mostly one person a
declaration, every tenth declaration a family of three (grouped by ref), one line in a
thousand bad. The time covers reading, encoding detection, validation with the web
form's rules, preparing the rows, the entry check and the batched durable commits
(`import_declarations` without the progress bar); the sequencer is not run.

CPU time is reported per process: the importing one, its workers, and (PostgreSQL on
this machine) the database server process serving it. On a loaded machine the CPU
figures say more than the wall clock.
"""

import argparse
import base64
import io
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._django import setup

REGIONS = ("beijing", "guangdong", "sichuan", "", "overseas")


def write_csv(path: Path, lines: int) -> int:
    """Write the file; returns the number of good lines (persons)."""
    persons = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("ref,display_name,organizations,region,country,statement_title,"
                  "statement_text\n")
        line = 1
        while line < lines + 1:
            if line % 1000 == 0:
                out.write(f",坏{line},nothing,,,,\n")
                line += 1
            elif line % 10 == 1 and line + 3 <= lines + 1:
                for member, orgs in enumerate(("party", "league", "pioneers")):
                    out.write(f"fam{line},家{line}-{member},{orgs},hebei,,,\n")
                line, persons = line + 3, persons + 3
            else:
                region = REGIONS[line % len(REGIONS)]
                country = "DE" if region == "overseas" else ""
                statement = "声明,我退出中共。" if line % 7 == 0 else ","
                out.write(f",人{line},party league,{region},{country},{statement}\n")
                line, persons = line + 1, persons + 1
    return persons


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _server_cpu() -> float | None:
    """CPU seconds of the PostgreSQL process serving this connection, if it is local."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    if not os.environ.get("RECORDS_PUBLIC_KEY"):
        from nacl.public import PrivateKey

        key = PrivateKey.generate().public_key
        os.environ["RECORDS_PUBLIC_KEY"] = base64.b64encode(bytes(key)).decode()
    workdir = setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    helper = User.objects.create_user("bench-helper")
    helper.groups.add(Group.objects.get_or_create(name="helpers")[0])
    path = workdir / "import.csv"
    started = time.perf_counter()
    persons = write_csv(path, args.lines)
    print(f"generated {args.lines:,} lines ({path.stat().st_size / 1e6:.1f} MB) "
          f"in {time.perf_counter() - started:.1f} s", flush=True)
    out = io.StringIO()
    own_before, children_before = _cpu()
    server_before = _server_cpu()
    started = time.perf_counter()
    call_command("import_declarations", str(path), helper="bench-helper", no_progress=True,
                 language="en", stdout=out, workers=args.workers)
    elapsed = time.perf_counter() - started
    own_after, children_after = _cpu()
    server_after = _server_cpu()
    print(out.getvalue().splitlines()[-1])
    own, workers = own_after - own_before, children_after - children_before
    cpu = own + workers
    server = ""
    if server_before is not None and server_after is not None:
        cpu += server_after - server_before
        server = f" + database server {server_after - server_before:.1f} s"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    peak_worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{persons:,} persons ({args.lines:,} lines) in {elapsed:.1f} s: "
          f"{persons / elapsed:,.0f} persons/s wall")
    print(f"CPU: importer {own:.1f} s + workers {workers:.1f} s{server} = {cpu:.1f} s, "
          f"{persons / cpu:,.0f} persons per CPU second; importer alone "
          f"{persons / own:,.0f} persons per CPU second")
    print(f"peak memory: importer {peak:.0f} MiB, largest worker {peak_worker:.0f} MiB",
          flush=True)


if __name__ == "__main__":
    main()
