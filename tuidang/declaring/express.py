"""The express lane: plainly valid declarations stored without the whole of Django.

On a news day the declaration form is posted in bursts. Django's way through such a
post (fifteen middlewares, the form set, the template) costs many times the CPU of the
work that must be done (check the CSRF token, parse and check the fields, pass the
abuse gate, store in a group commit, answer with the receipt page); docs/performance.md
has the figures. This WSGI layer, in front of Django, does that work for
the common case only, with the very parts Django would use:

- the request is Django's own WSGIRequest, its host checked by ALLOWED_HOSTS and its
  CSRF token by Django's CsrfViewMiddleware;
- the fields are read as the Django view reads them (declaring.form_input) and checked
  by the one schema (registry/schema.py); the abuse gate is protection/gate.py itself;
- it is stored by the intake service, as the view stores it;
- the answer is the receipt page from the cache the view renders into
  (declaring/receipt_page.py), with the status and headers Django sent with it.

Anything else goes to Django untouched: a signed-in visitor (any cookie but the CSRF
token), "add a person", a declaration the schema refuses (Django words the errors), a
form posted before (declaring/once.py: Django shows the receipt again or says it was
received), a refusal by the gate (Django renders it, with
the gate's verdict handed over so that nothing is counted twice), a page not sent by
Django yet, an error.
tests/test_express.py checks that both lanes answer and store alike.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signals
from django.core.exceptions import DisallowedHost, SuspiciousOperation
from django.core.handlers.wsgi import WSGIRequest
from django.http.cookie import parse_cookie
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import translation
from django.utils.http import http_date

from tuidang.declaring import flow as declaring
from tuidang.declaring import once, receipt_page
from tuidang.intake import service as intake
from tuidang.protection import gate
from tuidang.registry import dates, schema
from tuidang.registry.choices import Channel
from tuidang.registry.schema import DeclarationData

MAX_BODY = 64 * 1024  # a post of 50 persons with a statement is well under this


class ExpressIntake:
    """WSGI middleware in front of Django; see the module docstring."""

    def __init__(self, app, enabled: bool = True) -> None:
        self.app, self.enabled = app, enabled
        self.paths = {f"/{code}/declare/" for code, _name in settings.LANGUAGES}
        self.csrf = CsrfViewMiddleware(lambda request: None)
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
        except SuspiciousOperation:
            # Too many fields, say: Django answers it with its 400 page, as it would
            # have without the express lane (nothing was counted or stored yet).
            return None
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
                request, _csrf_protected_view, (), {}) is not None:
            return None
        data = self._check(request)
        if data is None:
            return None
        posted = once.identify(request)
        if posted is not None and once.seen(posted):
            return None
        language = request.path_info.strip("/").split("/")[0]
        with translation.override(language):  # a refusal is worded in the page's language
            verdict = gate.check(request)
        page = receipt_page.page(receipt_page.key(
            language, request.path_info, len(data.persons), dates.today(),
            verdict.hold_reason, data.statement_text))
        if verdict.refuse or page is None or page.headers is None:
            # Django answers, without counting the post again (the key is no header's).
            environ[gate.HANDED_OVER] = verdict
            return None
        submitted = once.file_once(posted, lambda: intake.receive(
            data, channel=Channel.SELF, hold=verdict.hold_reason))
        if submitted is None:  # the same form, posted meanwhile: Django answers it
            environ[gate.HANDED_OVER] = verdict
            return None
        self.taken += 1
        start_response(page.status, [
            # never_cache's Expires is "a second ago", whenever it is sent.
            (name, http_date(time.time() - 1) if name == "Expires" else value)
            for name, value in page.headers])
        return [page.with_code(submitted.receipt_code).encode()]

    @staticmethod
    def _check(request: WSGIRequest) -> DeclarationData | None:
        """The declaration of a valid post, read and checked as the view does, else None."""
        post = request.POST
        if any(button in post for button in declaring.REDRAW) or post.get(gate.HONEYPOT_FIELD):
            return None
        data, _rows = declaring.form_input(post, schema.Declaration)
        checked = schema.validate(schema.Declaration, data)
        return checked.data if checked.ok else None

    # -- through Django, learning its receipt pages ---------------------------------------

    def _through_django(self, environ: dict, start_response) -> Iterable[bytes]:
        captured: list = []

        def capture(status, headers, exc_info=None):
            captured[:] = [status, headers]
            return start_response(status, headers, exc_info)

        response = self.app(environ, capture)
        key = getattr(response, receipt_page.KEY_ATTRIBUTE, None)
        if key is not None and captured and captured[0].startswith("200") and not any(
                name.lower() == "set-cookie" for name, _value in captured[1]):
            receipt_page.learn(key, captured[0], captured[1])
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


def _csrf_protected_view(request):
    """What CsrfViewMiddleware is shown as the view: like the declare view, it is not
    exempt from the CSRF check (the middleware looks at nothing else of the view)."""
