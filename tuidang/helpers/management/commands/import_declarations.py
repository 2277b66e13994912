"""Import a helper's declarations from a CSV or JSON Lines file (docs/import.md)."""

import os
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from tqdm import tqdm

from tuidang.accounts.access import is_helper
from tuidang.core import csvfiles
from tuidang.imports import importer as imports


class Command(BaseCommand):
    help = ("Import declarations a helper collected, from CSV (one line per person) or JSON "
            "Lines (one declaration per line). Lines already imported are skipped.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--helper", required=True, help="the helper's username")
        parser.add_argument("--format", choices=imports.FORMATS,
                            help="csv or jsonl (default: from the file name)")
        parser.add_argument("--dry-run", action="store_true",
                            help="check every line and report, store nothing")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument("--report", type=Path,
                            help="also write the rejected lines to this CSV file")
        parser.add_argument("--receipts", type=Path, help=(
            "write the receipt codes to this new CSV file (line, ref, receipt code), to hand "
            "each to its declarant; without it they are not kept anywhere"))
        parser.add_argument("--workers", type=int, default=None, help=(
            "processes checking lines beside the one storing them (default: one per CPU, "
            "up to 4, for files of 20,000 lines or more; 0: none)"))
        parser.add_argument("--language", default=settings.LANGUAGE_CODE,
                            choices=[code for code, _name in settings.LANGUAGES],
                            help="language of the reasons in the report")

    def handle(self, *args, file: Path, helper: str, format: str | None, dry_run: bool,
               no_progress: bool, report: Path | None, receipts: Path | None, language: str,
               workers: int | None, **options) -> None:
        user = get_user_model().objects.filter(username=helper).first()
        if user is None or not is_helper(user):
            raise CommandError(f"{helper!r} is not an active helper account")
        if receipts is not None and receipts.exists():
            raise CommandError(f"{receipts} exists; refusing to overwrite receipt codes")
        with translation.override(language):
            try:
                fmt = imports.format_for(file.name, format)
                with open(file, "rb") as binary:
                    outcome = self._import(binary, fmt, user, dry_run, no_progress, report,
                                           receipts, workers)
            except (OSError, imports.ImportFileError) as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"{file.name}: {fmt}, {outcome.encoding_name}")
            self.stdout.write(outcome.summary())

    def _import(self, binary, fmt, user, dry_run, no_progress, report, receipts, workers):
        bar = None
        report_file = report_writer = receipts_file = receipts_writer = None

        def progress(lines: int, total: int) -> None:
            nonlocal bar
            if receipts_file is not None:  # codes of committed batches reach the disk
                receipts_file.flush()
                os.fsync(receipts_file.fileno())
            if no_progress:
                return
            if bar is None:
                bar = tqdm(total=total, file=sys.stderr, unit=" lines", dynamic_ncols=True)
            bar.total = max(total, lines)
            bar.update(lines - bar.n)

        def rejected(rejection: imports.Rejection) -> None:
            for problem in rejection.problems:
                self.stdout.write(imports.describe(problem, rejection))
            if report_writer is not None:
                report_writer.writerows(imports.report_rows(rejection))

        def imported(line: int, ref: str, code: str) -> None:
            if receipts_writer is not None:
                receipts_writer.writerow([line, ref, code])

        try:
            if report is not None:
                report_file = open(report, "w", newline="", encoding="utf-8-sig")  # noqa: SIM115
                report_writer = csvfiles.writer(report_file)
                report_writer.writerow(imports.REPORT_COLUMNS)
            if receipts is not None and not dry_run:
                fd = os.open(receipts, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                receipts_file = open(fd, "w", newline="", encoding="utf-8-sig")  # noqa: SIM115
                receipts_writer = csvfiles.writer(receipts_file)
                receipts_writer.writerow(imports.RECEIPT_COLUMNS)
            importer = imports.Importer(user, dry_run=dry_run, on_rejected=rejected,
                                        on_imported=imported, progress=progress,
                                        workers=workers)
            return importer.run(binary, fmt)
        finally:
            for opened in (report_file, receipts_file):
                if opened is not None:
                    opened.close()
            if bar is not None:
                bar.close()
