"""Calling a WSGI application directly, as a server would, for the layers in front of
Django (the micro-cache, the express lane), which Django's test client goes around."""

import io
from http.cookies import SimpleCookie
from urllib.parse import urlencode


def environ(path: str, method: str = "GET", query: str = "", body: bytes = b"",
            content_type: str = "", **headers: str) -> dict:
    env = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body), "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
        "wsgi.version": (1, 0), "REMOTE_ADDR": "127.0.0.1",
    }
    if body or method == "POST":
        env.update(CONTENT_LENGTH=str(len(body)), CONTENT_TYPE=content_type)
    env.update({"HTTP_" + name.upper(): value for name, value in headers.items()})
    return env


def call(app, env: dict) -> tuple[str, dict, bytes]:
    """(status, headers, body); a server error fails the test with the page it gave."""
    status, headers, body = call_raw(app, env)
    if status.startswith("500"):
        raise AssertionError(body[:2000])
    return status, dict(headers), body


def call_raw(app, env: dict) -> tuple[str, list[tuple[str, str]], bytes]:
    started = {}

    def start_response(status, headers, exc_info=None):
        started.update(status=status, headers=list(headers))

    body = b"".join(app(env, start_response))
    return started["status"], started["headers"], body


class Browser:
    """Keeps the cookies an application sets, like a browser without JavaScript."""

    def __init__(self, app) -> None:
        self.app = app
        self.cookies: dict[str, str] = {}

    def get(self, path: str, **headers: str) -> tuple[str, list, bytes]:
        return self._send(environ(path, **headers))

    def post(self, path: str, data: dict, query: str = "", **headers: str):
        body = urlencode(data, doseq=True).encode()
        return self._send(environ(path, "POST", query, body,
                                  "application/x-www-form-urlencoded", **headers))

    def _send(self, env: dict) -> tuple[str, list, bytes]:
        if self.cookies and "HTTP_COOKIE" not in env:
            env["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        status, headers, body = call_raw(self.app, env)
        if status.startswith("500"):
            raise AssertionError(body[:2000])
        for name, value in headers:
            if name.lower() == "set-cookie":
                for key, morsel in SimpleCookie(value).items():
                    self.cookies[key] = morsel.value
        return status, headers, body
