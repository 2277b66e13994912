"""The gate every declaration passes before it is stored (abuse resistance).

`check(request)` looks at a submitted declaration form and says whether to refuse it
(with a message for the submitter) or to store it held for a moderator. In order:
the honeypot (refused, 400), the rate limits (refused, 429), the proof of work (held
"no-pow" without a valid one, except for helpers), the surge switch (held "surge").
`receipt_lookup_refusal(request)` applies the look-up limits against guessing codes.
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tuidang.accounts.access import is_helper, is_verified
from tuidang.protection import limits, pow
from tuidang.protection.models import SurgeMode, SurgeSetting

HONEYPOT_FIELD = "homepage"
HOLD_NO_POW = "no-pow"
HOLD_SURGE = "surge"


@dataclass(frozen=True)
class Verdict:
    refuse: str | None = None  # a message in the user's language; nothing is stored
    status: int = 429
    hold_reason: str = ""  # stored, but held for a moderator with this reason


def _minutes() -> int:
    return max(settings.PROTECTION_WINDOW // 60, 1)


# The verdict the express lane (declaring/express.py) reached for this very request, when
# it hands the request to Django: the limits have counted it already.
HANDED_OVER = "tuidang.gate_verdict"


def check(request: HttpRequest) -> Verdict:
    handed = request.META.get(HANDED_OVER)
    if handed is not None:
        return handed
    if request.POST.get(HONEYPOT_FIELD, ""):
        return Verdict(
            refuse=_("Your declaration could not be accepted. Nothing has been saved."),
            status=400,
        )
    # A helper signed in with both factors needs no proof of work and is not limited per
    # address (hotline offices share one); a password alone exempts nothing.
    helper = is_verified(request.user) and is_helper(request.user)
    if not helper:
        if limits.over_submitter_limit(
            request, "declare", settings.PROTECTION_DECLARATIONS_PER_SUBMITTER
        ):
            minutes = _minutes()
            return Verdict(refuse=ngettext(
                "Too many declarations have come from your connection. Nothing has been "
                "saved. Please wait %(minutes)s minute and submit again.",
                "Too many declarations have come from your connection. Nothing has been "
                "saved. Please wait %(minutes)s minutes and submit again.",
                minutes,
            ) % {"minutes": minutes})
        if limits.over_global_limit("declare", settings.PROTECTION_DECLARATIONS_PER_MINUTE):
            return Verdict(refuse=_(
                "Too many declarations are arriving right now. Nothing has been saved. "
                "Please wait a minute and submit again."
            ))
    hold = ""
    if (
        not helper
        and settings.PROTECTION_POW_HOLD
        and not pow.verify(request.POST.get(pow.FIELD, ""))
    ):
        hold = HOLD_NO_POW
    elif SurgeSetting.current() == SurgeMode.HOLD_ALL:
        hold = HOLD_SURGE
    return Verdict(hold_reason=hold)


def receipt_lookup_refusal(request: HttpRequest) -> str | None:
    """A message if this receipt look-up goes over a limit (it is counted either way)."""
    if limits.over_submitter_limit(
        request, "receipt", settings.PROTECTION_RECEIPT_LOOKUPS_PER_SUBMITTER
    ):
        minutes = _minutes()
        return ngettext(
            "Too many receipt look-ups have come from your connection. Please wait "
            "%(minutes)s minute and try again.",
            "Too many receipt look-ups have come from your connection. Please wait "
            "%(minutes)s minutes and try again.",
            minutes,
        ) % {"minutes": minutes}
    if limits.over_global_limit("receipt", settings.PROTECTION_RECEIPT_LOOKUPS_PER_MINUTE):
        return _("Too many receipt look-ups right now. Please wait a minute and try again.")
    return None


def pow_maxnumber() -> int:
    if SurgeSetting.current() == SurgeMode.HARD:
        return settings.PROTECTION_POW_MAXNUMBER_HARD
    return settings.PROTECTION_POW_MAXNUMBER
