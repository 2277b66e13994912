"""A bounded HTTP/1.1 GET for servers nobody vouches for.

Every byte is counted before it is kept: the status line and each header line have a
length limit, the headers a count limit, the body a size limit checked against
``Content-Length`` before anything is read and enforced while a chunked or close-delimited
body arrives. The whole exchange — connecting, every redirect, every read — has one
deadline (a ``time.monotonic()`` instant), so a server dripping a byte every few seconds
cannot hold it longer. Redirects are followed only within the same scheme, host and port.
Anything else a server can do wrong is an :class:`HTTPGetError` with a one-line reason.
"""

from __future__ import annotations

import re
import socket
import ssl
import time
import urllib.parse
from dataclasses import dataclass

__all__ = ["MAX_HEADERS", "MAX_LINE", "MAX_REDIRECTS", "HTTPGetError", "Response", "get"]

MAX_LINE = 8192  # bytes in the status line, a header line or a chunk-size line
MAX_HEADERS = 64  # header (and trailer) lines in one response
MAX_REDIRECTS = 5
_RECV = 65536
_IDLE = 30.0  # seconds one read may wait, within the deadline
_STATUS = re.compile(rb"HTTP/1\.[01] ([1-5][0-9][0-9])(?: [\x09\x20-\x7e\x80-\xff]*)?")
_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_CHUNK = re.compile(rb"([0-9A-Fa-f]{1,15})[ \t]*(?:;[^\r\n]*)?")


class HTTPGetError(Exception):
    """The server could not be reached, was too slow or too large, or broke HTTP."""


@dataclass(frozen=True)
class Response:
    """A complete answer: status, headers (lowercase names) and the whole body."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, url: str) -> _Target:
        try:
            parts = urllib.parse.urlsplit(url)
            port = parts.port
        except ValueError as e:
            raise HTTPGetError(f"bad URL {url[:200]!r}: {e}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise HTTPGetError(f"not an http(s) URL: {url[:200]!r}")
        if any(c in url for c in "\r\n\t "):
            raise HTTPGetError(f"bad URL {url[:200]!r}")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        default = 443 if parts.scheme == "https" else 80
        return cls(parts.scheme, parts.hostname, port or default, path)

    def origin(self) -> tuple[str, str, int]:
        return self.scheme, self.host.lower(), self.port


class _Reader:
    """Buffered reads from a socket, each within the deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock, self.deadline, self.buf = sock, deadline, bytearray()

    def _more(self) -> bool:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise HTTPGetError("too slow: the deadline passed")
        self.sock.settimeout(min(left, _IDLE))
        try:
            data = self.sock.recv(_RECV)
        except TimeoutError:
            if self.deadline - time.monotonic() <= 0:
                raise HTTPGetError("too slow: the deadline passed") from None
            raise HTTPGetError(f"too slow: nothing for {_IDLE:.0f} s") from None
        except OSError as e:
            raise HTTPGetError(f"connection failed: {e}") from None
        self.buf += data
        return bool(data)

    def line(self, what: str) -> bytes:
        while True:
            end = self.buf.find(b"\n", 0, MAX_LINE + 1)
            if end >= 0:
                out = bytes(self.buf[:end])
                del self.buf[:end + 1]
                return out[:-1] if out.endswith(b"\r") else out
            if len(self.buf) > MAX_LINE:
                raise HTTPGetError(f"{what} longer than {MAX_LINE} bytes")
            if not self._more():
                raise HTTPGetError(f"connection closed in the {what}")

    def exactly(self, n: int, what: str) -> bytes:
        while len(self.buf) < n:
            if not self._more():
                raise HTTPGetError(f"truncated {what}: {len(self.buf)} of {n} bytes")
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def to_eof(self, limit: int) -> bytes:
        while len(self.buf) <= limit and self._more():
            pass
        if len(self.buf) > limit:
            raise HTTPGetError(f"body larger than {limit} bytes")
        return bytes(self.buf)


def _headers(reader: _Reader, what: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADERS + 1):
        line = reader.line(f"{what} line")
        if not line:
            return headers
        name, colon, value = line.partition(b":")
        if not colon or not _TOKEN.fullmatch(name):
            raise HTTPGetError(f"malformed {what} line {line[:80]!r}")
        key, text = name.decode("ascii").lower(), value.strip(b" \t").decode("latin-1")
        if key in ("content-length", "transfer-encoding", "location") and \
                headers.get(key, text) != text:
            raise HTTPGetError(f"conflicting {key} headers")
        headers[key] = text
    raise HTTPGetError(f"more than {MAX_HEADERS} {what}s")


def _chunked(reader: _Reader, limit: int) -> bytes:
    body = bytearray()
    while True:
        line = reader.line("chunk-size line")
        m = _CHUNK.fullmatch(line)
        if not m:
            raise HTTPGetError(f"bad chunk-size line {line[:80]!r}")
        size = int(m.group(1), 16)
        if size == 0:
            _headers(reader, "trailer")
            return bytes(body)
        if len(body) + size > limit:
            raise HTTPGetError(f"body larger than {limit} bytes")
        body += reader.exactly(size, "chunk")
        if reader.exactly(2, "chunk") != b"\r\n":
            raise HTTPGetError("bad chunk: no CRLF after its data")


def _body(reader: _Reader, headers: dict[str, str], limit: int) -> bytes:
    coding = headers.get("transfer-encoding")
    if coding is not None:
        if coding.strip().lower() != "chunked":
            raise HTTPGetError(f"unsupported Transfer-Encoding {coding[:80]!r}")
        return _chunked(reader, limit)
    length = headers.get("content-length")
    if length is None:
        return reader.to_eof(limit)
    if not length.isascii() or not length.isdigit() or len(length) > 19:
        raise HTTPGetError(f"bad Content-Length {length[:80]!r}")
    if int(length) > limit:
        raise HTTPGetError(f"Content-Length {length} is larger than {limit} bytes")
    return reader.exactly(int(length), "body")


def _connect(target: _Target, deadline: float) -> socket.socket:
    left = deadline - time.monotonic()
    if left <= 0:
        raise HTTPGetError("too slow: the deadline passed")
    try:
        sock = socket.create_connection((target.host, target.port), timeout=min(left, _IDLE))
        if target.scheme == "https":
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=target.host)
    except (OSError, ValueError, UnicodeError) as e:
        raise HTTPGetError(f"cannot connect to {target.host}:{target.port}: {e}") from None
    return sock


def _exchange(target: _Target, headers: dict[str, str], limit: int,
              deadline: float) -> tuple[int, dict[str, str], bytes]:
    sock = _connect(target, deadline)
    try:
        host = f"[{target.host}]" if ":" in target.host else target.host
        if target.port != (443 if target.scheme == "https" else 80):
            host += f":{target.port}"
        lines = [f"GET {target.path} HTTP/1.1", f"Host: {host}", "Connection: close",
                 *(f"{k}: {v}" for k, v in headers.items())]
        try:
            sock.settimeout(max(0.001, min(deadline - time.monotonic(), _IDLE)))
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        except OSError as e:
            raise HTTPGetError(f"connection failed: {e}") from None
        reader = _Reader(sock, deadline)
        for _ in range(5):  # interim 1xx answers come before the real one
            line = reader.line("status line")
            m = _STATUS.fullmatch(line)
            if not m:
                raise HTTPGetError(f"malformed status line {line[:80]!r}")
            status = int(m.group(1))
            got = _headers(reader, "header")
            if status >= 200:
                break
        else:
            raise HTTPGetError("too many interim responses")
        body = _body(reader, got, limit) if status == 200 else b""
        return status, got, body
    finally:
        sock.close()


def get(url: str, *, limit: int, deadline: float,
        headers: dict[str, str] | None = None) -> Response:
    """GET ``url`` and return the whole answer, following same-origin redirects.

    ``limit`` is the most body bytes accepted, ``deadline`` a ``time.monotonic()``
    instant by which everything must be done. Any status but 200 after redirects is
    returned with an empty body; HTTPGetError for everything a server can get wrong.
    """
    target = _Target.parse(url)
    first = target.origin()
    for _ in range(MAX_REDIRECTS + 1):
        status, got, body = _exchange(target, headers or {}, limit, deadline)
        if status not in (301, 302, 303, 307, 308):
            return Response(url, status, got, body)
        location = got.get("location")
        if not location:
            raise HTTPGetError(f"redirect {status} without a Location")
        try:
            url = urllib.parse.urljoin(url, location)
        except ValueError as e:
            raise HTTPGetError(f"bad redirect {location[:200]!r}: {e}") from None
        target = _Target.parse(url)
        if target.origin() != first:
            raise HTTPGetError(f"redirect to another origin refused: {url[:200]!r}")
    raise HTTPGetError(f"more than {MAX_REDIRECTS} redirects")

