"""An archived bundle that fails its check (issue 24) is logged once and taken out of
service: moved out of the directory nginx serves, so nginx asks the application, which
answers 503 without caching, until a good copy is put back."""

import gzip
import logging
import re
import subprocess

import pytest

from tests.service import free_port, start, wait_for
from tests.test_deploy_files import get, need, nginx_config, stop
from tests.test_log_archive import add, export
from tuidang.tlog.bundle import decode_bundle, encode_bundle
from tuidang.transparency.archive import bundle_path, quarantine_dir


def tamper(path) -> bytes:
    """Turn a person's Party into the League in the bundle at `path`; the good bytes."""
    good = path.read_bytes()
    entries = decode_bundle(gzip.decompress(good))
    entries[3] = entries[3].replace(b"person party", b"person league")
    path.write_bytes(gzip.compress(encode_bundle(entries)))
    return good


@pytest.mark.django_db
def test_it_takes_a_tampered_bundle_out_of_service_and_answers_503(
        client, tmp_path, settings, caplog):
    archive = tmp_path / "public/log"
    settings.LOG_ARCHIVE_DIR = archive
    add(800)
    export(archive, "--archive")
    path = bundle_path(archive, 0)
    good = tamper(path)
    with caplog.at_level(logging.INFO, "tuidang"):
        for _ in range(3):
            response = client.get("/log/tile/entries/000")
            assert response.status_code == 503
            assert response["Cache-Control"] == "no-store"
    # One line, for the move: not one per request (django.request's go nowhere: settings).
    [record] = [r for r in caplog.records if r.name.startswith("tuidang")]
    line = record.getMessage()
    assert record.levelname == "ERROR"
    assert "tile/entries/000 failed its check and was moved to" in line
    assert not re.search(r"\d\d:\d\d", line)
    # Out of what nginx serves, kept for the operator to look at.
    assert not path.exists()
    assert bundle_path(quarantine_dir(archive), 0).exists()
    assert not quarantine_dir(archive).is_relative_to(archive)
    # The other bundle is untouched; a good copy put back is served at once, for a year.
    assert client.get("/log/tile/entries/001").status_code == 200
    path.write_bytes(good)
    response = client.get("/log/tile/entries/000")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.deploy
@pytest.mark.django_db(transaction=True)
def test_nginx_stops_serving_a_bundle_that_failed_its_check(tmp_path, settings):
    nginx = need("nginx")
    archive = tmp_path / "public/log"
    settings.LOG_ARCHIVE_DIR = archive
    add(800)
    export(archive, "--archive")
    path = bundle_path(archive, 0)
    good = tamper(path)
    app_port = free_port()
    ports = {name: free_port() for name in ("http", "https", "onion", "plain")}
    config = nginx_config(tmp_path, app_port, ports)
    service = start(["runservice"], PORT=str(app_port), LOG_ARCHIVE_DIR=str(archive))
    proxy = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(config), "-g", "daemon off;"])
    base = f"http://127.0.0.1:{ports['plain']}"
    try:
        wait_for(f"http://127.0.0.1:{app_port}/count.json")
        wait_for(base + "/log/checkpoint")
        # Before anyone checked it, nginx serves what is on disk: the altered file.
        status, headers, body = get(base + "/log/tile/entries/000")
        assert status == 200 and body != gzip.decompress(good)  # unpacked by nginx
        # The application reads it (a proof, an audit page, a mirror's export: here the
        # tile asked of the application directly) and takes it out of service.
        status, headers, _ = get(f"http://127.0.0.1:{app_port}/log/tile/entries/000")
        assert status == 503 and headers["Cache-Control"] == "no-store"
        # Now nginx has no file and asks the application: 503, not cached, never immutable.
        status, headers, _ = get(base + "/log/tile/entries/000")
        assert status == 503
        assert headers["Cache-Control"] == "no-store"
        assert get(base + "/log/tile/entries/001")[0] == 200
        path.write_bytes(good)
        status, headers, _ = get(base + "/log/tile/entries/000")
        assert status == 200 and "immutable" in headers["Cache-Control"]
    finally:
        stop(service, proxy)
