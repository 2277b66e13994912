"""Secrets, the database and var/ are private from their first byte (issue 19): nothing
relies on a chmod after the file was written, even under a umask that lets anyone read."""

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.service import ROOT, child_env
from tuidang.transparency import sequencer

pytestmark = pytest.mark.django_db


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask(monkeypatch):
    """A umask that creates files readable and writable by everyone, and no chmod: what
    was not created private stays world-readable."""
    old = os.umask(0)
    monkeypatch.setattr(Path, "chmod", lambda self, mode: None)
    monkeypatch.setattr(os, "chmod", lambda *args, **kwargs: None)
    yield
    os.umask(old)


def test_the_log_signing_key_is_private_from_the_first_byte(tmp_path, open_umask):
    path = tmp_path / "keys" / "log-signing.key"
    call_command("tlog_keygen", path=path, stdout=io.StringIO())
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700


def test_the_records_private_key_is_private_from_the_first_byte(tmp_path, open_umask):
    private = tmp_path / "offline" / "records.key"
    call_command("records_keygen", private_key_out=private,
                 public_key_out=tmp_path / "records.pub", stdout=io.StringIO())
    assert mode(private) == 0o600


def test_backed_up_keys_and_database_are_private(tmp_path, open_umask):
    sequencer.drain()
    call_command("backup", str(tmp_path / "backup"), keys_dir=tmp_path / "keys",
                 stdout=io.StringIO())
    for path in (tmp_path / "keys").iterdir():
        assert mode(path) == 0o600, path
    dump = next(p for p in (tmp_path / "backup").iterdir() if p.name.startswith("database"))
    assert mode(dump) == 0o600


def run_python(code: str, **env: str) -> None:
    subprocess.run([sys.executable, "-c", f"import os; os.umask(0o022); {code}"], cwd=ROOT,
                   env=child_env(**env), check=True, timeout=120)


def test_make_run_s_var_secrets_and_database_are_private(tmp_path):
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    old_database = var / "tuidang.sqlite3"
    old_database.write_text("")
    old_database.chmod(0o644)
    env = {"TUIDANG_VAR_DIR": str(var)}
    for name in ("SECRET_KEY", "RECEIPT_KEY", "RECORDS_PUBLIC_KEY"):
        env[name] = ""
    run_python("from tuidang.localkeys import main; main()", **env)
    assert mode(var) == 0o700
    assert mode(old_database) == 0o600
    for name in ("secret_key", "receipt.key", "records-private.key", "records.pub"):
        assert mode(var / name) == 0o600, name
    # A new SQLite database, with its WAL, shared memory and writer lock.
    database = tmp_path / "new.sqlite3"
    run_python(
        "import django; django.setup(); from django.db import connection, transaction\n"
        "with transaction.atomic():\n"
        "    connection.cursor().execute('CREATE TABLE t (x INTEGER)')\n"
        "    connection.cursor().execute('INSERT INTO t VALUES (1)')\n"
        "assert os.path.exists(connection.settings_dict['NAME'] + '-wal')",
        DATABASE_URL=f"sqlite:///{database}", DJANGO_SETTINGS_MODULE="tuidang.settings_test")
    files = sorted(tmp_path.glob("new.sqlite3*"))
    assert {p.name for p in files} >= {"new.sqlite3", "new.sqlite3-writer.lock"}
    for path in files:
        assert mode(path) == 0o600, path
