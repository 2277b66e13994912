"""Set up Django on a throw-away database for a benchmark (SQLite, or DATABASE_URL)."""

import base64
import os
import secrets
import tempfile
from pathlib import Path


def setup() -> Path:
    workdir = Path(tempfile.mkdtemp(prefix="tuidang-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuidang.settings")
    os.environ["TUIDANG_VAR_DIR"] = str(workdir)
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    os.environ.setdefault("RECEIPT_KEY", secrets.token_urlsafe(40))
    os.environ["LOG_SIGNING_KEY_FILE"] = str(workdir / "log.key")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    from nacl.public import PrivateKey

    records_key = PrivateKey.generate()  # private fields are sealed to its public half
    public = base64.b64encode(bytes(records_key.public_key)).decode()
    os.environ.setdefault("RECORDS_PUBLIC_KEY", public)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("tlog_keygen", verbosity=0)
    from django.db import connection

    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    return workdir
