"""What the safe-access page shows: this site's other addresses, and the log's verifier
key with a fingerprint short enough to compare by eye or read out on the phone."""

import hashlib
from dataclasses import dataclass

from django.conf import settings

from tuidang.transparency import keys


@dataclass(frozen=True)
class Addresses:
    onion: str  # the onion service's base URL, or ""
    mirrors: list[str]


def addresses() -> Addresses:
    """As the operators configured them (ONION_LOCATION, MIRROR_URLS)."""
    return Addresses(onion=getattr(settings, "ONION_LOCATION", "") or "",
                     mirrors=list(getattr(settings, "MIRROR_URLS", [])))


def fingerprint(verifier_key: str) -> str:
    """The first 128 bits of SHA-256 over the verifier key as written, in eight groups of
    four hexadecimal digits: anyone can recompute it with
    `printf '%s' KEY | sha256sum` and compare it with a copy they trust."""
    digest = hashlib.sha256(verifier_key.encode("utf-8")).hexdigest()[:32].upper()
    return " ".join(digest[i:i + 4] for i in range(0, 32, 4))


def verifier() -> tuple[str, str]:
    """The log's verifier key and its fingerprint."""
    key = keys.verifier_key()
    return key, fingerprint(key)
