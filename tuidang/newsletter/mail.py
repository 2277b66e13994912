"""Building the mails: confirmation and newsletter, each with a one-click unsubscribe
link and the List-Unsubscribe and List-Unsubscribe-Post headers (RFC 8058).

Tokens are signed (django.core.signing) and name the subscriber's row and the first
characters of its keyed address hash, so a link never reaches a later row with the same
number; they are not secrets of a declarant (a newsletter link in a mailbox reveals only
that its owner subscribed).
"""

import re
import sys

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tuidang.newsletter import addresses
from tuidang.newsletter.models import Subscriber

CONFIRM_SALT = "tuidang.newsletter.confirm"
UNSUBSCRIBE_SALT = "tuidang.newsletter.unsubscribe"


def _token(subscriber: Subscriber, salt: str) -> str:
    return signing.dumps([subscriber.pk, subscriber.address_hash[:16]], salt=salt, compress=True)


def subscriber_from_token(token: str, salt: str, max_age: int | None = None) -> Subscriber | None:
    """The subscriber a token names; None if it is gone. Raises signing.BadSignature
    (or SignatureExpired) for a forged or expired token."""
    pk, prefix = signing.loads(token, salt=salt, max_age=max_age)
    found = Subscriber.objects.filter(pk=pk).first()
    if found is None or found.address_hash[:16] != prefix:
        return None
    return found


def confirm_token(subscriber: Subscriber) -> str:
    return _token(subscriber, CONFIRM_SALT)


def unsubscribe_token(subscriber: Subscriber) -> str:
    return _token(subscriber, UNSUBSCRIBE_SALT)


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def unsubscribe_url(subscriber: Subscriber) -> str:
    with translation.override(subscriber.language):
        return absolute(reverse("newsletter:unsubscribe", args=[unsubscribe_token(subscriber)]))


def _message(subscriber: Subscriber, subject: str, template: str, context: dict):
    unsubscribe = unsubscribe_url(subscriber)
    context = {**context, "unsubscribe_url": unsubscribe, "site_url": settings.SITE_URL}
    text = render_to_string(f"newsletter/mail/{template}.txt", context)
    html = render_to_string(f"newsletter/mail/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[addresses.decrypt(subscriber.address_box)],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def confirmation(subscriber: Subscriber) -> EmailMultiAlternatives:
    with translation.override(subscriber.language):
        url = absolute(reverse("newsletter:confirm", args=[confirm_token(subscriber)]))
        return _message(
            subscriber,
            _("Confirm your subscription to the Tuidang newsletter"),
            "confirm",
            {"confirm_url": url, "days": settings.NEWSLETTER_CONFIRM_DAYS},
        )


def newsletter_message(newsletter, subscriber: Subscriber, content: dict) -> EmailMultiAlternatives:
    with translation.override(newsletter.language):
        return _message(subscriber, newsletter.subject, "newsletter", content)


def test_message(newsletter, address: str, content: dict) -> EmailMultiAlternatives:
    """A newsletter to an editor's own address, marked as a test; its unsubscribe link
    points to the sign-up page (the editor is not a subscriber)."""
    with translation.override(newsletter.language):
        url = absolute(reverse("newsletter:signup"))
        context = {**content, "unsubscribe_url": url, "site_url": settings.SITE_URL}
        message = EmailMultiAlternatives(
            subject=f"[{_('Test')}] {newsletter.subject}",
            body=render_to_string("newsletter/mail/newsletter.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers={"List-Unsubscribe": f"<{url}>",
                     "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        )
        message.attach_alternative(
            render_to_string("newsletter/mail/newsletter.html", context), "text/html"
        )
        return message


_ADDRESS = re.compile(r"[^\s<>\"',;:]+@[^\s<>\"',;:]+")
# The headers that carry the moment a mail was made (Message-ID holds a timestamp).
_TIMED = re.compile(r"^(Date|Message-ID): .*\n", re.MULTILINE | re.IGNORECASE)


class RedactedConsoleBackend(ConsoleBackend):
    """The development backend (no EMAIL_HOST): prints each message with every address
    replaced by "[address]", so that no subscriber address reaches a terminal or log, and
    without its Date and Message-ID, so that no line times a sign-up."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("stream", sys.stdout)
        super().__init__(*args, **kwargs)

    def write_message(self, message) -> None:
        text = message.message().as_bytes().decode("utf-8", "replace").replace("\r\n", "\n")
        text = _TIMED.sub("", text)
        self.stream.write(_ADDRESS.sub("[address]", text) + "\n" + "-" * 79 + "\n")
