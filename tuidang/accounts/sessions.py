"""Staff sessions that keep a day in the database, never a time (SESSION_ENGINE).

Django's database sessions store `expire_date`, the log-in time plus SESSION_COOKIE_AGE
to the microsecond: a seized database would tell when each staff member logged in. Here
the row keeps only the day after the session's end (midnight UTC, for the pruning:
`manage.py prune_sessions`), and the exact limit travels with the browser: the cookie is
the session key and the time the session began, signed with SECRET_KEY, and a cookie
older than SESSION_COOKIE_AGE opens nothing, whatever the row says. The beginning is
kept when the key is rotated (after the password, after the code), so the limit counts
from the first step. A cookie without a valid signature (one made before this store)
opens nothing either: its holder logs in again.
"""

import datetime
import time

from django.conf import settings
from django.contrib.sessions.backends import db
from django.core import signing
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from tuidang.accounts.dates_only import to_day

_SALT = "tuidang.accounts.sessions"
_SEPARATOR = "."  # not among session keys' characters (lowercase letters and digits)


def _signer() -> signing.Signer:
    return signing.Signer(salt=_SALT)


def seal(key: str, began: int) -> str:
    """The cookie for session `key`, begun at `began` (seconds since the epoch)."""
    return _signer().sign(f"{key}{_SEPARATOR}{signing.b62_encode(began)}")


def unseal(cookie: str | None, max_age: int | None) -> tuple[str | None, int | None]:
    """(key, beginning) from a cookie; (None, None) if it is forged, malformed or, with
    `max_age`, older than that many seconds."""
    if not cookie:
        return None, None
    try:
        key, _sep, began = _signer().unsign(cookie).rpartition(_SEPARATOR)
        beginning = signing.b62_decode(began)
    except (signing.BadSignature, ValueError):
        return None, None
    if not key or (max_age is not None and time.time() - beginning > max_age):
        return None, None
    return key, beginning


def stored_expiry(end: datetime.datetime) -> datetime.datetime:
    """What the database keeps of a session's end: the midnight (UTC) after it."""
    return to_day(end) + datetime.timedelta(days=1)


class SessionStore(db.SessionStore):
    """Django's database sessions, with the key sealed in the cookie (see above)."""

    def __init__(self, session_key: str | None = None) -> None:
        key, self._began = unseal(session_key, settings.SESSION_COOKIE_AGE)
        super().__init__(key)

    @property
    def session_key(self) -> str | None:
        """What the cookie carries: the key and the beginning, signed."""
        key = self._session_key
        if key is None:
            return None
        if self._began is None:
            self._began = int(time.time())
        return seal(key, self._began)

    def _get_session_from_db(self):
        try:
            return self.model.objects.get(session_key=self._session_key,
                                          expire_date__gt=timezone.now())
        except (self.model.DoesNotExist, SuspiciousOperation):
            self._session_key = None
            return None

    async def _aget_session_from_db(self):
        try:
            return await self.model.objects.aget(session_key=self._session_key,
                                                 expire_date__gt=timezone.now())
        except (self.model.DoesNotExist, SuspiciousOperation):
            self._session_key = None
            return None

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        instance.expire_date = stored_expiry(instance.expire_date)
        return instance

    async def acreate_model_instance(self, data):
        instance = await super().acreate_model_instance(data)
        instance.expire_date = stored_expiry(instance.expire_date)
        return instance

    def _raw_key(self, session_key: str | None) -> str | None:
        # cycle_key() passes the old cookie (sealed); Django's own calls pass nothing.
        if session_key is None:
            return self._session_key
        return unseal(session_key, None)[0]

    def delete(self, session_key: str | None = None) -> None:
        if (key := self._raw_key(session_key)) is not None:
            super().delete(key)

    async def adelete(self, session_key: str | None = None) -> None:
        if (key := self._raw_key(session_key)) is not None:
            await super().adelete(key)

    def flush(self) -> None:
        super().flush()
        self._began = None

    async def aflush(self) -> None:
        await super().aflush()
        self._began = None
