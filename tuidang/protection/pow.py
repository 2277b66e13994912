"""Proof of work: self-hosted ALTCHA challenges (PoW v2, deterministic mode).

A challenge asks the browser to find a counter below `maxnumber` whose SHA-256 key
derivation starts with a prefix we computed from a secret random counter; the browser
tries counters one by one (on average maxnumber / 4 … maxnumber / 2 hashes). Challenges
are signed with an HMAC key derived from SECRET_KEY (or PROTECTION_POW_KEY), carry an
expiry, and a solved challenge is accepted once: its signature is remembered in the
cache until it expires. Nothing about the visitor is part of a challenge.
"""

import datetime
import secrets
import time

import altcha
from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

ALGORITHM = "SHA-256"  # one round of SHA-256 per try: cheap to issue and to verify
COST = 1
FIELD = "altcha"  # the form field the widget fills
MAX_PAYLOAD = 4096  # characters; a genuine payload is well under 1 KiB
_REPLAY_PREFIX = "protection:pow-used:"


def hmac_key() -> str:
    if settings.PROTECTION_POW_KEY:
        return settings.PROTECTION_POW_KEY
    return salted_hmac("tuidang.protection.altcha", "challenge-signing-key").hexdigest()


def new_challenge(maxnumber: int, expires_in: int | None = None) -> dict:
    """A signed challenge as the widget fetches it (JSON object)."""
    expires_in = settings.PROTECTION_POW_EXPIRES if expires_in is None else expires_in
    low = maxnumber // 2
    counter = low + secrets.randbelow(max(maxnumber - low, 1))
    challenge = altcha.create_challenge(
        algorithm=ALGORITHM,
        cost=COST,
        counter=counter,
        expires_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=expires_in),
        hmac_secret=hmac_key(),
    )
    return challenge.to_dict()


def verify(payload: str) -> bool:
    """True if the payload solves a challenge we signed, unexpired and not used before."""
    if not payload or len(payload) > MAX_PAYLOAD:
        return False
    try:
        result = altcha.verify_solution(payload, hmac_key())
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
        return False
    if not result.verified:
        return False
    parsed = altcha.Payload.from_base64(payload)
    expires_at = parsed.challenge.parameters.expires_at
    if not isinstance(expires_at, int):  # every challenge we issue has an expiry
        return False
    # Accepted once: the first to record the signature wins (add is atomic in the cache).
    ttl = max(int(expires_at - time.time()) + 1, 1)
    return cache.add(_REPLAY_PREFIX + parsed.challenge.signature, 1, timeout=ttl)
