"""``tuidang-audit``: the command-line auditor.

Usage::

    tuidang-audit SOURCE --key VKEY [--policy FILE] [--origin ORIGIN] [--prev FILE]
                  [--timeout SECONDS] [--deadline SECONDS] [--progress | --no-progress]
                  [--jobs N]
    tuidang-audit --receipt FILE.tlog-proof --entry ENTRYFILE --key VKEY [--policy FILE]
                  [--origin ORIGIN]

SOURCE is a base URL (``https://tuidang.example/log/``) or a directory holding a copy of
it. VKEY is the log's verifier key or ``@file``. With ``--policy FILE`` (C2SP tlog-policy,
such as the log's ``/log/policy``) the checkpoint must also carry the cosignatures of
the witnesses its quorum requires; the policy's log line then stands for ``--key``.
The checkpoint's origin must be the key's name unless ``--origin`` says otherwise.
``--timeout`` bounds each file, ``--deadline`` the whole run (docs/auditor.md).
Prints one line, ``OK ...`` (exit 0) or ``FAIL <file>: <reason> [source|log|input]``
(exit 1): the source misbehaved, the log is wrong, or a file given here is.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from collections.abc import Callable, Sequence

from . import published
from .audit import AuditError, InputError, Source, audit_log
from .bundle import MAX_ENTRY_SIZE
from .fetch import DEFAULT_DEADLINE, DEFAULT_TIMEOUT, MAX_CHECKPOINT, read_local
from .note import NoteError, Verifier
from .policy import Policy, PolicyError, parse_policy
from .progress import ProgressLine
from .proof import ProofError
from .receipt import parse_tlog_proof, verify_tlog_proof

__all__ = ["main"]


MAX_KEY = 4096  # a verifier key string
MAX_POLICY = 64 * 1024  # a tlog-policy file
MAX_RECEIPT = 2 * MAX_CHECKPOINT  # the checkpoint, up to 64 base64 hashes and extra data
MAX_PUBLISHED = 1 << 32  # open-data files are read whole (docs/auditor.md)


def _read(path: str, limit: int) -> bytes:
    return read_local(path, limit)


def _progress(total: int) -> tuple[Callable[[int], None], Callable[[], None]]:
    bar = ProgressLine(total, sys.stderr)
    return bar.step, bar.close


def _nothing() -> None:
    return None


def _policy(args: argparse.Namespace) -> Policy | None:
    if not args.policy:
        return None
    try:
        return parse_policy(_read(args.policy, MAX_POLICY))
    except PolicyError as e:
        raise InputError(args.policy, str(e)) from None


def _verifier(args: argparse.Namespace, policy: Policy | None) -> Verifier:
    """The log's key: --key, or else the policy's log (the one named --origin, if given)."""
    key = args.key
    if key is None:
        logs = [log.verifier for log in (policy.logs if policy else [])
                if args.origin is None or log.verifier.name == args.origin]
        if len(logs) != 1:
            raise InputError(args.policy or "--key", "give --key (or --origin): the policy "
                             f"names {len(logs)} matching logs")
        return logs[0]
    if key.startswith("@"):
        key = _read(key[1:], MAX_KEY).decode("utf-8", "replace")
    try:
        return Verifier.from_key_string(key)
    except NoteError as e:
        raise InputError("--key", str(e)) from None


def _cosigned(cosigners: Sequence[str]) -> str:
    return f" cosigned={','.join(cosigners) or '-'}"


def _audit(args: argparse.Namespace, verifier: Verifier, policy: Policy | None) -> str:
    source = Source(args.source, args.timeout, args.deadline)
    prev = (args.prev, _read(args.prev, MAX_CHECKPOINT)) if args.prev else None
    step: Callable[[int], None] | None = None
    close: Callable[[], None] = _nothing
    if args.progress or (not args.no_progress and sys.stderr.isatty()):
        from .checkpoint import Checkpoint

        try:
            text = source.fetch("checkpoint").decode("utf-8", "replace")
            size = Checkpoint.from_text(text[:text.rfind("\n\n") + 1]).size
            step, close = _progress(size)
        except (AuditError, ValueError):
            pass  # the audit itself reports it
    records = _published_records(args.published or [])
    try:
        result = audit_log(source, verifier, args.origin, prev, step,
                           keep=published.log_indices(records), policy=policy,
                           jobs=args.jobs)
    finally:
        close()
    cp = result.checkpoint
    names = ""
    if args.published:
        try:
            count = published.check_published(records, result.kept or {},
                                              result.checker.revoked)
        except published.PublishedError as e:
            raise InputError(", ".join(args.published), str(e)) from None
        names = f" published={len(records)} names={count}"
    return (f"OK {cp.origin} size={cp.size} persons={result.tally.persons} "
            f"declarations={result.tally.declarations}{names} "
            f"root={base64.b64encode(cp.root_hash).decode()}"
            + (_cosigned(result.cosigners) if policy else ""))


def _published_records(paths: list[str]) -> list[dict]:
    """The records of open-data files: a JSON document {"statements": [...]} or JSON
    Lines, one record a line."""
    records: list[dict] = []
    for path in paths:
        text = _read(path, MAX_PUBLISHED).decode("utf-8", "replace")
        try:
            if text.lstrip().startswith("{") and "\n{" not in text.strip():
                document = json.loads(text)
                found = document.get("statements") if isinstance(document, dict) else None
                if found is None:
                    found = [document]
            else:
                found = [json.loads(line) for line in text.splitlines() if line.strip()]
        except (ValueError, RecursionError) as e:
            raise InputError(path, f"not JSON: {e}") from None
        if not isinstance(found, list) or not all(isinstance(r, dict) for r in found):
            raise InputError(path, "not a list of records")
        records += found
    return records


def _receipt(args: argparse.Namespace, verifier: Verifier, policy: Policy | None) -> str:
    data, entry = _read(args.receipt, MAX_RECEIPT), _read(args.entry, MAX_ENTRY_SIZE)
    origin = verifier.name if args.origin is None else args.origin
    try:
        cp = verify_tlog_proof(data, entry, verifier, origin)
        cosigners = policy.check_quorum(parse_tlog_proof(data).signed_checkpoint) \
            if policy else None
    except (ProofError, NoteError, PolicyError) as e:
        raise InputError(args.receipt, str(e)) from None
    return (f"OK {cp.origin} receipt verified in checkpoint size={cp.size}"
            + (_cosigned(cosigners) if cosigners is not None else ""))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the auditor; return the exit status (0 OK, 1 FAIL, 2 usage error)."""
    p = argparse.ArgumentParser(prog="tuidang-audit", description=__doc__.split("\n\n")[0])
    p.add_argument("source", nargs="?", help="base URL or directory of the log")
    p.add_argument("--key", help="verifier key, or @file (or the log line of --policy)")
    p.add_argument("--origin", help="expected checkpoint origin (default: the key's name)")
    p.add_argument("--prev", metavar="FILE", help="older signed checkpoint to check against")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"most seconds for one file (default {DEFAULT_TIMEOUT:g})")
    p.add_argument("--deadline", type=_seconds, default=DEFAULT_DEADLINE, metavar="SECONDS",
                   help=f"most seconds for the whole run (default {DEFAULT_DEADLINE:g})")
    p.add_argument("--progress", action="store_true",
                   help="a progress bar on stderr even when it is not a terminal")
    p.add_argument("--jobs", type=int, metavar="N",
                   help="processes verifying the entries (default: one per core)")
    p.add_argument("--receipt", metavar="FILE", help="verify a .tlog-proof offline")
    p.add_argument("--entry", metavar="FILE", help="the entry the receipt is for")
    p.add_argument("--published", metavar="FILE", nargs="+",
                   help="open-data files of published names and statements (statements.json "
                        "or its JSON Lines day files) to check against the log")
    p.add_argument("--policy", metavar="FILE",
                   help="tlog-policy file: refuse a checkpoint without its quorum")
    args = p.parse_args(argv)
    if bool(args.receipt) == bool(args.source) or bool(args.receipt) != bool(args.entry):
        p.error("give SOURCE, or --receipt with --entry")
    if not args.key and not args.policy:
        p.error("give --key, or --policy with the log's key in it")
    try:
        policy = _policy(args)
        verifier = _verifier(args, policy)
        print(_receipt(args, verifier, policy) if args.receipt
              else _audit(args, verifier, policy))
        return 0
    except AuditError as e:
        print(e.line())
        return 1


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 1e9:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}")
    return value


if __name__ == "__main__":
    sys.exit(main())
