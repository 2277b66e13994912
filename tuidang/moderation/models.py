"""The audit trail of staff decisions. Staff actions carry a time; declarants' never do."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tuidang.registry.models import Declaration


class Decision(models.Model):
    class Action(models.TextChoices):
        ACCEPT = "accept", _("Accepted the declaration")
        REJECT = "reject", _("Rejected the declaration")
        APPROVE_STATEMENT = "approve-statement", _("Approved the statement")
        REJECT_STATEMENT = "reject-statement", _("Declined the statement")
        REVOKE = "revoke", _("Revoked the declaration")

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="decisions"
    )
    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="decisions"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    reason = models.CharField(max_length=500)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
