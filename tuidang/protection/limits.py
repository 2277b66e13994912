"""Rate limits kept only in the cache, under short-lived keyed hashes.

A submitter is HMAC(window key, client address), where the window key is random, kept
in the cache only until its window (PROTECTION_WINDOW seconds, a few minutes) ends, and
never derived from anything durable: once a window is over, nobody — not even someone
holding the server and its secrets — can tell which address a counter belonged to. The
address itself is read from the request in memory and never stored or logged.

Per-submitter counts run over that same window (fixed windows aligned to the clock);
global counts run per minute. A limit of 0 means no limit.
"""

import hashlib
import hmac
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

_PREFIX = "protection:"


def client_address(request: HttpRequest) -> str:
    """The client's address, for hashing in memory only."""
    header = settings.PROTECTION_ADDRESS_HEADER
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        # With X-Forwarded-For, the last address is the one our own proxy added.
        value = value.rsplit(",", 1)[-1].strip()
        if value:
            return value
    return request.META.get("REMOTE_ADDR", "")


# What nginx's onion server passes as a Tor visitor's address (deploy/nginx): the word
# "onion", then, with tor's HiddenServiceExportCircuitID and the PROXY protocol, a space
# and the address tor made up for the visitor's circuit (fc00:dead:beef:4dad::<circuit>).
# Every onion visitor reaches us through the same local connection: the circuit is the
# only thing that tells two of them apart, and it lives only as long as the circuit.
ONION = "onion"


def is_onion(request: HttpRequest) -> bool:
    """Whether the request came through the onion service. Only a header our own proxy
    sets can say so: a client's own header never reaches us (deploy/nginx replaces it)."""
    return (bool(settings.PROTECTION_ADDRESS_HEADER)
            and client_address(request).split(" ", 1)[0] == ONION)


def onion_circuit(request: HttpRequest) -> str:
    """The onion visitor's circuit as tor exported it; "" if nginx passed none."""
    parts = client_address(request).split(" ", 1)
    return parts[1].strip() if len(parts) == 2 else ""


def _window_key(period: int, ttl: int) -> bytes:
    name = f"{_PREFIX}window-key:{period}"
    cache.add(name, secrets.token_hex(32), timeout=ttl)
    key = cache.get(name)
    if key is None:  # a cache that keeps nothing: limits per submitter cannot work
        key = secrets.token_hex(32)
    return bytes.fromhex(key)


def submitter(request: HttpRequest, address: str | None = None) -> tuple[str, int]:
    """A keyed hash of the client address (or `address`) for the current window, and
    seconds left in it."""
    window = settings.PROTECTION_WINDOW
    now = time.time()
    period = int(now // window)
    ttl = max(int((period + 1) * window - now), 1) + 1
    address = client_address(request) if address is None else address
    digest = hmac.new(_window_key(period, ttl), address.encode(), hashlib.sha256)
    return f"{period}:{digest.hexdigest()[:32]}", ttl


def _hit(name: str, ttl: int) -> int:
    if cache.add(name, 1, timeout=ttl):
        return 1
    try:
        return cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=ttl)
        return 1


def over_submitter_limit(request: HttpRequest, scope: str, limit: int) -> bool:
    """Count one attempt by this submitter (on the onion service, this circuit); True if
    it goes over `limit` in the window."""
    if not limit:
        return False
    who, ttl = submitter(request)
    return _hit(f"{_PREFIX}rate:{scope}:{who}", ttl) > limit


def over_onion_limit(request: HttpRequest, scope: str, limit: int) -> bool:
    """Count one attempt in the bucket every onion visitor shares; True if it goes over
    `limit` in the window."""
    if not limit:
        return False
    who, ttl = submitter(request, ONION)
    return _hit(f"{_PREFIX}rate:{scope}:{who}", ttl) > limit


def over_global_limit(scope: str, per_minute: int) -> bool:
    """Count one attempt by anybody; True if it goes over `per_minute` this minute."""
    if not per_minute:
        return False
    minute = int(time.time() // 60)
    return _hit(f"{_PREFIX}rate:{scope}:all:{minute}", 61) > per_minute
