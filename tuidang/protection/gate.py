"""The gate the public's forms pass before anything is stored (abuse resistance).

`check(request)` looks at a submitted declaration form and says whether to refuse it
(with a message for the submitter) or to store it held for a moderator. In order:
the honeypot (refused, 400), the rate limits (refused, 429), the proof of work (held
"no-pow" without a valid one, except for helpers), the surge switch (held "surge").
`check_form(request, door)` is the same gate for the other public forms that store
something (a contest, a newsletter sign-up): the honeypot and the limits; a moderator
reviews every contest, and a sign-up only leads to a confirmation mail, so there is
nothing to hold. `receipt_lookup_refusal(request)` applies the look-up limits against
guessing codes.

Every visitor of the onion service reaches us from the same local connection; nginx's
onion server passes `onion` and the visitor's circuit, which tor exports through the
PROXY protocol (deploy/tor, deploy/nginx). Each circuit is a submitter with the usual
per-submitter limits; all onion requests also share their own, larger limits per window
(PROTECTION_ONION_*), since a flooder can open new circuits, and a post that carries a
valid proof of work is not counted against those at all: there the proof carries the
load, each post paying its own work.
A receipt look-up's follow-ups (proof, entry, retraction) carry a token for the code the
look-up found, worth nothing for any other code, and are not counted either. The global
limits apply to all.
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tuidang.accounts.access import is_helper, is_verified
from tuidang.protection import limits, pow
from tuidang.protection.models import SurgeMode, SurgeSetting
from tuidang.registry.screening import HOLD_NO_POW, HOLD_SURGE

HONEYPOT_FIELD = "homepage"
FOLLOW_UP_FIELD = "follow_up"  # a receipt look-up's follow-ups (see follow_up_token)


@dataclass(frozen=True)
class Verdict:
    refuse: str | None = None  # a message in the user's language; nothing is stored
    status: int = 429
    hold_reason: str = ""  # stored, but held for a moderator with this reason


@dataclass(frozen=True)
class Door:
    """A public form the gate keeps: the scope its counts go under, and the names of
    the settings that limit it."""

    scope: str
    per_submitter: str
    per_minute: str
    onion_per_window: str


DECLARATIONS = Door("declare", "PROTECTION_DECLARATIONS_PER_SUBMITTER",
                    "PROTECTION_DECLARATIONS_PER_MINUTE",
                    "PROTECTION_ONION_DECLARATIONS_PER_WINDOW")
CONTESTS = Door("contest", "PROTECTION_CONTESTS_PER_SUBMITTER",
                "PROTECTION_CONTESTS_PER_MINUTE", "PROTECTION_ONION_CONTESTS_PER_WINDOW")
SIGNUPS = Door("newsletter", "PROTECTION_SIGNUPS_PER_SUBMITTER",
               "PROTECTION_SIGNUPS_PER_MINUTE", "PROTECTION_ONION_SIGNUPS_PER_WINDOW")
LOOKUPS = Door("receipt", "PROTECTION_RECEIPT_LOOKUPS_PER_SUBMITTER",
               "PROTECTION_RECEIPT_LOOKUPS_PER_MINUTE",
               "PROTECTION_ONION_RECEIPT_LOOKUPS_PER_WINDOW")


def _minutes() -> int:
    return max(settings.PROTECTION_WINDOW // 60, 1)


class _Proof:
    """The post's proof of work, checked at most once (a proof is accepted once)."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    @cached_property
    def valid(self) -> bool:
        return pow.verify(self.request.POST.get(pow.FIELD, ""))


def _over(request: HttpRequest, door: Door, exempt_on_onion) -> str | None:
    """Which limit this post goes over, if any ("submitter" or "global"); counted either
    way. `exempt_on_onion()` says whether an onion post is spared its bucket."""
    per_submitter = getattr(settings, door.per_submitter)
    if limits.is_onion(request):
        # A circuit is a submitter, as an address is on the clearnet (when tor and nginx
        # pass it); every onion visitor also shares the onion's own bucket.
        if limits.onion_circuit(request) and limits.over_submitter_limit(
                request, door.scope, per_submitter):
            return "submitter"
        if not exempt_on_onion() and limits.over_onion_limit(
                request, door.scope, getattr(settings, door.onion_per_window)):
            return "submitter"
    elif limits.over_submitter_limit(request, door.scope, per_submitter):
        return "submitter"
    if limits.over_global_limit(door.scope, getattr(settings, door.per_minute)):
        return "global"
    return None


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
    proof = _Proof(request)
    if not helper:
        over = _over(request, DECLARATIONS, lambda: proof.valid)
        if over == "submitter":
            minutes = _minutes()
            return Verdict(refuse=ngettext(
                "Too many declarations have come from your connection. Nothing has been "
                "saved. Please wait %(minutes)s minute and submit again.",
                "Too many declarations have come from your connection. Nothing has been "
                "saved. Please wait %(minutes)s minutes and submit again.",
                minutes,
            ) % {"minutes": minutes})
        if over == "global":
            return Verdict(refuse=_(
                "Too many declarations are arriving right now. Nothing has been saved. "
                "Please wait a minute and submit again."
            ))
    hold = ""
    if not helper and settings.PROTECTION_POW_HOLD and not proof.valid:
        hold = HOLD_NO_POW
    elif SurgeSetting.current() == SurgeMode.HOLD_ALL:
        hold = HOLD_SURGE
    return Verdict(hold_reason=hold)


def check_form(request: HttpRequest, door: Door) -> Verdict:
    """The gate for a contest or a newsletter sign-up: the honeypot and the limits."""
    if request.POST.get(HONEYPOT_FIELD, ""):
        return Verdict(refuse=_("Your form could not be accepted. Nothing has been saved."),
                       status=400)
    proof = _Proof(request)
    over = _over(request, door, lambda: proof.valid)
    if over == "submitter":
        minutes = _minutes()
        return Verdict(refuse=ngettext(
            "Too many forms have come from your connection. Nothing has been saved. "
            "Please wait %(minutes)s minute and send it again.",
            "Too many forms have come from your connection. Nothing has been saved. "
            "Please wait %(minutes)s minutes and send it again.",
            minutes,
        ) % {"minutes": minutes})
    if over == "global":
        return Verdict(refuse=_("Too many forms are arriving right now. Nothing has been "
                                "saved. Please wait a minute and send it again."))
    return Verdict()


def follow_up_token(code: str) -> str:
    """What a look-up's result page puts into its follow-up forms for `code`: it spares
    them the onion bucket, and is worth nothing for any other code."""
    return salted_hmac("tuidang.protection.follow-up", code.strip().upper(),
                       algorithm="sha256").hexdigest()[:32]


def _follows_up(request: HttpRequest) -> bool:
    given = request.POST.get(FOLLOW_UP_FIELD, "")
    code = request.POST.get("code", "")
    return bool(given) and constant_time_compare(given, follow_up_token(code))


def receipt_lookup_refusal(request: HttpRequest) -> str | None:
    """A message if this receipt look-up goes over a limit (it is counted either way)."""
    proof = _Proof(request)
    over = _over(request, LOOKUPS, lambda: _follows_up(request) or proof.valid)
    if over == "submitter":
        minutes = _minutes()
        return ngettext(
            "Too many receipt look-ups have come from your connection. Please wait "
            "%(minutes)s minute and try again.",
            "Too many receipt look-ups have come from your connection. Please wait "
            "%(minutes)s minutes and try again.",
            minutes,
        ) % {"minutes": minutes}
    if over == "global":
        return _("Too many receipt look-ups right now. Please wait a minute and try again.")
    return None


def pow_maxnumber() -> int:
    if SurgeSetting.current() == SurgeMode.HARD:
        return settings.PROTECTION_POW_MAXNUMBER_HARD
    return settings.PROTECTION_POW_MAXNUMBER
