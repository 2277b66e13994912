"""The auditor (`tuidang-audit`, the console entry point) against our own log."""

import subprocess
import sys
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
    from io import StringIO

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
    entry.write_bytes(entry.read_bytes().replace("张三".encode(), "李四".encode()))
    bad = audit("--receipt", str(proof), "--entry", str(entry), "--key", keys.verifier_key())
    assert bad.returncode == 1
