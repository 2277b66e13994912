"""A cache in memory shared by the processes of one machine, without Redis.

`make run` starts two web processes, the sequencer and the worker. The rate limits,
the proofs of work accepted once and the log-in throttling count in Django's cache;
with the default local-memory cache each process counted alone, so a proof of work was
accepted once per process and every limit was as many times higher. `runservice`
therefore starts this server first (`python -m tuidang.core.sharedcache SOCKET`) and
gives the other processes SHARED_CACHE_SOCKET, which makes `SharedCache` Django's
cache. Like Redis as deploy/redis configures it, it keeps everything in memory only:
what it holds (keyed hashes under keys that live minutes) must never reach a disk.

The server holds one dictionary under one lock; each operation that must be atomic
across processes (add, incr) is one message. It listens on a Unix socket in var/ (a
directory only its owner may enter) and accepts only clients that prove they know a key
derived from SECRET_KEY (multiprocessing's authentication). Values other than plain
integers are pickled by the client, so the server only ever stores bytes and integers.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
import time
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.utils.crypto import salted_hmac

MAX_ENTRIES = 100_000


def authkey() -> bytes:
    return salted_hmac("tuidang.core.sharedcache", "authkey", algorithm="sha256").digest()


# -- the server ---------------------------------------------------------------------------


class Store:
    """key → (value, monotonic expiry or None), behind one lock."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.data: dict[str, tuple[Any, float | None]] = {}
        self.lock = threading.Lock()
        self.max_entries = max_entries

    def _live(self, key: str) -> tuple[Any, float | None] | None:
        found = self.data.get(key)
        if found is not None and found[1] is not None and found[1] <= time.monotonic():
            del self.data[key]
            return None
        return found

    @staticmethod
    def _expiry(timeout: float | None) -> float | None:
        return None if timeout is None else time.monotonic() + timeout

    def _put(self, key: str, value: Any, timeout: float | None) -> None:
        self.data.pop(key, None)  # to the end: the oldest are culled first
        self.data[key] = (value, self._expiry(timeout))
        if len(self.data) > self.max_entries:
            now = time.monotonic()
            for old in [k for k, (_v, exp) in self.data.items() if exp is not None and exp <= now]:
                del self.data[old]
            for old in list(self.data)[: max(len(self.data) - self.max_entries, 0)
                                       + self.max_entries // 3]:
                del self.data[old]

    def run(self, op: str, args: tuple) -> Any:
        with self.lock:
            return getattr(self, "op_" + op)(*args)

    def op_get_many(self, keys: list[str]) -> dict[str, Any]:
        return {key: found[0] for key in keys if (found := self._live(key)) is not None}

    def op_set(self, key: str, value: Any, timeout: float | None) -> None:
        self._put(key, value, timeout)

    def op_set_many(self, items: dict[str, Any], timeout: float | None) -> None:
        for key, value in items.items():
            self._put(key, value, timeout)

    def op_add(self, key: str, value: Any, timeout: float | None) -> bool:
        if self._live(key) is not None:
            return False
        self._put(key, value, timeout)
        return True

    def op_incr(self, key: str, delta: int) -> int:
        found = self._live(key)
        if found is None or type(found[0]) is not int:
            raise ValueError(f"Key '{key}' not found or not a number")
        value = found[0] + delta
        self.data[key] = (value, found[1])
        return value

    def op_touch(self, key: str, timeout: float | None) -> bool:
        found = self._live(key)
        if found is None:
            return False
        self.data[key] = (found[0], self._expiry(timeout))
        return True

    def op_delete_many(self, keys: list[str]) -> int:
        return sum(self.data.pop(key, None) is not None for key in keys)

    def op_clear(self) -> None:
        self.data.clear()


def _serve_connection(store: Store, connection: Connection) -> None:
    with connection:
        while True:
            try:
                op, args = connection.recv()
            except (EOFError, OSError):
                return
            try:
                answer = ("ok", store.run(op, args))
            except (ValueError, TypeError, AttributeError) as exc:
                answer = ("error", f"{type(exc).__name__}: {exc}")
            try:
                connection.send(answer)
            except OSError:
                return


def serve(path: str, store: Store | None = None, ready: threading.Event | None = None) -> None:
    """Answer clients on the Unix socket `path` until the process ends."""
    store = store or Store()
    if os.path.exists(path):
        os.unlink(path)  # left by a server that was killed
    old = os.umask(0o077)  # the socket itself is its owner's only
    try:
        listener = Listener(path, family="AF_UNIX", authkey=authkey())
    finally:
        os.umask(old)
    if ready is not None:
        ready.set()
    with listener:
        while True:
            try:
                connection = listener.accept()
            except (OSError, EOFError, AuthenticationError):  # a stranger, or one who left
                continue
            threading.Thread(target=_serve_connection, args=(store, connection),
                             daemon=True).start()


# -- the client: Django's cache backend ---------------------------------------------------


class SharedCache(BaseCache):
    """Django's cache on the server above; LOCATION is its socket."""

    def __init__(self, location: str, params: dict) -> None:
        super().__init__(params)
        self.path = location
        self._local = threading.local()

    def _connection(self) -> Connection:
        held = getattr(self._local, "held", None)
        if held is not None and held[0] == os.getpid():  # not one inherited by a fork
            return held[1]
        connection = Client(self.path, family="AF_UNIX", authkey=authkey())
        self._local.held = (os.getpid(), connection)
        return connection

    def _call(self, op: str, *args: Any) -> Any:
        for attempt in (1, 2):
            try:
                connection = self._connection()
                connection.send((op, args))
                status, value = connection.recv()
                break
            except (EOFError, OSError):
                self._local.held = None  # the server restarted: connect again, once
                if attempt == 2:
                    raise
        if status == "error":
            raise ValueError(value)
        return value

    def _timeout(self, timeout: Any) -> float | None:
        if timeout is DEFAULT_TIMEOUT:
            timeout = self.default_timeout
        return None if timeout is None else float(timeout)

    @staticmethod
    def _dump(value: Any) -> Any:
        return value if type(value) is int else pickle.dumps(value, pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def _load(value: Any) -> Any:
        return value if type(value) is int else pickle.loads(value)  # noqa: S301 (ours)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        seconds = self._timeout(timeout)
        if seconds is not None and seconds <= 0:
            return False
        return self._call("add", key, self._dump(value), seconds)

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        found = self._call("get_many", [key])
        return self._load(found[key]) if key in found else default

    def get_many(self, keys, version=None) -> dict:
        named = {self.make_and_validate_key(key, version=version): key for key in keys}
        found = self._call("get_many", list(named))
        return {named[key]: self._load(value) for key, value in found.items()}

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        key = self.make_and_validate_key(key, version=version)
        seconds = self._timeout(timeout)
        if seconds is not None and seconds <= 0:
            self._call("delete_many", [key])
            return
        self._call("set", key, self._dump(value), seconds)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None) -> list:
        for key, value in data.items():
            self.set(key, value, timeout, version=version)
        return []

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return self._call("touch", key, self._timeout(timeout))

    def incr(self, key, delta=1, version=None) -> int:
        key = self.make_and_validate_key(key, version=version)
        return self._call("incr", key, delta)

    def has_key(self, key, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return key in self._call("get_many", [key])

    def delete(self, key, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return bool(self._call("delete_many", [key]))

    def delete_many(self, keys, version=None) -> None:
        self._call("delete_many", [self.make_and_validate_key(k, version=version) for k in keys])

    def clear(self) -> None:
        self._call("clear")


def main() -> None:
    serve(sys.argv[1])  # the settings (for SECRET_KEY) load when the key is derived


if __name__ == "__main__":
    main()
