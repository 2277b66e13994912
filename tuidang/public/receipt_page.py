"""The page that shows a new receipt code: the hottest page of a surge, rendered cheaply.

For an anonymous declarant the page differs from the previous declarant's only in the
code: the rest depends on the language, the path, the number of persons and the date.
So the template is rendered once per such combination with a placeholder for the code,
and each request only puts its own code in. Signed-in helpers (whose pages carry their
name, links and a CSRF token) and requests with pending messages get a full render.
"""

import threading

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import get_language

from tuidang.registry.actions import Submitted

TEMPLATE = "registry/receipt_issued.html"
PLACEHOLDER = "\x00receipt-code\x00"  # cannot occur in a rendered page
# The page with its placeholder and its key, handed to the express lane
# (registry/express.py) on the response; never sent.
TEMPLATE_ATTRIBUTE = "express_page"
MAX_PAGES = 500  # languages x paths x person counts, for the current day

_pages: dict[tuple, str] = {}
_lock = threading.Lock()


def receipt_response(request: HttpRequest, context: dict, submitted: Submitted) -> HttpResponse:
    context = {**context, "declaration": submitted.declaration}
    if request.user.is_authenticated or "messages" in request.COOKIES:
        return render(request, TEMPLATE, {**context, "receipt_code": submitted.receipt_code})
    declaration = submitted.declaration
    key = (get_language(), request.get_full_path(), declaration.person_count,
           declaration.received_on)
    page = _pages.get(key)
    if page is None:
        page = render_to_string(TEMPLATE, {**context, "receipt_code": PLACEHOLDER}, request)
        with _lock:
            if len(_pages) >= MAX_PAGES:
                _pages.clear()
            _pages[key] = page
    response = HttpResponse(page.replace(PLACEHOLDER, escape(submitted.receipt_code)))
    if not request.META.get("QUERY_STRING"):
        setattr(response, TEMPLATE_ATTRIBUTE,
                ((key[0], request.path_info, key[2], key[3]), page))
    return response
