"""Backups and the restore drill: back up, restore into scratch, and tuidang-audit passes.

Runs on SQLite (an online backup of the file) and on PostgreSQL (pg_dump, restored with
pg_restore into a new database on the same server, dropped afterwards).
"""

import json
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.factories import declare, person_fields
from tests.service import ROOT, child_env, free_port
from tuidang.registry.models import Declaration
from tuidang.tlog.note import generate_signer

pytestmark = pytest.mark.django_db(transaction=True)


def drill_databases() -> list[str]:
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", ["%\\_drill\\_%"])
        return [row[0] for row in cursor.fetchall()]


def run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def sequenced_declarations(client):
    declare(client, "张三", "李四")
    declare(client, "王五")
    client.post("/en/declare/", {  # a second organization, so the tally has some shape
        "persons-TOTAL_FORMS": "1", "persons-INITIAL_FORMS": "0",
        "persons-MIN_NUM_FORMS": "1", "persons-MAX_NUM_FORMS": "50", "submit": "1",
        **person_fields(0, "赵六", ["league", "pioneers"]),
    })
    run("sequencer", "--once")
    assert Declaration.objects.filter(log_index__isnull=False).count() == 3


def test_it_backs_up_restores_into_scratch_and_the_audit_passes(
    sequenced_declarations, client, tmp_path
):
    backup_dir, keys_dir = tmp_path / "backup", tmp_path / "keys"
    before = set(drill_databases())
    output = run("backup", str(backup_dir), "--keys-dir", str(keys_dir))
    assert "size 3" in output
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["database"] == connection.vendor
    assert manifest["log_size"] == 3
    assert (backup_dir / manifest["file"]).stat().st_size > 0
    assert (backup_dir / "log/checkpoint").read_bytes().split(b"\n")[1] == b"3"
    # The log as nginx serves it: entry bundles gzip-compressed only.
    assert (backup_dir / "log/tile/entries/000.p/3.gz").exists()
    assert not (backup_dir / "log/tile/entries/000.p/3").exists()
    # The secrets are apart from the database and readable by their owner only.
    assert not (backup_dir / "receipt.key").exists()
    for name in ("secret_key", "receipt.key", "records.pub", "log-signing.key"):
        assert stat.S_IMODE((keys_dir / name).stat().st_mode) == 0o600

    # What happens after the backup is not in it; the drill still passes on the backup.
    declare(client, "后来")
    run("sequencer", "--once")

    output = run("restore_drill", str(backup_dir), "--keys-dir", str(keys_dir))
    assert "restore drill passed" in output
    lines = output.splitlines()
    restored = next(line for line in lines if line.startswith("restored database: "))
    assert "OK test.tuidang.example/log size=3 persons=4 declarations=3" in restored
    assert set(drill_databases()) == before  # the scratch database was dropped


def test_it_refreshes_a_backup_incrementally(sequenced_declarations, client, tmp_path):
    run("backup", str(tmp_path / "backup"))
    declare(client, "孙七")
    run("sequencer", "--once")
    run("backup", str(tmp_path / "backup"))
    assert json.loads((tmp_path / "backup/manifest.json").read_text())["log_size"] == 4
    output = run("restore_drill", str(tmp_path / "backup"))
    assert "size=4 persons=5" in output


def test_it_fails_the_drill_on_a_damaged_dump_or_the_wrong_key(
    sequenced_declarations, tmp_path
):
    backup_dir = tmp_path / "backup"
    run("backup", str(backup_dir))
    other_key = generate_signer("test.tuidang.example/log").verifier_key_string()
    with pytest.raises(CommandError, match="tuidang-audit"):
        run("restore_drill", str(backup_dir), "--key", other_key)

    dump = backup_dir / json.loads((backup_dir / "manifest.json").read_text())["file"]
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="checksum"):
        run("restore_drill", str(backup_dir))


def test_the_drill_reads_archived_bundles_from_the_backed_up_log(tmp_path, settings):
    from tuidang.intake.actions import submit_declarations_bulk
    from tuidang.registry.schema import DeclarationData, PersonData
    from tuidang.transparency import sequencer
    from tuidang.transparency.models import EntryBundle

    submit_declarations_bulk([DeclarationData([PersonData(f"人{i}", ("party",))])
                              for i in range(800)], channel="self")
    sequencer.drain()
    settings.LOG_ARCHIVE_DIR = tmp_path / "public-log"
    run("log_export", "--gzip-bundles", "--archive", str(tmp_path / "public-log"))
    assert EntryBundle.objects.filter(data=b"").count() == 2
    run("backup", str(tmp_path / "backup"))
    # The backup holds every bundle; the restored database, only the last two.
    output = run("restore_drill", str(tmp_path / "backup"))
    assert "restored database: OK test.tuidang.example/log size=800 persons=800" in output
    assert "restore drill passed" in output


# -- Point-in-time recovery from pgBackRest's WAL archive (deploy/pgbackrest, issue 24) --

DECLARE = """
from tuidang.intake.actions import submit_declarations_bulk
from tuidang.registry.schema import DeclarationData, PersonData
from tuidang.transparency import sequencer
receipts = submit_declarations_bulk(
    [DeclarationData([PersonData("{prefix}" + str(i), ("party",))]) for i in range({count})],
    channel="self")
assert len(receipts) == {count}
if {sequence}:
    sequencer.drain()
"""


def as_postgres(*argv: str) -> subprocess.CompletedProcess:
    """PostgreSQL and pgBackRest refuse to run as root."""
    result = subprocess.run(["runuser", "-u", "postgres", "--", *argv],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{argv}: {result.stdout}{result.stderr}"
    return result


def postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda path: int(path.parent.parent.name))
    if not found or shutil.which("pgbackrest") is None or shutil.which("runuser") is None:
        pytest.skip("PostgreSQL's server programs, pgbackrest or runuser are not installed")
    return found[-1].parent


class Cluster:
    """A scratch PostgreSQL cluster of its own, archiving into a pgBackRest repository,
    configured with the files of deploy/ (paths and port rewritten)."""

    def __init__(self, base: Path, bin_dir: Path) -> None:
        self.base, self.bin = base, bin_dir
        self.config = base / "pgbackrest.conf"
        text = (ROOT / "deploy/pgbackrest/pgbackrest.conf").read_text()
        for old, new in (("/var/lib/pgbackrest", f"{base}/repo"), ("CHANGE-ME", "drill-" * 8),
                         ("/var/spool/pgbackrest", f"{base}/spool"),
                         ("/var/lib/postgresql/15/main", f"{base}/data")):
            text = text.replace(old, new)
        self.config_text = text + f"pg1-socket-path={base}\nlog-path={base}\nlock-path={base}\n"
        self.pgbackrest = ["pgbackrest", f"--config={self.config}", "--stanza=tuidang"]

    def url(self, port: int, name: str = "tuidang") -> str:
        return f"postgres://postgres@127.0.0.1:{port}/{name}"

    def init(self, port: int) -> None:
        self.config.write_text(self.config_text + f"pg1-port={port}\n")
        shutil.chown(self.config, "postgres")
        as_postgres(str(self.bin / "initdb"), "-D", str(self.base / "data"), "-A", "trust",
                    "-U", "postgres", "--no-sync")
        archiving = (ROOT / "deploy/postgresql/archiving.conf").read_text().replace(
            "pgbackrest ", f"pgbackrest --config={self.config} ")
        with open(self.base / "data/postgresql.conf", "a") as conf:
            conf.write(f"\nport = {port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.base}'\nwal_level = replica\n"
                       f"{archiving}\n")

    def start(self, data: str, port: int) -> None:
        as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.base / data), "-w", "-t", "120",
                    "-l", str(self.base / f"{data}.log"), "-o", f"-p {port}", "start")

    def stop(self, data: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(self.bin / "pg_ctl"), "-D",
                        str(self.base / data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=120)

    def sql(self, port: int, query: str) -> str:
        result = subprocess.run(["psql", self.url(port), "-X", "-q", "-t", "-A", "-v",
                                 "ON_ERROR_STOP=1", "-c", query],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()


def manage(database_url: str, *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, timeout=300,
                            env=child_env(DATABASE_URL=database_url), capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.deploy
def test_it_restores_to_a_point_in_time_from_the_wal_archive(tmp_path):
    bin_dir = postgres_bin()
    # Not under pytest's temporary directory, which the postgres user may not enter.
    base = Path(tempfile.mkdtemp(prefix="tuidang-pitr-"))
    shutil.chown(base, "postgres", "postgres")
    cluster = Cluster(base, bin_dir)
    port, restored_port = free_port(), free_port()
    try:
        cluster.init(port)
        cluster.start("data", port)
        as_postgres(*cluster.pgbackrest, "stanza-create")
        as_postgres(*cluster.pgbackrest, "check")
        subprocess.run(["createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                        "tuidang"], check=True, timeout=60)
        url = cluster.url(port)
        manage(url, "migrate", "-v", "0")
        as_postgres(*cluster.pgbackrest, "--type=full", "backup")
        # After the backup: declarations receipted and published, then some receipted
        # only (the sequencer has not come yet); the point; then more.
        manage(url, "shell", "-c", DECLARE.format(prefix="甲", count=300, sequence=True))
        manage(url, "shell", "-c", DECLARE.format(prefix="乙", count=7, sequence=False))
        before = cluster.sql(port, "SELECT string_agg(id::text, ',' ORDER BY id) "
                                   "FROM registry_declaration").split(",")
        assert len(before) == 307
        cluster.sql(port, "SELECT pg_create_restore_point('drill')")
        manage(url, "shell", "-c", DECLARE.format(prefix="丙", count=5, sequence=True))
        cluster.sql(port, "SELECT pg_switch_wal()")
        as_postgres(*cluster.pgbackrest, "check")  # waits until that segment is archived
        cluster.stop("data")  # the machine is lost

        as_postgres(*cluster.pgbackrest, f"--pg1-path={base}/restored", "--type=name",
                    "--target=drill", "--target-action=promote", "--archive-mode=off",
                    "restore")
        cluster.start("restored", restored_port)
        restored = cluster.url(restored_port)
        deadline = time.monotonic() + 60
        while cluster.sql(restored_port, "SELECT pg_is_in_recovery()") != "f":
            assert time.monotonic() < deadline, "the restored cluster was not promoted"
            time.sleep(0.5)
        after = cluster.sql(restored_port, "SELECT string_agg(id::text, ',' ORDER BY id) "
                                           "FROM registry_declaration").split(",")
        assert after == before  # every receipted declaration up to the point, none after
        # The restored service publishes what was receipted but not yet in the log, and
        # the log exported from the restored database passes the audit.
        manage(restored, "sequencer", "--once")
        output = manage(restored, "restore_drill", "--restored-database", restored)
        assert "restored database: OK test.tuidang.example/log size=307 persons=307" in output
        assert "restore drill passed" in output
    finally:
        cluster.stop("restored")
        cluster.stop("data")
        shutil.rmtree(base, ignore_errors=True)
