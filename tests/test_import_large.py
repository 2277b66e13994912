"""A 100,000-line import: every good line stored once, the bad ones reported (checked in
worker processes, as a large file is by default)."""

import io
import time

import pytest
from django.core.management import call_command

from tests.factories import stored_persons
from tuidang.registry.models import Declaration

pytestmark = pytest.mark.django_db(transaction=True)

LINES = 100_000
REGIONS = ("beijing", "guangdong", "sichuan", "", "overseas")


def write_csv(path, lines: int) -> tuple[int, int, int]:
    """Mostly one person a declaration, every 10th a family of three (by ref), every
    1000th line bad. Returns (declarations, persons, bad lines)."""
    declarations = persons = bad = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("ref,display_name,organizations,region,country,statement_title,"
                  "statement_text\n")
        line = 1
        while line < lines + 1:
            if line % 1000 == 0:
                out.write(f",坏{line},nothing,,,,\n")
                bad, line = bad + 1, line + 1
            elif line % 10 == 1 and line + 3 <= lines + 1:
                for member, orgs in enumerate(("party", "league", "pioneers")):
                    out.write(f"fam{line},家{line}-{member},{orgs},hebei,,,\n")
                declarations, persons, line = declarations + 1, persons + 3, line + 3
            else:
                region = REGIONS[line % len(REGIONS)]
                country = "DE" if region == "overseas" else ""
                statement = "声明,我退出中共。" if line % 7 == 0 else ","
                out.write(f",人{line},party league,{region},{country},{statement}\n")
                declarations, persons, line = declarations + 1, persons + 1, line + 1
    return declarations, persons, bad


def test_it_imports_a_100000_line_file(tmp_path, alice):
    path = tmp_path / "large.csv"
    declarations, persons, bad = write_csv(path, LINES)
    out = io.StringIO()
    started = time.perf_counter()
    call_command("import_declarations", str(path), helper="alice", no_progress=True,
                 language="en", stdout=out)
    elapsed = time.perf_counter() - started
    lines = out.getvalue().splitlines()
    assert lines[-1] == f"imported {declarations}, rejected {bad}, skipped 0 already imported"
    assert sum(line.startswith("line ") for line in lines) == bad
    assert Declaration.objects.filter(channel="import").count() == declarations
    assert len(stored_persons()) == persons
    # Nothing private in these lines: nothing to seal, nothing to commit to (the sequencer
    # draws each entry's random `private` line).
    assert not Declaration.objects.filter(sealed_private__isnull=False).exists()
    commitments = Declaration.objects.values_list("private_commitment", flat=True)[:1000]
    assert {bytes(c) for c in commitments} == {b""}
    print(f"{LINES} lines in {elapsed:.1f} s")
