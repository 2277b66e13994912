"""The audit in ranges on worker processes gives what one process gives: the same tally,
the same revocations and the same first error, wherever in the log it is."""

from __future__ import annotations

import datetime
import io
import shutil
from pathlib import Path

import pytest
from conftest import ORIGIN, declaration, revocation

from tuidang.tlog import ranges
from tuidang.tlog.audit import AuditError, Source, audit_log
from tuidang.tlog.bundle import decode_bundle, encode_bundle
from tuidang.tlog.cli import main
from tuidang.tlog.entry import EntryError, RevocationEntry, encode_entry, parse_entry
from tuidang.tlog.export import write_log_dir
from tuidang.tlog.note import Signer
from tuidang.tlog.progress import ProgressLine
from tuidang.tlog.tally import TallyChecker

SIZE = 1100  # bundles 000-003 full, 004.p/76: one range each with range_bundles=1
LAST = "tile/entries/004.p/76"
ZERO_TALLY = "tally persons=0 declarations=0 revocations=0 party=0 league=0 pioneers=0"


def entries(size: int = SIZE) -> list[bytes]:
    """Declarations of 1-3 persons; revocations of declarations of earlier ranges, of
    whole ones and of single persons, also of the same declaration twice."""
    out, decls = [], {}
    for i in range(size):
        if i % 97 == 96:
            target = (i * 7) % (i - 50)
            while target not in decls:
                target -= 1
            d = decls[target]
            if len(d.persons) > 1 and i % 2:
                out.append(encode_entry(revocation(target, d, person=len(d.persons) - 1)))
                decls[target] = d.__class__(d.serial, d.date, d.channel, d.persons[:-1],
                                            d.statement_commitment, d.private_commitment)
                continue
            out.append(encode_entry(revocation(target, d)))
            del decls[target]
            continue
        d = declaration(i, 1 + i % 3, ("self", "phone", "import", "email")[i % 4],
                        datetime.date(2026, 11, 1) + datetime.timedelta(days=i // 300))
        decls[i] = d
        out.append(encode_entry(d))
    return out


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory, signer: Signer) -> Path:
    d = tmp_path_factory.mktemp("plog")
    write_log_dir(d, entries(), signer, ORIGIN)
    return d


@pytest.fixture
def small_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ranges, "RANGE_BUNDLES", 1)


def outcome(directory: Path, signer: Signer, jobs: int) -> object:
    try:
        r = audit_log(Source(str(directory)), signer.verifier(), ORIGIN, jobs=jobs,
                      keep={5, 300, SIZE - 1})
    except AuditError as e:
        return ("FAIL", str(e), e.blame)
    revoked = [(i, p) for i in range(r.checkpoint.size) for p in (None, 0, 1)
               if _revoked(r.checker, i, p)]
    return ("OK", r.tally, r.kept, revoked)


def _revoked(checker: object, index: int, position: int | None) -> bool:
    try:
        return checker.revoked(index, position)  # type: ignore[attr-defined]
    except IndexError:
        return False


def test_it_gives_the_same_result_on_two_processes(log: Path, signer: Signer,
                                                   small_ranges: None) -> None:
    serial = outcome(log, signer, jobs=1)
    assert serial[0] == "OK"
    assert serial[1].revocations == 11 and len(serial[3]) > 11  # whole and single persons
    assert serial[2] == {i: entries()[i] for i in (5, 300, SIZE - 1)}
    assert outcome(log, signer, jobs=2) == serial


def test_it_revokes_what_one_process_revokes(log: Path, signer: Signer,
                                             small_ranges: None) -> None:
    r = audit_log(Source(str(log)), signer.verifier(), ORIGIN, jobs=2)
    revocations = [parse_entry(raw) for raw in entries() if b"revocation" in raw]
    assert len(revocations) == 11
    for e in revocations:
        assert isinstance(e, RevocationEntry)
        assert r.checker.revoked(e.revokes, e.person)
    assert not r.checker.revoked(0) and not r.checker.revoked(1, 0)


def rewrite_last_bundle(directory: Path, signer: Signer, change) -> Path:
    """Write the log again with the last bundle's entries changed by ``change`` and a
    checkpoint over them (a log signed as it is, so only the entries are wrong)."""
    all_entries = entries()
    all_entries[1024:] = change(all_entries[1024:])
    write_log_dir(directory, all_entries, signer, ORIGIN, tally=False,
                  extensions=[ZERO_TALLY])
    return directory


@pytest.mark.parametrize("fault", ["non-canonical", "revokes twice", "wrong counts",
                                   "wrong channel", "not earlier", "hash tile",
                                   "bundle truncated"])
def test_it_reports_the_same_first_error_in_the_last_range(
        fault: str, tmp_path: Path, signer: Signer, small_ranges: None) -> None:
    all_entries = entries()
    first_revocation = next(i for i, e in enumerate(all_entries) if b"revocation" in e)
    d = declaration(3, 1 + 3 % 3, "self")  # entry 3 is this declaration (see entries())
    d = d.__class__(d.serial, datetime.date(2026, 11, 1), "email", d.persons,
                    d.statement_commitment, d.private_commitment)
    planted = {
        "non-canonical": lambda es: [*es[:10], es[10].replace(b"serial ", b"serial 0"),
                                     *es[11:]],
        "revokes twice": lambda es: [*es[:5], all_entries[first_revocation], *es[6:]],
        "wrong counts": lambda es: [*es[:5], encode_entry(_with(revocation(3, d),
                                                                persons=2, party=2)),
                                    *es[6:]],
        "wrong channel": lambda es: [*es[:5], encode_entry(_with(revocation(3, d),
                                                                 channel="phone")), *es[6:]],
        "not earlier": lambda es: [*es[:5], encode_entry(_with(revocation(3, d),
                                                               revokes=1100)), *es[6:]],
    }
    if fault in planted:
        log = rewrite_last_bundle(tmp_path / "log", signer, planted[fault])
        expected_error = f"{LAST}: entry {first_fault(planted[fault])}"
    else:
        log = rewrite_last_bundle(tmp_path / "log", signer, lambda es: es)
        if fault == "hash tile":
            tile = log / "tile/0/004.p/76"
            tile.write_bytes(tile.read_bytes()[:-1] + b"\x00")
        else:
            bundle = log / LAST
            bundle.write_bytes(bundle.read_bytes()[:-1])
        expected_error = ("tile/0/004.p/76: does not match the tiles or entries below it"
                          if fault == "hash tile" else f"{LAST}: truncated entry")
    serial = outcome(log, signer, jobs=1)
    assert serial[0] == "FAIL"
    assert serial[1].startswith(expected_error), (serial, expected_error)
    assert serial[2] == ("log" if fault in planted else "source")
    assert outcome(log, signer, jobs=2) == serial


def first_fault(change) -> str:
    """``<index>: <error>`` of the first entry that parse_entry or the tally rule of one
    TallyChecker over the whole log refuses: what the audit must report."""
    all_entries = entries()
    all_entries[1024:] = change(all_entries[1024:])
    checker = TallyChecker()
    for i, raw in enumerate(all_entries):
        try:
            checker.add(parse_entry(raw), i)
        except EntryError as e:
            return f"{i}: {e}"
    raise AssertionError("no fault")


def _with(r: RevocationEntry, **changes: object) -> RevocationEntry:
    return r.__class__(**{**r.__dict__, **changes})


def test_the_first_error_in_log_order_wins(tmp_path: Path, signer: Signer,
                                           small_ranges: None) -> None:
    # A revocation of an unknown entry in bundle 2, a non-canonical entry in bundle 4:
    # the workers find both, the auditor reports the earlier.
    all_entries = entries()
    all_entries[600] = encode_entry(_with(revocation(3, declaration(3, 1)), revokes=900))
    all_entries[1050] = all_entries[1050].replace(b"date ", b"date  ")
    log = tmp_path / "log"
    write_log_dir(log, all_entries, signer, ORIGIN, tally=False, extensions=[ZERO_TALLY])
    for jobs in (1, 2):
        assert outcome(log, signer, jobs) == (
            "FAIL", "tile/entries/002: entry 600: revocation refers to entry 900, "
                    "not an earlier entry", "log")


def test_it_prints_a_progress_line_on_request(log: Path, signer: Signer, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    copy = shutil.copytree(log, tmp_path / "log")
    assert main([str(copy), "--key", signer.verifier_key_string(), "--progress"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"OK {ORIGIN} size={SIZE}")
    lines = err.split("\r")
    assert err.endswith("\n") and err.count("\n") == 1  # one line, rewritten in place
    assert lines[-1].startswith("[####################] 100%  1,100 of 1,100 entries")
    assert lines[1].startswith("[....................]   0%  0 of 1,100 entries")
    assert ":" not in err  # counts and durations, no time of day
    assert main([str(copy), "--key", signer.verifier_key_string()]) == 0
    assert capsys.readouterr().err == ""  # stderr is no terminal here: no bar


def test_the_progress_line_counts_and_estimates() -> None:
    stream = io.StringIO()
    bar = ProgressLine(1000, stream)
    bar.drawn = -1e9  # as if the last redraw were long ago
    bar.started -= 10  # ten seconds in
    bar.step(250)
    bar.close()
    drawn = stream.getvalue().split("\r")
    assert drawn[2].startswith("[#####...............]  25%  250 of 1,000 entries  25/s  "
                               "about 30 s left")
    assert drawn[-1].startswith("[#####...............]  25%  250 of 1,000 entries")
    assert stream.getvalue().endswith("\n")


def test_the_bundle_split_is_strict() -> None:
    data = encode_bundle([b"a", b"bc"])
    assert decode_bundle(data) == [b"a", b"bc"]
    for bad in (data[:-1], data + b"\x00", b"\x00"):
        with pytest.raises(ValueError):
            decode_bundle(bad)


def test_it_keeps_the_revocation_state_on_disk_until_closed(log: Path, signer: Signer,
                                                           tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    r = audit_log(Source(str(log)), signer.verifier(), ORIGIN, jobs=1, state_dir=str(state))
    (files,) = [sorted(p.name for p in d.iterdir()) for d in state.iterdir()]
    assert files == ["people-0", "records", "starts"]
    assert (next(state.iterdir()) / "records").stat().st_size == SIZE * 8
    r.checker.close()
    assert list(state.iterdir()) == []
    bad = Path(shutil.copytree(log, tmp_path / "bad"))
    (bad / LAST).write_bytes(b"\x00")
    with pytest.raises(AuditError):
        audit_log(Source(str(bad)), signer.verifier(), ORIGIN, state_dir=str(state))
    assert list(state.iterdir()) == []


def test_the_workers_report_progress(log: Path, signer: Signer, small_ranges: None) -> None:
    counted: list[int] = []
    audit_log(Source(str(log)), signer.verifier(), ORIGIN, jobs=2, progress=counted.append)
    assert sum(counted) == SIZE and all(n > 0 for n in counted)
