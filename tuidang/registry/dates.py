"""Dates in China Standard Time, the calendar every count uses."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def counting_zone() -> ZoneInfo:
    return ZoneInfo(settings.COUNTING_TIME_ZONE)


def today() -> datetime.date:
    return timezone.now().astimezone(counting_zone()).date()
