"""The API's express lane: plainly valid batches stored without the whole of Django.

The twin of registry/express.py for POST /api/v1/declarations. A helper's tool posts
one declaration after another on a news day; through Django and django-ninja each costs
several milliseconds of CPU (middlewares, the token's queries, pydantic, the forms),
where the work that must be done costs a fraction of one. This WSGI layer does that work
for the common case only, with the same parts:

- the token is checked by api/tokens.py and api/api.py's helper rule (tokens.py's
  recent_helper, which keeps the answer a moment);
- the JSON types are checked by the API's own schema (schemas.BatchIn: no "5" for 5,
  no extra field) and the values by registry/quickcheck.py, the tested twin of the
  forms, which can only accept; the surge switch holds as in api.py;
- the answer is built by api.py's own functions and the BatchOut schema, with the
  headers Django last sent for a 200 in the same language.

Anything else goes to Django untouched: any cookie or query string, atomic batches, any
value the twin does not accept (so every error is worded by Django), a language whose
headers are not known yet. tests/test_api_express.py checks that both lanes answer and
store alike.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from functools import cached_property

from django.contrib.auth.models import User
from django.core import signals
from django.core.handlers.wsgi import WSGIRequest
from django.utils import translation
from ninja.responses import NinjaJSONEncoder

from tuidang.api import tokens
from tuidang.api.api import _accepted, _declaration_data, _errors_out, _not_stored
from tuidang.api.schemas import MAX_CLIENT_REF, BatchIn, BatchOut, InvalidItem
from tuidang.protection.gate import HOLD_SURGE
from tuidang.protection.models import SurgeMode, SurgeSetting
from tuidang.registry import groupcommit
from tuidang.registry.choices import HELPER_CHANNELS
from tuidang.registry.quickcheck import Rules, _plain, quick_check
from tuidang.registry.submission import Validated

PATH = "/api/v1/declarations"
MAX_BODY = 256 * 1024  # larger batches go through Django, which has its own limit
_CHANNELS = frozenset(c.value for c in HELPER_CHANNELS)


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
        items = self._items(body)
        language = translation.get_language_from_request(WSGIRequest(environ))
        headers = self.headers.get(language)
        if items is None or headers is None:
            return self._through_django(environ, start_response)
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            answer = self._take(environ, items, language, headers, start_response)
        finally:
            signals.request_finished.send(sender=self.__class__)
        return answer if answer is not None else self._through_django(environ, start_response)

    def _take(self, environ: dict, items: list[tuple], language: str,
              headers: list[tuple[str, str]], start_response) -> list[bytes] | None:
        helper = tokens.recent_helper(environ["HTTP_AUTHORIZATION"][len("Bearer "):].strip())
        if helper is None:
            return None  # Django answers 401 or 403, in the request's language
        hold = HOLD_SURGE if SurgeSetting.current() == SurgeMode.HOLD_ALL else ""
        with translation.override(language):
            text = json.dumps(self._store(items, helper, hold), cls=NinjaJSONEncoder).encode()
        self.taken += len(items)
        start_response("200 OK", [
            (name, str(len(text)) if name == "Content-Length" else value)
            for name, value in headers])
        return [text]

    def _items(self, body: bytes) -> list[tuple] | None:
        """[(client_ref, channel, quick-checked declaration)] of a plainly valid
        non-atomic batch, else None. The JSON types are checked by the API's own schema."""
        try:  # parsed and validated as django-ninja does
            batch = BatchIn.model_validate(json.loads(body))
        except ValueError:  # not JSON, or pydantic's ValidationError (a ValueError)
            return None
        if batch.atomic:
            return None
        items = []
        for item in batch.declarations:
            if isinstance(item, InvalidItem):
                return None
            ref = item.client_ref
            if ref is not None and (len(ref) > MAX_CLIENT_REF or not _plain(ref)):
                return None
            if item.channel not in _CHANNELS or item.consent is not True:
                return None
            quick = quick_check(item.model_dump(exclude={"client_ref"}), self.rules)
            if quick is None:
                return None
            items.append((ref, item.channel, quick))
        return items

    def _store(self, items: list[tuple], helper: User, hold: str) -> dict:
        """As api.py's _store_each: one group commit per channel, results by position."""
        by_channel: dict[str, list[int]] = {}
        for index, (_ref, channel, _quick) in enumerate(items):
            by_channel.setdefault(channel, []).append(index)
        results: list[dict | None] = [None] * len(items)
        for channel, indices in by_channel.items():
            checked = [_validated(items[i][2]) for i in indices]
            outcomes = groupcommit.submit_many(
                [_declaration_data(c, hold) for c in checked], channel=channel, helper=helper)
            for index, outcome in zip(indices, outcomes, strict=True):
                ref = items[index][0]
                if isinstance(outcome, ValueError):
                    results[index] = {"index": index, "ok": False, "client_ref": ref,
                                      "errors": _errors_out(index, [_not_stored()])}
                elif isinstance(outcome, BaseException):
                    raise outcome
                else:
                    results[index] = _accepted(index, ref, outcome)
        accepted = sum(1 for r in results if r["ok"])
        return BatchOut.model_validate({
            "accepted": accepted, "rejected": len(results) - accepted, "results": results,
        }).model_dump()

    @cached_property
    def rules(self) -> Rules:
        return Rules.from_forms()

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


def _validated(quick: tuple) -> Validated:
    persons, fields, _names = quick
    return Validated(persons=persons, fields=fields)
