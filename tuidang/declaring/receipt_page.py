"""The page that shows a new receipt code: the hottest page of a surge, rendered cheaply.

For an anonymous declarant the page differs from the previous declarant's only in the
code: the rest depends on the language, the path, the number of persons, the date and
what happens next (`key`). So the template is rendered once per such combination with a
placeholder for the code, and each request only puts its own code in (the language
switcher's forms carry it too). Signed-in helpers (whose pages carry their name, links
and a CSRF token) and requests with pending messages get a full render.

The rendered pages are one cache, shared by the Django view and the declare form's
express lane (declaring/express.py): the view renders a page into it, and the express
lane, having seen Django send that page, adds the status and headers Django sent with it
and from then on answers with the page itself.
"""

import functools
import math
import threading

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import get_language, override

from tuidang.intake.actions import Submitted
from tuidang.registry import screening
from tuidang.registry.models import Declaration, Status

TEMPLATE = "registry/receipt_issued.html"
RECEIVED_TEMPLATE = "registry/form_received.html"
PLACEHOLDER = "\x00receipt-code\x00"  # cannot occur in a rendered page
# The page's key, set on the response for the express lane; never sent.
KEY_ATTRIBUTE = "receipt_page_key"
MAX_PAGES = 500  # languages x paths x person counts x next steps, for the current day


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
    """The page for a key (see `key`), or None."""
    return _pages.get(key)


def publish_minutes() -> int:
    """Within how many minutes a declaration accepted now is published (the batches'
    interval, rounded up)."""
    return max(1, math.ceil(getattr(settings, "PUBLISH_INTERVAL", 600) / 60))


def next_step(hold_reason: str, statement_text: str) -> str:
    """What happens next to a declaration just received, as far as intake knows: "batch"
    (counted in the next batch), or why a moderator will see it first (the abuse gate's
    reason, or a statement that screening holds). Screening may still hold it as a
    duplicate; the page says so."""
    if hold_reason:
        return hold_reason
    if statement_text and screening.statement_needs_review(statement_text):
        return screening.HOLD_STATEMENT
    return "batch"


def step_of(declaration: Declaration) -> str:
    """What happens next to a stored declaration, whatever its state now."""
    if declaration.status == Status.RECEIVED:
        return next_step(declaration.hold_reason, declaration.statement_text)
    if declaration.status == Status.HELD:
        return declaration.hold_reason or screening.HOLD_DUPLICATE
    if declaration.status == Status.ACCEPTED:
        return "batch" if declaration.log_index is None else "published"
    return str(declaration.status)  # revoked or rejected


def key(language: str, path: str, persons: int, day, hold_reason: str,
        statement_text: str) -> tuple:
    """The cache key of a receipt page: all a new declaration's page depends on but its
    code (the date fourth: a new day clears the cache)."""
    return (language, path, persons, day, next_step(hold_reason, statement_text),
            bool(statement_text), publish_minutes())


@functools.cache
def _language_urls() -> tuple[tuple[str, str, str], ...]:
    """Where the language switcher posts the code: the same receipt in each language
    (a form, so that the code is never in a URL)."""
    urls = []
    for code, name in settings.LANGUAGES:
        with override(code):
            urls.append((code, str(name), reverse("receipt_issued")))
    return tuple(urls)


def context_for(declaration: Declaration, code: str, step: str) -> dict:
    """What the receipt page shows besides the site's frame."""
    return {
        "declaration": declaration, "receipt_code": code, "step": step,
        "has_statement": bool(declaration.statement_text),
        "publish_minutes": publish_minutes(),
        "receipt_languages": _language_urls(),
    }


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
    declaration = submitted.declaration
    step = next_step(declaration.hold_reason, declaration.statement_text)
    if (request.user.is_authenticated or "messages" in request.COOKIES
            or request.META.get("QUERY_STRING")):
        return render(request, TEMPLATE, {
            **context, **context_for(declaration, submitted.receipt_code, step)})
    found_key = key(get_language(), request.path_info, declaration.person_count,
                    declaration.received_on, declaration.hold_reason,
                    declaration.statement_text)
    found = page(found_key) or _store(found_key, render_to_string(
        TEMPLATE, {**context, **context_for(declaration, PLACEHOLDER, step)}, request))
    response = HttpResponse(found.with_code(submitted.receipt_code))
    setattr(response, KEY_ATTRIBUTE, found_key)
    return response


def repeated(request: HttpRequest, context: dict, submitted: Submitted | None) -> HttpResponse:
    """The answer to a form posted again (declaring/once.py): its receipt once more, with
    its code, while this process keeps it; else that it was received already (409)."""
    if submitted is None:
        return render(request, RECEIVED_TEMPLATE, context, status=409)
    declaration = submitted.declaration
    step = next_step(declaration.hold_reason, declaration.statement_text)
    return render(request, TEMPLATE, {
        **context, **context_for(declaration, submitted.receipt_code, step), "repeat": True})
