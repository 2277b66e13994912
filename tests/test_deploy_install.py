"""deploy/install.sh as an operator runs it (issue 24): into a scratch root, with a scratch
PostgreSQL database and roles and loopback ports, then the web and sequencer units'
commands run as the service user, nginx (its workers as www-data) with the installed
site, a declaration through nginx and tuidang-audit passing on what nginx serves.

The machine's code directory is the repository, linked into the scratch root with a
virtualenv of its own that the service user can run (the test's own interpreter may sit
in a directory only root may enter): the shared virtualenv's packages on its path.
"""

import contextlib
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from tests.service import ROOT, free_port, wait_for
from tests.test_deploy_files import need
from tests.test_protection import solve

pytestmark = pytest.mark.deploy

# A user of this run's own, which the script creates (and the test removes afterwards).
SERVICE_USER = f"tuidang-ci-{secrets.token_hex(3)}"
ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
CODE = ("tuidang", "manage.py", "deploy", "locale", "static", "templates",
        "requirements.txt", "constraints.txt", "pyproject.toml")

def run_as(user: str, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([need("runuser"), "-u", user, "--", *argv], **kwargs)

def base_python(user: str) -> str:
    """An interpreter of this Python version that `user` may run."""
    for candidate in (getattr(sys, "_base_executable", sys.executable),
                      f"/usr/bin/python{sys.version_info[0]}.{sys.version_info[1]}"):
        if Path(candidate).exists() and run_as(user, [candidate, "-c", "pass"],
                                               capture_output=True).returncode == 0:
            return candidate
    pytest.skip(f"no python{sys.version_info[:2]} that {user} may run")

def code_directory(prefix: Path, user: str) -> Path:
    """/opt/tuidang of the scratch root: the repository's files, and a .venv whose
    python and granian the service user can run."""
    app = prefix / "opt/tuidang"
    app.mkdir(parents=True)
    for name in CODE:
        (app / name).symlink_to(ROOT / name)
    # The package and the catalogues copied, without compiled ones: the settings find the
    # catalogues beside the package, so the script's compiling is what makes pages Chinese.
    for name in ("tuidang", "locale"):
        (app / name).unlink()
        shutil.copytree(ROOT / name, app / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    venv = app / ".venv"
    subprocess.run([base_python(user), "-m", "venv", "--without-pip", str(venv)], check=True)
    packages = sysconfig.get_paths()["purelib"]  # the test's virtualenv's site-packages
    site = next((venv / "lib").glob("python*/site-packages"))
    # The packages, and the code as `pip install -e` would put it on the path.
    (site / "shared.pth").write_text(f"{packages}\n{app}\n")
    for script, function in (("granian", "granian.cli:entrypoint"),
                             ("tuidang-audit", "tuidang.tlog.cli:main")):
        module, name = function.split(":")
        path = venv / "bin" / script
        path.write_text(f"#!{venv}/bin/python\nimport sys\nfrom {module} import {name}\n"
                        f"sys.exit({name}())\n")
        path.chmod(0o755)
    return app

def env_file(path: Path) -> dict[str, str]:
    lines = (line.split("=", 1) for line in path.read_text().splitlines()
             if line and not line.startswith("#"))
    return {name: value for name, value in lines}

def unit_command(prefix: Path, unit: str, **extra: str) -> tuple[list[str], dict, Path]:
    """What systemd would run for an installed unit: argv as its user, environment, cwd."""
    text = (prefix / "etc/systemd/system" / unit).read_text().replace("\\\n", " ")
    fields = dict(line.split("=", 1) for line in text.splitlines()
                  if "=" in line and not line.startswith("#")
                  and line.split("=", 1)[0] in ("ExecStart", "User", "WorkingDirectory"))
    env = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
    for line in text.splitlines():
        if line.startswith("EnvironmentFile="):
            path = Path(line.split("=", 1)[1].lstrip("-"))
            if path.exists():
                env.update(env_file(path))
    env.update(extra)
    argv = [need("runuser"), "-u", fields["User"], "--", *shlex.split(fields["ExecStart"])]
    return argv, env, Path(fields["WorkingDirectory"])

def start_unit(prefix: Path, unit: str, **extra: str) -> subprocess.Popen:
    argv, env, cwd = unit_command(prefix, unit, **extra)
    return subprocess.Popen(argv, env=env, cwd=cwd, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

def nginx_main(prefix: Path) -> Path:
    """Debian's nginx.conf in small: workers as www-data, the installed sites."""
    temp = prefix / "nginx-temp"
    temp.mkdir()
    main = prefix / "etc/nginx/nginx.conf"
    main.write_text(f"""
user www-data;
pid {prefix}/nginx.pid;
error_log {prefix}/nginx-error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {prefix}/etc/nginx/sites-enabled/*;
}}
""")
    return main

def psql(url: str, sql: str) -> subprocess.CompletedProcess:
    return subprocess.run([need("psql"), url, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
                           "-c", sql], capture_output=True, text=True, timeout=60)

class Visitor:
    """A browser over TLS (the self-signed bootstrap certificate) that keeps its cookies."""

    def __init__(self, base: str) -> None:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()),
            urllib.request.HTTPSHandler(context=context))

    def get(self, path: str) -> tuple[int, dict, bytes]:
        try:
            with self.opener.open(self.base + path, timeout=20) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def post(self, path: str, fields: dict) -> str:
        page = self.get(path)[2].decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}, doseq=True)
        request = urllib.request.Request(self.base + path, data=data.encode(),
                                         headers={"Referer": self.base + path})
        with self.opener.open(request, timeout=30) as response:
            return response.read().decode()

def install(prefix: Path, app: Path, db: str, ports: dict[str, int]) -> str:
    result = subprocess.run(
        ["bash", str(ROOT / "deploy/install.sh"), "--prefix", str(prefix), "--app-dir", str(app),
         "--user", SERVICE_USER, "--host", "localhost", "--db-admin-url", ADMIN_URL,
         "--db-name", db, "--db-role", f"{db}_app", "--db-owner", f"{db}_owner",
         "--app-port", str(ports["app"]), "--http-port", str(ports["http"]),
         "--https-port", str(ports["https"]), "--onion-port", str(ports["onion"]),
         "--listen-address", "127.0.0.1", "--redis-url", "", "--onion", "--primary"],
        capture_output=True, text=True, timeout=300,
        env={"PATH": os.environ["PATH"], "LANG": "C.UTF-8"})  # a root shell's
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr

def tor_in_front_of(onion_port: int) -> int:
    """A port that plays tor's part for the onion listener: each connection is passed on
    with the PROXY protocol line tor sends (``HiddenServiceExportCircuitID haproxy``)."""
    listener = socket.create_server(("127.0.0.1", 0))

    def pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)

    def relay(visitor: socket.socket, upstream: socket.socket) -> None:
        # Both directions end before either socket is closed, so no thread reads a
        # descriptor another has closed (and the system may have given to someone else).
        back = threading.Thread(target=pipe, args=(upstream, visitor), daemon=True)
        back.start()
        pipe(visitor, upstream)
        back.join()
        visitor.close()
        upstream.close()

    def serve() -> None:
        circuit = 0
        while True:
            visitor, _ = listener.accept()
            circuit += 1
            upstream = socket.create_connection(("127.0.0.1", onion_port))
            upstream.sendall(f"PROXY TCP6 fc00:dead:beef:4dad::{circuit:x} ::1 "
                             f"{circuit} {onion_port}\r\n".encode())
            threading.Thread(target=relay, args=(visitor, upstream), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def make_onion_address(prefix: Path) -> None:
    """What `systemctl reload tor` does on the real machine: tor makes the address."""
    tor = need("tor")
    (prefix / "var/lib/tor").mkdir(parents=True, mode=0o700)
    process = subprocess.Popen([tor, "-f", str(prefix / "etc/tor/torrc"), "--DataDirectory",
                                str(prefix / "tor-data"), "--Log", "err stderr"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (prefix / "var/lib/tor/tuidang/hostname").exists():
            assert time.monotonic() < deadline, "tor made no onion address"
            time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=30)

def stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()

def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)

@pytest.fixture
def scratch_root():
    # Not under pytest's temporary directory, which only root may enter: nginx's workers
    # and the service user must reach what they serve and run, as on a real machine.
    prefix = Path(tempfile.mkdtemp(prefix="tuidang-install-"))
    prefix.chmod(0o755)
    db = f"install_{secrets.token_hex(4)}"
    yield prefix, db
    subprocess.run(["userdel", SERVICE_USER], capture_output=True)
    subprocess.run(["groupdel", SERVICE_USER], capture_output=True)
    psql(ADMIN_URL, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    for role in (f"{db}_app", f"{db}_owner"):
        psql(ADMIN_URL, f'DROP ROLE IF EXISTS "{role}"')
    shutil.rmtree(prefix, ignore_errors=True)

def test_it_installs_as_documented_and_serves_an_auditable_declaration(scratch_root):
    prefix, db = scratch_root
    nginx = need("nginx")
    if psql(ADMIN_URL, "SELECT 1").returncode != 0:
        pytest.skip("no PostgreSQL superuser at 127.0.0.1:5432")
    for program in ("openssl", "useradd"):
        need(program)
    assert subprocess.run(["getent", "passwd", SERVICE_USER]).returncode == 2
    app = code_directory(prefix, "nobody")  # any user without privileges can run it
    ports = {name: free_port() for name in ("app", "http", "https", "onion")}

    output = install(prefix, app, db, ports)
    verifier = re.search(r"log verifier key: (localhost/log\+\S+)", output)[1]
    etc, var = prefix / "etc/tuidang", prefix / "var/lib/tuidang"
    # Django's deployment check is content with the secret key it made.
    assert "security.W009" not in output and "SECRET_KEY" not in output
    # Keys are root's, readable by the service's group only; the owner's URL by root only.
    group = subprocess.run(["id", "-g", SERVICE_USER], capture_output=True, text=True)
    for name in ("secret_key", "receipt.key", "log-signing.key", "records.pub", "tuidang.env"):
        path = etc / name
        assert (mode(path), path.stat().st_uid, path.stat().st_gid) == (
            0o640, 0, int(group.stdout)), name
    assert mode(etc / "owner.env") == 0o600 and mode(prefix / "root") == 0o700
    assert mode(var) == 0o711 and mode(var / "static") == 0o755
    assert mode(prefix / "var/backups/tuidang") == 0o700
    assert len((etc / "secret_key").read_text().strip()) >= 50
    # Least privilege: the application's role reads and writes rows, and makes no table.
    app_url = env_file(etc / "tuidang.env")["DATABASE_URL"]
    assert psql(app_url, "SELECT count(*) FROM registry_declaration").stdout.strip() == "0"
    refused = psql(app_url, "CREATE TABLE intruder (x int)")
    assert refused.returncode != 0 and "permission denied" in refused.stderr

    # tor makes the onion address; the second run puts it into the settings and keeps
    # every key as it was.
    make_onion_address(prefix)
    keys_before = {p.name: p.read_bytes() for p in etc.iterdir() if p.is_file()}
    install(prefix, app, db, ports)
    onion = (prefix / "var/lib/tor/tuidang/hostname").read_text().strip()
    settings = env_file(etc / "tuidang.env")
    assert settings["ONION_LOCATION"] == f"http://{onion}"
    assert settings["ALLOWED_HOSTS"] == f"localhost,{onion}"
    for name, content in keys_before.items():
        if name != "tuidang.env":
            assert (etc / name).read_bytes() == content, name

    main = nginx_main(prefix)
    check = subprocess.run([nginx, "-t", "-c", str(main)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    web = start_unit(prefix, "tuidang-web.service")
    sequencer = start_unit(prefix, "tuidang-sequencer.service", PUBLISH_INTERVAL="0.5")
    proxy = subprocess.Popen([nginx, "-c", str(main), "-g", "daemon off;"],
                             start_new_session=True)
    clearnet = Visitor(f"https://localhost:{ports['https']}")
    onion_server = f"http://localhost:{tor_in_front_of(ports['onion'])}"
    try:
        wait_for(f"{onion_server}/count.json", timeout=60)
        # Static files from this machine's disk, read by nginx's own user.
        status, headers, _ = clearnet.get("/static/css/site.css")
        assert status == 200 and headers["Content-Type"] == "text/css"
        # The pages speak Chinese: the catalogues were compiled.
        status, _, page = clearnet.get("/zh-hans/")
        assert status == 200 and "声明退出" in page.decode()
        assert list((app / "locale").glob("*/LC_MESSAGES/django.mo"))
        # A declaration as a browser makes it, proof of work solved.
        status, _, challenge = clearnet.get("/altcha/challenge")

        proof = solve(json.loads(challenge), 10**6)
        answer = clearnet.post("/zh-hans/declare/", {
            "persons-TOTAL_FORMS": "1", "persons-INITIAL_FORMS": "0",
            "persons-MIN_NUM_FORMS": "1", "persons-MAX_NUM_FORMS": "50", "submit": "1",
            "persons-0-display_name": "张三", "persons-0-organizations": ["party"],
            "statement_title": "", "statement_text": "", "altcha": proof})
        assert 'id="receipt-code"' in answer
        deadline = time.monotonic() + 60
        while psql(app_url, "SELECT count(*) FROM registry_declaration "
                   "WHERE log_index IS NOT NULL").stdout.strip() != "1":
            assert time.monotonic() < deadline, sequencer.poll()
            time.sleep(0.5)
        # The export timer's command, as its unit runs it: tiles from nginx's disk.
        argv, env, cwd = unit_command(prefix, "tuidang-log-export.service")
        subprocess.run(argv, env=env, cwd=cwd, check=True, capture_output=True, timeout=120)
        assert (var / "public/log/checkpoint").exists()
        audit = subprocess.run(
            [str(Path(sys.executable).parent / "tuidang-audit"), f"{onion_server}/log/",
             "--key", verifier, "--no-progress"],
            capture_output=True, text=True, timeout=120,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert audit.returncode == 0, audit.stdout + audit.stderr
        assert audit.stdout.startswith("OK localhost/log size=1 persons=1")
        # The backup timer's command writes into /var/backups/tuidang, and the drill's
        # restores it into a scratch database, which the owner role (owner.env) creates.
        for unit in ("tuidang-backup.service", "tuidang-restore-drill.service"):
            argv, env, cwd = unit_command(prefix, unit)
            result = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True,
                                    timeout=300)
            assert result.returncode == 0, unit + result.stdout + result.stderr
        assert "restore drill passed" in result.stdout
        assert "restored database: OK localhost/log size=1" in result.stdout
    finally:
        stop(web, sequencer)
        proxy.send_signal(signal.SIGQUIT)
        proxy.wait(timeout=20)
