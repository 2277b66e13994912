"""C2SP tlog-witness ``add-checkpoint``: the request a log sends a witness, and a client.

The request body is ``old <size>\\n``, up to 63 consistency proof lines (base64 hashes), an
empty line, then the signed checkpoint. A witness answers 200 with its cosignature
lines, or 409 with the size it last cosigned (``text/x.tlog.size``: the decimal size and
a newline), or 400, 403, 404 or 422 with nothing cosigned.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import re
import socket
import threading
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass

from .note import b64decode_strict

__all__ = [
    "MAX_BODY",
    "MAX_PROOF_LINES",
    "SIZE_CONTENT_TYPE",
    "AddCheckpoint",
    "Answer",
    "RequestError",
    "WitnessClient",
    "format_request",
    "format_size",
    "parse_request",
    "parse_size",
]

MAX_PROOF_LINES = 63
MAX_BODY = 64 * 1024  # the old line, 63 hashes and a checkpoint with its signatures
SIZE_CONTENT_TYPE = "text/x.tlog.size"
_OLD = re.compile(rb"old (0|[1-9][0-9]{0,19})")
_SIZE = re.compile(rb"(0|[1-9][0-9]{0,19})\n")


class RequestError(ValueError):
    """A request or answer does not follow tlog-witness."""


@dataclass(frozen=True)
class AddCheckpoint:
    """A parsed add-checkpoint request."""

    old: int
    proof: tuple[bytes, ...]
    checkpoint: bytes  # the signed note, as sent


def format_request(old: int, proof: Sequence[bytes], signed_checkpoint: bytes) -> bytes:
    """The body of an add-checkpoint request."""
    if old < 0 or len(proof) > MAX_PROOF_LINES or any(len(h) != 32 for h in proof):
        raise RequestError("bad old size or consistency proof")
    lines = [b"old %d" % old, *(base64.b64encode(h) for h in proof)]
    return b"\n".join(lines) + b"\n\n" + signed_checkpoint


def parse_request(body: bytes) -> AddCheckpoint:
    """Parse an add-checkpoint body strictly (RequestError: the witness answers 400).

    Sizes are checked before anything is split: at most MAX_BODY bytes, and no more
    proof lines than allowed."""
    if len(body) > MAX_BODY:
        raise RequestError(f"request larger than {MAX_BODY} bytes")
    head, sep, checkpoint = body.partition(b"\n\n")
    if head.count(b"\n") > MAX_PROOF_LINES:
        raise RequestError(f"more than {MAX_PROOF_LINES} consistency proof lines")
    if not sep or not checkpoint:
        raise RequestError("no empty line before the checkpoint")
    old_line, *proof_lines = head.split(b"\n")
    match = _OLD.fullmatch(old_line)
    if not match or int(match.group(1)) >= 2**64:
        raise RequestError("bad old size line")
    if len(proof_lines) > MAX_PROOF_LINES:
        raise RequestError(f"more than {MAX_PROOF_LINES} consistency proof lines")
    try:
        proof = tuple(b64decode_strict(line) for line in proof_lines)
    except ValueError as e:
        raise RequestError(f"bad consistency proof line: {e}") from None
    if any(len(h) != 32 for h in proof):
        raise RequestError("consistency proof hashes must be 32 bytes")
    return AddCheckpoint(int(match.group(1)), proof, checkpoint)


def format_size(size: int) -> bytes:
    """A ``text/x.tlog.size`` body."""
    return b"%d\n" % size


def parse_size(body: bytes) -> int:
    """The size of a ``text/x.tlog.size`` body (RequestError if malformed)."""
    match = _SIZE.fullmatch(body)
    if not match:
        raise RequestError("malformed size body")
    return int(match.group(1))


@dataclass(frozen=True)
class Answer:
    """A witness's answer: the HTTP status, its content type and body."""

    status: int
    content_type: str
    body: bytes

    def conflict_size(self) -> int:
        """The size the witness last cosigned, from a 409 (RequestError if malformed)."""
        if self.status != 409 or self.content_type.split(";")[0].strip() != SIZE_CONTENT_TYPE:
            raise RequestError(f"not a 409 with a {SIZE_CONTENT_TYPE} body")
        return parse_size(self.body)


class WitnessClient:
    """Sends add-checkpoint requests to one witness over one kept-alive connection.

    Not for several threads at once: give each thread its own client.
    """

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        """``url`` is the witness's submission prefix, e.g. ``https://w.example/``."""
        self.url = url
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname, parts.port
        self._path = parts.path.rstrip("/") + "/add-checkpoint"
        self.timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._connection = kind(self._host, self._port, timeout=self.timeout)
        return self._connection

    def add_checkpoint(self, old: int, proof: Sequence[bytes], signed_checkpoint: bytes
                       ) -> Answer:
        """Send the request; the witness's answer (OSError if it cannot be reached).

        A kept-alive connection the witness has closed meanwhile is opened again once.
        """
        body = format_request(old, proof, signed_checkpoint)
        for attempt in (1, 2):
            connection = self._connect()
            # ``timeout`` bounds the whole exchange, not only each read: a witness that
            # drips its answer a byte at a time is cut off.
            cut = threading.Event()
            timer = threading.Timer(self.timeout, self._cut, (connection, cut))
            timer.daemon = True
            timer.start()
            try:
                connection.request("POST", self._path, body=body, headers={
                    "Content-Type": "text/plain; charset=utf-8",
                    "User-Agent": "tuidang",
                })
                response = connection.getresponse()
                if response.length is not None and response.length > MAX_BODY:
                    raise http.client.HTTPException(
                        f"Content-Length {response.length} is larger than {MAX_BODY} bytes")
                data = response.read(MAX_BODY + 1)
                if response.length:  # the body ended before its Content-Length
                    raise http.client.IncompleteRead(data, response.length)
            except (OSError, http.client.HTTPException) as e:
                timer.cancel()
                self.close()
                if cut.is_set():
                    raise OSError(f"witness too slow: no answer in {self.timeout:g} s") from None
                if attempt == 2 or not isinstance(
                        e, http.client.RemoteDisconnected | ConnectionResetError | BrokenPipeError):
                    raise OSError(f"witness unreachable: {e}") from None
                continue
            timer.cancel()
            if cut.is_set():  # what came before the cut may be cut short
                self.close()
                raise OSError(f"witness too slow: no answer in {self.timeout:g} s")
            if response.will_close or len(data) > MAX_BODY:
                self.close()
            if len(data) > MAX_BODY:
                raise OSError("the witness's answer is too long")
            return Answer(response.status, response.getheader("Content-Type", ""), data)
        raise AssertionError("unreachable")

    @staticmethod
    def _cut(connection: http.client.HTTPConnection, cut: threading.Event) -> None:
        cut.set()
        if connection.sock is not None:
            with contextlib.suppress(OSError):
                connection.sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
