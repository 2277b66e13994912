"""Login throttling, counted in the cache under a keyed hash of the username.

After LOGIN_THROTTLE_FAILURES failed password or code attempts for one username within
LOGIN_THROTTLE_WINDOW seconds, that username is refused for LOGIN_THROTTLE_WINDOW
seconds; after LOGIN_THROTTLE_GLOBAL_FAILURES failures against existing accounts
together within the window, every login is refused for the window. Nothing is written to
the database, no address is looked at, and the keys are HMACs of the username under a key
derived from SECRET_KEY, which expire with the window.

Only failures against accounts that exist count towards the global lock: a failure for a
name nobody has cannot be a guess at anyone's password, and counting those let anyone
lock every staff member out with made-up names. A locked name takes no more attempts,
so reaching the global lock takes LOGIN_THROTTLE_GLOBAL_FAILURES / LOGIN_THROTTLE_FAILURES
real accounts' names, each of which the same attacker could lock one by one anyway.

A successful password step does not reset the count: only a completed second step does,
so that knowing a password gives no more tries at the code.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

_SALT = "tuidang.accounts.throttle"
_GLOBAL_FAILURES = "login-throttle:all:failures"
_GLOBAL_LOCK = "login-throttle:all:locked"


def _digest(username: str) -> str:
    return salted_hmac(_SALT, username.strip().casefold(), algorithm="sha256").hexdigest()[:32]


def _failures_key(username: str) -> str:
    return f"login-throttle:{_digest(username)}:failures"


def _lock_key(username: str) -> str:
    return f"login-throttle:{_digest(username)}:locked"


def _count(key: str) -> int:
    window = settings.LOGIN_THROTTLE_WINDOW
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def is_locked(username: str) -> bool:
    return bool(cache.get_many([_lock_key(username), _GLOBAL_LOCK]))


def record_failure(username: str, *, account_exists: bool) -> None:
    window = settings.LOGIN_THROTTLE_WINDOW
    if _count(_failures_key(username)) >= settings.LOGIN_THROTTLE_FAILURES:
        cache.set(_lock_key(username), 1, timeout=window)
        cache.delete(_failures_key(username))
    if not account_exists:
        return
    if _count(_GLOBAL_FAILURES) >= settings.LOGIN_THROTTLE_GLOBAL_FAILURES:
        cache.set(_GLOBAL_LOCK, 1, timeout=window)
        cache.delete(_GLOBAL_FAILURES)


def record_success(username: str) -> None:
    cache.delete(_failures_key(username))
