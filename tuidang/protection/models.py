"""The surge switch: one row with the current mode, and a log of who changed it when."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SurgeMode(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HOLD_ALL = "hold-all", _("Hold every new declaration for a moderator")
    HARD = "hard", _("Harder proof of work")


class SurgeSetting(models.Model):
    """A single row (pk=1); no row means normal."""

    mode = models.CharField(max_length=10, choices=SurgeMode.choices, default=SurgeMode.NORMAL)

    @classmethod
    def current(cls) -> str:
        return cls.objects.filter(pk=1).values_list("mode", flat=True).first() or SurgeMode.NORMAL


class SurgeChange(models.Model):
    """A moderator's change of the surge mode. Staff actions carry a time."""

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="surge_changes"
    )
    mode = models.CharField(max_length=10, choices=SurgeMode.choices)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
