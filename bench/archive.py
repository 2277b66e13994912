"""What archiving the log's entry bundles costs: a release, and a read of an archived bundle.

    .venv/bin/python bench/archive.py [--declarations 100000] [--reads 2000]

Run by hand, on SQLite or DATABASE_URL. Builds a log of one-person declarations, runs
`log_export --gzip-bundles --archive` (timed: the export, then the release that checks
and drops the full bundles), then reads random single entries (storage.entries, what a
receipt's proof or a revocation does) from archived bundles, each checked against the
level-1 tile, and from bundles still in the database, and prints µs a read and the ratio.
"""

import argparse
import io
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--declarations", type=int, default=100_000)
    parser.add_argument("--reads", type=int, default=2000)
    args = parser.parse_args()
    from bench._django import setup

    workdir = setup()
    from django.conf import settings
    from django.core.management import call_command

    from tuidang.intake.actions import submit_declarations_bulk
    from tuidang.registry.schema import DeclarationData, PersonData
    from tuidang.transparency import sequencer, storage
    from tuidang.transparency.models import EntryBundle

    for start in range(0, args.declarations, 1000):
        submit_declarations_bulk(
            [DeclarationData([PersonData(f"人{start + i}", ("party",))])
             for i in range(min(1000, args.declarations - start))], channel="self")
        sequencer.drain()
    size = storage.state().size
    log_dir = workdir / "log"
    settings.LOG_ARCHIVE_DIR = log_dir
    began = time.perf_counter()
    call_command("log_export", "--gzip-bundles", str(log_dir), stdout=io.StringIO())
    exported = time.perf_counter() - began
    began = time.perf_counter()
    call_command("log_export", "--gzip-bundles", "--archive", str(log_dir), stdout=io.StringIO())
    released = time.perf_counter() - began
    archived = EntryBundle.objects.filter(data=b"").count()
    print(f"log size {size:,}: export {exported:.2f} s; export again and release "
          f"{archived:,} bundles {released:.2f} s ({released / max(archived, 1) * 1e3:.2f} ms "
          f"a bundle)")

    rng = random.Random(7)
    kept_from = (size // 256 - 1) * 256  # the last full bundle and the open one stay
    timings = {}
    for name, low, high in (("archived", 0, archived * 256), ("in the database", kept_from,
                                                                size)):
        indices = [rng.randrange(low, high) for _ in range(args.reads)]
        began = time.perf_counter()
        for index in indices:
            assert storage.entries([index])
        timings[name] = (time.perf_counter() - began) / args.reads
        print(f"one entry, {name:<16} {timings[name] * 1e6:8.0f} µs a read")
    print(f"ratio archived / in the database: "
          f"{timings['archived'] / timings['in the database']:.2f}")


if __name__ == "__main__":
    main()
