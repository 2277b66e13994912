"""The API's express lane: plainly valid batches stored without the whole of Django.

The twin of declaring/express.py for POST /api/v1/declarations. A helper's tool posts
one declaration after another on a news day; through Django and django-ninja each costs
many times the CPU of the work that must be done (middlewares, the token's queries;
docs/performance.md has the figures). This WSGI layer does that work for the common case
only, with the same parts:

- the token is checked by api/tokens.py and api/api.py's helper rule (tokens.py's
  recent_helper, which keeps the answer a moment);
- the batch is checked by the API's own schema (schemas.BatchIn, which is the one
  schema of a declaration, registry/schema.py); the surge switch holds as in api.py;
- it is stored by api.py's own receive_each, through the intake service, and the answer
  is the BatchOut schema's, with the headers Django last sent for a 200 in the same
  language.

Anything else goes to Django untouched: any cookie or query string, atomic batches, any
item the schema refuses (so every error is worded by Django), a language whose headers
are not known yet. tests/test_api_express.py checks that both lanes answer and
store alike.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable

from django.core import signals
from django.core.handlers.wsgi import WSGIRequest
from django.utils import translation
from ninja.responses import NinjaJSONEncoder

from tuidang.api import api, tokens
from tuidang.api.schemas import BatchIn, BatchOut, InvalidItem

PATH = "/api/v1/declarations"
MAX_BODY = 256 * 1024  # larger batches go through Django, which has its own limit


class ExpressApi:
    """WSGI middleware in front of Django; see the module docstring."""

    def __init__(self, app, enabled: bool = True) -> None:
        self.app, self.enabled = app, enabled
        self.headers: dict[str, list[tuple[str, str]]] = {}  # language → Django's headers
        self.taken = 0  # for tests and benchmarks: declarations stored by this lane

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        if not (self.enabled and environ.get("REQUEST_METHOD") == "POST"
                and environ.get("PATH_INFO") == PATH and not environ.get("QUERY_STRING")
                and not environ.get("HTTP_COOKIE")
                and environ.get("HTTP_AUTHORIZATION", "").startswith("Bearer ")
                and environ.get("CONTENT_TYPE", "").startswith("application/json")):
            return self.app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self.app(environ, start_response)
        if not 0 < length <= MAX_BODY:
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        language = translation.get_language_from_request(WSGIRequest(environ))
        headers = self.headers.get(language)
        if headers is None:
            return self._through_django(environ, start_response)
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            answer = self._take(environ, body, language, headers, start_response)
        finally:
            signals.request_finished.send(sender=self.__class__)
        return answer if answer is not None else self._through_django(environ, start_response)

    def _take(self, environ: dict, body: bytes, language: str,
              headers: list[tuple[str, str]], start_response) -> list[bytes] | None:
        # The token first: nobody without one gets the body parsed.
        helper = tokens.recent_helper(environ["HTTP_AUTHORIZATION"][len("Bearer "):].strip())
        if helper is None:
            return None  # Django answers 401 or 403, in the request's language
        items = self._items(body)
        if items is None:
            return None
        with translation.override(language):
            results = api.receive_each([api.check(item) for item in items], helper,
                                       api.surge_hold())
            text = json.dumps(BatchOut.model_validate(api.batch_answer(results)).model_dump(),
                              cls=NinjaJSONEncoder).encode()
        self.taken += len(items)
        start_response("200 OK", [
            (name, str(len(text)) if name == "Content-Length" else value)
            for name, value in headers])
        return [text]

    @staticmethod
    def _items(body: bytes) -> list | None:
        """The items of a valid non-atomic batch, else None."""
        try:  # parsed and validated as django-ninja does
            batch = BatchIn.model_validate(json.loads(body))
        except (ValueError, RecursionError):  # not JSON, too deep, or pydantic's errors
            return None
        if batch.atomic or any(isinstance(item, InvalidItem) for item in batch.declarations):
            return None
        return batch.declarations

    def _through_django(self, environ: dict, start_response) -> Iterable[bytes]:
        """Django answers; the headers of its 200s are learnt, per language."""
        def capture(status, headers, exc_info=None):
            if status.startswith("200") and not any(
                    name.lower() == "set-cookie" for name, _value in headers):
                language = dict(headers).get("Content-Language")
                if language and len(self.headers) < 20:
                    self.headers[language] = list(headers)
            return start_response(status, headers, exc_info)

        return self.app(environ, capture)


