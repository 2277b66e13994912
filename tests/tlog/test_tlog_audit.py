"""The auditor (tuidang-audit) against static log directories built by write_log_dir."""

from __future__ import annotations

import functools
import gzip
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import AUDIT_ENTRIES, AUDIT_SIZE, ORIGIN, declaration, sample_entries

from tuidang.tlog.audit import AuditError, Source, audit_log
from tuidang.tlog.bundle import encode_bundle
from tuidang.tlog.cli import main
from tuidang.tlog.entry import encode_entry
from tuidang.tlog.export import write_log_dir
from tuidang.tlog.note import Signer, generate_signer
from tuidang.tlog.proof import inclusion_proof
from tuidang.tlog.receipt import format_tlog_proof
from tuidang.tlog.tiles import TileRef, node_reader_from_tiles, tile_width, tiles_for_size

SIZE, ENTRIES = AUDIT_SIZE, AUDIT_ENTRIES
FILES = ["tile/0/000", "tile/0/001", "tile/0/002.p/188", "tile/1/000.p/2",
         "tile/entries/000", "tile/entries/001", "tile/entries/002.p/188"]


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
    assert (code, out) == (1, f"FAIL {name}: missing [source]")


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
    write_log_dir(tmp_path / "later", [*ENTRIES, *sample_entries(20)[:1]], signer, ORIGIN)
    later = str(tmp_path / "later" / "checkpoint")
    code, out = audit([str(log_dir), "--key", f"@{key}", "--prev", later], capsys)
    assert (code, out) == (1, f"FAIL checkpoint: size {SIZE} is older than {later}'s "
                              f"{SIZE + 1}: the copy is stale or rolled back [source]")
    forked = ENTRIES[:250] + [encode_entry(declaration(10_000 + i)) for i in range(50)]
    write_log_dir(tmp_path / "fork", forked, signer, ORIGIN)
    prev = str(tmp_path / "fork" / "checkpoint")
    code, out = audit([str(log_dir), "--key", f"@{key}", "--prev", prev], capsys)
    assert code == 1 and out.startswith(f"FAIL {prev}: not consistent"), out
    assert out.endswith(" [log]")  # two signed checkpoints that disagree: a fork
    code, out = audit([str(log_dir), "--key", f"@{key}", "--prev", str(tmp_path / "nope")],
                      capsys)
    assert (code, out) == (1, f"FAIL {tmp_path / 'nope'}: missing or unreadable [input]")


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
    assert (code, out) == (1, "FAIL /nonexistent: missing or unreadable [input]")


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
    assert audit([http_url.rstrip("/"), "--key", key], capsys) == (
        1, "FAIL tile/0/001: missing [source]")


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


def gzip_bundles(directory: Path) -> None:
    """Keep each entry bundle only as NAME.gz, as `log_export --gzip-bundles` does."""
    for path in [p for p in (directory / "tile/entries").rglob("*") if p.is_file()]:
        path.with_name(path.name + ".gz").write_bytes(gzip.compress(path.read_bytes(), mtime=0))
        path.unlink()


def test_it_reads_gzipped_bundles_from_a_directory(copy: Path, signer: Signer,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    gzip_bundles(copy)
    key = signer.verifier_key_string()
    assert audit([str(copy), "--key", key], capsys)[0] == 0
    assert Source(str(copy)).fetch("tile/entries/001") == encode_bundle(ENTRIES[256:512])
    bad = copy / "tile/entries/002.p/188.gz"
    bad.write_bytes(bad.read_bytes()[:-9])
    assert audit([str(copy), "--key", key], capsys) == (
        1, "FAIL tile/entries/002.p/188: bad gzip data: truncated or followed by other bytes "
           "[source]")
    bad.unlink()
    assert audit([str(copy), "--key", key], capsys) == (
        1, "FAIL tile/entries/002.p/188: missing [source]")
    checkpoint = copy / "checkpoint"  # only tiles are looked for as .gz, as nginx does
    checkpoint.with_name("checkpoint.gz").write_bytes(gzip.compress(checkpoint.read_bytes()))
    checkpoint.unlink()
    assert audit([str(copy), "--key", key], capsys) == (1, "FAIL checkpoint: missing [source]")


def test_it_refuses_a_gzip_file_larger_than_any_log_file(copy: Path) -> None:
    (copy / "tile/entries/000").unlink()
    (copy / "tile/entries/000.gz").write_bytes(gzip.compress(bytes(256 * 65537 + 1)))
    with pytest.raises(AuditError, match="larger than any log file"):
        Source(str(copy)).fetch("tile/entries/000")


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Serves NAME.gz gzip-encoded to a client that accepts gzip, as nginx's gzip_static."""

    asked: list[str] = []

    def do_GET(self) -> None:
        self.asked.append(self.headers.get("Accept-Encoding", ""))
        path = Path(self.translate_path(self.path))
        if "gzip" in self.headers.get("Accept-Encoding", "") and path.is_file():
            body = gzip.compress(path.read_bytes(), mtime=0)
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            super().do_GET()

    def log_message(self, *args: object) -> None:
        pass


def test_it_asks_for_gzip_over_http_and_unpacks_it(copy: Path, signer: Signer,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    handler = functools.partial(GzipHandler, directory=str(copy))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        code, out = audit([url, "--key", signer.verifier_key_string()], capsys)
        assert code == 0, out
        assert GzipHandler.asked and set(GzipHandler.asked) == {"gzip"}
        assert Source(url).fetch("tile/entries/001") == encode_bundle(ENTRIES[256:512])
    finally:
        server.shutdown()
        server.server_close()
