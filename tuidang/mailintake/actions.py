"""The state changes of mail drafts, each in one transaction.

A draft is filed as a mail arrives, with its sender sealed at once; it leaves the
database whole — text, subject and sealed sender — when a helper turns it into a
declaration (in the same transaction as the declaration is stored) or discards it, and
unread once it is MAIL_DRAFT_DAYS days old.
"""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import Http404

from tuidang.intake import service as intake
from tuidang.intake.actions import Submitted
from tuidang.mailintake import text
from tuidang.mailintake.models import MailDraft
from tuidang.registry import dates, sealing
from tuidang.registry.choices import Channel
from tuidang.registry.schema import DeclarationData


def file_draft(raw: bytes, envelope_sender: str) -> MailDraft:
    """Store a received mail as a draft: its plain text, its sender sealed."""
    mail = text.read(raw)
    sealed, _commitment = sealing.seal({"from": mail.sender, "envelope": envelope_sender})
    with transaction.atomic():
        return MailDraft.objects.create(
            received_on=dates.today(), subject=mail.subject, text=mail.text,
            attachments_dropped=mail.attachments_dropped, sealed_sender=sealed)


def convert(draft_id: int, data: DeclarationData, helper: AbstractBaseUser,
            hold: str = "") -> Submitted:
    """Store the declaration a helper made of a draft, channel `email`, and delete the
    draft in the same transaction. Http404 if it is gone (another helper was first)."""
    with transaction.atomic():
        deleted, _ = MailDraft.objects.filter(pk=draft_id).delete()
        if not deleted:
            raise Http404("this mail was handled already")
        [submitted] = intake.receive_many([data], channel=Channel.EMAIL, helper=helper,
                                          hold=hold, atomic=True)
    return submitted


def discard(draft_id: int) -> bool:
    """Delete a draft unread by anyone else; False if it was gone already."""
    with transaction.atomic():
        deleted, _ = MailDraft.objects.filter(pk=draft_id).delete()
    return bool(deleted)


def prune(today: datetime.date | None = None) -> int:
    """Delete the drafts that have waited MAIL_DRAFT_DAYS days; how many."""
    today = today or dates.today()
    oldest_kept = today - datetime.timedelta(days=settings.MAIL_DRAFT_DAYS - 1)
    with transaction.atomic():
        deleted, _ = MailDraft.objects.filter(received_on__lt=oldest_kept).delete()
    return deleted
