"""``tuidang-witness``: create a witness key, show its verifier key, run the witness.

Usage::

    tuidang-witness keygen NAME --key FILE
    tuidang-witness key --key FILE
    tuidang-witness serve --key FILE --logs FILE --db FILE [--listen HOST:PORT] [--prefix /]

NAME is the witness's name, a URL without scheme (``witness.example.org/w1``). The logs
file is a tlog-policy file whose ``log <vkey>`` lines are the logs to watch (a log's
published policy will do; other lines are read and ignored). How to run a witness for
others: docs/witness.md.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from tuidang.tlog.cosignature import CosignatureSigner, generate_cosigner
from tuidang.tlog.note import NoteError, Verifier
from tuidang.tlog.policy import PolicyError, parse_policy

from .core import Witness
from .server import make_server
from .store import Store

__all__ = ["main"]


class _Failure(Exception):
    """A reason to stop, for the operator."""


def _read_signer(path: str) -> CosignatureSigner:
    try:
        return CosignatureSigner.from_private_key_string(Path(path).read_text(encoding="ascii"))
    except (OSError, UnicodeDecodeError) as e:
        raise _Failure(f"cannot read the witness key {path}: {e}") from None
    except NoteError as e:
        raise _Failure(f"{path}: {e}") from None


def read_logs(path: str) -> dict[str, list[Verifier]]:
    """{origin: its trusted keys} from the ``log`` lines of a policy file."""
    try:
        policy = parse_policy(Path(path).read_bytes(), require_quorum=False)
    except OSError as e:
        raise _Failure(f"cannot read the logs file {path}: {e}") from None
    except PolicyError as e:
        raise _Failure(f"{path}: {e}") from None
    logs: dict[str, list[Verifier]] = {}
    for log in policy.logs:
        logs.setdefault(log.verifier.name, []).append(log.verifier)
    if not logs:
        raise _Failure(f"{path} names no log (lines `log <verifier key>`)")
    return logs


def _keygen(args: argparse.Namespace) -> None:
    try:
        signer = generate_cosigner(args.name)
    except NoteError as e:
        raise _Failure(str(e)) from None
    try:
        fd = os.open(args.key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise _Failure(f"{args.key} exists: a witness key is never overwritten") from None
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(signer.private_key_string() + "\n")
    print(signer.verifier().key_string())


def _serve(args: argparse.Namespace) -> None:
    host, _, port = args.listen.rpartition(":")
    if not host or not port.isdigit():
        raise _Failure(f"--listen wants HOST:PORT, got {args.listen!r}")
    witness = Witness(_read_signer(args.key), read_logs(args.logs), Store(args.db))
    server = make_server(witness, host.strip("[]"), int(port), args.prefix)
    stopping = threading.Event()

    def stop(signum: int, frame: object) -> None:
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    bound_host, bound_port = server.server_address[:2]
    print(f"tuidang-witness {witness.signer.name} listening on "
          f"http://{bound_host}:{bound_port}{server.RequestHandlerClass.prefix} "  # type: ignore[attr-defined]
          f"for {', '.join(sorted(witness.logs))}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        witness.store.close()
    print("tuidang-witness stopped", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; the exit status (0 done, 1 failed, 2 usage error)."""
    parser = argparse.ArgumentParser(prog="tuidang-witness",
                                     description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    keygen = commands.add_parser("keygen", help="create a witness key; print its verifier key")
    keygen.add_argument("name", help="the witness's name, e.g. witness.example.org/w1")
    keygen.add_argument("--key", required=True, help="file to write the private key to")
    key = commands.add_parser("key", help="print the verifier key of a witness key")
    key.add_argument("--key", required=True, help="the private key file")
    serve = commands.add_parser("serve", help="run the witness")
    serve.add_argument("--key", required=True, help="the private key file")
    serve.add_argument("--logs", required=True, help="policy file listing the logs to watch")
    serve.add_argument("--db", required=True, help="SQLite file of what was cosigned")
    serve.add_argument("--listen", default="127.0.0.1:7380", help="HOST:PORT (port 0: any)")
    serve.add_argument("--prefix", default="/", help="URL path the interface is under")
    args = parser.parse_args(argv)
    try:
        if args.command == "keygen":
            _keygen(args)
        elif args.command == "key":
            print(_read_signer(args.key).verifier().key_string())
        else:
            _serve(args)
    except _Failure as e:
        print(f"tuidang-witness: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
