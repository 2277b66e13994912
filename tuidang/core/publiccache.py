"""Mark anonymous public pages as shareable for a few seconds.

A page rendered for a visitor who sent no cookie, that sets no cookie and says nothing
about caching itself, is the same for everyone: it gets `Cache-Control: public,
max-age=PUBLIC_PAGE_MAX_AGE`, so the micro-cache (tuidang.core.microcache), nginx and
mirrors may serve it again. Anything personal escapes by construction: a signed-in
person or a form carries a cookie (Django's CSRF middleware re-sends its cookie on
every page that uses the token), and views with their own policy (`never_cache`, the
proof-of-work challenge's `no-store`) keep it.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class PublicCacheMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        max_age = settings.PUBLIC_PAGE_MAX_AGE
        if (
            max_age > 0
            and request.method in ("GET", "HEAD")
            and response.status_code == 200
            and not request.COOKIES
            and "HTTP_AUTHORIZATION" not in request.META
            and not response.cookies
            and not response.has_header("Cache-Control")
            and "cookie" not in response.get("Vary", "").lower()
        ):
            response["Cache-Control"] = f"public, max-age={max_age}"
        return response
