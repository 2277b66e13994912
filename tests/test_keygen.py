"""The deployment's keys before any setting exists (issue 24): `python -m tuidang.core.keygen`
runs where the settings would refuse to load, never overwrites a key, and its keys are
the ones the settings and Django's deployment check accept; the example environment
file loads before the onion address exists."""

import base64
import grp
import os
import stat
import subprocess
import sys
from pathlib import Path

from nacl.public import PrivateKey

from tests.service import ROOT
from tuidang.tlog.note import Signer

BARE = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8"}


def keygen(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """With no setting at all in the environment, away from the repository."""
    return subprocess.run([sys.executable, "-m", "tuidang.core.keygen", *args], cwd=cwd,
                          env=BARE, capture_output=True, text=True, timeout=60)


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, timeout=120,
                          env={**BARE, "DJANGO_SETTINGS_MODULE": "tuidang.settings", **env},
                          capture_output=True, text=True)


def test_it_makes_every_key_without_settings_and_never_overwrites_one(tmp_path):
    for args in (["secret", "secret_key"], ["secret", "receipt.key"],
                 ["records", "records-private.key", "records.pub"],
                 ["log", "log-signing.key", "--origin", "tuidang.example/log"]):
        result = keygen(*args, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    secret = (tmp_path / "secret_key").read_text().strip()
    assert len(secret) == 64 and secret != (tmp_path / "receipt.key").read_text().strip()
    private = base64.b64decode((tmp_path / "records-private.key").read_text())
    public = base64.b64decode((tmp_path / "records.pub").read_text())
    assert bytes(PrivateKey(private).public_key) == public
    signer = Signer.from_private_key_string((tmp_path / "log-signing.key").read_text().strip())
    assert signer.name == "tuidang.example/log"
    assert keygen("verifier", "log-signing.key", cwd=tmp_path).stdout.strip() == \
        signer.verifier_key_string()
    for path in tmp_path.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path

    # A second run refuses, or with --if-missing keeps the key; both leave it as it was.
    refused = keygen("secret", "secret_key", cwd=tmp_path)
    assert refused.returncode == 1 and "refusing to overwrite" in refused.stderr
    assert keygen("--if-missing", "log", "log-signing.key", "--origin", "other/log",
                  cwd=tmp_path).returncode == 0
    assert (tmp_path / "secret_key").read_text().strip() == secret
    assert Signer.from_private_key_string(
        (tmp_path / "log-signing.key").read_text().strip()).name == "tuidang.example/log"

    # --group: the service's group reads it, nobody else.
    group = grp.getgrgid(os.getgid()).gr_name
    assert keygen("--group", group, "secret", "shared", cwd=tmp_path).returncode == 0
    assert stat.S_IMODE((tmp_path / "shared").stat().st_mode) == 0o640

    # The settings load on these files, and Django's deployment check takes the secret.
    check = manage("check", "--deploy", SECRET_KEY_FILE=str(tmp_path / "secret_key"),
                   RECEIPT_KEY_FILE=str(tmp_path / "receipt.key"),
                   RECORDS_PUBLIC_KEY_FILE=str(tmp_path / "records.pub"),
                   LOG_SIGNING_KEY_FILE=str(tmp_path / "log-signing.key"),
                   LOG_ORIGIN="tuidang.example/log", TUIDANG_VAR_DIR=str(tmp_path),
                   DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", HTTPS="1")
    assert check.returncode == 0, check.stderr
    assert "security.W009" not in check.stderr + check.stdout


def test_the_example_environment_loads_before_the_onion_address_exists(tmp_path):
    for args in (["secret", "secret_key"], ["secret", "receipt.key"],
                 ["records", "records-private.key", "records.pub"],
                 ["log", "log-signing.key", "--origin", "tuidang.example/log"]):
        assert keygen(*args, cwd=tmp_path).returncode == 0
    text = (ROOT / "deploy/tuidang.env.example").read_text()
    text = text.replace("/etc/tuidang/", f"{tmp_path}/").replace("/var/lib/tuidang",
                                                                  str(tmp_path / "var"))
    env = dict(line.split("=", 1) for line in text.splitlines()
               if line and not line.startswith("#"))
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/db.sqlite3"  # no server for this check
    result = manage("check", **env)
    assert result.returncode == 0, result.stderr
