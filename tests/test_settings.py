"""Settings come from the environment and fail loudly on bad values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_settings(tmp_path, **env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_KEY", "RECEIPT_KEY",
                                                                      "DATABASE_URL", "DEBUG"))}
    base.update({"TUIDANG_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "tuidang.settings"})
    base.update(env)
    code = "import django; django.setup(); from django.conf import settings; " \
           "print(settings.DATABASES['default']['ENGINE'], settings.DEBUG)"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=base,
                          capture_output=True, text=True, timeout=60)


GOOD = {"SECRET_KEY": "s" * 50, "RECEIPT_KEY": "r" * 40}


def test_it_starts_with_good_values_on_sqlite_without_debug(tmp_path):
    result = load_settings(tmp_path, **GOOD)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["tuidang.core.sqlite", "False"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RECEIPT_KEY": "r" * 40}, "SECRET_KEY or SECRET_KEY_FILE must be set"),
        ({"SECRET_KEY": "s" * 50}, "RECEIPT_KEY or RECEIPT_KEY_FILE"),
        ({**GOOD, "RECEIPT_KEY": "short"}, "at least 32 characters"),
        ({**GOOD, "DEBUG": "maybe"}, "DEBUG must be one of"),
        ({**GOOD, "SQLITE_BUSY_TIMEOUT": "soon"}, "SQLITE_BUSY_TIMEOUT must be a whole number"),
        ({**GOOD, "LOG_ARCHIVE_DIR": "var/log"}, "LOG_ARCHIVE_DIR must be an absolute path"),
        ({**GOOD, "LOG_ARCHIVE_URL": "file:///var/log"}, "LOG_ARCHIVE_URL must be an http"),
        ({**GOOD, "LOG_ARCHIVE_URL": "https://"}, "LOG_ARCHIVE_URL must be an http"),
        ({**GOOD, "PUBLISH_INTERVAL": "0"}, "PUBLISH_INTERVAL must be between"),
        ({**GOOD, "DATABASE_URL": "mysql://x@y/z"}, "unsupported engine"),
        ({**GOOD, "DATABASE_URL": "nonsense"}, "DATABASE_URL"),
        ({**GOOD, "SECRET_KEY_FILE": "/nonexistent/key"}, "set SECRET_KEY or SECRET_KEY_FILE"),
        ({"RECEIPT_KEY": "r" * 40, "SECRET_KEY_FILE": "/nonexistent/key"}, "does not exist"),
    ],
)
def test_it_fails_loudly_on_bad_values(tmp_path, env, message):
    result = load_settings(tmp_path, **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_it_reads_secrets_from_files_in_the_var_dir(tmp_path):
    (tmp_path / "secret_key").write_text("f" * 50)
    (tmp_path / "receipt.key").write_text("k" * 40)
    assert load_settings(tmp_path).returncode == 0


def test_sqlite_runs_in_wal_mode_with_full_sync(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 2  # FULL


@pytest.mark.postgres
def test_postgres_commits_synchronously(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
