"""Import daily totals from before tuidang: `python manage.py import_history FILE.csv`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tuidang.stats import history


class Command(BaseCommand):
    help = (
        "Import daily persons counted before tuidang from a CSV file with the columns "
        "date,persons,source (UTF-8, header line optional). All lines are checked first; "
        "if any is bad, nothing is imported. Days already imported are updated, so "
        "importing the same file again changes nothing. The figures are shown apart from "
        "the public log's, labelled as imported history."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="CSV file: date,persons,source")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and report, store nothing"
        )

    def handle(self, *args, file: str, dry_run: bool, **options) -> None:
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        rows, problems = history.parse(data)
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(
                f"{len(problems)} bad line(s); nothing imported. Correct the file and run again."
            )
        if not rows:
            raise CommandError("the file holds no days")
        with transaction.atomic():
            outcome = history.upsert(rows, dry_run=dry_run)
        persons = sum(r.persons for r in rows)
        first, last = min(r.day for r in rows), max(r.day for r in rows)
        verb = "would import" if dry_run else "imported"
        self.stdout.write(
            f"{verb} {len(rows)} days from {first} to {last}, {persons:,} persons: "
            f"{outcome.new} new, {outcome.changed} changed, {outcome.unchanged} unchanged"
        )
        if not dry_run:
            total = history.summary()
            self.stdout.write(
                f"imported history now: {total.persons:,} persons through {total.through}"
            )
