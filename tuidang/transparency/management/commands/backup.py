"""Back up the database, the log and the media into a directory (and the keys apart)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from tuidang.transparency.backup import backup, backup_keys


class Command(BaseCommand):
    help = (
        "Write a backup (database dump, static log copy, media, manifest) into DIRECTORY; "
        "run again on the same directory to refresh it (the log part is incremental)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--keys-dir", type=Path,
            help="also write the secrets here; keep it apart from the database backups",
        )

    def handle(self, *args, directory: Path, keys_dir: Path | None = None, **options) -> None:
        result = backup(directory)
        self.stdout.write(f"backed up the database ({result.database.name}) and the log "
                          f"(size {result.log_size}) into {directory}")
        if keys_dir is not None:
            written = backup_keys(keys_dir)
            self.stdout.write(f"wrote {', '.join(written)} into {keys_dir}")
