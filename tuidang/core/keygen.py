"""The deployment's keys, made before the settings can load (they refuse to load without
them): `python -m tuidang.core.keygen`. No Django here, so a first install can make its
keys before anything else is configured (deploy/install.sh, docs/deploy.md).

    python -m tuidang.core.keygen secret PATH               SECRET_KEY_FILE, RECEIPT_KEY_FILE
    python -m tuidang.core.keygen records PRIVATE PUBLIC    RECORDS_PUBLIC_KEY_FILE (+ private)
    python -m tuidang.core.keygen log PATH --origin ORIGIN  LOG_SIGNING_KEY_FILE
    python -m tuidang.core.keygen verifier PATH             its verifier key, for auditors

A key is never overwritten: an existing file is an error, or with --if-missing it is left
as it is (so that a second run, or a second machine given the shared keys, keeps them).
--group NAME makes the file readable by that group too (0640): the services run as the
group's user and read the keys root keeps in /etc/tuidang; without it, 0600.
"""

import argparse
import base64
import grp
import os
import secrets
import sys
from pathlib import Path

from nacl.public import PrivateKey

from tuidang.core.private import write_private
from tuidang.tlog.note import Signer, generate_signer

# Django's `check --deploy` wants at least 50 characters; the receipt key at least 32.
SECRET_BYTES = 48  # 64 characters of base64url


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def new_records_key_pair() -> tuple[str, str]:
    """(private, public) X25519 keys as base64 strings: private fields are sealed to the
    public half, and only the private half (kept off the server) opens them."""
    private = PrivateKey.generate()
    return (base64.b64encode(bytes(private)).decode(),
            base64.b64encode(bytes(private.public_key)).decode())


def create_log_key(path: Path, origin: str) -> Signer:
    """A new Ed25519 log signing key named after the log's origin, written to `path`
    (FileExistsError if a key is there: a log keeps its key)."""
    signer = generate_signer(origin)
    write_private(path, signer.private_key_string() + "\n")
    return signer


def share_with_group(path: Path, group: str | None) -> None:
    """Let `group` read `path` (0640); its owner stays who wrote it."""
    if group:
        os.chown(path, -1, grp.getgrnam(group).gr_gid)
        path.chmod(0o640)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tuidang.core.keygen",
                                     description="Make a deployment key, never overwriting one.")
    parser.add_argument("--if-missing", action="store_true",
                        help="leave an existing key as it is and succeed")
    parser.add_argument("--group", help="make the file readable by this group (0640)")
    kinds = parser.add_subparsers(dest="kind", required=True)
    secret = kinds.add_parser("secret", help="64 random characters (SECRET_KEY, RECEIPT_KEY)")
    secret.add_argument("path", type=Path)
    records = kinds.add_parser("records", help="the X25519 pair private fields are sealed to")
    records.add_argument("private", type=Path, help="the private half: move it off the server")
    records.add_argument("public", type=Path, help="RECORDS_PUBLIC_KEY_FILE")
    log = kinds.add_parser("log", help="the log's Ed25519 signing key; prints its verifier key")
    log.add_argument("path", type=Path)
    log.add_argument("--origin", required=True, help="LOG_ORIGIN, e.g. tuidang.example/log")
    verifier = kinds.add_parser("verifier", help="print the verifier key of a log signing key")
    verifier.add_argument("path", type=Path)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.kind == "verifier":
        key = args.path.read_text(encoding="ascii").strip()
        print(Signer.from_private_key_string(key).verifier_key_string())
        return 0
    targets = [args.private, args.public] if args.kind == "records" else [args.path]
    existing = [path for path in targets if path.exists()]
    if existing and len(existing) < len(targets) and args.kind == "records":
        print(f"{existing[0]} exists but not its other half; refusing", file=sys.stderr)
        return 1
    if existing:
        if args.if_missing:
            return 0
        print(f"{existing[0]} exists already; refusing to overwrite a key", file=sys.stderr)
        return 1
    if args.kind == "secret":
        write_private(args.path, new_secret() + "\n")
    elif args.kind == "records":
        private, public = new_records_key_pair()
        write_private(args.private, private + "\n")
        write_private(args.public, public + "\n")
        print(f"wrote {args.public}; the private half is in {args.private}: move it off "
              "this server (it alone opens sealed fields: records_decrypt --key)")
    else:
        signer = create_log_key(args.path, args.origin)
        print(f"verifier key: {signer.verifier_key_string()}")
    share_with_group(targets[-1], args.group)
    return 0


if __name__ == "__main__":
    sys.exit(main())
