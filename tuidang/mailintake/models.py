"""A mail to the published address, held until a helper turns it into a declaration or
discards it (docs/mail.md). Nothing of the mail but its plain text is kept, and that
only until then, or MAIL_DRAFT_DAYS at most."""

from django.db import models


class MailDraft(models.Model):
    # The day it arrived (China Standard Time), never a time of day.
    received_on = models.DateField()
    subject = models.CharField(max_length=200, blank=True)
    # The body as plain text: HTML stripped, attachments dropped (mailintake/text.py).
    text = models.TextField(blank=True)
    # How many attachments (and inline images) were dropped unread.
    attachments_dropped = models.PositiveSmallIntegerField(default=0)
    # The sender's addresses, sealed to the records key as the mail arrived
    # (registry/sealing.py): the server cannot read them back.
    sealed_sender = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["received_on"], name="maildraft_received_on")]
