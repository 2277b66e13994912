"""The auditor (`tuidang-audit`, the console entry point) against our own log."""

import gzip
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.factories import declare, receipt_code
from tuidang.registry.actions import revoke_declaration
from tuidang.registry.models import Declaration, Revocation
from tuidang.transparency import keys, sequencer, storage

pytestmark = pytest.mark.django_db

AUDIT = str(Path(sys.executable).parent / "tuidang-audit")


def audit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([AUDIT, *args, "--no-progress"], capture_output=True, text=True,
                          timeout=120)


def build_log(client, count: int) -> None:
    for i in range(count):
        declare(client, f"人{i}", f"亲属{i}")
        if i % 50 == 0:
            sequencer.drain()
    sequencer.drain()


def test_an_exported_log_passes_the_audit(client, tmp_path):
    build_log(client, 300)
    revoke_declaration(Declaration.objects.get(log_index=7), Revocation.Reason.RETRACTED)
    sequencer.drain()
    call_command("log_export", tmp_path)
    result = audit(str(tmp_path), "--key", keys.verifier_key())
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK test.tuidang.example/log size=301")
    assert "persons=598" in result.stdout
    assert (tmp_path / "key").read_text().strip() == keys.verifier_key()


def test_a_tampered_export_fails_and_names_the_file(client, tmp_path):
    build_log(client, 10)
    call_command("log_export", tmp_path)
    bundle = tmp_path / "tile/entries/000.p/10"
    data = bytearray(bundle.read_bytes())
    data[40] ^= 1
    bundle.write_bytes(bytes(data))
    result = audit(str(tmp_path), "--key", keys.verifier_key())
    assert result.returncode == 1
    assert "tile/entries/000.p/10" in result.stdout


def test_the_export_is_incremental_and_history_is_consistent(client, tmp_path):
    build_log(client, 20)
    first = call_and_capture(tmp_path)
    assert "wrote" in first
    old_checkpoint = tmp_path / "old-checkpoint"
    old_checkpoint.write_bytes(storage.signed_checkpoint())
    again = call_and_capture(tmp_path)
    assert "wrote 0 files" in again
    build_log(client, 5)
    call_and_capture(tmp_path)
    result = audit(str(tmp_path), "--key", keys.verifier_key(), "--prev", str(old_checkpoint))
    assert result.returncode == 0, result.stdout + result.stderr


def call_and_capture(directory) -> str:
    out = StringIO()
    call_command("log_export", directory, stdout=out)
    return out.getvalue()


def test_the_audit_rejects_a_wrong_key(client, tmp_path):
    build_log(client, 2)
    call_command("log_export", tmp_path)
    from tuidang.tlog.note import generate_signer

    other = generate_signer("test.tuidang.example/log").verifier_key_string()
    result = audit(str(tmp_path), "--key", other)
    assert result.returncode == 1
    assert "checkpoint" in result.stdout


def test_a_declarants_receipt_verifies_offline(client, tmp_path):
    code = receipt_code(declare(client, "张三"))
    build_log(client, 3)
    proof = tmp_path / "mine.tlog-proof"
    entry = tmp_path / "mine.entry"
    proof.write_bytes(client.post("/en/receipt/proof/", {"code": code}).content)
    entry.write_bytes(client.post("/en/receipt/entry/", {"code": code}).content)
    ok = audit("--receipt", str(proof), "--entry", str(entry), "--key", keys.verifier_key())
    assert ok.returncode == 0, ok.stdout + ok.stderr
    entry.write_bytes(entry.read_bytes().replace(b"person party", b"person league"))
    bad = audit("--receipt", str(proof), "--entry", str(entry), "--key", keys.verifier_key())
    assert bad.returncode == 1


def files(directory) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def test_the_gzip_export_keeps_entry_bundles_only_as_gz_and_passes_the_audit(client, tmp_path):
    build_log(client, 300)
    out = StringIO()
    call_command("log_export", "--gzip-bundles", tmp_path, stdout=out)
    assert "wrote 5 files" in out.getvalue()
    written = files(tmp_path)
    assert sorted(written) == ["checkpoint", "key", "policy", "tile/0/000", "tile/0/001.p/44",
                               "tile/1/000.p/1", "tile/entries/000.gz",
                               "tile/entries/001.p/44.gz"]
    for name in ("tile/entries/000", "tile/entries/001.p/44"):
        served = client.get(f"/log/{name}")
        assert served.status_code == 200
        assert gzip.decompress(written[name + ".gz"]) == served.content
        assert len(written[name + ".gz"]) < len(served.content) / 2
    result = audit(str(tmp_path), "--key", keys.verifier_key())
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK test.tuidang.example/log size=300")
    # The same log gives the same bytes (no time stamp in the gzip header).
    call_command("log_export", "--gzip-bundles", tmp_path / "again", stdout=StringIO())
    assert files(tmp_path / "again") == written


def test_the_gzip_export_is_incremental(client, tmp_path):
    build_log(client, 20)
    call_command("log_export", "--gzip-bundles", tmp_path, stdout=StringIO())
    first = files(tmp_path)
    old_checkpoint = tmp_path.parent / "old-checkpoint"
    old_checkpoint.write_bytes(storage.signed_checkpoint())
    out = StringIO()
    call_command("log_export", "--gzip-bundles", tmp_path, stdout=out)
    assert "wrote 0 files, kept 2 unchanged" in out.getvalue()
    assert files(tmp_path) == first
    for i in range(5):
        declare(client, f"新人{i}", f"新亲属{i}")  # names not yet declared: not held
    sequencer.drain()
    out = StringIO()
    call_command("log_export", "--gzip-bundles", tmp_path, stdout=out)
    assert "wrote 2 files, kept 0 unchanged" in out.getvalue()  # the size-20 ones stay
    grown = files(tmp_path)
    assert set(grown) - set(first) == {"tile/0/000.p/25", "tile/entries/000.p/25.gz"}
    assert all(grown[name] == data for name, data in first.items() if name != "checkpoint")
    result = audit(str(tmp_path), "--key", keys.verifier_key(), "--prev", str(old_checkpoint))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_gzip_export_over_a_plain_one_replaces_its_bundles(client, tmp_path):
    build_log(client, 10)
    call_command("log_export", tmp_path, stdout=StringIO())
    plain = (tmp_path / "tile/entries/000.p/10").read_bytes()
    call_command("log_export", "--gzip-bundles", tmp_path, stdout=StringIO())
    assert not (tmp_path / "tile/entries/000.p/10").exists()
    assert gzip.decompress((tmp_path / "tile/entries/000.p/10.gz").read_bytes()) == plain
    assert audit(str(tmp_path), "--key", keys.verifier_key()).returncode == 0


def test_a_tampered_gzip_bundle_fails_and_names_the_tile(client, tmp_path):
    build_log(client, 10)
    call_command("log_export", "--gzip-bundles", tmp_path, stdout=StringIO())
    bundle = tmp_path / "tile/entries/000.p/10.gz"
    data = bytearray(bundle.read_bytes())
    data[len(data) // 2] ^= 1
    bundle.write_bytes(bytes(data))
    result = audit(str(tmp_path), "--key", keys.verifier_key())
    assert result.returncode == 1
    assert result.stdout.startswith("FAIL tile/entries/000.p/10: "), result.stdout


def test_an_export_reads_each_bundle_once_and_completes_an_interrupted_one(
        client, tmp_path, django_assert_max_num_queries):
    build_log(client, 300)
    # The state, the witnesses' cosignatures of its checkpoint, both bundles in one query
    # (level-0 tiles are computed from them), and the level-1 tile.
    with django_assert_max_num_queries(4):
        call_command("log_export", "--gzip-bundles", tmp_path, stdout=StringIO())
    complete = files(tmp_path)
    # As if the last export had stopped part way: a tile and a bundle are missing.
    (tmp_path / "tile/0/000").unlink()
    (tmp_path / "tile/entries/001.p/44.gz").unlink()
    out = StringIO()
    call_command("log_export", "--gzip-bundles", tmp_path, stdout=out)
    assert "wrote 2 files" in out.getvalue()
    assert files(tmp_path) == complete
    result = audit(str(tmp_path), "--key", keys.verifier_key())
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_full_tile_replaces_the_partial_versions_earlier_exports_wrote(client, tmp_path):
    build_log(client, 10)
    call_command("log_export", "--gzip-bundles", tmp_path, stdout=StringIO())
    old_checkpoint = tmp_path.parent / "old-checkpoint"
    old_checkpoint.write_bytes(storage.signed_checkpoint())
    old_bundle = storage.entry_bundle(0, 10)
    for i in range(290):
        declare(client, f"后来{i}")
    sequencer.drain()
    assert storage.state().size == 300
    call_command("log_export", "--gzip-bundles", tmp_path, stdout=StringIO())
    names = set(files(tmp_path))
    assert {"tile/entries/000.gz", "tile/0/000", "tile/entries/001.p/44.gz", "tile/0/001.p/44",
            "tile/1/000.p/1"} <= names
    assert not (tmp_path / "tile/entries/000.p").exists()
    assert not (tmp_path / "tile/0/000.p").exists()
    result = audit(str(tmp_path), "--key", keys.verifier_key(), "--prev", str(old_checkpoint))
    assert result.returncode == 0, result.stdout + result.stderr
    # A client holding the old checkpoint still gets its partial tile from the application
    # (nginx passes a file it does not have on to it).
    response = client.get("/log/tile/entries/000.p/10")
    assert response.status_code == 200 and response.content == old_bundle
