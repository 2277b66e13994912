"""Write the public site as static files for a mirror (see docs/mirror.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tuidang.mirror.export import ExportError, export_site


class Command(BaseCommand):
    help = (
        "Export the public site (pages in every language, open data, feeds, static files "
        "and the log) as static files with relative links, incrementally."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--full", action="store_true",
            help="render every page again (files whose bytes did not change are kept)",
        )

    def handle(self, *args, directory: Path, full: bool, **options) -> None:
        try:
            result = export_site(directory, full=full)
        except ExportError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"rendered {result.rendered} pages and files: wrote {result.written}, "
            f"kept {result.unchanged} unchanged, deleted {result.deleted}; "
            f"log size {result.log.size}: wrote {result.log.written} files, "
            f"kept {result.log.skipped}; into {directory}"
        )
