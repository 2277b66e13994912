"""Write the static copy of the public log (what /log/ serves) into a directory."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tuidang.transparency import archive as log_archive
from tuidang.transparency.export import export_log


class Command(BaseCommand):
    help = "Export the public log as static files for a mirror (incremental)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--gzip-bundles", action="store_true",
            help="write entry bundles only gzip-compressed, as tile/entries/N.gz (for "
                 "nginx's gzip_static; a plain static host cannot serve them)",
        )
        parser.add_argument(
            "--archive", action="store_true",
            help="then drop from the database the full entry bundles that the directory "
                 "(LOG_ARCHIVE_DIR, with --gzip-bundles) now holds on disk",
        )

    def handle(self, *args, directory: Path, gzip_bundles: bool = False,
               archive: bool = False, **options) -> None:
        if archive and not gzip_bundles:
            raise CommandError("--archive keeps the gzip bundles: give --gzip-bundles too")
        directory.mkdir(parents=True, exist_ok=True)
        result = export_log(directory, gzip_bundles=gzip_bundles)
        self.stdout.write(
            f"log size {result.size}: wrote {result.written} files, "
            f"kept {result.skipped} unchanged, into {directory}"
        )
        if archive:
            try:
                released = log_archive.release(directory, result.size)
            except log_archive.ArchiveError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"archived {released} entry bundles: dropped from the database")
