"""The log's signing key, kept in a file outside the database; and the one verifier key
of the log, recorded in the database by the first step that signs.

Every machine that runs a sequencer must hold the same key file (docs/deploy.md,
"Secrets shared by every machine"): a step that would sign with any other key stops with
WrongKey and an error line instead, so an auditor holding the log's key never meets a
checkpoint it cannot verify.
"""

import logging
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from tuidang.core import keygen
from tuidang.tlog.checkpoint import open_checkpoint
from tuidang.tlog.note import NoteError, Signer, Verifier
from tuidang.transparency.models import LogState

logger = logging.getLogger("tuidang.sequencer")


class WrongKey(ImproperlyConfigured):
    """This machine's signing key is not the key the log is signed with."""


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
    """The verifier key of this machine's signing key."""
    return signer().verifier_key_string()


def log_key() -> str:
    """The log's verifier key: the one recorded with the log, or this machine's before the
    log has signed anything."""
    recorded = LogState.objects.filter(pk=1).values_list("verifier_key", flat=True).first()
    return recorded or verifier_key()


def _signed_by(checkpoint: bytes, key: str) -> bool:
    try:
        open_checkpoint(checkpoint, Verifier.from_key_string(key))
    except NoteError:
        return False
    return True


def check_recorded(state: LogState) -> None:
    """Refuse (WrongKey, and an error line) unless this machine's key is the log's; record
    it with the log (in the caller's transaction) if the log has none recorded yet. A log
    signed before keys were recorded is the key's that signed its checkpoint."""
    mine = verifier_key()
    recorded = state.verifier_key
    if not recorded and state.signed_checkpoint and not _signed_by(
            bytes(state.signed_checkpoint), mine):
        recorded = "the key that signed the current checkpoint"
    if recorded and recorded != mine:
        message = (f"not signing: the log is signed with {recorded}, but the key in "
                   f"{settings.LOG_SIGNING_KEY_FILE} is {mine}; copy the log's key file to "
                   "this machine (docs/deploy.md, Secrets shared by every machine)")
        logger.error("%s", message)
        raise WrongKey(message)
    if not state.verifier_key:
        state.verifier_key = mine
        state.save(update_fields=["verifier_key"])
