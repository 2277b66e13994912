"""Restore a backup into a scratch database and directory, and audit the restored log."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tuidang.transparency.backup import DrillFailed, restore_drill


class Command(BaseCommand):
    help = (
        "Restore the backup in DIRECTORY into a scratch database (a new PostgreSQL database "
        "on the same server, or a SQLite copy), export its log and run tuidang-audit on it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--key", help="the log's verifier key (default: this server's)")
        parser.add_argument(
            "--keys-dir", type=Path,
            help="run the restored copy on the secrets backed up here (backup --keys-dir)",
        )
        parser.add_argument("--keep", action="store_true",
                            help="keep the scratch database and directory for a look")

    def handle(self, *args, directory: Path, key: str | None = None,
               keys_dir: Path | None = None, keep: bool = False, **options) -> None:
        try:
            lines = restore_drill(directory, key=key, keys_dir=keys_dir, keep=keep)
        except DrillFailed as exc:
            raise CommandError(f"restore drill FAILED: {exc}") from None
        for line in lines:
            self.stdout.write(line)
        self.stdout.write("restore drill passed")
