"""Backups of the database and the log, and the drill that proves one can be restored.

A backup directory holds the database (`pg_dump` custom format, or a SQLite online
backup), the static copy of the log (`log_export --gzip-bundles`, as nginx serves it,
entry bundles gzip-compressed; incremental: tile files are immutable, so a rolling
backup directory only gains new ones), the uploaded media and a
manifest with checksums. The log is exported before the database is dumped, so the
dump's log always contains the exported one, which the drill proves with `--prev`.

The secrets go elsewhere (`keys_dir`): whoever holds both the database and the receipt
key can test guessed identities against it, so the two are stored apart.
"""

import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from tuidang.core.private import create_private, write_private
from tuidang.transparency import keys
from tuidang.transparency.export import export_log

MANIFEST = "manifest.json"
DUMPS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
# Secret file name in keys_dir -> the setting it holds; files restore with NAME_FILE.
SECRETS = {
    "secret_key": "SECRET_KEY",
    "receipt.key": "RECEIPT_KEY",
    "records.pub": "RECORDS_PUBLIC_KEY",
    "newsletter.key": "NEWSLETTER_KEY",
    "pow.key": "PROTECTION_POW_KEY",
}
SIGNING_KEY = "log-signing.key"


class DrillFailed(Exception):
    """A backup or restore step failed; the message says which."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise DrillFailed(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def _pg_env(db: dict, name: str | None = None) -> dict:
    """libpq's environment for pg_dump/pg_restore: no password on a command line."""
    env = {**os.environ, "PGDATABASE": name or db["NAME"]}
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"),
                     ("PGPASSWORD", "PASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _dump_database(target: Path) -> None:
    tmp = target.with_name(target.name + ".tmp")
    # The dump holds staff sessions and second-factor secrets: private from the start
    # (pg_dump and SQLite write into the file as it is, keeping its mode).
    tmp.unlink(missing_ok=True)
    create_private(tmp)
    if connection.vendor == "postgresql":
        subprocess.run(  # noqa: S603
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
             "--file", str(tmp)],
            env=_pg_env(connection.settings_dict), check=True,
        )
    else:
        # SQLite's online backup: one consistent snapshot while the service keeps writing.
        source = sqlite3.connect(connection.settings_dict["NAME"])
        copy = sqlite3.connect(tmp)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    os.replace(tmp, target)


def _write_secret(path: Path, value: str) -> None:
    write_private(path, value.strip() + "\n", overwrite=True)


def backup_keys(keys_dir: Path) -> list[str]:
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    written = []
    for filename, setting in SECRETS.items():
        value = getattr(settings, setting, None)
        if value:
            _write_secret(keys_dir / filename, value)
            written.append(filename)
    _write_secret(keys_dir / SIGNING_KEY, settings.LOG_SIGNING_KEY_FILE.read_text("ascii"))
    return [*written, SIGNING_KEY]


@dataclass(frozen=True)
class BackupResult:
    log_size: int
    database: Path


def backup(directory: Path) -> BackupResult:
    """Write (or refresh) a backup in `directory`; see the module's docstring."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    exported = export_log(directory / "log", gzip_bundles=True)
    dump = directory / DUMPS[connection.vendor]
    _dump_database(dump)
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir():
        shutil.copytree(media, directory / "media", dirs_exist_ok=True)
    manifest = {
        "database": connection.vendor,
        "file": dump.name,
        "sha256": _sha256(dump),
        "log_size": exported.size,
        "log_origin": settings.LOG_ORIGIN,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return BackupResult(exported.size, dump)


def _scratch_database(source: Path, workdir: Path) -> tuple[str, str | None]:
    """Restore the dump into a new database: (its DATABASE_URL, a PostgreSQL name to drop)."""
    if source.suffix == ".sqlite3":
        copy = workdir / "restored.sqlite3"
        shutil.copyfile(source, copy)
        return f"sqlite:///{copy}", None
    db = connection.settings_dict
    name = f"{db['NAME'][:40]}_drill_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:  # autocommit: CREATE DATABASE runs outside one
        cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
    subprocess.run(  # noqa: S603
        [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
         "--dbname", name, str(source)],
        env=_pg_env(db, name), check=True, capture_output=True,
    )
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db.get("PASSWORD") else f"{db['USER']}@"
    return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}", name


def _drop_database(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)} WITH (FORCE)")


def _child_env(database_url: str, keys_dir: Path | None) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "tuidang.settings"}
    if keys_dir is not None:  # the restored copy runs on the backed-up secrets alone
        for filename, setting in SECRETS.items():
            env.pop(setting, None)
            env.pop(f"{setting}_FILE", None)
            if (keys_dir / filename).exists():
                env[f"{setting}_FILE"] = str(keys_dir / filename)
        env["LOG_SIGNING_KEY_FILE"] = str(keys_dir / SIGNING_KEY)
    return env


def _audit(log_dir: Path, key: str, prev: Path | None = None) -> str:
    audit = [str(Path(sys.executable).parent / "tuidang-audit"), str(log_dir), "--key", key,
             "--no-progress"]
    if prev is not None:
        audit += ["--prev", str(prev)]
    result = subprocess.run(audit, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise DrillFailed(f"tuidang-audit {log_dir}: {(result.stdout + result.stderr).strip()}")
    return result.stdout.strip()


def audit_database(database_url: str, key: str, log_dir: Path, keys_dir: Path | None = None,
                   archive_dir: Path | None = None, prev: Path | None = None) -> str:
    """Export the log of a restored database into `log_dir` (a separate process, run on
    that database and, with `keys_dir`, on the backed-up secrets alone) and audit it; with
    `prev`, it must contain that older checkpoint. Archived bundles are read, checked,
    from `archive_dir` (the backed-up copy of the log). Returns the audit's line."""
    env = _child_env(database_url, keys_dir)
    if archive_dir is not None:
        env["LOG_ARCHIVE_DIR"] = str(archive_dir.resolve())
    export = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "django", "log_export", str(log_dir)],
        env=env, capture_output=True, text=True,
    )
    if export.returncode != 0:
        raise DrillFailed(f"log_export on the restored database: {export.stderr.strip()}")
    return _audit(log_dir, key, prev)


def restore_drill(directory: Path, key: str | None = None, keys_dir: Path | None = None,
                  keep: bool = False) -> list[str]:
    """Restore the backup in `directory` into a scratch database and directory, export its
    log, and audit it; returns the audit lines. Raises DrillFailed on any failure."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise DrillFailed(f"{directory / MANIFEST}: {exc}") from None
    dump = directory / manifest["file"]
    if not dump.exists() or _sha256(dump) != manifest["sha256"]:
        raise DrillFailed(f"{dump} is missing or does not match its checksum")
    if key is None and keys_dir is not None:
        from tuidang.tlog.note import Signer

        signing = (keys_dir / SIGNING_KEY).read_text("ascii").strip()
        key = Signer.from_private_key_string(signing).verifier_key_string()
    key = key or keys.verifier_key()
    workdir = Path(tempfile.mkdtemp(prefix="tuidang-drill-"))
    database_url, pg_name = _scratch_database(dump, workdir)
    try:
        lines = [
            "backed-up log: " + _audit(directory / "log", key),
            # The dump was taken after the log export: its log must contain that one.
            "restored database: " + audit_database(
                database_url, key, workdir / "log", keys_dir=keys_dir,
                archive_dir=directory / "log", prev=directory / "log/checkpoint"),
        ]
    finally:
        if pg_name and not keep:
            _drop_database(pg_name)
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    if keep:
        lines.append(f"kept: {workdir}" + (f" and database {pg_name}" if pg_name else ""))
    return lines
