"""The files in deploy/: nginx in front of the real service, the torrc, the systemd units.

nginx runs for real (Debian's nginx-light) on free ports in front of `runservice`, with
the paths of deploy/nginx rewritten into a temporary directory; tor and systemd only
check their files. Each test is skipped where its program is not installed.
"""

import gzip
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.factories import declare
from tests.service import ROOT, free_port, start, wait_for
from tuidang.intake.actions import submit_declarations_bulk
from tuidang.registry.schema import DeclarationData, PersonData
from tuidang.transparency import archive, keys, storage

DEPLOY = ROOT / "deploy"


pytestmark = pytest.mark.deploy

def need(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        pytest.skip(f"{program} is not installed")
    return path


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs) -> None:
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def get(url: str) -> tuple[int, Message, bytes]:
    """Status, headers (names case-insensitive: granian sends them in lower case), body."""
    try:
        with OPENER.open(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def get_raw(url: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    """A GET sending only `headers` (urllib adds Accept-Encoding: identity), body read."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    connection.putrequest("GET", parts.path, skip_accept_encoding=True)
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def audit(url: str) -> subprocess.CompletedProcess:
    program = str(Path(sys.executable).parent / "tuidang-audit")
    return subprocess.run([program, url, "--key", keys.verifier_key(), "--no-progress"],
                          capture_output=True, text=True, timeout=120)


def nginx_config(tmp: Path, app_port: int, ports: dict[str, int]) -> Path:
    """deploy/nginx installed into tmp, pointed at tmp's directories and free ports."""
    (tmp / "snippets").mkdir()
    for name in ("tuidang-locations.conf", "tuidang-proxy.conf"):
        text = (DEPLOY / "nginx" / name).read_text()
        text = text.replace("/var/lib/tuidang/public", str(tmp / "public"))
        text = text.replace("/var/lib/tuidang/static/", f"{settings.STATIC_ROOT}/")
        (tmp / "snippets" / name).write_text(text)
    site = (DEPLOY / "nginx" / "tuidang.conf").read_text()
    site = site.replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{ports['http']};")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{ports['https']} ssl http2;")
    site = site.replace("listen 127.0.0.1:8081 proxy_protocol;",
                        f"listen 127.0.0.1:{ports['onion']} proxy_protocol;")
    site = "\n".join(line for line in site.splitlines() if "listen [::]" not in line)
    site = site.replace("/etc/tuidang/tls/fullchain.pem", str(tmp / "c.pem"))
    site = site.replace("/etc/tuidang/tls/privkey.pem", str(tmp / "k.pem"))
    if "plain" in ports:
        # As a machine on the private network reads the log (LOG_ARCHIVE_URL): plain
        # HTTP, without TLS, and without the PROXY protocol only tor speaks.
        site += f"""
server {{
    listen 127.0.0.1:{ports['plain']};
    access_log off;
    error_log /dev/null;
    set $tuidang_client $remote_addr;
    include snippets/tuidang-locations.conf;
}}
"""
    (tmp / "tuidang.conf").write_text(site)
    subprocess.run(
        [need("openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-subj", "/CN=tuidang.example", "-days", "1",
         "-keyout", str(tmp / "k.pem"), "-out", str(tmp / "c.pem")],
        check=True, capture_output=True,
    )
    temp = tmp / "temp"
    main = tmp / "nginx.conf"
    # The http-level access log is on, as in Debian's nginx.conf: the site must turn it off.
    main.write_text(f"""
user root;
pid {tmp}/nginx.pid;
error_log {tmp}/main-error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log {tmp}/access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include tuidang.conf;
}}
""")
    temp.mkdir()
    return main


@pytest.mark.django_db(transaction=True)
def test_it_serves_the_log_from_disk_and_the_rest_from_the_app(client, tmp_path, settings):
    nginx = need("nginx")
    declare(client, "张三")
    call_command("sequencer", "--once")
    settings.LOG_ARCHIVE_DIR = tmp_path / "public/log"
    call_command("log_export", "--gzip-bundles", "--archive",  # as deployed
                 str(tmp_path / "public/log"))
    bundle = storage.entry_bundle(0, 1)
    declare(client, "李四")
    call_command("sequencer", "--once")  # the app is one entry ahead of the export now

    app_port = free_port()
    ports = {name: free_port() for name in ("http", "https", "onion", "plain")}
    config = nginx_config(tmp_path, app_port, ports)
    check = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(config)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    service = start(["runservice"], PORT=str(app_port),
                    LOG_ARCHIVE_DIR=str(tmp_path / "public/log"))
    proxy = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(config), "-g", "daemon off;"])
    base = f"http://127.0.0.1:{ports['plain']}"
    try:
        wait_for(f"http://127.0.0.1:{app_port}/count.json")
        wait_for(base + "/count.json")

        # An exported tile: from disk, immutable, binary, readable from any origin.
        status, headers, body = get(base + "/log/tile/0/000.p/1")
        assert status == 200
        assert body == (tmp_path / "public/log/tile/0/000.p/1").read_bytes()
        assert headers["Content-Type"] == "application/octet-stream"
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert headers["Access-Control-Allow-Origin"] == "*"
        assert "X-Frame-Options" not in headers  # nginx's answer, not Django's
        # An exported entry bundle, on disk only as .gz: sent as it is to a client that
        # accepts gzip, unpacked for one that does not; the same headers either way.
        gzipped = (tmp_path / "public/log/tile/entries/000.p/1.gz").read_bytes()
        assert not (tmp_path / "public/log/tile/entries/000.p/1").exists()
        for sent in ({}, {"Accept-Encoding": "identity"}, {"Accept-Encoding": "gzip"}):
            response = get_raw(base + "/log/tile/entries/000.p/1", sent)
            assert response.status == 200
            if sent.get("Accept-Encoding") == "gzip":
                assert response.getheader("Content-Encoding") == "gzip"
                assert response.body == gzipped and gzip.decompress(response.body) == bundle
            else:
                assert response.getheader("Content-Encoding") is None
                assert response.body == bundle
            assert response.getheader("Content-Type") == "application/octet-stream"
            assert response.getheader("Cache-Control") == "public, max-age=31536000, immutable"
            assert response.getheader("Access-Control-Allow-Origin") == "*"
            assert response.getheader("Vary") == "Accept-Encoding"
            assert response.getheader("X-Frame-Options") is None
        # A tile not exported yet: the application answers it.
        status, headers, body = get(base + "/log/tile/entries/000.p/2")
        assert status == 200 and body == storage.entry_bundle(0, 2)
        assert headers["X-Frame-Options"] == "DENY"  # Django's
        # Nor is a directory of the export nginx's to list or refuse.
        status, headers, _ = get(base + "/log/tile/entries/")
        assert status == 404 and headers["X-Frame-Options"] == "DENY"
        # The auditor reads the whole log through nginx, disk and application mixed.
        result = audit(base + "/log/")
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.startswith("OK test.tuidang.example/log size=2 ")
        # The checkpoint is the application's, never older than the database.
        status, headers, body = get(base + "/log/checkpoint")
        assert body.split(b"\n")[1] == b"2"
        assert headers["Content-Type"] == "text/plain; charset=utf-8"
        status, headers, body = get(base + "/log/key")
        assert status == 200 and headers["Content-Type"] == "text/plain; charset=utf-8"
        # Static files from STATIC_ROOT (collected by runservice), pages from the app.
        status, headers, _ = get(base + "/static/css/site.css")
        assert status == 200 and headers["Content-Type"] == "text/css"
        status, _, page = get(base + "/en/")
        assert status == 200 and b"<html" in page
        # The clearnet server sends plain HTTP on to HTTPS.
        status, headers, _ = get(f"http://127.0.0.1:{ports['http']}/en/")
        assert status == 301 and headers["Location"].startswith("https://")

        # With the application down, the exported checkpoint and tiles still serve.
        service.send_signal(signal.SIGINT)
        service.communicate(timeout=30)
        status, headers, body = get(base + "/log/checkpoint")
        assert status == 200 and body.split(b"\n")[1] == b"1"
        assert headers["Content-Type"] == "text/plain; charset=utf-8"
        assert get(base + "/log/tile/entries/000.p/1")[0] == 200
        result = audit(base + "/log/")
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.startswith("OK test.tuidang.example/log size=1 ")
    finally:
        stop(service, proxy)
    # No request was logged anywhere.
    assert not (tmp_path / "access.log").exists() or not (tmp_path / "access.log").read_text()


def stop(service: subprocess.Popen, proxy: subprocess.Popen) -> None:
    if service.poll() is None:
        service.send_signal(signal.SIGINT)
        try:
            service.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(service.pid, signal.SIGKILL)  # runservice and its children
            service.communicate()
    proxy.send_signal(signal.SIGQUIT)
    proxy.wait(timeout=20)


@pytest.mark.django_db(transaction=True)
def test_another_machine_reads_archived_bundles_through_nginx(tmp_path, settings):
    nginx = need("nginx")
    submit_declarations_bulk([DeclarationData([PersonData(f"人{i}", ("party",))])
                              for i in range(800)], channel="self")
    call_command("sequencer", "--once")
    public_log = tmp_path / "public/log"
    settings.LOG_ARCHIVE_DIR = public_log
    call_command("log_export", "--gzip-bundles", "--archive", str(public_log))
    expected = storage.entries([5, 300])
    app_port = free_port()
    ports = {name: free_port() for name in ("http", "https", "onion", "plain")}
    config = nginx_config(tmp_path, app_port, ports)
    log_url = f"http://127.0.0.1:{ports['plain']}/log/"
    # Every machine with both settings, as in deploy/tuidang.env.example.
    service = start(["runservice"], PORT=str(app_port), LOG_ARCHIVE_DIR=str(public_log),
                    LOG_ARCHIVE_URL=log_url)
    proxy = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(config), "-g", "daemon off;"])
    try:
        wait_for(log_url.replace("/log/", "/count.json"))
        # This process plays a machine without the directory: nginx's disk answers it.
        settings.LOG_ARCHIVE_DIR = tmp_path / "not-here"
        settings.LOG_ARCHIVE_URL = log_url
        assert storage.entries([5, 300]) == expected
        # A bundle missing from nginx's disk: nginx asks the application, which has no
        # copy either and does not ask nginx in turn (it would, again and again, until
        # every thread waited on another): a 404 at once, not a time-out.
        archive.bundle_path(public_log, 0).unlink()
        with pytest.raises(archive.ArchiveError, match="missing"):
            storage.entries([5])
    finally:
        stop(service, proxy)


def test_the_torrc_snippet_is_valid(tmp_path):
    tor = need("tor")
    hidden = tmp_path / "hidden"
    hidden.mkdir(mode=0o700)
    torrc = (DEPLOY / "tor/torrc").read_text().replace("/var/lib/tor/tuidang/", f"{hidden}/")
    (tmp_path / "torrc").write_text(f"DataDirectory {tmp_path / 'data'}\n{torrc}")
    result = subprocess.run([tor, "--verify-config", "-f", str(tmp_path / "torrc")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout
    assert "Configuration was valid" in result.stdout


def test_the_systemd_units_are_valid(tmp_path):
    analyze = need("systemd-analyze")
    units = []
    for unit in sorted((DEPLOY / "systemd").glob("tuidang-*.*")):
        if unit.is_dir():
            continue
        # Point the units at this checkout, where the executables they name exist.
        text = unit.read_text().replace("/opt/tuidang", str(ROOT))
        (tmp_path / unit.name).write_text(text)
        units.append(str(tmp_path / unit.name))
    assert {Path(u).name for u in units} >= {
        "tuidang-web.service", "tuidang-sequencer.service", "tuidang-worker.service",
        "tuidang-log-export.timer", "tuidang-backup.timer", "tuidang-restore-drill.timer",
        "tuidang-prune.timer",
    }
    result = subprocess.run([analyze, "verify", "--man=no", *units],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def test_the_services_are_hardened(tmp_path):
    """`systemd-analyze security` on the units as installed (with the prefix drop-in
    tuidang-.service.d/hardening.conf): at most 2.0 of 10 (docs/operations.md)."""
    analyze = need("systemd-analyze")
    units = tmp_path / "etc/systemd/system"
    shutil.copytree(DEPLOY / "systemd", units)
    services = sorted(unit.name for unit in units.glob("tuidang-*.service") if unit.is_file())
    assert len(services) >= 7
    for name in services:
        unit = units / name
        unit.write_text(unit.read_text().replace("/opt/tuidang", str(ROOT)))
        result = subprocess.run([analyze, "security", "--offline=yes", f"--root={tmp_path}",
                                 "--threshold=20", name],  # tenths: 2.0
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout[-300:] + result.stderr
        exposure = re.search(r"exposure level for \S+: (\d+\.\d)", result.stdout)[1]
        assert float(exposure) <= 2.0, (name, exposure)


def exec_start(unit: str) -> str:
    """A unit's ExecStart with its continuation lines joined."""
    text = (DEPLOY / "systemd" / unit).read_text().replace("\\\n", " ")
    [line] = [line for line in text.splitlines() if line.startswith("ExecStart=")]
    return line


def test_what_journald_stores_times_no_declaration():
    """journald stamps every line a unit prints with the time: so no unit prints a line per
    request, declaration, step or task (test_quiet_output runs the service and checks
    what it prints at these settings)."""
    web = exec_start("tuidang-web.service")
    assert "--no-access-log" in web and "--log-level warning" in web
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        text = "\n".join(line for line in unit.read_text().splitlines()
                         if not line.startswith("#"))
        assert not re.search(r"--verbosity[ =][1-3]|\s-v\s?[1-3]\b|DEBUG", text), unit.name
        assert "StandardOutput=file" not in text and "LOG_LEVEL" not in text, unit.name
    export = (DEPLOY / "systemd" / "tuidang-log-export.service").read_text()
    assert "StandardOutput=null" in export  # every minute, the log's size: a timed series
    assert "db_worker" in exec_start("tuidang-worker.service")
    assert "sequencer" in exec_start("tuidang-sequencer.service")
