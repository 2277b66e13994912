"""The surge switch: one row with the current mode, and a log of who changed it when."""

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
    post cost as much as storing the declaration), so a change reaches the other web
    processes within that second; the process that saves it sees it at once.
    """

    mode = models.CharField(max_length=10, choices=SurgeMode.choices, default=SurgeMode.NORMAL)

    @classmethod
    def current(cls) -> str:
        now = time.monotonic()
        mode, until = _current
        if now >= until:
            mode = (cls.objects.filter(pk=1).values_list("mode", flat=True).first()
                    or SurgeMode.NORMAL)
            _current[:] = [mode, now + KEEP_SECONDS]
        return mode


KEEP_SECONDS = 1.0
_current: list = [SurgeMode.NORMAL, 0.0]  # [mode, monotonic time until it is asked again]


@receiver([post_save, post_delete], sender=SurgeSetting)
def _forget(**kwargs) -> None:
    _current[1] = 0.0


class SurgeChange(models.Model):
    """A moderator's change of the surge mode. Staff actions carry a time."""

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="surge_changes"
    )
    mode = models.CharField(max_length=10, choices=SurgeMode.choices)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
