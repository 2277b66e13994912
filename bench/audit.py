"""Audit speed and inclusion-proof time on a large log (default 10 million entries).

Run by hand: `.venv/bin/python bench/audit.py [--entries N] [--dir DIR] [--jobs N]`. It
writes a static log of realistic v2 entries with the library (in a child process; the
time is printed too) unless DIR holds one already, audits it as `tuidang-audit` does
(wall and CPU time, the load average, peak memory of the auditor and of its workers),
and times inclusion and consistency proofs read from its tiles.
Only the pure package is used. The whole log is written to disk before it is audited,
so make room for it (docs/performance.md gives the size for 10 million entries).
"""

import argparse
import datetime
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tuidang.tlog.audit import Source, audit_log
from tuidang.tlog.checkpoint import open_checkpoint
from tuidang.tlog.entry import (
    DeclarationEntry,
    PersonEntry,
    RevocationEntry,
    encode_entry,
    name_commitment,
)
from tuidang.tlog.export import write_log_dir
from tuidang.tlog.note import Signer, generate_signer
from tuidang.tlog.proof import (
    consistency_proof,
    inclusion_proof,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from tuidang.tlog.tiles import node_reader_from_tiles

ORIGIN = "bench.tuidang.example/log"


CHANNELS = ("self", "self", "self", "in-person", "phone", "hotline", "email", "import")
ORGS = (("party",), ("league",), ("pioneers",), ("party", "league"), ("league", "pioneers"),
        ("party", "league", "pioneers"), ("party", "pioneers"))
REGIONS = (None, "beijing", "shanghai", "guangdong", "sichuan", "liaoning", "overseas:US")
SECTORS = (None, None, None, "teacher", "police", "student", "official")
REVOKE_EVERY = 400  # about one entry in 400 is a revocation


def entries(count: int):
    """Realistic v2 entries: declarations of 1-3 persons (a name commitment each, a
    statement sometimes), and now and then a revocation of a recent declaration, whole or
    of one person of it, as docs/log-format.md describes."""
    rng = random.Random(20)
    first = datetime.date(2026, 1, 1)
    recent: dict[int, tuple[DeclarationEntry, set[int]]] = {}  # index -> (entry, revoked)
    for index in range(count):
        day = first + datetime.timedelta(days=index // 50_000)
        if index % REVOKE_EVERY == REVOKE_EVERY - 1 and recent:
            target = rng.choice(list(recent))
            d, revoked = recent[target]
            left = [k for k in range(len(d.persons)) if k not in revoked]
            person = rng.choice(left) if len(left) > 1 and rng.random() < 0.3 else None
            taken = [d.persons[k] for k in (left if person is None else [person])]
            counts = [sum(c) for c in zip(*(p.counts() for p in taken), strict=True)]
            yield encode_entry(RevocationEntry(d.serial, day, target, person, d.date,
                                               d.channel, *counts,
                                               rng.choice(("retracted", "moderator",
                                                           "contest"))))
            if person is None:
                del recent[target]
            else:
                revoked.add(person)
            continue
        persons = tuple(
            PersonEntry(name_commitment(rng.randbytes(16), f"化名{index}-{k}"),
                        rng.choice(ORGS), rng.random() < 0.2, rng.choice(REGIONS),
                        rng.choice(SECTORS))
            for k in range(rng.choice((1, 1, 1, 1, 2, 2, 3))))
        statement = rng.randbytes(32) if rng.random() < 0.3 else None
        d = DeclarationEntry(index + 1, day, rng.choice(CHANNELS), persons, statement,
                             rng.randbytes(32))
        if len(recent) >= 1000:
            del recent[next(iter(recent))]
        recent[index] = (d, set())
        yield encode_entry(d)


def file_reader(directory: Path):
    def read_tile(level: int, index: int) -> bytes | None:
        from tuidang.tlog.tiles import TileRef

        full = directory / TileRef(level, index, 256).path()
        if full.exists():
            return full.read_bytes()
        parent = full.parent
        partial = parent / f"{full.name}.p"
        if partial.is_dir():
            widest = max(int(p.name) for p in partial.iterdir())
            return (partial / str(widest)).read_bytes()
        return None

    return read_tile


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--proofs", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=None,
                        help="audit processes (default: one per core)")
    args = parser.parse_args()
    directory = args.dir or Path(tempfile.mkdtemp(prefix="tuidang-bench-log-"))
    signer = generate_signer(ORIGIN)
    n = args.entries
    key = directory / "bench-signer-key"
    wrote = not (directory / "checkpoint").exists()
    if wrote:
        directory.mkdir(parents=True, exist_ok=True)
        key.write_text(signer.private_key_string())
        # Written by a child process, so that the peak memory printed is the audit's.
        writer = multiprocessing.get_context("spawn").Process(
            target=write, args=(directory, n, key.read_text()))
        started = time.perf_counter()
        writer.start()
        writer.join()
        if writer.exitcode:
            sys.exit(f"writing the log failed ({writer.exitcode})")
        elapsed = time.perf_counter() - started
        print(f"wrote {n:,} entries in {elapsed:.1f} s ({n / elapsed:,.0f} entries/s) "
              f"to {directory}", flush=True)
    signer = Signer.from_private_key_string(key.read_text())
    n = open_checkpoint((directory / "checkpoint").read_bytes(), signer.verifier())[0].size

    load = os.getloadavg()[0]
    cpu = _cpu()
    started = time.perf_counter()
    result = audit_log(Source(str(directory)), signer.verifier(), ORIGIN, jobs=args.jobs)
    elapsed = time.perf_counter() - started
    cpu = _cpu() - cpu
    result.checker.close()
    print(f"audit: size {result.checkpoint.size:,}, persons {result.tally.persons:,}, "
          f"revocations {result.tally.revocations:,}: {elapsed:.1f} s = "
          f"{n / elapsed:,.0f} entries/s; {cpu:.1f} s of CPU = {n / cpu:,.0f} entries a "
          f"CPU-second; load average {load:.1f} before, {os.getloadavg()[0]:.1f} after",
          flush=True)
    print(f"peak memory of the audit: {_rss(resource.RUSAGE_SELF):.0f} MiB, of a worker "
          f"{_rss(resource.RUSAGE_CHILDREN):.0f} MiB" + (
              " (or of the writer)" if wrote else ""), flush=True)

    read_node = node_reader_from_tiles(file_reader(directory), cache_tiles=64)
    root = tree_root(n, read_node)
    rng = random.Random(1)
    indices = [rng.randrange(n) for _ in range(args.proofs)]
    started = time.perf_counter()
    proofs = [(i, inclusion_proof(i, n, read_node)) for i in indices]
    elapsed = time.perf_counter() - started
    print(f"inclusion proof: {elapsed / len(indices) * 1000:.2f} ms each "
          f"(random index, tiles read from disk, 64-tile cache)", flush=True)
    level0 = file_reader(directory)
    for i, proof in proofs[:20]:
        leaf = level0(0, i // 256)[(i % 256) * 32 : (i % 256 + 1) * 32]
        verify_inclusion(leaf, i, n, proof, root)
    old = n // 3
    started = time.perf_counter()
    proof = consistency_proof(old, n, read_node)
    verify_consistency(old, n, proof, tree_root(old, read_node), root)
    print(f"consistency proof {old:,} → {n:,}: {(time.perf_counter() - started) * 1000:.1f} ms")
    print(f"disk: {du(directory) / 2**30:.2f} GiB")


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the audit's workers)."""
    me, children = (resource.getrusage(w) for w in (resource.RUSAGE_SELF,
                                                    resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def _rss(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def write(directory: Path, n: int, key: str) -> None:
    write_log_dir(directory, entries(n), Signer.from_private_key_string(key), ORIGIN)


def du(path: Path) -> int:
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


if __name__ == "__main__":
    main()
