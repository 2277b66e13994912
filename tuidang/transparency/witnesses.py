"""The log's witnesses: the policy they are configured by, the checkpoint served with their
cosignatures, and what the pages say about them.

The policy (settings.LOG_WITNESS_POLICY, C2SP tlog-policy) names each witness with its
verifier key and URL, and the quorum a checkpoint needs. The sequencer's process asks
them after each checkpoint (cosigner.py) and keeps what they answered in the
CosignedCheckpoint row; `/log/checkpoint`, the export and the receipts hand out the
checkpoint with those cosignatures (published_checkpoint()). The site publishes the
policy without the witnesses' URLs (published_policy()): the witnesses only hear from
the log, and readers need only their keys.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from tuidang.tlog.note import Verifier
from tuidang.tlog.policy import NONE, Policy, PolicyError, PolicyLog, parse_policy
from tuidang.transparency import keys, storage
from tuidang.transparency.models import CosignedCheckpoint, WitnessState

COSIGNED_ID = 1
NAME_LENGTH = WitnessState._meta.get_field("name").max_length

logger = logging.getLogger("tuidang.witnesses")


def policy() -> Policy | None:
    """The configured policy, or None without LOG_WITNESS_POLICY.

    ImproperlyConfigured if the file is unreadable or breaks tlog-policy, or a witness has
    no http(s) URL: at start (apps.py), so a bad file stops the process. A file changed
    while running takes effect; if the change breaks it, the process keeps the policy it
    had (with one warning), rather than failing every page.
    """
    path = settings.LOG_WITNESS_POLICY
    if path is None:
        return None
    try:
        try:
            return _load(path, path.read_bytes())  # a small file: reading it is cheap
        except OSError as e:
            raise ImproperlyConfigured(f"LOG_WITNESS_POLICY: cannot read {path}: {e}") from None
    except ImproperlyConfigured as e:
        if path not in _last_good:
            raise
        if _warned.get(path) != str(e):  # once per new problem, not on every page
            _warned[path] = str(e)
            logger.warning("keeping the witnesses' policy read before: %s", e)
        return _last_good[path]


_last_good: dict[Path, Policy] = {}
_warned: dict[Path, str] = {}


@lru_cache(maxsize=2)
def _load(path: Path, data: bytes) -> Policy:
    try:
        loaded = parse_policy(data)
    except PolicyError as e:
        raise ImproperlyConfigured(f"LOG_WITNESS_POLICY {path}: {e}") from None
    for witness in loaded.witnesses.values():
        url = urlsplit(witness.url or "")
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ImproperlyConfigured(
                f"LOG_WITNESS_POLICY {path}: witness {witness.name} needs the http(s) URL "
                "of its add-checkpoint interface")
        if len(witness.name) > NAME_LENGTH:
            raise ImproperlyConfigured(f"LOG_WITNESS_POLICY {path}: the witness name "
                                       f"{witness.name[:20]}… is longer than {NAME_LENGTH}")
    _last_good[path] = loaded
    return loaded


def published_policy(log_key: str | None = None) -> str:
    """The policy the site recommends to its readers: this log's key (`log_key`, read
    if not given), the witnesses' keys (no URLs) and the quorum."""
    configured = policy() or Policy(quorum=NONE)
    log = PolicyLog(Verifier.from_key_string(log_key or keys.log_key()))
    return Policy([log], configured.witnesses, configured.groups, configured.quorum).text(
        urls=False)


def _cosigned_row() -> tuple[bytes, int, bool, datetime.date | None] | None:
    row = CosignedCheckpoint.objects.filter(pk=COSIGNED_ID).values_list(
        "checkpoint", "cosigners", "quorum", "quorum_missing_since").first()
    if row is None:
        return None
    return bytes(row[0]), row[1], row[2], row[3]


def published_checkpoint() -> bytes:
    """The latest signed checkpoint, with the cosignatures gathered for it so far."""
    return with_cosignatures(storage.signed_checkpoint())


def with_cosignatures(signed: bytes) -> bytes:
    """The signed checkpoint with the cosignatures gathered for it, if any."""
    row = _cosigned_row()
    if signed and row and row[0].startswith(signed):
        return row[0]
    return signed


@dataclass(frozen=True)
class WitnessStatus:
    """What the pages say: how many of the witnesses cosigned the current count, whether
    that makes the quorum, and the day since which it has been missing, if it is."""

    witnesses: int
    cosigners: int
    quorum: bool
    missing_since: datetime.date | None
    asked: bool  # False while the current checkpoint's cosignatures are being gathered


def status() -> WitnessStatus | None:
    """None when the log has no witnesses."""
    configured = policy()
    if configured is None or not configured.witnesses:
        return None
    signed = storage.signed_checkpoint()
    row = _cosigned_row()
    count = len(configured.witnesses)
    if not signed or row is None:
        return WitnessStatus(count, 0, False, None, False)
    checkpoint, cosigners, quorum, since = row
    if checkpoint.startswith(signed):
        return WitnessStatus(count, cosigners, quorum, None if quorum else since, True)
    return WitnessStatus(count, 0, False, since, False)
