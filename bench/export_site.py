"""CPU time of `export_site`: a first export, a re-export with nothing new, and one after
a batch of new declarations (what a mirror's cron job does).

Run by hand: `.venv/bin/python bench/export_site.py --declarations 2000 --days 20`
(SQLite in a temp directory, or DATABASE_URL=postgres://.../bench_export for a database
it may fill). Declarations are spread evenly over the last --days days. Times are CPU
time of this process (time.process_time), which includes the database only for SQLite.
`--profile` prints the 25 most expensive functions of the re-export after new ones.
"""

import argparse
import cProfile
import datetime
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--declarations", type=int, default=2000)
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    from bench._django import setup

    workdir = setup()
    from tuidang.intake.actions import submit_declaration
    from tuidang.mirror.export import export_site
    from tuidang.registry import dates
    from tuidang.registry.models import Declaration
    from tuidang.registry.schema import PersonData
    from tuidang.transparency import sequencer

    def add(count: int, prefix: str) -> None:
        for i in range(count):
            submit_declaration([PersonData(f"{prefix}{i}", ("party",))])
            if i % 1000 == 999:
                sequencer.drain()
        sequencer.drain()

    add(args.declarations, "人")
    per_day = max(1, args.declarations // args.days)
    first = Declaration.objects.order_by("id").values_list("id", flat=True).first() or 0
    for day in range(args.days):
        received = dates.today() - datetime.timedelta(days=args.days - day)
        low = first + day * per_day
        Declaration.objects.filter(id__gte=low, id__lt=low + per_day).update(received_on=received)
    site = workdir / "mirror"

    def timed(label: str, profile: bool = False) -> None:
        profiler = cProfile.Profile() if profile else None
        start = time.process_time()
        if profiler:
            profiler.enable()
        result = export_site(site)
        if profiler:
            profiler.disable()
        cpu = time.process_time() - start
        per_page = cpu / result.rendered * 1000 if result.rendered else 0
        print(f"{label:<34} cpu {cpu:7.2f} s  rendered {result.rendered:>7}  "
              f"({per_page:.1f} ms each)  wrote {result.written:>7}  kept {result.unchanged:>7}")
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)

    print(f"{args.declarations} declarations over {args.days} days, 3 languages")
    timed("first export")
    timed("again, nothing new")
    add(args.new, "新")
    timed(f"again, {args.new} new declarations", profile=args.profile)


if __name__ == "__main__":
    main()
