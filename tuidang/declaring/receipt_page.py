"""The page that shows a new receipt code: the hottest page of a surge, rendered cheaply.

For an anonymous declarant the page differs from the previous declarant's only in the
code: the rest depends on the language, the path, the number of persons and the date.
So the template is rendered once per such combination with a placeholder for the code,
and each request only puts its own code in. Signed-in helpers (whose pages carry their
name, links and a CSRF token) and requests with pending messages get a full render.

The rendered pages are one cache, shared by the Django view and the declare form's
express lane (declaring/express.py): the view renders a page into it, and the express
lane, having seen Django send that page, adds the status and headers Django sent with it
and from then on answers with the page itself.
"""

import threading

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import get_language

from tuidang.intake.actions import Submitted

TEMPLATE = "registry/receipt_issued.html"
PLACEHOLDER = "\x00receipt-code\x00"  # cannot occur in a rendered page
# The page's key, set on the response for the express lane; never sent.
KEY_ATTRIBUTE = "receipt_page_key"
MAX_PAGES = 500  # languages x paths x person counts, for the current day


class Page:
    """A receipt page with a placeholder for the code; `status` and `headers` are those
    Django sent with it, once the express lane has seen them."""

    __slots__ = ("headers", "status", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.status: str | None = None
        self.headers: list[tuple[str, str]] | None = None

    def with_code(self, code: str) -> str:
        return self.text.replace(PLACEHOLDER, escape(code))


_pages: dict[tuple, Page] = {}
_lock = threading.Lock()


def page(key: tuple) -> Page | None:
    """The page for (language, path, persons, date), or None."""
    return _pages.get(key)


def _store(key: tuple, text: str) -> Page:
    with _lock:
        if len(_pages) >= MAX_PAGES or any(k[3] != key[3] for k in _pages):
            _pages.clear()  # a new day: yesterday's pages are no use
        return _pages.setdefault(key, Page(text))


def forget() -> None:
    """Drop every page (tests: each starts with none)."""
    with _lock:
        _pages.clear()


def learn(key: tuple, status: str, headers: list[tuple[str, str]]) -> None:
    """What Django sent with the page of `key` (the express lane saw the response)."""
    found = _pages.get(key)
    if found is not None and found.headers is None:
        found.status, found.headers = status, list(headers)


def receipt_response(request: HttpRequest, context: dict, submitted: Submitted) -> HttpResponse:
    context = {**context, "declaration": submitted.declaration}
    if (request.user.is_authenticated or "messages" in request.COOKIES
            or request.META.get("QUERY_STRING")):
        return render(request, TEMPLATE, {**context, "receipt_code": submitted.receipt_code})
    declaration = submitted.declaration
    key = (get_language(), request.path_info, declaration.person_count,
           declaration.received_on)
    found = page(key) or _store(key, render_to_string(
        TEMPLATE, {**context, "receipt_code": PLACEHOLDER}, request))
    response = HttpResponse(found.with_code(submitted.receipt_code))
    setattr(response, KEY_ATTRIBUTE, key)
    return response
