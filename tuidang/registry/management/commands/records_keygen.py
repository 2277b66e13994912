"""Make the key pair for sealed private fields: the private half goes off the server."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tuidang.core.keygen import new_records_key_pair
from tuidang.core.private import write_private


class Command(BaseCommand):
    help = (
        "Create the X25519 key pair that private fields are sealed to. Keep the private "
        "key file off the server; give the server only the public key (RECORDS_PUBLIC_KEY)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--private-key-out", type=Path, required=True,
                            help="where to write the private key (off the server)")
        parser.add_argument("--public-key-out", type=Path, default=None,
                            help="where to write the public key (default: print it)")

    def handle(self, *args, private_key_out: Path, public_key_out: Path | None, **options):
        for path in (private_key_out, public_key_out):
            if path is not None and path.exists():
                raise CommandError(f"{path} exists already; refusing to overwrite a key")
        private, public = new_records_key_pair()
        write_private(private_key_out, private + "\n")
        if public_key_out is not None:
            public_key_out.write_text(public + "\n", encoding="ascii")
        self.stdout.write(f"private key written to {private_key_out}: move it off this server")
        self.stdout.write(f"RECORDS_PUBLIC_KEY={public}")
