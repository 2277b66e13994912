"""A small in-memory cache of public responses, in front of Django, per web process.

On a news day the same few pages (the home page, `/count.json`, the statements list)
are asked for again and again. Rendering each through Django costs far more CPU than
handing back a copy already made, so this WSGI layer answers repeats from memory and a
small machine serves reads at the speed of its HTTP server instead (docs/performance.md).

What may be stored is decided by the response, never guessed from the path:
- only a GET answered `200` with `Cache-Control: public, max-age=N` (N > 0),
  no `Set-Cookie`, and no `Vary` on `Cookie` or `Authorization`;
- only for a request that carries no cookie and no `Authorization` header, so a page
  rendered for a signed-in person or with a CSRF token is never kept.
An entry lives min(N, `ttl`) seconds. Responses that vary (`Vary: Accept-Language`) are
kept per value of the headers they vary on. The cache holds at most `max_entries`
responses of at most `max_body` bytes each and `max_bytes` bytes in all, so its memory
does not grow with the database or with the number of distinct URLs an attacker asks
for.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

Clock = Callable[[], float]

# Request headers that make a response personal: such requests always reach Django.
PERSONAL_REQUEST_HEADERS = ("HTTP_COOKIE", "HTTP_AUTHORIZATION")
PERSONAL_VARY = {"cookie", "authorization", "*"}


@dataclass(frozen=True)
class Entry:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    expires: float


@dataclass(frozen=True)
class Variants:
    """The stored responses of one URL, by the values of the headers it varies on."""

    vary_environ: tuple[str, ...]
    by_value: dict[tuple, Entry]


def _environ_name(header: str) -> str:
    return "HTTP_" + header.strip().upper().replace("-", "_")


def _max_age(cache_control: str) -> int:
    """N from `public, max-age=N`, or 0 when the response is not shareable."""
    directives = [d.strip().lower() for d in cache_control.split(",")]
    if "public" not in directives or {"private", "no-store", "no-cache"} & set(directives):
        return 0
    for directive in directives:
        if directive.startswith("max-age="):
            try:
                return max(int(directive[8:]), 0)
            except ValueError:
                return 0
    return 0


class MicroCache:
    """WSGI middleware; see the module's docstring for what it keeps."""

    def __init__(
        self, app, *, ttl: float, max_entries: int = 1000, max_body: int = 512 * 1024,
        max_bytes: int = 32 * 1024 * 1024, clock: Clock = time.monotonic,
    ) -> None:
        self.app, self.ttl, self.clock = app, ttl, clock
        self.max_entries, self.max_body, self.max_bytes = max_entries, max_body, max_bytes
        self._bytes = 0  # bodies held, for the max_bytes bound
        self._urls: OrderedDict[tuple, Variants] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if self.ttl <= 0 or method not in ("GET", "HEAD") or any(
            environ.get(h) for h in PERSONAL_REQUEST_HEADERS
        ):
            return self.app(environ, start_response)
        url = (
            environ.get("wsgi.url_scheme"), environ.get("HTTP_X_FORWARDED_PROTO"),
            environ.get("HTTP_HOST"), environ.get("PATH_INFO"), environ.get("QUERY_STRING"),
        )
        entry = self._lookup(url, environ)
        if entry is not None:
            start_response(entry.status, list(entry.headers))
            return [entry.body]
        if method != "GET":  # a HEAD answer may come without its body: never store it
            return self.app(environ, start_response)
        return self._fetch_and_store(url, environ, start_response)

    def _lookup(self, url: tuple, environ: dict) -> Entry | None:
        variants = self._urls.get(url)
        if variants is None:
            return None
        entry = variants.by_value.get(tuple(environ.get(h) for h in variants.vary_environ))
        if entry is None or entry.expires <= self.clock():
            return None
        return entry

    def _fetch_and_store(self, url: tuple, environ: dict, start_response) -> Iterable[bytes]:
        captured: list = []

        def capture(status, headers, exc_info=None):
            captured[:] = [status, headers, exc_info]
            return start_response(status, headers, exc_info) if exc_info else _no_write

        body = self.app(environ, capture)
        if not captured:  # the app streams before starting the response: leave it alone
            return body
        status, headers, exc_info = captured
        lifetime = self._lifetime(status, headers)
        if exc_info is not None:
            return body
        if lifetime <= 0:
            start_response(status, headers)
            return body
        try:
            content = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        vary = _vary(headers)
        if len(content) <= self.max_body:
            self._store(url, environ, vary, Entry(
                status, list(headers), content, self.clock() + lifetime))
        start_response(status, headers)
        return [content]

    def _lifetime(self, status: str, headers: list[tuple[str, str]]) -> float:
        if not status.startswith("200"):
            return 0
        names = {name.lower(): value for name, value in headers}
        if "set-cookie" in names or PERSONAL_VARY & {v.lower() for v in _vary(headers)}:
            return 0
        length = names.get("content-length")
        if length is None or not length.isdigit() or int(length) > self.max_body:
            return 0
        return min(_max_age(names.get("cache-control", "")), self.ttl)

    def _store(self, url: tuple, environ: dict, vary: list[str], entry: Entry) -> None:
        vary_environ = tuple(_environ_name(h) for h in vary)
        key = tuple(environ.get(h) for h in vary_environ)
        with self._lock:
            variants = self._urls.pop(url, None)
            if variants is not None:
                self._bytes -= _size(variants)
            if variants is None or variants.vary_environ != vary_environ:
                variants = Variants(vary_environ, {})
            # A URL's variants are few (languages); bound them anyway against header spam.
            if len(variants.by_value) >= 8 and key not in variants.by_value:
                variants.by_value.clear()
            variants.by_value[key] = entry
            self._urls[url] = variants
            self._bytes += _size(variants)
            while self._urls and (
                len(self._urls) > self.max_entries or self._bytes > self.max_bytes
            ):
                _url, evicted = self._urls.popitem(last=False)
                self._bytes -= _size(evicted)


def _size(variants: Variants) -> int:
    return sum(len(entry.body) for entry in variants.by_value.values())


def _vary(headers: list[tuple[str, str]]) -> list[str]:
    return [
        part.strip() for name, value in headers if name.lower() == "vary"
        for part in value.split(",") if part.strip()
    ]


def _no_write(data: bytes) -> None:
    raise RuntimeError("the cached application must not use write()")
