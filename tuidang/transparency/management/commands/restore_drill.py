"""Restore a backup into a scratch database and directory, and audit the restored log."""

import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tuidang.transparency import keys
from tuidang.transparency.backup import DrillFailed, audit_database, restore_drill


class Command(BaseCommand):
    help = (
        "Restore the backup in DIRECTORY into a scratch database (a new PostgreSQL database "
        "on the same server, or a SQLite copy), export its log and run tuidang-audit on it. "
        "With --restored-database, audit a database restored already (a pgBackRest restore "
        "to a point in time, docs/deploy.md) instead."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path, nargs="?")
        parser.add_argument("--key", help="the log's verifier key (default: this server's)")
        parser.add_argument(
            "--keys-dir", type=Path,
            help="run the restored copy on the secrets backed up here (backup --keys-dir)",
        )
        parser.add_argument("--keep", action="store_true",
                            help="keep the scratch database and directory for a look")
        parser.add_argument("--restored-database", metavar="URL",
                            help="audit the log of this database, restored already")
        parser.add_argument("--prev", type=Path,
                            help="with --restored-database: a checkpoint the log must contain")

    def handle(self, *args, directory: Path | None = None, key: str | None = None,
               keys_dir: Path | None = None, keep: bool = False,
               restored_database: str | None = None, prev: Path | None = None,
               **options) -> None:
        try:
            if restored_database:
                with tempfile.TemporaryDirectory(prefix="tuidang-drill-") as workdir:
                    lines = ["restored database: " + audit_database(
                        restored_database, key or keys.verifier_key(), Path(workdir) / "log",
                        keys_dir=keys_dir, prev=prev)]
            elif directory is None:
                raise CommandError("give a backup DIRECTORY or --restored-database URL")
            else:
                lines = restore_drill(directory, key=key, keys_dir=keys_dir, keep=keep)
        except DrillFailed as exc:
            raise CommandError(f"restore drill FAILED: {exc}") from None
        for line in lines:
            self.stdout.write(line)
        self.stdout.write("restore drill passed")
