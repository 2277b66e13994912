"""The auditor (tuidang-audit) against static log directories built by write_log_dir."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ORIGIN, declaration, sample_entries

from tuidang.tlog.audit import AuditError, Source, audit_log
from tuidang.tlog.cli import main
from tuidang.tlog.entry import encode_entry
from tuidang.tlog.export import write_log_dir
from tuidang.tlog.note import Signer, generate_signer
from tuidang.tlog.proof import inclusion_proof
from tuidang.tlog.receipt import format_tlog_proof
from tuidang.tlog.tiles import TileRef, node_reader_from_tiles, tile_width, tiles_for_size

SIZE = 700  # tiles 0/000, 0/001, 0/002.p/188 and 1/000.p/2
ENTRIES = sample_entries(SIZE)
FILES = ["tile/0/000", "tile/0/001", "tile/0/002.p/188", "tile/1/000.p/2",
         "tile/entries/000", "tile/entries/001", "tile/entries/002.p/188"]


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory: pytest.TempPathFactory, signer: Signer) -> Path:
    d = tmp_path_factory.mktemp("log")
    write_log_dir(d, ENTRIES, signer, ORIGIN)
    return d


@pytest.fixture
def copy(log_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(log_dir, tmp_path / "log"))


def audit(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main([*args, "--no-progress"])
    return code, capsys.readouterr().out.strip()


def test_it_writes_the_expected_files(log_dir: Path) -> None:
    written = sorted(str(p.relative_to(log_dir)) for p in log_dir.rglob("*") if p.is_file())
    assert written == sorted([*FILES, "checkpoint"])
    assert [r.path() for r in tiles_for_size(SIZE)] == FILES[:4]


def test_it_passes_a_good_log(log_dir: Path, signer: Signer,
                              capsys: pytest.CaptureFixture[str]) -> None:
    code, out = audit([str(log_dir), "--key", signer.verifier_key_string(), "--origin", ORIGIN],
                      capsys)
    assert code == 0, out
    assert out.startswith(f"OK {ORIGIN} size={SIZE} persons=") and "root=" in out


@pytest.mark.parametrize("name", [*FILES, "checkpoint"])
def test_it_names_a_tampered_file(name: str, copy: Path, signer: Signer,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = copy / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    code, out = audit([str(copy), "--key", signer.verifier_key_string()], capsys)
    assert code == 1
    assert out.startswith(f"FAIL {name}:"), out


@pytest.mark.parametrize("name", ["tile/0/002.p/188", "tile/entries/002.p/188", "checkpoint",
                                  "tile/1/000.p/2"])
def test_it_names_a_missing_file(name: str, copy: Path, signer: Signer,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    (copy / name).unlink()
    code, out = audit([str(copy), "--key", signer.verifier_key_string()], capsys)
    assert (code, out) == (1, f"FAIL {name}: missing")


def test_it_rejects_a_wrong_key_or_origin(log_dir: Path, signer: Signer,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    other = generate_signer(ORIGIN).verifier_key_string()
    assert audit([str(log_dir), "--key", other], capsys)[0] == 1
    code, out = audit([str(log_dir), "--key", signer.verifier_key_string(), "--origin", "x/y"],
                      capsys)
    assert code == 1 and out.startswith("FAIL checkpoint:")


def test_it_checks_consistency_with_an_older_checkpoint(
        log_dir: Path, signer: Signer, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "key"
    key.write_text(signer.verifier_key_string() + "\n")
    for n in (1, 255, 256, 300, SIZE):
        write_log_dir(tmp_path / f"old{n}", ENTRIES[:n], signer, ORIGIN)
        prev = str(tmp_path / f"old{n}" / "checkpoint")
        code, out = audit([str(log_dir), "--key", f"@{key}", "--prev", prev], capsys)
        assert code == 0, out
    forked = ENTRIES[:250] + [encode_entry(declaration(10_000 + i)) for i in range(50)]
    write_log_dir(tmp_path / "fork", forked, signer, ORIGIN)
    prev = str(tmp_path / "fork" / "checkpoint")
    code, out = audit([str(log_dir), "--key", f"@{key}", "--prev", prev], capsys)
    assert code == 1 and out.startswith(f"FAIL {prev}: not consistent"), out
    code, out = audit([str(log_dir), "--key", f"@{key}", "--prev", str(tmp_path / "nope")],
                      capsys)
    assert (code, out) == (1, f"FAIL {tmp_path / 'nope'}: missing or unreadable")


def test_it_rejects_a_checkpoint_with_a_wrong_tally(tmp_path: Path, signer: Signer) -> None:
    write_log_dir(tmp_path, ENTRIES[:10], signer, ORIGIN, tally=False,
                  extensions=["tally persons=1 declarations=1 revocations=0 party=1 league=0 "
                              "pioneers=0"])
    with pytest.raises(AuditError, match="tally line does not match"):
        audit_log(Source(str(tmp_path)), signer.verifier())


def test_it_verifies_receipts_offline(log_dir: Path, signer: Signer, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    source = Source(str(log_dir))

    def read_tile(level: int, index: int) -> bytes | None:
        width = tile_width(SIZE, level, index)
        return source.fetch(TileRef(level, index, width).path()) if width else None

    index = 517
    proof = inclusion_proof(index, SIZE, node_reader_from_tiles(read_tile))
    receipt = tmp_path / "r.tlog-proof"
    receipt.write_bytes(format_tlog_proof(index, proof, (log_dir / "checkpoint").read_bytes()))
    entry, wrong = tmp_path / "entry", tmp_path / "wrong"
    entry.write_bytes(ENTRIES[index])
    wrong.write_bytes(ENTRIES[index + 1])
    key = signer.verifier_key_string()
    code, out = audit(["--receipt", str(receipt), "--entry", str(entry), "--key", key], capsys)
    assert code == 0 and out.startswith(f"OK {ORIGIN}"), out
    code, out = audit(["--receipt", str(receipt), "--entry", str(wrong), "--key", key], capsys)
    assert code == 1 and out.startswith(f"FAIL {receipt}:")
    code, out = audit(["--receipt", str(receipt), "--entry", "/nonexistent", "--key", key],
                      capsys)
    assert (code, out) == (1, "FAIL /nonexistent: missing or unreadable")


@pytest.fixture
def http_url(copy: Path) -> Iterator[str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(copy))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_it_audits_over_http(http_url: str, copy: Path, signer: Signer,
                             capsys: pytest.CaptureFixture[str]) -> None:
    key = signer.verifier_key_string()
    assert audit([http_url, "--key", key], capsys)[0] == 0
    (copy / "tile/0/001").unlink()
    assert audit([http_url.rstrip("/"), "--key", key], capsys) == (1, "FAIL tile/0/001: missing")


def test_it_audits_a_log_with_three_levels(tmp_path: Path, signer: Signer) -> None:
    entries = sample_entries(65536 + 300, revoke_every=0)
    cp, _ = write_log_dir(tmp_path, entries, signer, ORIGIN)
    assert (tmp_path / "tile/1/000").is_file() and (tmp_path / "tile/2/000.p/1").is_file()
    result = audit_log(Source(str(tmp_path)), signer.verifier(), ORIGIN)
    assert result.checkpoint == cp and result.tally.declarations == len(entries)
    for name in ("tile/1/000", "tile/2/000.p/1"):
        path = tmp_path / name
        good = path.read_bytes()
        path.write_bytes(good[:20] + bytes([good[20] ^ 4]) + good[21:])
        with pytest.raises(AuditError) as info:
            audit_log(Source(str(tmp_path)), signer.verifier())
        assert info.value.path == name
        path.write_bytes(good)
