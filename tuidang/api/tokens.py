"""Creating, checking and revoking personal API tokens.

A token is `tdk_` and 32 random URL-safe characters (192 bits). It is shown once, when it
is made; the database keeps only its HMAC under RECEIPT_KEY, which lives outside the
database, so a copy of the database cannot be used to call the API.
"""

import re
import secrets
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

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
    token = ApiToken.objects.create(user=user, name=name, digest=digest(secret))
    return Created(token, secret)


def active_tokens(user: AbstractBaseUser):
    return ApiToken.objects.filter(user=user, revoked=False)


def revoke_token(user: AbstractBaseUser, token_id: int) -> bool:
    """Revoke one of user's own tokens; False if there is no such token of theirs."""
    with transaction.atomic():
        return ApiToken.objects.filter(user=user, pk=token_id).update(revoked=True) > 0


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
