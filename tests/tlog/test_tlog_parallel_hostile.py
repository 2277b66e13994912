"""The audit on worker processes keeps the hostile-copy properties (docs/auditor.md):
hashes before rules, the bounded Source in every worker, the run's deadline, and the
same first error and blame as one process."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import ORIGIN, sample_entries

from tests.hostile_mirror import HostileMirror
from tuidang.tlog import ranges
from tuidang.tlog.audit import AuditError, LogError, Source, SourceError, _Tree, audit_log
from tuidang.tlog.bundle import decode_bundle, encode_bundle
from tuidang.tlog.checkpoint import Checkpoint
from tuidang.tlog.entry import RevocationEntry, encode_entry, parse_entry
from tuidang.tlog.export import write_log_dir
from tuidang.tlog.hashing import leaf_hash
from tuidang.tlog.note import Signer, open_note
from tuidang.tlog.ranges import Failure, verify_bundles

SIZE = 1100  # bundles 000-003 full, 004.p/76: one range each with RANGE_BUNDLES = 1
ENTRIES = sample_entries(SIZE)
ZERO = "tally persons=0 declarations=0 revocations=0 party=0 league=0 pioneers=0"


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory: pytest.TempPathFactory, signer: Signer) -> Path:
    """The log of ENTRIES (conftest's ``copy`` copies it for a test to damage)."""
    d = tmp_path_factory.mktemp("phlog")
    write_log_dir(d, ENTRIES, signer, ORIGIN)
    return d


@pytest.fixture(autouse=True)
def small_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ranges, "RANGE_BUNDLES", 1)


def outcome(source: Source, signer: Signer, jobs: int) -> tuple[str, str]:
    try:
        audit_log(source, signer.verifier(), jobs=jobs).checker.close()  # type: ignore[union-attr]
    except AuditError as e:
        return e.blame, str(e)
    return "ok", ""


def break_a_revocation(copy: Path, bundle: int, recompute_tile: bool) -> None:
    """Make the first revocation of ``bundle`` revoke itself, which breaks the entry
    rules; with ``recompute_tile`` its hash tile is made to match the changed bundle."""
    path = copy / f"tile/entries/{bundle:03d}"
    entries = decode_bundle(path.read_bytes())
    k, e = next((k, e) for k, raw in enumerate(entries)
                if isinstance(e := parse_entry(raw), RevocationEntry))
    entries[k] = encode_entry(e.__class__(**{**e.__dict__, "revokes": bundle * 256 + k}))
    path.write_bytes(encode_bundle(entries))
    if recompute_tile:
        (copy / f"tile/0/{bundle:03d}").write_bytes(b"".join(leaf_hash(e) for e in entries))


@pytest.mark.parametrize(("recompute", "expected"), [
    (False, "tile/entries/002: the bundle does not match the tiles (tile/0/002 and above)"),
    (True, "tile/0/002: does not match the verified tiles above it"),
])
def test_it_checks_hashes_before_the_entry_rules_in_a_worker(
        recompute: bool, expected: str, copy: Path, signer: Signer) -> None:
    break_a_revocation(copy, 2, recompute)
    for jobs in (1, 2):
        assert outcome(Source(str(copy)), signer, jobs) == ("source", expected), jobs


def test_the_earlier_of_a_log_and_a_source_failure_wins(copy: Path, signer: Signer,
                                                        tmp_path: Path) -> None:
    entries = list(ENTRIES)
    entries[300] = entries[300].replace(b"serial ", b"serial 0")  # non-canonical: bundle 1
    signed = tmp_path / "signed"
    write_log_dir(signed, entries, signer, ORIGIN, tally=False, extensions=[ZERO])
    break_a_revocation(signed, 3, False)  # the source's fault: bundle 3
    results = {jobs: outcome(Source(str(signed)), signer, jobs) for jobs in (1, 2)}
    assert results[1] == results[2]
    assert results[1][0] == "log" and results[1][1].startswith("tile/entries/001: entry 300")
    break_a_revocation(copy, 1, False)  # now the source comes first
    (copy / "tile/entries/003").write_bytes(b"\x00")
    results = {jobs: outcome(Source(str(copy)), signer, jobs) for jobs in (1, 2)}
    assert results[1] == results[2] == (
        "source", "tile/entries/001: the bundle does not match the tiles "
                  "(tile/0/001 and above)")


def test_a_worker_reads_no_bundle_larger_than_its_width_allows(copy: Path,
                                                               signer: Signer) -> None:
    (copy / "tile/entries/003").write_bytes(bytes(256 * 65537 + 1))
    for jobs in (1, 2):
        assert outcome(Source(str(copy)), signer, jobs) == (
            "source", "tile/entries/003: 16777473 bytes, more than the 16777472 it can hold")


def test_a_worker_gives_up_on_a_slow_drip_by_the_runs_deadline(copy: Path,
                                                               signer: Signer) -> None:
    with HostileMirror(copy, "drip", "tile/entries/003") as mirror:
        start = time.monotonic()
        result = outcome(Source(mirror.url, timeout=60, deadline=4), signer, jobs=2)
        seconds = time.monotonic() - start
    assert result == ("source", "tile/entries/003: too slow: the deadline passed")
    assert 3.5 < seconds < 10, seconds  # the workers start in about a second


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failure_above_level_0_waits_for_the_ranges_before_it(log_dir: Path, signer: Signer,
                                                                tmp_path: Path,
                                                                jobs: int) -> None:
    """The hashes of bundle 3 on run out (as when tile/1/… fails, which a log this
    small cannot show): the ranges before it are still verified first, and their
    errors come first."""
    def cut(directory: Path) -> tuple[Source, _Tree]:
        source = Source(str(directory))
        cp = Checkpoint.from_text(open_note(source.fetch("checkpoint"),
                                            [signer.verifier()]).text)
        return source, _Tree(source, cp)

    def expect(tree: _Tree) -> ranges.Expect:
        def hashes(first: int, last: int) -> tuple[bytes, Failure | None]:
            got, _ = tree.expect(first, min(last, 3))
            if last <= 3:
                return got, None
            return got, ranges.source_failure(3, SourceError("tile/1/000", "planted"))
        return hashes

    source, tree = cut(log_dir)
    verified = verify_bundles(source, SIZE, expect(tree), jobs=jobs)
    assert isinstance(verified.failure, Failure)
    assert verified.failure.error().line() == "FAIL tile/1/000: planted [source]"
    assert verified.tally.entries == 3 * 256  # bundles 0-2 were verified and counted
    verified.state.close()

    entries = list(ENTRIES)
    entries[600] = entries[600].replace(b"serial ", b"serial 0")  # bundle 2
    write_log_dir(tmp_path / "bad", entries, signer, ORIGIN, tally=False, extensions=[ZERO])
    source, tree = cut(tmp_path / "bad")
    verified = verify_bundles(source, SIZE, expect(tree), jobs=jobs)
    assert isinstance(verified.failure, Failure)
    assert verified.failure.kind is LogError
    assert verified.failure.path == "tile/entries/002"
    verified.state.close()


def test_no_room_for_the_revocation_state_is_an_input_error(log_dir: Path, signer: Signer,
                                                            tmp_path: Path) -> None:
    with pytest.raises(AuditError) as failure:
        audit_log(Source(str(log_dir)), signer.verifier(), state_dir=str(tmp_path / "none"))
    assert failure.value.line() == (
        f"FAIL {tmp_path / 'none'}: cannot hold the revocation state of {SIZE} entries: "
        "No such file or directory [input]")
