"""The witness's HTTP interface: ``POST <prefix>add-checkpoint`` and, for monitors,
``GET <prefix><origin hash>/checkpoint`` (the latest checkpoint it cosigned for a log, the
hash being SHA-256 of the origin in lowercase hex).

The standard library's threaded server with keep-alive (HTTP/1.1). It logs no request:
no address, path or time is written anywhere.
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tuidang.tlog.addcheckpoint import MAX_BODY

from .core import TEXT, Reply, Witness

__all__ = ["make_server"]

IDLE_TIMEOUT = 30  # seconds a kept-alive connection may stay silent
# Seconds to send one request (line, headers, body) beyond the idle wait for it: a client
# dripping a byte every few seconds is cut off, not served for hours.
REQUEST_DEADLINE = 10


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "tuidang-witness"
    sys_version = ""
    timeout = IDLE_TIMEOUT
    _timer: threading.Timer  # cuts off a request not sent in time
    witness: Witness
    prefix: str
    origins: dict[str, str]  # origin hash → origin

    def log_message(self, format: str, *args: object) -> None:
        """No request is logged (the base class would write the client's address)."""

    def handle_one_request(self) -> None:
        """One request, read whole within IDLE_TIMEOUT + REQUEST_DEADLINE seconds."""
        self._timer = threading.Timer(IDLE_TIMEOUT + REQUEST_DEADLINE, self._cut)
        self._timer.daemon = True
        self._timer.start()
        try:
            super().handle_one_request()
        finally:
            self._timer.cancel()

    def _cut(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, reply: Reply, allow: str = "") -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Cache-Control", "no-store")
        if allow:
            self.send_header("Allow", allow)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def _refuse(self, status: int, message: str, allow: str = "") -> None:
        self._send(Reply(status, TEXT, message.encode() + b"\n"), allow)

    def do_POST(self) -> None:
        if self.path != self.prefix + "add-checkpoint":
            self._refuse(404 if not self._is_checkpoint_path() else 405, "not found",
                         "GET, HEAD" if self._is_checkpoint_path() else "")
            return
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self.close_connection = True
            self._refuse(411, "Content-Length required")
            return
        if int(length) > MAX_BODY:
            self.close_connection = True
            self._refuse(413, "request too large")
            return
        body = self.rfile.read(int(length))
        self._timer.cancel()  # read in time: the answer may take what it takes
        if len(body) < int(length):  # cut off, or the client gave up: nothing to answer
            self.close_connection = True
            return
        self._send(self.witness.add_checkpoint(body))

    def do_GET(self) -> None:
        self._timer.cancel()
        if self.path == self.prefix + "add-checkpoint":
            self._refuse(405, "add-checkpoint is a POST", "POST")
            return
        origin = self.origins.get(self._origin_hash()) if self._is_checkpoint_path() else None
        latest = self.witness.store.published(origin) if origin else None
        if latest is None:
            self._refuse(404, "not found")
            return
        self._send(Reply(200, TEXT, latest.checkpoint))

    do_HEAD = do_GET

    def _origin_hash(self) -> str:
        return self.path[len(self.prefix):].removesuffix("/checkpoint")

    def _is_checkpoint_path(self) -> bool:
        if not (self.path.startswith(self.prefix) and self.path.endswith("/checkpoint")):
            return False
        digest = self._origin_hash()
        return len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)


def make_server(witness: Witness, host: str, port: int, prefix: str = "/"
                ) -> ThreadingHTTPServer:
    """A server for the witness at http://host:port<prefix> (port 0: any free port)."""
    if not prefix.startswith("/"):
        prefix = "/" + prefix
    if not prefix.endswith("/"):
        prefix += "/"
    handler = type("WitnessHandler", (_Handler,), {
        "witness": witness,
        "prefix": prefix,
        "origins": {hashlib.sha256(origin.encode()).hexdigest(): origin
                    for origin in witness.logs},
    })
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
