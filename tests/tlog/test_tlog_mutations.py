"""Random mutations of a log's files and of receipts only ever produce the auditor's
documented errors (SourceError, LogError, InputError: docs/auditor.md), never another
exception, and never make it accept a log other than the one that was signed."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest
from conftest import ORIGIN, sample_entries
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuidang.tlog.audit import (
    AuditError,
    InputError,
    LogError,
    Source,
    SourceError,
    audit_log,
)
from tuidang.tlog.cli import main
from tuidang.tlog.entry import parse_entry
from tuidang.tlog.export import write_log_dir
from tuidang.tlog.note import Signer
from tuidang.tlog.proof import inclusion_proof
from tuidang.tlog.receipt import format_tlog_proof
from tuidang.tlog.tiles import TileRef, node_reader_from_tiles, tile_width

SIZE = 300  # bundles 000 and 001.p/44; tiles 0/000, 0/001.p/44, 1/000.p/1
ENTRIES = sample_entries(SIZE)
FILES = ["checkpoint", "tile/0/000", "tile/0/001.p/44", "tile/1/000.p/1",
         "tile/entries/000", "tile/entries/001.p/44"]
DOCUMENTED = (SourceError, LogError, InputError)
SETTINGS = settings(max_examples=120, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def mutate(data: bytes, kind: str, where: int, extra: bytes) -> bytes:
    """A bit flipped, the data cut short, or bytes inserted, at ``where``."""
    at = where % (len(data) + 1)
    if kind == "flip" and data:
        at %= len(data)
        return data[:at] + bytes([data[at] ^ (1 << (where % 8))]) + data[at + 1:]
    if kind == "truncate":
        return data[:at]
    return data[:at] + (extra or b"\x00") + data[at:]


MUTATION = st.tuples(st.sampled_from(["flip", "truncate", "insert"]),
                     st.integers(0, 1 << 20), st.binary(max_size=40))


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory, signer: Signer) -> tuple[Path, object]:
    directory = tmp_path_factory.mktemp("log")
    cp, _ = write_log_dir(directory, ENTRIES, signer, ORIGIN)
    return directory, cp


@SETTINGS
@given(name=st.sampled_from(FILES), mutation=MUTATION)
def test_it_blames_a_mutated_file_or_accepts_only_the_signed_log(
        log: tuple[Path, object], signer: Signer, name: str,
        mutation: tuple[str, int, bytes]) -> None:
    directory, original = log
    path = directory / name
    good = path.read_bytes()
    bad = mutate(good, *mutation)
    path.write_bytes(bad)
    try:
        result = audit_log(Source(str(directory), timeout=5, deadline=30), signer.verifier())
    except AuditError as e:
        assert isinstance(e, DOCUMENTED), type(e)
        assert e.path == name or (name != "checkpoint" and e.path.startswith("tile/")), e
        assert isinstance(e, SourceError) or name == "checkpoint", e  # tiles: the copy's fault
        assert "\n" not in e.line()
    else:
        assert name == "checkpoint" or bad == good, "a changed tile or bundle was accepted"
        assert result.checkpoint == original  # only the signed log, never another
    finally:
        path.write_bytes(good)


SMALL = ENTRIES[:40]


@settings(SETTINGS, max_examples=50)
@given(index=st.integers(0, len(SMALL) - 1), mutation=MUTATION)
def test_a_signed_log_with_a_mutated_entry_is_the_logs_fault(
        tmp_path_factory: pytest.TempPathFactory, signer: Signer, index: int,
        mutation: tuple[str, int, bytes]) -> None:
    entries = list(SMALL)
    entries[index] = mutate(entries[index], *mutation)[:65535]
    directory = tmp_path_factory.mktemp("signed")
    _, signed = write_log_dir(directory, SMALL, signer, ORIGIN)  # the true tally line
    tally = signed.decode().split("\n")[3]
    write_log_dir(directory, entries, signer, ORIGIN, tally=False, extensions=[tally])
    try:
        audit_log(Source(str(directory)), signer.verifier())
    except AuditError as e:
        assert isinstance(e, LogError), e  # every file hashes up to the signed root
    else:  # accepted: the entry is still a valid one (another commitment) of the same count
        parse_entry(entries[index])
    finally:
        shutil.rmtree(directory)


@pytest.fixture(scope="module")
def receipt(log: tuple[Path, object], tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[Path, Path, bytes]:
    directory, _ = log
    source = Source(str(directory))

    def read_tile(level: int, index: int) -> bytes | None:
        width = tile_width(SIZE, level, index)
        return source.fetch(TileRef(level, index, width).path()) if width else None

    folder = tmp_path_factory.mktemp("receipt")
    proof = inclusion_proof(123, SIZE, node_reader_from_tiles(read_tile))
    data = format_tlog_proof(123, proof, (directory / "checkpoint").read_bytes())
    (folder / "entry").write_bytes(ENTRIES[123])
    return folder / "r.tlog-proof", folder / "entry", data


@settings(SETTINGS, max_examples=100)
@given(mutation=MUTATION)
def test_a_mutated_receipt_fails_with_one_line_or_proves_the_same_entry(
        receipt: tuple[Path, Path, bytes], signer: Signer,
        mutation: tuple[str, int, bytes]) -> None:
    path, entry, good = receipt
    bad = mutate(good, *mutation)
    path.write_bytes(bad)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--receipt", str(path), "--entry", str(entry),
                     "--key", signer.verifier_key_string()])
    line = out.getvalue()
    assert line.count("\n") == 1
    if code == 0:
        assert line.startswith(f"OK {ORIGIN} receipt verified in checkpoint size={SIZE}")
    else:
        assert code == 1 and line.startswith(f"FAIL {path}: ") and line.endswith("[input]\n")
