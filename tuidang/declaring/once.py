"""A declaration form is filed once: a reload, Back or a double click files nothing twice.

Each rendering of a new form carries a random token (FIELD): 128 bits from the system's
random source, naming no one and carrying no time. A post is the same form as an
earlier one if it carries the same token, or — for a declarant without an account — if
the same browser session (its CSRF cookie, which ends with the session) posts the same
declaration: going Back to a form page, which is never cached, fetches it again with a
new token, and the browser fills in what was typed. A form posted again files nothing:

- Its use is recorded in the shared cache (Redis in production, which keeps nothing on
  disk; this process's memory without it) under hashes of the token and of the session
  with the declaration, until the end of the window after the one it was used in. The
  windows are aligned to the clock, so a key's expiry tells only the window, as the rate
  limits' do (protection/limits.py); once it expires, a post of the same form is filed
  again, and screening holds it as a duplicate.
- The receipt it got is kept in this process's memory only, for REPEAT_SECONDS and for
  at most MAX_REPEATS forms: a repeat that reaches this process meanwhile (a reload, a
  double click) is shown the same receipt, with its code. A repeat that reaches another
  process, or comes later, is told plainly that this form was already received: the code
  is never written anywhere it could be read back from (docs/threat-model.md).

A post without a token (a script, an older page) is filed as before, once per post.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, QueryDict

from tuidang.protection import gate, pow

FIELD = "form_token"
_FORMAT = re.compile(r"[A-Za-z0-9_-]{22}")  # secrets.token_urlsafe(16)
# Fields that differ between two renderings of the same form, or carry no declaration.
_NOT_CONTENT = frozenset({FIELD, "csrfmiddlewaretoken", "submit", pow.FIELD,
                          gate.HONEYPOT_FIELD})
_PREFIX = "declaring:form-used:"
REPEAT_SECONDS = 300
MAX_REPEATS = 2000
USED_WINDOW = 1800  # seconds: a use is remembered for one to two windows
WAIT_SECONDS = 30  # a repeat waits this long at most for the first post to be stored

T = TypeVar("T")


def new() -> str:
    return secrets.token_urlsafe(16)


def token_of(post: QueryDict) -> str | None:
    """The post's token if it is one we could have issued, else None."""
    token = post.get(FIELD, "")
    return token if _FORMAT.fullmatch(token) else None


def kept(post: QueryDict) -> str:
    """The token to render again with a form that was posted but not filed (one more row,
    an error): the same form, so the same token."""
    return token_of(post) or new()


@dataclass(frozen=True)
class Form:
    """What recognizes a posted form: hashes of its token and of the session's
    declaration; they are all a seized cache could show."""

    digests: tuple[str, ...]


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def identify(request: HttpRequest) -> Form | None:
    """The posted form's identity, or None for a post without a token."""
    token = token_of(request.POST)
    if token is None:
        return None
    digests = [_hash("token", token)]
    session = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    if session and not request.user.is_authenticated:
        # (a helper may well file two identical declarations for two people)
        content = sorted((name, request.POST.getlist(name)) for name in request.POST
                         if name not in _NOT_CONTENT)
        digests.append(_hash("session", session, json.dumps(content, ensure_ascii=False)))
    return Form(tuple(digests))


class _Use:
    """One form's first post in this process: what it was answered with, once stored."""

    __slots__ = ("done", "expires", "receipt")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.receipt: object | None = None
        self.expires = 0.0


_uses: OrderedDict[str, _Use] = OrderedDict()
_lock = threading.Lock()


def _ttl() -> int:
    now = time.time()
    return int((int(now // USED_WINDOW) + 2) * USED_WINDOW - now) + 1


def _prune(now: float) -> None:
    while _uses:
        use = next(iter(_uses.values()))
        if len(_uses) <= MAX_REPEATS and not (use.done.is_set() and use.expires <= now):
            return
        _uses.popitem(last=False)
        use.receipt = None


def _used_elsewhere(form: Form) -> bool:
    return bool(cache.get_many([_PREFIX + digest for digest in form.digests]))


def _use_of(form: Form) -> _Use | None:
    with _lock:
        return next((_uses[d] for d in form.digests if d in _uses), None)


def seen(form: Form) -> bool:
    """Whether this form was posted before (without waiting: for the express lane)."""
    return _use_of(form) is not None or _used_elsewhere(form)


@dataclass(frozen=True)
class Repeat:
    """A form posted before: the receipt it got (in this process, lately), or None."""

    receipt: object | None


def repeat(form: Form) -> Repeat | None:
    """If this form was posted before: the receipt it got when this process still keeps
    it (waiting for the first post to be stored if it is being stored now), else a
    Repeat without one. None if it was never posted, or its first post was not stored."""
    use = _use_of(form)
    if use is not None:
        use.done.wait(WAIT_SECONDS)
        if use.receipt is not None and use.expires > time.monotonic():
            return Repeat(use.receipt)
    return Repeat(None) if _used_elsewhere(form) else None


def _drop(form: Form, use: _Use) -> None:
    with _lock:
        for digest in form.digests:
            if _uses.get(digest) is use:
                del _uses[digest]
    use.done.set()


def file_once(form: Form | None, store: Callable[[], T]) -> T | None:
    """`store()`'s result, or None without calling it if this form was posted before
    (`repeat` then says what to answer). Both lanes file through here."""
    if form is None:
        return store()
    use = _Use()
    with _lock:
        if any(digest in _uses for digest in form.digests):
            return None
        _prune(time.monotonic())
        for digest in form.digests:
            _uses[digest] = use
    ttl, added = _ttl(), []
    for digest in form.digests:
        if not cache.add(_PREFIX + digest, 1, timeout=ttl):
            cache.delete_many(added)
            _drop(form, use)
            return None
        added.append(_PREFIX + digest)
    try:
        result = store()
    except BaseException:
        cache.delete_many(added)  # nothing was filed: the form may be posted again
        _drop(form, use)
        raise
    with _lock:
        use.receipt, use.expires = result, time.monotonic() + REPEAT_SECONDS
    use.done.set()
    return result


def forget() -> None:
    """Drop every kept receipt (tests: each starts with none)."""
    with _lock:
        _uses.clear()
