"""Backups and the restore drill: back up, restore into scratch, and tuidang-audit passes.

Runs on SQLite (an online backup of the file) and on PostgreSQL (pg_dump, restored with
pg_restore into a new database on the same server, dropped afterwards).
"""

import json
import stat

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.factories import declare, person_fields
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
