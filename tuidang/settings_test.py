"""Settings for the test suite: the real settings with throw-away secrets."""

import os
import tempfile
from pathlib import Path

_var = Path(tempfile.mkdtemp(prefix="tuidang-test-var-"))
os.environ.setdefault("TUIDANG_VAR_DIR", str(_var))
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789")
os.environ.setdefault("RECEIPT_KEY", "test-receipt-key-not-for-production-0123456789")
os.environ.setdefault("LOG_SIGNING_KEY_FILE", str(_var / "log-signing.key"))
os.environ.setdefault("LOG_ORIGIN", "test.tuidang.example/log")

from tuidang.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast tests
