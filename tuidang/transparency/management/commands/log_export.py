"""Write the static copy of the public log (what /log/ serves) into a directory."""

from pathlib import Path

from django.core.management.base import BaseCommand

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

    def handle(self, *args, directory: Path, gzip_bundles: bool = False, **options) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        result = export_log(directory, gzip_bundles=gzip_bundles)
        self.stdout.write(
            f"log size {result.size}: wrote {result.written} files, "
            f"kept {result.skipped} unchanged, into {directory}"
        )
