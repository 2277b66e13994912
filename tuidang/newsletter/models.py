"""Subscribers, newsletters and their deliveries, and the versioned terms and privacy pages.

A subscriber's address is private: stored encrypted (addresses.py) with a keyed hash for
look-ups, never logged, never exported. Only dates are kept (consent, confirmation).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LegalPage(models.Model):
    """One version of the terms or the privacy page; every edit adds a version."""

    TERMS = "terms"
    PRIVACY = "privacy"
    KINDS = [(TERMS, _("Terms")), (PRIVACY, _("Privacy"))]

    kind = models.CharField(max_length=10, choices=KINDS)
    version = models.PositiveIntegerField()
    body_zh_hans = models.TextField(blank=True)
    body_zh_hant = models.TextField(blank=True)
    body_en = models.TextField(blank=True)
    edited_on = models.DateField()
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="legal_kind_version")
        ]

    def body_for(self, language: str) -> str:
        own = getattr(self, "body_" + language.replace("-", "_"), "")
        return own or self.body_zh_hans or self.body_zh_hant or self.body_en


class Subscriber(models.Model):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    STATES = [(PENDING, _("Waiting for confirmation")), (CONFIRMED, _("Confirmed"))]

    address_hash = models.CharField(max_length=64, unique=True)
    address_box = models.BinaryField()
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    state = models.CharField(max_length=10, choices=STATES, default=PENDING)
    terms_version = models.PositiveIntegerField()
    consent_on = models.DateField(help_text="Day the consent was given; never a time.")
    confirmed_on = models.DateField(null=True, blank=True)
    # The confirmation mail is due (set at sign-up, cleared when sent), and the day it
    # was last sent: a second sign-up sends at most one reminder a day.
    confirmation_due = models.BooleanField(default=True)
    confirmation_sent_on = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "language"])]

    def __str__(self) -> str:
        return f"subscriber {self.pk}"


class Newsletter(models.Model):
    DRAFT = "draft"
    SENDING = "sending"
    SENT = "sent"
    STATES = [(DRAFT, _("Draft")), (SENDING, _("Sending")), (SENT, _("Sent"))]

    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(max_length=200)
    intro = models.TextField(blank=True, help_text="Markdown")
    articles = models.ManyToManyField("news.Article", blank=True, related_name="+")
    milestone_values = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=10, choices=STATES, default=DRAFT)
    created_on = models.DateField()
    sent_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.subject


class Delivery(models.Model):
    """One newsletter to one subscriber. pending → claimed → sent (or failed).

    A row is claimed (committed) before its mail is handed to the SMTP server and marked
    sent right after; a sender that resumes takes only pending rows, so nobody gets a
    mail twice. A row left claimed by a crash in between is "unknown" and not retried.
    """

    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    STATES = [(PENDING, _("Pending")), (CLAIMED, _("Unknown (interrupted)")),
              (SENT, _("Sent")), (FAILED, _("Refused"))]

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=STATES, default=PENDING)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["newsletter", "subscriber"], name="delivery_once")
        ]
        indexes = [models.Index(fields=["newsletter", "state"])]
