"""Withdrawal withdraws: after a retraction, or a contest upheld for one person, the name is
nowhere — not in the log, the database, the pages, the open data or a fresh mirror — while
the others stay counted, and the auditor agrees with the count and with every name still
published."""

import gzip
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from tests.conftest import login_verified
from tests.factories import declaration_naming, declaration_post, person_fields, receipt_code
from tuidang.moderation.models import Contest
from tuidang.registry.models import Declaration, Status
from tuidang.stats.opendata import totals
from tuidang.transparency import keys, sequencer, storage

pytestmark = pytest.mark.django_db

AUDIT = str(Path(sys.executable).parent / "tuidang-audit")
GONE = ("欧阳撤回", "司马被冒名")  # the retracted declarant; the family member who contested
KEPT = ("司马大哥", "司马小妹")


def everything_in_the_database() -> list:
    """Every value of every row of every table, as a dump holds them."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            values += [value for row in cursor.fetchall() for value in row]
    return values


def names_in(blob: bytes | str) -> set[str]:
    data = blob if isinstance(blob, bytes) else blob.encode()
    return {name for name in (*GONE, *KEPT) if name.encode() in data}


def test_a_withdrawn_name_is_nowhere_and_the_rest_still_counts(client, mona, tmp_path):
    code = receipt_code(client.post("/en/declare/", declaration_post(
        person_fields(0, GONE[0], ["party"], region="beijing"),
        statement_title="我的声明", statement_text=f"我{GONE[0]}退出中共。")))
    client.post("/en/declare/", declaration_post(
        person_fields(0, KEPT[0], ["party"]), person_fields(1, GONE[1], ["league"]),
        person_fields(2, KEPT[1], ["pioneers"])))
    sequencer.drain()
    family = declaration_naming(KEPT[0])
    assert totals().persons == 4

    # The family member named without consent contests; a moderator upholds it for them.
    filed = client.post("/en/contest/", {"serial": family.pk, "account": "第二个人是我，我没同意"})
    reference = filed.context["reference"]
    client.logout()
    login_verified(client, mona)
    contest = Contest.objects.get()
    page = client.get(f"/en/moderation/contests/{contest.pk}/").content.decode()
    assert 'checked' not in page.split('name="who"')[1][:200]  # nothing chosen beforehand
    assert client.post(f"/en/moderation/contests/{contest.pk}/decide/", {
        "action": "uphold-contest", "who": "1", "reason": "identity confirmed"},
    ).status_code == 302
    client.logout()
    # The first declarant retracts with the receipt code.
    retracted = client.post("/en/receipt/retract/", {"code": code, "confirm": "yes"})
    assert retracted.status_code == 200
    sequencer.drain()

    family = Declaration.objects.get(pk=family.pk)
    assert family.status == Status.ACCEPTED and family.person_count == 2
    assert [p.withdrawn for p in family.persons] == [False, True, False]
    assert totals().persons == 2 and totals().declarations == 1

    # The log: every entry of every bundle.
    entries = storage.entries(set(range(storage.state().size)))
    assert not set().union(*(names_in(e) for e in entries.values()))
    # The database, every table.
    found = set()
    for value in everything_in_the_database():
        if isinstance(value, bytes | memoryview | str):
            found |= names_in(bytes(value) if not isinstance(value, str) else value)
    assert found == set(KEPT)
    # The pages and the open data.
    day = family.received_on.isoformat()
    for url in ["/en/statements/", "/zh-hans/statements/", f"/en/statements/{family.pk}/",
                f"/en/statements/{day}/", "/data/statements.json",
                "/feeds/statements.atom"]:  # (a day's file is written once the day is over)
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response) if response.streaming else response.content
        # A statement card names the first person and how many there are (声明人：X 等 N 人).
        shown = {KEPT[0]} if url.rstrip("/").endswith(("statements", day)) else set(KEPT)
        assert names_in(body) == shown, url
    # A fresh mirror.
    call_command("export_site", str(tmp_path / "mirror"), stdout=StringIO())
    mirrored = set()
    for path in (tmp_path / "mirror").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            mirrored |= names_in(gzip.decompress(data) if path.suffix == ".gz" else data)
    assert mirrored == set(KEPT)

    # The auditor recomputes the count from the log and checks every published name.
    call_command("log_export", str(tmp_path / "log"), stdout=StringIO())
    (tmp_path / "statements.json").write_bytes(client.get("/data/statements.json").content)
    audited = subprocess.run(
        [AUDIT, str(tmp_path / "log"), "--key", keys.verifier_key(), "--no-progress",
         "--published", str(tmp_path / "statements.json")], capture_output=True, text=True)
    assert audited.returncode == 0, audited.stdout + audited.stderr
    assert "persons=2 declarations=1 published=1 names=2" in audited.stdout

    # The declarant's receipt says why; the contester's reference shows the outcome.
    shown = client.post("/en/receipt/", {"code": code}).content.decode()
    assert "withdrawn by you" in shown
    outcome = client.post("/en/contest/status/", {"reference": reference}).content.decode()
    assert "Upheld" in outcome
    assert client.post("/en/contest/status/", {"reference": "AAAA-AAAA-AAAA-AAAA-AAAA"},
                       ).status_code == 404


def test_the_auditor_catches_a_name_published_after_its_revocation(client, mona, tmp_path):
    client.post("/en/declare/", declaration_post(
        person_fields(0, KEPT[0], ["party"]), person_fields(1, GONE[1], ["league"])))
    sequencer.drain()
    before = client.get("/data/statements.json").content  # still names GONE[1]
    family = Declaration.objects.get()
    login_verified(client, mona)
    client.post(f"/en/moderation/declarations/{family.pk}/decide/",
                {"action": "revoke", "who": "1", "reason": "fabricated"})
    sequencer.drain()
    call_command("log_export", str(tmp_path / "log"), stdout=StringIO())
    stale = tmp_path / "stale.json"
    stale.write_bytes(before)

    def audit(path: Path) -> subprocess.CompletedProcess:
        return subprocess.run([AUDIT, str(tmp_path / "log"), "--key", keys.verifier_key(),
                               "--no-progress", "--published", str(path)],
                              capture_output=True, text=True)

    caught = audit(stale)
    assert caught.returncode == 1 and "revoked in the log but still published" in caught.stdout
    fresh = tmp_path / "fresh.json"
    fresh.write_bytes(client.get("/data/statements.json").content)
    assert audit(fresh).returncode == 0
    forged = tmp_path / "forged.json"
    forged.write_bytes(fresh.read_bytes().replace(KEPT[0].encode(), "司马假名".encode()))
    wrong = audit(forged)
    assert wrong.returncode == 1 and "does not match the log's commitment" in wrong.stdout
