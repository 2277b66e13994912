"""The audit trail of staff decisions. Like everything stored, a decision carries only its
day (China Standard Time), never a time of day."""

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
        UPHOLD_CONTEST = "uphold-contest", _("Upheld a contest and revoked")
        DISMISS_CONTEST = "dismiss-contest", _("Dismissed a contest")

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="decisions"
    )
    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="decisions"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    reason = models.CharField(max_length=500)
    decided_on = models.DateField()  # the day, China Standard Time (registry.dates)

    class Meta:
        ordering = ["-id"]


class Contest(models.Model):
    """Someone says a declaration was made in their name without their consent."""

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for a moderator")
        UPHELD = "upheld", _("Upheld: revoked")
        DISMISSED = "dismissed", _("Dismissed")

    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="contests"
    )
    account = models.TextField(help_text="The contester's own words, read by moderators.")
    filed_on = models.DateField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    # What is kept of the reference given to its author, to look the outcome up with
    # (receipts.verifier, under its own purpose): the reference itself is never stored.
    reference_hash = models.BinaryField(max_length=8, default=b"")

    class Meta:
        indexes = [models.Index(fields=["state", "id"], name="contest_state_id")]
