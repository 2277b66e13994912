"""tuidang-audit against a hostile mirror: each attack ends within its deadline, in bounded
memory, with the one FAIL line that names the file and blames the source (or the log).

The auditor runs as its own process (the console script, with this tree on PYTHONPATH),
so its wall time and peak memory (ru_maxrss from wait4) are its own.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import AUDIT_ENTRIES, AUDIT_SIZE, ORIGIN

from tests.hostile_mirror import HostileMirror
from tuidang.tlog.bundle import decode_bundle, encode_bundle
from tuidang.tlog.checkpoint import Checkpoint
from tuidang.tlog.entry import parse_entry
from tuidang.tlog.export import write_log_dir
from tuidang.tlog.hashing import leaf_hash
from tuidang.tlog.note import Signer, sign_note
from tuidang.tlog.tally import TallyChecker

ROOT = Path(__file__).resolve().parents[2]
AUDIT = str(Path(sys.executable).parent / "tuidang-audit")
SIZE, ENTRIES = AUDIT_SIZE, AUDIT_ENTRIES
MAX_RSS_KB = 80 * 1024  # a full bundle is at most 16.8 MB; Python itself about 22 MB


def tally_line(entries: list[bytes]) -> str:
    checker = TallyChecker()
    for i, raw in enumerate(entries):
        checker.add(parse_entry(raw), i)
    return checker.tally.extension_line()


# Runs the command it is given and writes that child's peak memory (wait4's ru_maxrss) to a
# file. A child's ru_maxrss includes the memory of the process it was forked from, so the
# auditor is started from this small process, not from pytest.
PEAK = """import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_pid, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_audit(source: str, key: str, *args: str, limit: float = 30.0
              ) -> tuple[int, str, float, int]:
    """(exit code, stdout, seconds, peak memory in KiB) of one tuidang-audit run."""
    with tempfile.TemporaryDirectory() as scratch:
        peak, out, err = (Path(scratch, name) for name in ("peak", "out", "err"))
        start = time.monotonic()
        with out.open("wb") as stdout, err.open("wb") as stderr:
            proc = subprocess.Popen(
                [sys.executable, "-c", PEAK, str(peak), AUDIT, source, "--key", key,
                 "--no-progress", *args], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdout=stdout, stderr=stderr, start_new_session=True)
            try:
                code = proc.wait(limit)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                raise AssertionError(f"tuidang-audit still running after {limit} s") from None
        seconds = time.monotonic() - start
        text, errors, rss = out.read_text(), err.read_text(), int(peak.read_text())
    assert not errors, errors  # never a traceback, nothing on stderr
    assert text.count("\n") == 1, text  # exactly one line
    return code, text.strip(), seconds, rss


def test_it_passes_the_log_the_mirror_serves_plainly(copy: Path, signer: Signer) -> None:
    with HostileMirror(copy) as mirror:
        code, out, _, rss = run_audit(mirror.url, signer.verifier_key_string())
    assert code == 0 and out.startswith(f"OK {ORIGIN} size={SIZE}"), out
    assert rss < MAX_RSS_KB
    assert mirror.asked["tile/0/000"] == 1 and mirror.asked["tile/entries/000"] == 1


@pytest.mark.parametrize(("mode", "target", "reason"), [
    ("truncated", "tile/entries/001", "truncated body: "),
    ("endless", "tile/entries/000", "body larger than 16844033 bytes"),
    ("headers", "tile/0/000", "more than 64 headers"),
    ("long-header", "checkpoint", "header line longer than 8192 bytes"),
    ("garbage-status", "tile/1/000.p/2", "malformed status line b'HTXP/9 banana'"),
    ("bad-chunk", "tile/0/001", "bad chunk-size line b'zz'"),
    ("huge-length", "checkpoint", "Content-Length 1000000000000 is larger than 66816 bytes"),
    ("redirect-ipv6", "tile/0/000", "bad redirect 'http://[::1/x': Invalid IPv6 URL"),
    ("redirect-port", "tile/0/000", "bad URL"),
    ("redirect-host", "tile/0/000", "redirect to another origin refused: "
                                    "'http://elsewhere.invalid/log/tile/0/000'"),
    ("redirect-ftp", "tile/0/000", "not an http(s) URL: 'ftp://127.0.0.1/log/tile/0/000'"),
])
def test_it_fails_cleanly_on_a_misbehaving_mirror(mode: str, target: str, reason: str,
                                                 copy: Path, signer: Signer) -> None:
    with HostileMirror(copy, mode, target) as mirror:
        code, out, seconds, rss = run_audit(mirror.url, signer.verifier_key_string(),
                                            "--timeout", "10", "--deadline", "20")
    assert code == 1
    assert out.startswith(f"FAIL {target}: {reason}") and out.endswith(" [source]"), out
    assert seconds < 20 and rss < MAX_RSS_KB, (seconds, rss)
    assert set(mirror.hosts) == {mirror.url.split("/")[2]}  # nowhere else


def test_it_follows_a_redirect_within_the_mirror(copy: Path, signer: Signer) -> None:
    with HostileMirror(copy, "redirect-same", "tile/entries/001") as mirror:
        code, out, _, _ = run_audit(mirror.url, signer.verifier_key_string())
    assert code == 0, out
    assert mirror.asked["tile/entries/001.moved"] == 1


@pytest.mark.parametrize(("options", "reason", "most"), [
    (("--timeout", "3"), "too slow: the deadline passed", 3),
    (("--deadline", "3"), "too slow: the deadline passed", 3),
])
def test_it_gives_up_on_a_slow_drip_by_its_deadline(options: tuple[str, ...], reason: str,
                                                     most: float, copy: Path,
                                                     signer: Signer) -> None:
    with HostileMirror(copy, "drip", "tile/entries/000") as mirror:
        code, out, seconds, _ = run_audit(mirror.url, signer.verifier_key_string(), *options)
    assert (code, out) == (1, f"FAIL tile/entries/000: {reason} [source]")
    assert most - 0.5 < seconds < most + 6, seconds  # the interpreter starts in seconds


def test_it_checks_a_tile_fetched_again_for_the_consistency_proof(
        copy: Path, signer: Signer, tmp_path: Path) -> None:
    write_log_dir(tmp_path / "old", ENTRIES[:100], signer, ORIGIN)  # nodes in tile 0/000
    prev = str(tmp_path / "old" / "checkpoint")
    with HostileMirror(copy, "lie-second", "tile/0/000") as mirror:
        code, out, _, _ = run_audit(mirror.url, signer.verifier_key_string(), "--prev", prev)
    assert mirror.asked["tile/0/000"] == 2
    assert (code, out) == (
        1, "FAIL tile/0/000: does not match the verified tiles above it [source]")
    with HostileMirror(copy) as mirror:  # the honest copy is consistent
        code, out, _, _ = run_audit(mirror.url, signer.verifier_key_string(), "--prev", prev)
    assert code == 0, out


def swap_first_entries(copy: Path, recompute_tile: bool) -> None:
    """Swap entries 0 and 6 of bundle 0 (a declaration and the revocation of it), which
    breaks the entry rules; with ``recompute_tile`` tile/0/000 is made to match."""
    path = copy / "tile/entries/000"
    entries = decode_bundle(path.read_bytes())
    entries[0], entries[6] = entries[6], entries[0]
    path.write_bytes(encode_bundle(entries))
    if recompute_tile:
        (copy / "tile/0/000").write_bytes(b"".join(leaf_hash(e) for e in entries))


@pytest.mark.parametrize(("recompute", "expected"), [
    (False, "FAIL tile/entries/000: the bundle does not match the tiles "
            "(tile/0/000 and above) [source]"),
    (True, "FAIL tile/0/000: does not match the verified tiles above it [source]"),
])
def test_it_checks_hashes_before_the_entry_rules(recompute: bool, expected: str, copy: Path,
                                                 signer: Signer) -> None:
    swap_first_entries(copy, recompute)
    with HostileMirror(copy) as mirror:
        code, out, _, _ = run_audit(mirror.url, signer.verifier_key_string())
    assert (code, out) == (1, expected)


def signed_log(directory: Path, signer: Signer, origin: str = ORIGIN,
               extensions: tuple[str, ...] | None = None) -> None:
    """The test log under ``origin``, its checkpoint's extension lines as given."""
    cp, _ = write_log_dir(directory, ENTRIES, signer, origin)
    if extensions is not None:
        lied = Checkpoint(cp.origin, cp.size, cp.root_hash, extensions)
        (directory / "checkpoint").write_bytes(sign_note(lied.to_text(), [signer]))


LIE = "tally persons=9 declarations=9 revocations=0 party=9 league=0 pioneers=0"


@pytest.mark.parametrize(("extensions", "reason"), [
    ("second", "2 tally lines, the format allows one"),
    ("not-first", "the tally line is not the first extension line"),
    ("none", "no tally extension line"),
])
def test_it_takes_one_tally_line_and_only_first(extensions: str, reason: str, tmp_path: Path,
                                                signer: Signer) -> None:
    right = tally_line(ENTRIES)
    lines = {"second": (right, LIE), "not-first": ("witness x", right), "none": ()}
    signed_log(tmp_path, signer, extensions=lines[extensions])
    with HostileMirror(tmp_path) as mirror:
        code, out, _, _ = run_audit(mirror.url, signer.verifier_key_string())
    assert (code, out) == (1, f"FAIL checkpoint: {reason} [log]")


def test_it_pins_the_origin_to_the_key_name(tmp_path: Path, signer: Signer) -> None:
    signed_log(tmp_path, signer, origin="other.example/log")
    key = signer.verifier_key_string()
    with HostileMirror(tmp_path) as mirror:
        code, out, _, _ = run_audit(mirror.url, key)
        assert (code, out) == (1, "FAIL checkpoint: signed for origin 'other.example/log', "
                                  f"expected '{ORIGIN}' [log]")
        code, out, _, _ = run_audit(mirror.url, key, "--origin", "other.example/log")
        assert code == 0 and out.startswith("OK other.example/log "), out


def test_it_lists_nothing_for_a_signed_size_of_2_to_the_63(tmp_path: Path,
                                                          signer: Signer) -> None:
    huge = Checkpoint(ORIGIN, 2**63, hashlib.sha256(b"x").digest(), (tally_line([]),))
    (tmp_path / "checkpoint").write_bytes(sign_note(huge.to_text(), [signer]))
    with HostileMirror(tmp_path) as mirror:
        code, out, seconds, rss = run_audit(mirror.url, signer.verifier_key_string())
    assert (code, out) == (1, "FAIL tile/7/000.p/128: missing [source]")
    assert seconds < 10 and rss < 60 * 1024, (seconds, rss)
    assert set(mirror.asked) == {"checkpoint", "tile/7/000.p/128"}


def test_it_reads_regular_files_only_from_a_directory(copy: Path, log_dir: Path,
                                                      signer: Signer) -> None:
    key = signer.verifier_key_string()
    (copy / "tile/entries/000").unlink()
    (copy / "tile/entries/000").symlink_to("/dev/zero")
    code, out, seconds, rss = run_audit(str(copy), key)
    assert (code, out) == (1, "FAIL tile/entries/000: not a regular file [source]")
    sparse = copy / "tile/0/001"
    with sparse.open("r+b") as f:
        f.truncate(64 << 30)  # a 64 GB hole
    (copy / "tile/entries/000").unlink()
    shutil.copy(log_dir / "tile/entries/000", copy / "tile/entries/000")
    code, out, _, rss = run_audit(str(copy), key)
    assert (code, out) == (
        1, "FAIL tile/0/001: 68719476736 bytes, more than the 8192 it can hold [source]")
    assert rss < 60 * 1024
    (copy / "tile/0/001").write_bytes((log_dir / "tile/0/001").read_bytes())
    (copy / "tile/entries/001").write_bytes(bytes(16 << 20))  # 8 million empty entries?
    code, out, seconds, rss = run_audit(str(copy), key)
    assert (code, out) == (1, "FAIL tile/entries/001: more than 256 entries [source]")
    assert rss < MAX_RSS_KB and seconds < 10
    (copy / "checkpoint").unlink()
    os.mkfifo(copy / "checkpoint")
    code, out, seconds, _ = run_audit(str(copy), key, limit=10)
    assert (code, out) == (1, "FAIL checkpoint: not a regular file [source]")
    assert seconds < 5



def test_it_gives_up_on_a_tls_handshake_that_never_comes(copy: Path, signer: Signer) -> None:
    with HostileMirror(copy) as mirror:  # plain HTTP, waiting for a request line
        https = mirror.url.replace("http://", "https://")
        code, out, seconds, _ = run_audit(https, signer.verifier_key_string(), "--timeout", "2")
    assert code == 1 and out.startswith("FAIL checkpoint: cannot connect to 127.0.0.1:"), out
    assert out.endswith(" [source]") and seconds < 2 + 6
