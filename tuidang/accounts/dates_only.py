"""Staff accounts keep dates, never times (docs/design.md, principle 1: dates, not times).

Django stamps a user's last_login and date_joined, and django-otp a device's created_at
and last_used_at, with the exact time. Before they are saved, each is cut to the start of
its day (UTC), so that a seized database does not tell when a helper or moderator worked;
the time of a device's last failed code is not kept at all. Sessions keep a day too
(accounts/sessions.py).
"""

import datetime

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django_otp.plugins.otp_totp.models import TOTPDevice

USER_FIELDS = ("last_login", "date_joined")
DEVICE_FIELDS = ("created_at", "last_used_at")


def to_day(value: datetime.datetime | None) -> datetime.datetime | None:
    if value is None:
        return None
    return value.astimezone(datetime.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _truncate(instance, fields) -> None:
    for field in fields:
        setattr(instance, field, to_day(getattr(instance, field)))


@receiver(pre_save, sender=get_user_model(), dispatch_uid="tuidang-user-dates-only")
def user_dates_only(sender, instance, **kwargs) -> None:
    _truncate(instance, USER_FIELDS)


@receiver(pre_save, sender=TOTPDevice, dispatch_uid="tuidang-device-dates-only")
def device_dates_only(sender, instance, **kwargs) -> None:
    _truncate(instance, DEVICE_FIELDS)
    # django-otp stamps each failed code with the time; its throttle, the only reader,
    # is off (OTP_TOTP_THROTTLE_FACTOR = 0: accounts/throttle.py counts in the cache).
    instance.throttling_failure_timestamp = None


@receiver(post_save, sender=TOTPDevice, dispatch_uid="tuidang-device-created-date-only")
def device_created_date_only(sender, instance, created: bool, **kwargs) -> None:
    # created_at is auto_now_add: the field sets it after pre_save, so cut it afterwards.
    if created and instance.created_at is not None:
        instance.created_at = to_day(instance.created_at)
        sender.objects.filter(pk=instance.pk).update(created_at=instance.created_at)
