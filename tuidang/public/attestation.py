"""An attestation a declarant can show: one printable page, in Chinese and English, that
their declaration is in the public log.

It is reached from the receipt page with the receipt code in a form (never in a URL),
and shows only what is public anyway once the declaration is published: its number, its
day, the displayed names and organizations, its log index, the signed checkpoint of a
log that holds it, and a QR code of its public page, where anyone can check it against
the log. It proves that the declaration is in the log, not who anyone is; it shows no
private field. A declaration not yet in a published batch gets a page that says so, and
when it will be.
"""

import segno
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, override
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tuidang.declaring import receipt_page
from tuidang.public.views import lookup, not_found
from tuidang.registry.choices import ORGANIZATION_NAMES
from tuidang.transparency import proofs

TEMPLATE = "registry/attestation.html"


def chinese() -> str:
    """The Chinese of the page: the visitor's variant, Simplified for an English reader."""
    return "zh-hant" if get_language() == "zh-hant" else "zh-hans"


def qr_svg(url: str) -> str:
    """`url` as a QR code, an inline SVG of paths only (no style, no script)."""
    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(scale=4, border=4, svgclass="qr", lineclass="qr-line", title=url)
    return mark_safe(svg)  # noqa: S308 - segno's markup, the title (our own URL) escaped


def _organizations(persons, language: str) -> list[list[tuple[str, str]]]:
    """Each person's organizations as (Chinese, English) names."""
    names = {}
    for org, name in ORGANIZATION_NAMES.items():
        with override(language):
            zh = str(name)
        with override("en"):
            names[org] = (zh, str(name))
    return [[names[o] for o in person.organizations()] for person in persons]


# The receipt page's forms carry the code without a CSRF token (the cached page is one for
# everyone), and this page changes nothing and shows only what the code shows to whoever
# holds it, as the receipt text file does.
@csrf_exempt
@never_cache
@require_POST
def attestation(request: HttpRequest) -> HttpResponse:
    form, declaration = lookup(request)
    if declaration is None:
        return not_found(request, form)
    language = chinese()
    context = {"declaration": declaration, "zh": language,
               "step": receipt_page.step_of(declaration),
               "publish_minutes": receipt_page.publish_minutes()}
    if declaration.public_status == "published":
        with override(language):
            page = settings.SITE_URL + reverse("statement", args=[declaration.pk])
        persons = declaration.persons
        context.update(
            persons=list(zip(persons, _organizations(persons, language), strict=True)),
            checkpoint=proofs.checkpoint_for(declaration.log_index).decode(),
            public_page=page, qr=qr_svg(page), log_origin=settings.LOG_ORIGIN)
    return render(request, TEMPLATE, context)
