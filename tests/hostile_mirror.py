"""A hostile mirror on loopback: serves a log directory, and misbehaves on one path.

Raw sockets and a thread per connection, so that it can send what no HTTP library
would: truncated bodies, endless chunks, header floods, garbage status lines, bad
redirects, and a different answer the second time a file is asked for. Every loop is
bounded in time and bytes, and the server stops by itself.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from pathlib import Path

STOP_AFTER = 60.0  # seconds: no connection is served longer than this


class HostileMirror:
    """``mode`` applies to requests for ``target`` (a path under the log); every other
    path is served plainly from ``directory``."""

    def __init__(self, directory: Path, mode: str = "plain", target: str = "") -> None:
        self.directory, self.mode, self.target = directory, mode, target
        self.asked: Counter[str] = Counter()
        self.hosts: list[str] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}/log/"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> HostileMirror:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            request = b""
            while b"\r\n\r\n" not in request and len(request) < 65536:
                data = conn.recv(4096)
                if not data:
                    return
                request += data
            line = request.split(b"\r\n", 1)[0].decode("latin-1")
            path = line.split(" ")[1].removeprefix("/log/")
            self.asked[path] += 1
            self.hosts.append(request.decode("latin-1").split("Host: ")[1].split("\r\n")[0])
            if path.endswith(".moved"):  # where "redirect-same" sends it
                self._plain(conn, path.removesuffix(".moved"))
            elif path == self.target:
                self._misbehave(conn, path)
            else:
                self._plain(conn, path)
        except OSError:
            pass  # the auditor hung up: what it should do
        finally:
            conn.close()

    def _file(self, path: str) -> bytes | None:
        file = self.directory / path
        return file.read_bytes() if file.is_file() else None

    def _plain(self, conn: socket.socket, path: str, body: bytes | None = None) -> None:
        body = self._file(path) if body is None else body
        if body is None:
            conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            return
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    def _redirect(self, conn: socket.socket, location: str) -> None:
        conn.sendall(f"HTTP/1.1 302 Found\r\nLocation: {location}\r\n"
                     "Content-Length: 0\r\n\r\n".encode())

    def _misbehave(self, conn: socket.socket, path: str) -> None:
        body = self._file(path) or bytes(64)  # something to drip, cut or flip
        mode, start = self.mode, time.monotonic()
        if mode == "truncated":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
                         % (len(body) + 10, body))
        elif mode == "endless":
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"%x\r\n%s\r\n" % (65536, bytes(65536))
            while time.monotonic() - start < STOP_AFTER and not self._stop.is_set():
                conn.sendall(chunk)
        elif mode == "drip":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
            for byte in body:
                if time.monotonic() - start > STOP_AFTER or self._stop.is_set():
                    return
                conn.sendall(bytes([byte]))
                time.sleep(2)
        elif mode == "headers":
            conn.sendall(b"HTTP/1.1 200 OK\r\n" + b"X-Flood: 1\r\n" * 101 + b"\r\n" + body)
        elif mode == "long-header":
            conn.sendall(b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n" + body)
        elif mode == "garbage-status":
            conn.sendall(b"HTXP/9 banana\r\n\r\n" + body)
        elif mode == "bad-chunk":
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n")
        elif mode == "huge-length":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n" + body)
        elif mode == "redirect-ipv6":
            self._redirect(conn, "http://[::1/x")
        elif mode == "redirect-port":
            self._redirect(conn, f"http://127.0.0.1:port/log/{path}")
        elif mode == "redirect-host":
            self._redirect(conn, f"http://elsewhere.invalid/log/{path}")
        elif mode == "redirect-ftp":
            self._redirect(conn, f"ftp://127.0.0.1/log/{path}")
        elif mode == "redirect-same":
            self._redirect(conn, f"/log/{path}.moved")
        elif mode == "lie-second":  # right the first time, one bit off the second
            if self.asked[path] >= 2:
                body = bytes([body[0] ^ 1]) + body[1:]
            self._plain(conn, path, body)
        else:
            raise AssertionError(f"unknown mode {mode}")
