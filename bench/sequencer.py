"""Sequencing throughput (entries per second) at batch sizes 1, 100 and 10,000.

Run by hand: `.venv/bin/python bench/sequencer.py` (SQLite in a temp dir), or with
DATABASE_URL=postgres://... for PostgreSQL. Each declaration covers two persons; the time
covers screening, entry building, tiles, counters and the signed checkpoint.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._django import setup


def make_declarations(count: int, start: int) -> None:
    from tuidang.registry.actions import PersonData, submit_declaration

    for i in range(start, start + count):  # unique names: none is held as a duplicate
        submit_declaration([PersonData(f"测试{i}", ("party",)),
                            PersonData(f"家人{i}", ("league", "pioneers"), region="beijing")])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plan", default="1:300,100:10000,10000:40000",
                        help="batch:declarations pairs")
    args = parser.parse_args()
    setup()
    from tuidang.transparency import sequencer

    print(f"{'batch':>7} {'entries':>8} {'seconds':>8} {'entries/s':>10}", flush=True)
    made = 0
    for pair in args.plan.split(","):
        batch, count = (int(x) for x in pair.split(":"))
        make_declarations(count, made)
        made += count
        started = time.perf_counter()
        done = 0
        while done < count:
            done += sequencer.step(limit=batch).sequenced
        elapsed = time.perf_counter() - started
        print(f"{batch:>7} {count:>8} {elapsed:>8.2f} {count / elapsed:>10.0f}", flush=True)


if __name__ == "__main__":
    main()
