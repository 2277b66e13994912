"""The counter other sites embed: a small SVG image of the signed total, and the page
that gives its snippet.

The image is for `<img src=…>` on any site: it runs no script (an SVG shown as an image
cannot), sets no cookie, never touches the session (so no `Vary: Cookie`) and is cached
by anyone for COUNTER_MAX_AGE seconds, so a busy page that embeds it costs us one request
per cache every few minutes and tells us nothing about its readers. Its number is the
latest signed checkpoint's tally, the same the home page shows.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_safe

from tuidang.registry import dates
from tuidang.transparency import signedcount

COUNTER_MAX_AGE = 300
LANGUAGES = ("zh-hans", "zh-hant", "en")
# width and height in CSS pixels, font sizes of the number and of the words
SIZES = {
    "small": {"width": 176, "height": 48, "number": 20, "words": 11},
    "large": {"width": 320, "height": 96, "number": 38, "words": 15},
}


def counter_path(language: str, size: str) -> str:
    return reverse("counter_image", kwargs={"language": language, "size": size})


@require_safe
def counter_image(request: HttpRequest, language: str, size: str) -> HttpResponse:
    total = signedcount.current().persons
    site, day = settings.SITE_URL.split("://", 1)[1], dates.today().isoformat()
    with translation.override(language):
        svg = render_to_string("stats/counter.svg", {
            "total": f"{total:,}", "size": size, **SIZES[size], "language": language,
            "short": pgettext("counter", "People who have quit"),
            "long": _("Quit the CCP and its youth groups"),
            "source": _("%(site)s · signed log, as of %(day)s")
            % {"site": site, "day": day},
        })
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={COUNTER_MAX_AGE}"
    # any site may show it (browsers that enforce a resource policy would refuse it)
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@require_safe
def counter_page(request: HttpRequest) -> HttpResponse:
    """How to put the counter on another site: each image with its snippet."""
    counters = []
    for language in LANGUAGES:
        with translation.override(language):
            home = settings.SITE_URL + reverse("home")
            alt = pgettext("counter", "People who have quit")
        counters += [{"language": language, "size": size, **SIZES[size], "alt": alt,
                      "path": counter_path(language, size), "home": home,
                      "url": settings.SITE_URL + counter_path(language, size)}
                     for size in SIZES]
    return render(request, "stats/counter.html", {"counters": counters,
                                                  "max_age": COUNTER_MAX_AGE})
