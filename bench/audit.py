"""Audit speed and inclusion-proof time on a large log (default 10 million entries).

Run by hand: `.venv/bin/python bench/audit.py [--entries N] [--dir DIR]`. It writes a
static log of realistic entries with the library (the time is printed too), audits it as
`tuidang-audit` does, and times inclusion and consistency proofs read from its tiles.
Only the pure package is used. The whole log is written to disk before it is audited,
so make room for it (docs/performance.md gives the size for 10 million entries).
"""

import argparse
import datetime
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tuidang.tlog.audit import Source, audit_log
from tuidang.tlog.entry import DeclarationEntry, PersonEntry, encode_entry
from tuidang.tlog.export import write_log_dir
from tuidang.tlog.note import generate_signer
from tuidang.tlog.proof import (
    consistency_proof,
    inclusion_proof,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from tuidang.tlog.tiles import node_reader_from_tiles

ORIGIN = "bench.tuidang.example/log"


def entries(count: int):
    day = datetime.date(2026, 1, 1)
    commitment = bytes(range(32))
    for serial in range(1, count + 1):
        persons = (PersonEntry(f"化名{serial}", ("party", "league"), False, "beijing", None),)
        if serial % 3 == 0:
            persons += (PersonEntry(f"家人{serial}", ("pioneers",), False, None, None),)
        yield encode_entry(DeclarationEntry(
            serial, day + datetime.timedelta(days=serial // 50_000), "self", persons,
            None, commitment))


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
    args = parser.parse_args()
    directory = args.dir or Path(tempfile.mkdtemp(prefix="tuidang-bench-log-"))
    signer = generate_signer(ORIGIN)
    n = args.entries
    if not (directory / "checkpoint").exists():
        started = time.perf_counter()
        write_log_dir(directory, entries(n), signer, ORIGIN)
        elapsed = time.perf_counter() - started
        print(f"wrote {n:,} entries in {elapsed:.1f} s ({n / elapsed:,.0f} entries/s) "
              f"to {directory}", flush=True)

    started = time.perf_counter()
    result = audit_log(Source(str(directory)), signer.verifier(), ORIGIN)
    elapsed = time.perf_counter() - started
    print(f"audit: size {result.checkpoint.size:,}, persons {result.tally.persons:,}, "
          f"{elapsed:.1f} s = {n / elapsed:,.0f} entries/s", flush=True)

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
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {rss:.0f} MiB; disk: {du(directory) / 2**30:.2f} GiB")


def du(path: Path) -> int:
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


if __name__ == "__main__":
    main()
