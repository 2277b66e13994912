"""The terms and privacy pages: versioned, the newest version is in force."""

from django.utils.translation import gettext as _

from tuidang.newsletter.models import LegalPage


def current(kind: str) -> LegalPage | None:
    return LegalPage.objects.filter(kind=kind).order_by("-version").first()


def current_version(kind: str) -> int:
    """0 means the built-in text: no editor has written the page yet."""
    page = current(kind)
    return page.version if page else 0


def default_text(kind: str) -> str:
    if kind == LegalPage.TERMS:
        return _(
            "The newsletter brings news from this site by e-mail, in the language you "
            "choose. You subscribe by confirming the link we send you, and you can "
            "unsubscribe at any time with the link in every mail. We use your address only "
            "to send the newsletter and never pass it on. See the privacy page."
        )
    return _(
        "This site keeps no IP address and no time of your visit. A newsletter "
        "subscriber's address is stored encrypted, only to send the newsletter; we record "
        "the day of your consent and the version of the terms you agreed to. An address "
        "that is not confirmed is deleted after 7 days; unsubscribing deletes it at once."
    )
