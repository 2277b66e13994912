"""The express lane: plainly valid declarations stored without the whole of Django.

On a news day the declaration form is posted a thousand times a second. Django's way
through such a post (fifteen middlewares, the form set, the template) costs several
milliseconds of CPU, where the work that must be done (check the CSRF token, parse and
check the fields, pass the abuse gate, store in a group commit, answer with the receipt
page) costs a fraction of one. This WSGI layer, in front of Django, does that work for
the common case only, with the very parts Django would use:

- the request is Django's own WSGIRequest, its host checked by ALLOWED_HOSTS and its
  CSRF token by Django's CsrfViewMiddleware;
- the fields are checked by registry/quickcheck.py, the tested twin of the forms, which
  can only accept; the abuse gate is protection/gate.py itself;
- the answer is the receipt page Django last gave for the same language, path, number
  of persons and day, status and headers included, with this declaration's code in it.

Anything else goes to Django untouched: a signed-in visitor (any cookie but the CSRF
token), "add a person", any field or value the twin does not accept, a refusal by the
gate (Django renders it, with the gate's verdict handed over so that nothing is counted
twice), a page not seen yet, an error. So Django stays the one definition of every
answer, and tests/test_express.py checks that both lanes answer and store alike.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterable
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signals
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.http.cookie import parse_cookie
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import translation
from django.utils.html import escape
from django.utils.http import http_date

from tuidang.protection import gate
from tuidang.public import receipt_page
from tuidang.registry import dates, groupcommit
from tuidang.registry.actions import DeclarationData
from tuidang.registry.choices import Channel
from tuidang.registry.declaring import PREFIX
from tuidang.registry.quickcheck import STATEMENT_FIELDS, Rules, quick_check

MAX_BODY = 64 * 1024  # a post of 50 persons with a statement is well under this
PAGES = 500  # receipt pages kept (languages × paths × person counts, for today)
_PERSON_FIELDS = ("display_name", "is_real_name", "organizations", "region", "country",
                  "sector", "private_real_name", "birth_year")
_FORM_KEYS = frozenset({
    "csrfmiddlewaretoken", "submit", gate.HONEYPOT_FIELD, "altcha", *STATEMENT_FIELDS,
    f"{PREFIX}-TOTAL_FORMS", f"{PREFIX}-INITIAL_FORMS", f"{PREFIX}-MIN_NUM_FORMS",
    f"{PREFIX}-MAX_NUM_FORMS",
})


class Page:
    """A receipt page as Django answered it, with a placeholder for the code."""

    __slots__ = ("headers", "status", "text")

    def __init__(self, status: str, headers: list[tuple[str, str]], text: str) -> None:
        self.status, self.headers, self.text = status, headers, text


class ExpressIntake:
    """WSGI middleware in front of Django; see the module docstring."""

    def __init__(self, app, enabled: bool = True) -> None:
        self.app, self.enabled = app, enabled
        self.paths = {f"/{code}/declare/" for code, _name in settings.LANGUAGES}
        self.csrf = CsrfViewMiddleware(lambda request: None)
        self.pages: dict[tuple, Page] = {}
        self.lock = threading.Lock()
        self.taken = 0  # for tests and benchmarks: declarations stored by this lane

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        if not (self.enabled and environ.get("REQUEST_METHOD") == "POST"
                and environ.get("PATH_INFO") in self.paths and not environ.get("QUERY_STRING")):
            return self.app(environ, start_response)
        body = _read_body(environ)
        if body is None:
            return self.app(environ, start_response)
        answer = self._try(environ, body, start_response)
        if answer is not None:
            return answer
        environ["wsgi.input"] = io.BytesIO(body)
        return self._through_django(environ, start_response)

    # -- the express lane ---------------------------------------------------------------

    def _try(self, environ: dict, body: bytes, start_response) -> list[bytes] | None:
        if not _only_csrf_cookie(environ.get("HTTP_COOKIE", "")):
            return None
        environ["wsgi.input"] = io.BytesIO(body)
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            return self._take(WSGIRequest(environ), environ, start_response)
        finally:
            signals.request_finished.send(sender=self.__class__)

    def _take(self, request: WSGIRequest, environ: dict, start_response) -> list[bytes] | None:
        try:
            request.get_host()
        except DisallowedHost:
            return None
        request.user = AnonymousUser()
        self.csrf.process_request(request)
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or self.csrf.process_view(
                request, _declare_view(), (), {}) is not None:
            return None
        checked = self._check(request)
        if checked is None:
            return None
        persons, fields = checked
        language = request.path_info.strip("/").split("/")[0]
        page = self.pages.get((language, request.path_info, len(persons), dates.today()))
        with translation.override(language):  # a refusal is worded in the page's language
            verdict = gate.check(request)
        if verdict.refuse or page is None:
            # Django answers, without counting the post again (the key is no header's).
            environ[gate.HANDED_OVER] = verdict
            return None
        submitted = groupcommit.submit(
            DeclarationData(persons, **fields, intake_hold=verdict.hold_reason),
            channel=Channel.SELF)
        self.taken += 1
        start_response(page.status, [
            # never_cache's Expires is "a second ago", whenever it is sent.
            (name, http_date(time.time() - 1) if name == "Expires" else value)
            for name, value in page.headers])
        return [page.text.replace(receipt_page.PLACEHOLDER,
                                  escape(submitted.receipt_code)).encode()]

    def _check(self, request: WSGIRequest) -> tuple[list, dict] | None:
        """The persons and statement fields of a plainly valid post, else None."""
        post = request.POST
        try:
            total = int(post.get(f"{PREFIX}-TOTAL_FORMS", ""))
        except ValueError:
            return None
        if not 1 <= total <= self.rules.max_persons:
            return None
        if post.get(f"{PREFIX}-INITIAL_FORMS") != "0" or post.get(gate.HONEYPOT_FIELD):
            return None
        names = {f"{PREFIX}-{i}-{name}" for i in range(total) for name in _PERSON_FIELDS}
        if any(key not in _FORM_KEYS and key not in names for key in post):
            return None  # "add a person", a row out of range, a field no form has
        if any(len(post.getlist(key)) != 1 for key in post if not key.endswith(
                "-organizations")):
            return None
        persons = []
        for i in range(total):
            real = post.get(f"{PREFIX}-{i}-is_real_name")
            if real not in (None, "on"):
                return None
            persons.append({
                "display_name": post.get(f"{PREFIX}-{i}-display_name", ""),
                "is_real_name": real == "on",
                "organizations": post.getlist(f"{PREFIX}-{i}-organizations"),
                **{name: post.get(f"{PREFIX}-{i}-{name}", "") for name in (
                    "region", "country", "sector", "private_real_name", "birth_year")},
            })
        item = {"persons": persons, **{k: post.get(k, "") for k in STATEMENT_FIELDS}}
        quick = quick_check(item, self.rules)
        if quick is None:
            return None
        return quick[0], quick[1]

    @cached_property
    def rules(self) -> Rules:
        return Rules.from_forms()

    # -- through Django, learning its receipt pages ---------------------------------------

    def _through_django(self, environ: dict, start_response) -> Iterable[bytes]:
        captured: list = []

        def capture(status, headers, exc_info=None):
            captured[:] = [status, headers]
            return start_response(status, headers, exc_info)

        response = self.app(environ, capture)
        page = getattr(response, receipt_page.TEMPLATE_ATTRIBUTE, None)
        if page is not None and captured and captured[0].startswith("200") and not any(
                name.lower() == "set-cookie" for name, _value in captured[1]):
            key, text = page
            with self.lock:
                if len(self.pages) >= PAGES or any(k[3] != key[3] for k in self.pages):
                    self.pages.clear()  # a new day: yesterday's pages are no use
                self.pages[key] = Page(captured[0], list(captured[1]), text)
        return response


def _read_body(environ: dict) -> bytes | None:
    """The posted form, or None when it is not one the express lane would read."""
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= MAX_BODY:
        return None
    return environ["wsgi.input"].read(length)


def _only_csrf_cookie(header: str) -> bool:
    """The request carries the CSRF cookie and nothing else (no session: no signed-in
    helper, no pending message), as Django reads cookies."""
    return bool(header) and set(parse_cookie(header)) == {settings.CSRF_COOKIE_NAME}


def _declare_view():
    from tuidang.public.views import declare

    return declare
