"""The log's signing key, kept in a file outside the database."""

from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from tuidang.core import keygen
from tuidang.tlog.note import Signer


def key_name() -> str:
    return settings.LOG_ORIGIN


def create_key_file(path: Path) -> Signer:
    """Write a new private key to `path`, refusing to overwrite an existing one."""
    return keygen.create_log_key(path, key_name())


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> Signer:
    return Signer.from_private_key_string(path.read_text(encoding="ascii").strip())


def signer() -> Signer:
    path = settings.LOG_SIGNING_KEY_FILE
    if not path.exists():
        raise ImproperlyConfigured(
            f"no log signing key at {path}: run `python manage.py tlog_keygen`"
        )
    loaded = _load(path, path.stat().st_mtime)
    if loaded.name != key_name():
        raise ImproperlyConfigured(
            f"the key in {path} is named {loaded.name!r}, but LOG_ORIGIN is {key_name()!r}"
        )
    return loaded


def verifier_key() -> str:
    return signer().verifier_key_string()
