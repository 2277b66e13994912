"""Sending: confirmation mails and newsletters, in batches, at a limited rate.

Each newsletter has one Delivery row per subscriber. A row is claimed (committed) before
its mail goes to the SMTP server and marked sent right after, so a sender that resumes
after a crash or a restart takes only rows still pending: nobody gets a mail twice. A
row that stays claimed (the process died between the SMTP server's answer and the
update) counts as unknown and is not retried; an SMTP error on one mail puts its row
back to pending (temporary) or marks it failed (the server refused the address).
"""

import datetime
import logging
import smtplib
import time

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Count

from tuidang.newsletter import content, mail
from tuidang.newsletter.models import Delivery, Newsletter, Subscriber
from tuidang.registry import dates

log = logging.getLogger("tuidang.newsletter")


def after_delivery(delivery_id: int) -> None:
    """Called after each delivery is marked sent (tests interrupt a send here)."""


def prune_unconfirmed() -> int:
    """Remove sign-ups left unconfirmed for NEWSLETTER_CONFIRM_DAYS days."""
    cutoff = dates.today() - datetime.timedelta(days=settings.NEWSLETTER_CONFIRM_DAYS)
    deleted, _ = Subscriber.objects.filter(
        state=Subscriber.PENDING, consent_on__lt=cutoff
    ).delete()
    return deleted


def send_confirmations() -> int:
    """Send every confirmation mail that is due; returns how many were sent."""
    prune_unconfirmed()
    sent = 0
    due = Subscriber.objects.filter(state=Subscriber.PENDING, confirmation_due=True)
    for pk in list(due.values_list("pk", flat=True)):
        claimed = Subscriber.objects.filter(pk=pk, confirmation_due=True).update(
            confirmation_due=False, confirmation_sent_on=dates.today()
        )
        if not claimed:
            continue
        subscriber = Subscriber.objects.get(pk=pk)
        try:
            mail.confirmation(subscriber).send()
        except smtplib.SMTPRecipientsRefused:
            log.warning("a confirmation mail was refused by the SMTP server")
        except Exception:
            Subscriber.objects.filter(pk=pk).update(confirmation_due=True)
            raise
        sent += 1
    return sent


@transaction.atomic
def start(newsletter: Newsletter) -> int:
    """Create one delivery per confirmed subscriber of the newsletter's language."""
    newsletter = Newsletter.objects.select_for_update().get(pk=newsletter.pk)
    if newsletter.state != Newsletter.DRAFT:
        return 0
    subscribers = Subscriber.objects.filter(
        state=Subscriber.CONFIRMED, language=newsletter.language
    ).values_list("pk", flat=True)
    Delivery.objects.bulk_create(
        [Delivery(newsletter=newsletter, subscriber_id=pk) for pk in subscribers],
        batch_size=1000,
        ignore_conflicts=True,
    )
    newsletter.state = Newsletter.SENDING
    newsletter.save(update_fields=["state"])
    return newsletter.deliveries.count()


def pending(newsletter_id: int) -> int:
    return Delivery.objects.filter(newsletter_id=newsletter_id, state=Delivery.PENDING).count()


def run_batch(newsletter_id: int, batch: int | None = None) -> int:
    """Send up to one batch of a newsletter; returns how many are still pending.

    When none is pending, the newsletter is marked sent.
    """
    newsletter = Newsletter.objects.get(pk=newsletter_id)
    if newsletter.state != Newsletter.SENDING:
        return 0
    size = batch or settings.NEWSLETTER_BATCH
    interval = 60.0 / settings.NEWSLETTER_RATE_PER_MINUTE
    ids = list(
        Delivery.objects.filter(newsletter=newsletter, state=Delivery.PENDING)
        .order_by("pk").values_list("pk", flat=True)[:size]
    )
    if ids:
        body = content.build(newsletter)
        connection = get_connection()
        try:
            for delivery_id in ids:
                started = time.monotonic()
                _deliver(newsletter, delivery_id, body, connection)
                after_delivery(delivery_id)
                time.sleep(max(0.0, interval - (time.monotonic() - started)))
        finally:
            connection.close()
    left = pending(newsletter_id)
    if not left:
        Newsletter.objects.filter(pk=newsletter_id, state=Newsletter.SENDING).update(
            state=Newsletter.SENT, sent_on=dates.today()
        )
    return left


def _deliver(newsletter: Newsletter, delivery_id: int, body: dict, connection) -> None:
    claimed = Delivery.objects.filter(pk=delivery_id, state=Delivery.PENDING).update(
        state=Delivery.CLAIMED
    )
    if not claimed:
        return  # another sender took it
    delivery = Delivery.objects.select_related("subscriber").filter(pk=delivery_id).first()
    if delivery is None:
        return  # unsubscribed meanwhile: the row went with the subscriber
    message = mail.newsletter_message(newsletter, delivery.subscriber, body)
    message.connection = connection
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused:
        Delivery.objects.filter(pk=delivery_id).update(state=Delivery.FAILED)
        return
    except Exception:
        Delivery.objects.filter(pk=delivery_id).update(state=Delivery.PENDING)
        raise
    Delivery.objects.filter(pk=delivery_id).update(state=Delivery.SENT)


def run_all(newsletter_id: int) -> None:
    while run_batch(newsletter_id):
        pass


def progress(newsletter: Newsletter) -> dict:
    counts = dict(
        newsletter.deliveries.values_list("state").annotate(n=Count("id")).order_by()
    )
    total = sum(counts.values())
    done = counts.get(Delivery.SENT, 0) + counts.get(Delivery.FAILED, 0)
    return {
        "total": total,
        "sent": counts.get(Delivery.SENT, 0),
        "failed": counts.get(Delivery.FAILED, 0),
        "unknown": counts.get(Delivery.CLAIMED, 0),
        "pending": counts.get(Delivery.PENDING, 0),
        "percent": round(100 * done / total) if total else 100,
    }
