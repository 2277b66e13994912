"""CSV import rate (lines per second) and peak memory, for a 1,000,000-line file.

Run by hand: `.venv/bin/python bench/import.py` (SQLite in a temp dir), or with
DATABASE_URL=postgres://... for PostgreSQL; `--lines N` for another size. The file is
what a helper's spreadsheet holds: mostly one person a line, every tenth declaration a
family of three (grouped by ref), one line in a thousand bad. The time covers reading,
encoding detection, validation with the web form's rules, sealing, the entry check and
the batched commits (`import_declarations` without the progress bar); the sequencer is
not run.
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


def write_csv(path: Path, lines: int) -> None:
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
                line += 3
            else:
                region = REGIONS[line % len(REGIONS)]
                country = "DE" if region == "overseas" else ""
                statement = "声明,我退出中共。" if line % 7 == 0 else ","
                out.write(f",人{line},party league,{region},{country},{statement}\n")
                line += 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
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
    write_csv(path, args.lines)
    print(f"generated {args.lines:,} lines ({path.stat().st_size / 1e6:.1f} MB) "
          f"in {time.perf_counter() - started:.1f} s", flush=True)
    out = io.StringIO()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    call_command("import_declarations", str(path), helper="bench-helper", no_progress=True,
                 language="en", stdout=out)
    elapsed = time.perf_counter() - started
    print(out.getvalue().splitlines()[-1])
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    peak = usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux
    print(f"{args.lines:,} lines in {elapsed:.1f} s: {args.lines / elapsed:,.0f} lines/s, "
          f"{cpu:.1f} s of CPU in this process ({args.lines / cpu:,.0f} lines per CPU "
          f"second), peak memory {peak:.0f} MiB", flush=True)


if __name__ == "__main__":
    main()
