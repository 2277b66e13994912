"""The surge switch: one row with the current mode, and a log of who changed it when."""

import threading
import time

from django.conf import settings
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _


class SurgeMode(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HOLD_ALL = "hold-all", _("Hold every new declaration for a moderator")
    HARD = "hard", _("Harder proof of work")


class SurgeSetting(models.Model):
    """A single row (pk=1); no row means normal.

    Every declaration asks for the mode: each process keeps it for a second (a query per
    post would make a setting that rarely changes a cost of every post), so a change
    reaches the other web processes within that second; the process that saves it sees
    it at once. When the second is up, one thread asks the database and the others go on
    with the mode it had meanwhile: under a burst, every request thread of a process
    asking at the same moment made a wave of requests wait for the database every second
    (docs/performance.md, caches that ask once).
    """

    mode = models.CharField(max_length=10, choices=SurgeMode.choices, default=SurgeMode.NORMAL)

    @classmethod
    def current(cls) -> str:
        mode, until = _current
        if time.monotonic() < until:
            return mode
        if until != FORGOTTEN:
            if not _asking.acquire(blocking=False):
                return mode  # another thread is asking the database
        else:
            _asking.acquire()  # changed in this process: everyone waits for the new mode
        try:
            mode = (cls.objects.filter(pk=1).values_list("mode", flat=True).first()
                    or SurgeMode.NORMAL)
            _current[:] = [mode, time.monotonic() + KEEP_SECONDS]
        finally:
            _asking.release()
        return mode


KEEP_SECONDS = 1.0
FORGOTTEN = 0.0
_current: list = [SurgeMode.NORMAL, FORGOTTEN]  # [mode, monotonic time to ask again]
_asking = threading.Lock()


@receiver([post_save, post_delete], sender=SurgeSetting)
def _forget(**kwargs) -> None:
    _current[1] = FORGOTTEN


class SurgeChange(models.Model):
    """A moderator's change of the surge mode. Staff actions carry a time."""

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="surge_changes"
    )
    mode = models.CharField(max_length=10, choices=SurgeMode.choices)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
