"""Create the log's signing key in a file outside the database."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tuidang.transparency import keys


class Command(BaseCommand):
    help = "Create the log signing key (never overwrites an existing key)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--path", type=Path, default=None)
        parser.add_argument(
            "--if-missing", action="store_true", help="succeed quietly if the key exists"
        )

    def handle(self, *args, path: Path | None = None, if_missing: bool = False, **opts) -> None:
        path = path or settings.LOG_SIGNING_KEY_FILE
        if path.exists():
            if if_missing:
                return
            raise CommandError(f"{path} exists already; refusing to overwrite a signing key")
        signer = keys.create_key_file(path)
        self.stdout.write(f"wrote the signing key to {path}")
        self.stdout.write(f"verifier key: {signer.verifier_key_string()}")
