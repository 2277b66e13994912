"""Declarations, the persons they cover, and the counters read by every page.

A declaration keeps no time of day, no address and no agent: only the date (China
Standard Time) on which it was received.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tuidang.registry.choices import Channel, Region, Sector


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    HELD = "held", _("Held for review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    REVOKED = "revoked", _("Revoked")


class StatementStatus(models.TextChoices):
    NONE = "none", _("No statement")
    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not published")


class Declaration(models.Model):
    """One submission; its serial (the primary key) is its public number."""

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    received_on = models.DateField(help_text="Date in China Standard Time; never a time.")
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="submissions",
    )
    receipt_hash = models.CharField(max_length=64, unique=True)
    hold_reason = models.CharField(max_length=32, blank=True)

    person_count = models.PositiveIntegerField()
    party_count = models.PositiveIntegerField()
    league_count = models.PositiveIntegerField()
    pioneers_count = models.PositiveIntegerField()

    statement_title = models.CharField(max_length=200, blank=True)
    statement_text = models.TextField(blank=True)
    statement_status = models.CharField(
        max_length=10, choices=StatementStatus.choices, default=StatementStatus.NONE
    )
    # Publishing statement_salt lets anyone check a published statement against the log.
    statement_salt = models.BinaryField(max_length=16)
    # Private fields sealed to a key the server does not hold (see sealing.py), and the
    # log entry's commitment to them, computed at intake while they were in memory.
    sealed_private = models.BinaryField(null=True, blank=True)
    private_commitment = models.BinaryField(max_length=32, default=b"")

    log_index = models.BigIntegerField(null=True, blank=True, unique=True)
    is_published = models.BooleanField(default=False)
    # Imported declarations only: a keyed hash of the helper and the imported line (or its
    # ref), so that importing the same file twice counts no one twice (registry/imports.py).
    import_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "id"], name="declaration_status_id"),
            models.Index(fields=["is_published", "id"], name="declaration_published_id"),
            models.Index(
                fields=["is_published", "received_on", "id"], name="declaration_published_day"
            ),
            models.Index(fields=["statement_status", "id"], name="declaration_statement"),
            models.Index(fields=["helper", "id"], name="declaration_helper_id"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def public_status(self) -> str:
        """The status a declarant sees: 'published' once its entry is in the log."""
        if self.status == Status.ACCEPTED and self.log_index is not None:
            return "published"
        return self.status

    @property
    def shows_statement(self) -> bool:
        return self.statement_status == StatementStatus.APPROVED


class Person(models.Model):
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="persons")
    position = models.PositiveSmallIntegerField()
    display_name = models.CharField(max_length=40)
    is_real_name = models.BooleanField(default=False)
    party = models.BooleanField(default=False)
    league = models.BooleanField(default=False)
    pioneers = models.BooleanField(default=False)
    region = models.CharField(max_length=20, choices=Region.choices, blank=True)
    country = models.CharField(max_length=2, blank=True)
    sector = models.CharField(max_length=12, choices=Sector.choices, blank=True)
    # Keyed hash of the normalized name with the organizations, to hold exact duplicates.
    identity_digest = models.CharField(max_length=64, db_index=True, default="")

    class Meta:
        ordering = ["declaration_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["declaration", "position"], name="person_position"),
        ]

    def organizations(self) -> list[str]:
        return [org for org in ("party", "league", "pioneers") if getattr(self, org)]


class Revocation(models.Model):
    """A correction: it subtracts a published declaration again through a new log entry."""

    class Reason(models.TextChoices):
        RETRACTED = "retracted", _("Retracted by the declarant")
        MODERATOR = "moderator", _("Revoked by a moderator")
        CONTEST = "contest", _("Successfully contested")

    declaration = models.OneToOneField(
        Declaration, on_delete=models.PROTECT, related_name="revocation"
    )
    reason = models.CharField(max_length=10, choices=Reason.choices)
    decided_on = models.DateField()
    log_index = models.BigIntegerField(null=True, blank=True, unique=True)

    class Meta:
        indexes = [models.Index(fields=["log_index", "id"], name="revocation_pending")]


class Total(models.Model):
    """All-time counters, one row per key ('persons', 'org:party', 'channel:self', ...)."""

    key = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)


class DailyCount(models.Model):
    """Per-day counters (China Standard Time), same keys as Total."""

    day = models.DateField()
    key = models.CharField(max_length=40)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "key"], name="dailycount_day_key")]
