"""Create the local secrets `make run` needs on first start (var/secret_key, var/receipt.key),
each private from its first byte, in a var/ only its owner may enter.

Runs before Django starts, since the settings refuse to load without them.
Production deployments provide their own (docs/deploy.md).
"""

import os
import sys
from pathlib import Path

from tuidang.core.keygen import new_records_key_pair, new_secret
from tuidang.core.private import write_private


def private_directory(var: Path) -> None:
    """var/ readable by its owner only: it holds the secrets and the SQLite database
    (staff sessions, second-factor secrets), and the files in it may predate this."""
    var.mkdir(mode=0o700, parents=True, exist_ok=True)
    var.chmod(0o700)
    for database in var.glob("*.sqlite3*"):
        database.chmod(0o600)


def ensure(path: Path) -> None:
    if path.exists():
        return
    write_private(path, new_secret() + "\n")
    print(f"created {path}", file=sys.stderr)


def ensure_records_keys(var: Path) -> None:
    """A local key pair for sealed private fields. In production only the public half is
    on the server (python -m tuidang.core.keygen records; docs/deploy.md)."""
    public = var / "records.pub"
    if public.exists():
        return
    private_key, public_key = new_records_key_pair()
    private = var / "records-private.key"
    write_private(private, private_key + "\n")
    write_private(public, public_key + "\n")
    print(f"created {public} and {private} (local use only: in production keep the "
          "private half off the server)", file=sys.stderr)


def main() -> None:
    var = Path(os.environ.get("TUIDANG_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    private_directory(var)
    if not os.environ.get("SECRET_KEY") and not os.environ.get("SECRET_KEY_FILE"):
        ensure(var / "secret_key")
    if not os.environ.get("RECEIPT_KEY") and not os.environ.get("RECEIPT_KEY_FILE"):
        ensure(var / "receipt.key")
    if not os.environ.get("RECORDS_PUBLIC_KEY") and not os.environ.get("RECORDS_PUBLIC_KEY_FILE"):
        ensure_records_keys(var)


if __name__ == "__main__":
    main()
