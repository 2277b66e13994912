"""Settings for the test suite: the real settings with throw-away secrets."""

import base64
import os
import tempfile
from pathlib import Path

from nacl.public import PrivateKey

_var = Path(tempfile.mkdtemp(prefix="tuidang-test-var-"))
os.environ.setdefault("TUIDANG_VAR_DIR", str(_var))
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789")
os.environ.setdefault("RECEIPT_KEY", "test-receipt-key-not-for-production-0123456789")
os.environ.setdefault("LOG_SIGNING_KEY_FILE", str(_var / "log-signing.key"))
os.environ.setdefault("LOG_ORIGIN", "test.tuidang.example/log")
# The abuse gate is off for tests that predate it (and for the services they start):
# tests/test_protection.py switches it on with the deployed behaviour.
for _name in ("PROTECTION_POW_HOLD", "PROTECTION_DECLARATIONS_PER_SUBMITTER",
              "PROTECTION_DECLARATIONS_PER_MINUTE", "PROTECTION_RECEIPT_LOOKUPS_PER_SUBMITTER",
              "PROTECTION_RECEIPT_LOOKUPS_PER_MINUTE", "PROTECTION_CONTESTS_PER_SUBMITTER",
              "PROTECTION_CONTESTS_PER_MINUTE", "PROTECTION_SIGNUPS_PER_SUBMITTER",
              "PROTECTION_SIGNUPS_PER_MINUTE"):
    os.environ.setdefault(_name, "0")
_records_key = PrivateKey.generate()
TEST_RECORDS_PRIVATE_KEY_FILE = _var / "records-private.key"
TEST_RECORDS_PRIVATE_KEY_FILE.write_text(base64.b64encode(bytes(_records_key)).decode())
os.environ.setdefault(
    "RECORDS_PUBLIC_KEY", base64.b64encode(bytes(_records_key.public_key)).decode()
)

from tuidang.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast tests
