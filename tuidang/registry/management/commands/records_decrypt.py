"""Open sealed private fields with the private key: the only way to read them."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from nacl.exceptions import CryptoError

from tuidang.registry.models import Declaration
from tuidang.registry.sealing import load_private_key, open_record


class Command(BaseCommand):
    help = "Print declarations' sealed private fields as JSON lines (needs the private key)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--key", type=Path, required=True, help="the private key file")
        parser.add_argument("--serial", type=int, action="append", default=[],
                            help="only these declarations (repeatable); default all")

    def handle(self, *args, key: Path, serial: list[int], **options) -> None:
        try:
            private_key = load_private_key(key.read_text(encoding="ascii"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read the private key from {key}: {exc}") from None
        rows = Declaration.objects.exclude(sealed_private=None).order_by("id")
        if serial:
            rows = rows.filter(id__in=serial)
        for pk, sealed, commitment in rows.values_list(
            "id", "sealed_private", "private_commitment"
        ).iterator():
            try:
                payload, recomputed = open_record(bytes(sealed), private_key)
            except CryptoError:
                raise CommandError(f"declaration {pk}: this key does not open it") from None
            line = {"serial": pk, "private": payload,
                    "matches_log_commitment": recomputed == bytes(commitment)}
            self.stdout.write(json.dumps(line, ensure_ascii=False))
