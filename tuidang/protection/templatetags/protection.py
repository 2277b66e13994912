import json

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def altcha_strings() -> str:
    """The widget's interface strings in the page's language, as JSON for an attribute."""
    return json.dumps({
        "label": _("Nothing to tick: when you send the form, your browser does a short "
                   "calculation that keeps spam programs out."),
        "loading": _("Loading…"),
        "verify": _("Check"),
        "verifying": _("Checking… (a few seconds)"),
        "waitAlert": _("Checking… please wait."),
        "verified": _("Checked"),
        "verificationRequired": _("Please wait until the check is done."),
        "error": _("The check failed. You can still submit: a moderator will review it."),
        "expired": _("The check expired. Submit again to repeat it."),
        "reload": _("Try again"),
        "cancel": _("Cancel"),
    }, ensure_ascii=False)
