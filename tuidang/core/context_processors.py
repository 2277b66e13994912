import functools

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse, translate_url
from django.utils.translation import get_language, override

# The links every page's header and footer carry, by URL name.
NAV_URLS = (
    "home", "declare", "statements", "statistics", "news:list", "receipt", "verify",
    "helpers:home", "counting_rule", "open_data", "newsletter:signup", "login", "logout",
    "declarant_privacy", "pages:safe_access", "pages:questions",
)


@functools.cache
def _nav_urls(language: str) -> dict[str, str]:
    """The site's own links in one language; URL patterns never change while running."""
    with override(language):
        return {name.replace(":", "_"): reverse(name) for name in NAV_URLS}


def _same_page_in(path: str, current: str, code: str) -> str:
    # Our URL patterns are the same in every language but for the prefix, so swapping
    # it is enough (and far cheaper than resolving the path again per language).
    prefix = f"/{current}/"
    if path.startswith(prefix):
        return f"/{code}/{path[len(prefix):]}"
    return translate_url(path, code)


def site(request: HttpRequest) -> dict:
    """The header's and footer's links, and the language switcher: the same page in each
    language, as plain GET links."""
    path, current = request.get_full_path(), get_language()
    return {
        "nav": _nav_urls(current),
        "language_links": [
            (code, name, _same_page_in(path, current, code)) for code, name in settings.LANGUAGES
        ],
    }
