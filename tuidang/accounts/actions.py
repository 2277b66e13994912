"""State changes of staff accounts' traces that are not a log-in itself."""

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tuidang.accounts.dates_only import to_day


def prune_sessions() -> int:
    """Delete the sessions that have ended, and clear the times django-otp kept of failed
    codes; the number of sessions deleted.

    Rows whose end is not a midnight were written before sessions kept days only
    (accounts/sessions.py): their cookies open nothing any more, so they go at once."""
    with transaction.atomic():
        ended = Session.objects.filter(expire_date__lte=timezone.now())
        removed = ended.delete()[0]
        exact = [key for key, end in Session.objects.values_list("session_key", "expire_date")
                 if end != to_day(end)]
        removed += Session.objects.filter(session_key__in=exact).delete()[0]
        TOTPDevice.objects.exclude(throttling_failure_timestamp=None).update(
            throttling_failure_timestamp=None)
    return removed
