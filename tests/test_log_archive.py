"""Archiving the log's full entry bundles to nginx's copy (log_export --archive)."""

import gzip
import http.server
import subprocess
import sys
import threading
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.factories import declare, receipt_code
from tests.hostile_mirror import HostileMirror
from tuidang.intake.actions import submit_declarations_bulk as submit_bulk
from tuidang.registry.actions import revoke_declaration
from tuidang.registry.models import Declaration, Revocation
from tuidang.registry.schema import DeclarationData, PersonData
from tuidang.tlog.bundle import decode_bundle, encode_bundle
from tuidang.transparency import keys, sequencer, storage
from tuidang.transparency.archive import ArchiveError, bundle_path, held_full_bundles
from tuidang.transparency.models import EntryBundle

pytestmark = pytest.mark.django_db

AUDIT = str(Path(sys.executable).parent / "tuidang-audit")


def audit(directory: Path) -> subprocess.CompletedProcess:
    return subprocess.run([AUDIT, str(directory), "--key", keys.verifier_key(), "--no-progress"],
                          capture_output=True, text=True, timeout=120)


def add(count: int, start: int = 0) -> None:
    submit_bulk([DeclarationData([PersonData(f"人{start + i}", ("party",))])
                 for i in range(count)], channel="self")
    sequencer.drain()


def export(directory: Path, *options: str) -> str:
    out = StringIO()
    call_command("log_export", "--gzip-bundles", *options, directory, stdout=out)
    return out.getvalue()


def kept_in_database() -> dict[int, bool]:
    return {index: bool(data) for index, data in
            EntryBundle.objects.order_by("index").values_list("index", "data")}


@pytest.fixture
def archive_dir(tmp_path, settings):
    settings.LOG_ARCHIVE_DIR = tmp_path / "log"
    return tmp_path / "log"


def test_it_drops_full_bundles_behind_the_edge_and_reads_them_back_checked(
        client, archive_dir, tmp_path):
    code = receipt_code(declare(client, "张三"))  # log index 0, in the first bundle
    add(900)
    before = storage.entries([0, 300, 700, 900])
    output = export(archive_dir, "--archive")
    assert "archived 2 entry bundles" in output
    # Bundle 2 is the last full one (the sequencer reads it), bundle 3 is the open one.
    assert kept_in_database() == {0: False, 1: False, 2: True, 3: True}
    assert storage.entries([0, 300, 700, 900]) == before
    assert audit(archive_dir).returncode == 0

    # A receipt of an archived entry still proves it, and a plain mirror's export, which
    # has no gzip files of its own, reads the archived entries.
    proof = tmp_path / "mine.tlog-proof"
    entry = tmp_path / "mine.entry"
    proof.write_bytes(client.post("/en/receipt/proof/", {"code": code}).content)
    entry.write_bytes(client.post("/en/receipt/entry/", {"code": code}).content)
    assert entry.read_bytes().startswith(b"tuidang/v2 declaration\n")
    checked = subprocess.run([AUDIT, "--receipt", str(proof), "--entry", str(entry),
                              "--key", keys.verifier_key()], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    call_command("log_export", tmp_path / "mirror", stdout=StringIO())
    assert audit(tmp_path / "mirror").returncode == 0
    assert (tmp_path / "mirror/tile/entries/000").read_bytes() == gzip.decompress(
        bundle_path(archive_dir, 0).read_bytes())


def test_the_sequencer_goes_on_and_revokes_an_archived_entry(archive_dir):
    add(800)
    export(archive_dir, "--archive")
    revoke_declaration(Declaration.objects.get(log_index=5), Revocation.Reason.RETRACTED)
    add(300, start=800)
    assert "archived 1 entry bundles" in export(archive_dir, "--archive")
    assert kept_in_database() == {0: False, 1: False, 2: False, 3: True, 4: True}
    result = audit(archive_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "size=1101" in result.stdout and "persons=1099" in result.stdout
    assert "archived 0 entry bundles" in export(archive_dir, "--archive")


def test_a_damaged_or_missing_archived_bundle_is_an_error_never_a_wrong_entry(archive_dir):
    add(800)
    export(archive_dir, "--archive")
    path = bundle_path(archive_dir, 0)
    entries = decode_bundle(gzip.decompress(path.read_bytes()))
    assert b"person party" in entries[3]
    entries[3] = entries[3].replace(b"person party", b"person league")
    path.write_bytes(gzip.compress(encode_bundle(entries)))
    with pytest.raises(ArchiveError, match="does not hold the entries of bundle 0"):
        storage.entries([3])
    # Each failing file is taken out of service (test_archive_quarantine.py).
    assert not path.exists()
    path.write_bytes(b"not gzip")
    with pytest.raises(ArchiveError, match=r"entries/000\.gz"):
        storage.entries([3])
    assert not path.exists()
    path.write_bytes(gzip.compress(bytes(20_000_000)))  # unpacks past any bundle
    with pytest.raises(ArchiveError, match="not one gzip file of at most an entry bundle"):
        storage.entries([3])
    assert not path.exists()
    with pytest.raises(ArchiveError, match=r"entries/000\.gz"):  # missing now
        storage.entries([3])
    assert storage.entries([300])  # the other archived bundle is intact


def test_it_releases_nothing_that_differs_on_disk(archive_dir):
    add(800)
    export(archive_dir)
    path = bundle_path(archive_dir, 1)
    good = path.read_bytes()
    path.write_bytes(gzip.compress(b"\x00\x01x"))
    with pytest.raises(CommandError, match="differs from bundle 1"):
        export(archive_dir, "--archive")
    # Bundle 0 was checked and released in the same batch as 1: neither was.
    assert kept_in_database() == {0: True, 1: True, 2: True, 3: True}
    path.write_bytes(good)
    assert "archived 2 entry bundles" in export(archive_dir, "--archive")


def test_it_refuses_to_archive_elsewhere_than_where_bundles_are_read(tmp_path, settings):
    add(800)
    settings.LOG_ARCHIVE_DIR = None
    with pytest.raises(CommandError, match="is not LOG_ARCHIVE_DIR"):
        export(tmp_path / "log", "--archive")
    settings.LOG_ARCHIVE_DIR = tmp_path / "elsewhere"
    with pytest.raises(CommandError, match="is not LOG_ARCHIVE_DIR"):
        export(tmp_path / "log", "--archive")
    with pytest.raises(CommandError, match="--gzip-bundles"):
        call_command("log_export", "--archive", tmp_path / "elsewhere", stdout=StringIO())
    assert all(kept_in_database().values())


def test_an_archived_bundle_without_the_setting_is_a_clear_error(archive_dir, settings):
    add(800)
    export(archive_dir, "--archive")
    settings.LOG_ARCHIVE_DIR = None
    with pytest.raises(ArchiveError, match="neither LOG_ARCHIVE_DIR nor LOG_ARCHIVE_URL is set"):
        storage.entries([1])


class LogServer:
    """A static /log/ over HTTP in this process, as nginx serves it: each bundle from its
    .gz file, sent gzip-encoded to a client that accepts gzip."""

    def __init__(self, directory: Path) -> None:
        self.directory, self.headers, self.tamper = directory, [], False
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.headers.append(dict(self.headers))
                path = server.directory / (self.path.removeprefix("/log/") + ".gz")
                if not path.is_file():
                    self.send_error(404)
                    return
                body = path.read_bytes()
                if server.tamper:
                    body = gzip.compress(gzip.decompress(body).replace(b"person party",
                                                                       b"person league"))
                self.send_response(200)
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/log/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def log_server(archive_dir):
    archive_dir.mkdir(parents=True, exist_ok=True)
    server = LogServer(archive_dir)
    yield server
    server.close()


def test_a_machine_without_the_directory_fetches_archived_bundles_checked(
        archive_dir, log_server, settings, tmp_path):
    add(800)
    before = storage.entries([1, 300])
    export(archive_dir, "--archive")
    # Another machine: an empty directory of its own, nginx's /log/ as the source.
    settings.LOG_ARCHIVE_DIR = tmp_path / "elsewhere"
    settings.LOG_ARCHIVE_URL = log_server.url
    assert storage.entries([1, 300]) == before
    assert len(log_server.headers) == 2
    assert all(h["X-Tuidang-Archive"] == "1" and "gzip" in h["Accept-Encoding"]
               for h in log_server.headers)
    settings.LOG_ARCHIVE_DIR = None
    assert storage.entries([1]) == {1: before[1]}
    log_server.tamper = True  # whatever the source sends is checked against the database
    with pytest.raises(ArchiveError, match="does not hold the entries of bundle 0"):
        storage.entries([1])
    log_server.close()
    with pytest.raises(ArchiveError, match="tile/entries/000"):
        storage.entries([1])


@pytest.mark.parametrize(("mode", "reason"), [
    ("endless", "body larger than"),
    ("drip", "too slow"),
    ("redirect-host", "redirect to another origin refused"),
    ("huge-length", "Content-Length 1000000000000 is larger than"),
])
def test_an_archive_url_that_misbehaves_is_an_error_within_its_deadline(
        mode, reason, archive_dir, settings, tmp_path, monkeypatch):
    add(800)  # bundle 0 archived: the last full bundle stays in the database
    export(archive_dir, "--archive")
    settings.LOG_ARCHIVE_DIR = tmp_path / "elsewhere"
    monkeypatch.setattr("tuidang.transparency.archive.FETCH_TIMEOUT", 2.0)
    with HostileMirror(archive_dir, mode, "tile/entries/000") as mirror:
        settings.LOG_ARCHIVE_URL = mirror.url
        started = time.monotonic()
        with pytest.raises(ArchiveError, match=reason):
            storage.entries([1])
    assert time.monotonic() - started < 5
    assert set(mirror.hosts) == {mirror.url.split("/")[2]}


def test_a_fetch_that_nginx_passed_on_is_never_passed_on_again(
        client, archive_dir, log_server, settings, tmp_path):
    add(800)
    export(archive_dir, "--archive")
    settings.LOG_ARCHIVE_DIR = tmp_path / "elsewhere"  # this machine lacks the file
    settings.LOG_ARCHIVE_URL = log_server.url
    # A browser's request: the application reads the archive, through the URL.
    assert client.get("/log/tile/entries/000").status_code == 200
    assert len(log_server.headers) == 1
    # Another machine's fetch, passed on by nginx: not fetched in turn (no loop).
    response = client.get("/log/tile/entries/000", HTTP_X_TUIDANG_ARCHIVE="1")
    assert response.status_code == 404
    assert len(log_server.headers) == 1
    settings.LOG_ARCHIVE_DIR = archive_dir  # the machine that has it answers it
    response = client.get("/log/tile/entries/000", HTTP_X_TUIDANG_ARCHIVE="1")
    assert response.status_code == 200
    assert response.content == gzip.decompress(bundle_path(archive_dir, 0).read_bytes())


def test_a_release_reads_only_the_bundles_still_held(archive_dir):
    # 5,000 archived bundles (20 years of a busy log's archive at a smaller scale) and
    # three held: the release's query must go through the index of held bundles, not
    # walk the archived rows from bundle 0 as it did.
    EntryBundle.objects.bulk_create(
        [EntryBundle(index=index, count=256, data=b"") for index in range(5000)]
        + [EntryBundle(index=index, count=256, data=b"x") for index in range(5000, 5003)])
    query, params = held_full_bundles(0, 5002)[:64].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        cursor.execute(explain + query, params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "entrybundle_held" in plan, plan
    assert list(held_full_bundles(0, 5002)) == [(5000, b"x"), (5001, b"x")]
