"""Sequencing throughput (entries per second) at several batch sizes, SQLite or PostgreSQL.

Run by hand:

    .venv/bin/python bench/sequencer.py                      # SQLite in a temp dir
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_seq .venv/bin/python bench/sequencer.py

Use an empty PostgreSQL database (`createdb bench_seq`; drop it afterwards). Each
declaration covers two persons with unique names (none is held as a duplicate); they are
stored beforehand with submit_declarations_bulk, outside the timing. The time of a step
covers everything it does in its transaction: screening, reading, encoding, hashing,
tiles, counters, the signed checkpoint and the commit.

Besides wall time it reports CPU time per entry, which a loaded machine distorts less:
this process's, and on PostgreSQL also the server backend's (read from /proc, so only
with the server on this machine).
"""

import argparse
import logging
import os
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._django import setup


def make_declarations(count: int, start: int, tag: str) -> None:
    from tuidang.intake.actions import submit_declarations_bulk
    from tuidang.registry.schema import DeclarationData, PersonData

    for first in range(start, start + count, 1000):
        submit_declarations_bulk([
            DeclarationData([PersonData(f"测试{tag}{i}", ("party",)),
                             PersonData(f"家人{tag}{i}", ("league", "pioneers"),
                                        region="beijing")])
            for i in range(first, min(first + 1000, start + count))
        ], channel="self")


def _backend_pid() -> int | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return pid if Path(f"/proc/{pid}/stat").exists() else None


def _process_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) used so far by process `pid` (0 if unknown)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plan", default="1:300,100:10000,10000:40000",
                        help="batch:declarations pairs")
    args = parser.parse_args()
    setup()
    logging.getLogger("tuidang.sequencer").setLevel(logging.WARNING)  # a line per step
    from django.db import connection

    from tuidang.transparency import sequencer

    connection.ensure_connection()
    backend = _backend_pid()
    tag = secrets.token_hex(3)  # names unique even in a database used before
    print(f"{'batch':>7} {'entries':>8} {'seconds':>8} {'entries/s':>10} "
          f"{'client µs/e':>12} {'server µs/e':>12} {'entries/cpu-s':>14}", flush=True)
    made = 0
    for pair in args.plan.split(","):
        batch, count = (int(x) for x in pair.split(":"))
        make_declarations(count, made, tag)
        made += count
        cpu, server = time.process_time(), _process_cpu(backend)
        started = time.perf_counter()
        done = 0
        while done < count:
            sequenced = sequencer.step(limit=batch).sequenced
            if not sequenced:
                raise SystemExit("nothing sequenced: is the database empty and unused?")
            done += sequenced
        elapsed = time.perf_counter() - started
        cpu, server = time.process_time() - cpu, _process_cpu(backend) - server
        server_column = f"{server / count * 1e6:>12.1f}" if backend else f"{'-':>12}"
        print(f"{batch:>7} {count:>8} {elapsed:>8.2f} {count / elapsed:>10.0f} "
              f"{cpu / count * 1e6:>12.1f} {server_column} {count / (cpu + server):>14.0f}",
              flush=True)


if __name__ == "__main__":
    main()
