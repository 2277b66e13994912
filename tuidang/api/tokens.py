"""Creating, checking and revoking personal API tokens.

A token is `tdk_` and 32 random URL-safe characters (192 bits). It is shown once, when it
is made; the database keeps only its HMAC under RECEIPT_KEY, which lives outside the
database, so a copy of the database cannot be used to call the API.
"""

import re
import secrets
import threading
import time
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, User
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from tuidang.accounts.access import is_helper
from tuidang.api.models import ApiToken
from tuidang.registry import dates, receipts

PREFIX = "tdk_"
TOKEN_PATTERN = re.compile(r"^tdk_[A-Za-z0-9_-]{32}$")
PURPOSE = "api-token"
MAX_ACTIVE_TOKENS = 20


def digest(token: str) -> str:
    return receipts.keyed_hash(PURPOSE, token)


@dataclass(frozen=True)
class Created:
    token: ApiToken
    secret: str  # shown once, never stored


def create_token(user: AbstractBaseUser, name: str) -> Created:
    secret = PREFIX + secrets.token_urlsafe(24)
    token = ApiToken.objects.create(user=user, name=name, digest=digest(secret),
                                   created_on=dates.today())
    return Created(token, secret)


def active_tokens(user: AbstractBaseUser):
    return ApiToken.objects.filter(user=user, revoked=False)


def revoke_token(user: AbstractBaseUser, token_id: int) -> bool:
    """Revoke one of user's own tokens; False if there is no such token of theirs."""
    with transaction.atomic():
        revoked = ApiToken.objects.filter(user=user, pk=token_id).update(revoked=True) > 0
    forget_recent()
    return revoked


def user_for(secret: str) -> AbstractBaseUser | None:
    """The active account a token belongs to, or None (unknown, revoked, or deactivated)."""
    if not TOKEN_PATTERN.match(secret):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest(secret), revoked=False)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    today = dates.today()
    if token.last_used_on != today:  # at most one write a day, and only the date
        ApiToken.objects.filter(pk=token.pk).update(last_used_on=today)
    return token.user


# What recent_helper keeps: token → (its helper, monotonic time until it is asked again).
RECENT_SECONDS = 2.0
_recent: dict[str, tuple[AbstractBaseUser, float]] = {}
_recent_lock = threading.Lock()
_asking = threading.Lock()


def recent_helper(secret: str) -> AbstractBaseUser | None:
    """The active helper a token belongs to, or None; the answer is kept RECENT_SECONDS
    for the express lane (api/express.py), which would otherwise spend two queries on
    each post. A token revoked, an account deactivated or a helper removed from the group
    is refused by this process at once and by the others within that time."""
    known = _recent.get(secret)
    if known is None:
        return _ask(secret)
    if time.monotonic() < known[1]:
        return known[0]
    if not _asking.acquire(blocking=False):
        return known[0]  # another thread is asking the database (see SurgeSetting)
    try:
        return _ask(secret)
    finally:
        _asking.release()


def _ask(secret: str) -> AbstractBaseUser | None:
    user = user_for(secret)
    if user is None or not is_helper(user):
        _recent.pop(secret, None)
        return None
    with _recent_lock:
        if len(_recent) > 10_000:
            _recent.clear()
        _recent[secret] = (user, time.monotonic() + RECENT_SECONDS)
    return user


@receiver([post_save, post_delete], sender=ApiToken)
@receiver([post_save, post_delete], sender=User)
@receiver(m2m_changed, sender=User.groups.through)
def forget_recent(**kwargs) -> None:
    with _recent_lock:
        _recent.clear()
