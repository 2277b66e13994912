"""Reading a log's files from a copy nobody vouches for: a base URL or a directory.

Each file has a size limit known before it is read (a hash tile is its width × 32
bytes, a bundle at most its width × 65,537, a checkpoint :data:`MAX_CHECKPOINT`), each
read a deadline (``timeout`` seconds per file) and the whole run one more (``deadline``
seconds from the Source's creation). A directory yields regular files only: a FIFO, a
device or a file larger than its limit fails before a byte is read. Every failure is a
:class:`~tuidang.tlog.failure.SourceError` naming the file.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

from .bundle import MAX_ENTRY_SIZE, decode_bundle, gunzip
from .failure import AuditError, InputError, SourceError
from .httpget import HTTPGetError, get
from .tiles import HASH_SIZE, TileRef, parse_tile_path

__all__ = ["DEFAULT_DEADLINE", "DEFAULT_TIMEOUT", "MAX_CHECKPOINT", "Source", "fetch_bundle",
           "fetch_tile", "gzip_limit", "read_local", "size_limit"]

# A checkpoint: a few lines, the log's signature and up to 100 cosignatures (note.py).
MAX_CHECKPOINT = 64 * 1024
DEFAULT_TIMEOUT = 300.0  # seconds for one file: a full bundle is up to 16 MiB
DEFAULT_DEADLINE = 7 * 86400.0  # seconds for a whole run


def size_limit(path: str) -> int:
    """The most bytes the file at ``path`` of a log can hold."""
    try:
        ref = parse_tile_path(path)
    except ValueError:
        return MAX_CHECKPOINT
    return ref.width * ((2 + MAX_ENTRY_SIZE) if ref.is_entries else HASH_SIZE)


def gzip_limit(limit: int) -> int:
    """Deflate can grow incompressible data a little, never by more than this."""
    return limit + limit // 256 + 1024


class Source:
    """Where the log is read from: a base URL (http/https) or a local directory."""

    def __init__(self, location: str, timeout: float = DEFAULT_TIMEOUT,
                 deadline: float = DEFAULT_DEADLINE, user_agent: str = "tuidang-audit",
                 headers: dict[str, str] | None = None) -> None:
        """``location`` is e.g. ``https://tuidang.example/log/`` or ``/srv/log``;
        ``timeout`` bounds each file, ``deadline`` the whole run (seconds); ``headers``
        are sent with every request."""
        self.headers = {"User-Agent": user_agent, "Accept-Encoding": "gzip", **(headers or {})}
        self.is_url = location.startswith(("http://", "https://"))
        self.location = location if not self.is_url or location.endswith("/") else location + "/"
        self.timeout = timeout
        self.deadline_seconds = deadline
        self.deadline = time.monotonic() + deadline

    def _file_deadline(self, path: str) -> float:
        now = time.monotonic()
        if now >= self.deadline:
            raise SourceError(path, f"the run's deadline ({self.deadline_seconds:g} s) passed")
        return min(now + self.timeout, self.deadline)

    def fetch(self, path: str) -> bytes:
        """Return the file at ``path`` (e.g. ``tile/0/000``); SourceError if it is
        missing, too large, too slow or not a file.

        In a directory, a tile missing as ``path`` but present as ``path.gz`` (the copy
        nginx serves with ``gzip_static``, ``log_export --gzip-bundles``) is read
        gunzipped. Over HTTP, a gzip-encoded answer (``Accept-Encoding: gzip``) likewise.
        """
        limit = size_limit(path)
        deadline = self._file_deadline(path)
        if self.is_url:
            return self._get(path, limit, deadline)
        base = Path(self.location, path)
        data = _read_regular(path, base, limit)
        if data is None and path.startswith("tile/"):
            packed = _read_regular(path, Path(str(base) + ".gz"), gzip_limit(limit))
            data = None if packed is None else _gunzip(path, packed, limit)
        if data is None:
            raise SourceError(path, "missing")
        return data

    def _get(self, path: str, limit: int, deadline: float) -> bytes:
        try:
            answer = get(self.location + path, limit=gzip_limit(limit), deadline=deadline,
                         headers=self.headers)
        except HTTPGetError as e:
            raise SourceError(path, str(e)) from None
        if answer.status != 200:
            raise SourceError(path, "missing" if answer.status in (404, 410)
                              else f"HTTP {answer.status}")
        encoding = answer.headers.get("content-encoding", "identity").strip().lower()
        if encoding in ("gzip", "x-gzip"):
            return _gunzip(path, answer.body, limit)
        if encoding not in ("", "identity"):
            raise SourceError(path, f"unsupported Content-Encoding {encoding[:80]!r}")
        if len(answer.body) > limit:
            raise SourceError(path, f"larger than {limit} bytes")
        return answer.body


def fetch_tile(source: Source, ref: TileRef) -> bytes:
    """The hash tile ``ref``, exactly its width of hashes long (not yet verified)."""
    data = source.fetch(ref.path())
    if len(data) != ref.width * HASH_SIZE:
        raise SourceError(ref.path(), f"{len(data)} bytes, expected {ref.width * HASH_SIZE}")
    return data


def fetch_bundle(source: Source, bref: TileRef) -> list[bytes]:
    """The entries of bundle ``bref``, split no further than its width allows (not yet
    verified)."""
    try:
        entries = decode_bundle(source.fetch(bref.path()), most=bref.width)
    except ValueError as e:
        raise SourceError(bref.path(), str(e)) from None
    if len(entries) != bref.width:
        raise SourceError(bref.path(), f"{len(entries)} entries, expected {bref.width}")
    return entries


def _gunzip(path: str, data: bytes, limit: int) -> bytes:
    try:
        return gunzip(data, limit)
    except ValueError as e:
        raise SourceError(path, str(e)) from None


def read_local(path: str, limit: int) -> bytes:
    """A file given to the auditor (a key, an older checkpoint, a receipt): a regular
    file of at most ``limit`` bytes, or an InputError."""
    data = _read_regular(path, Path(path), limit, InputError)
    if data is None:
        raise InputError(path, "missing or unreadable")
    return data


def _read_regular(name: str, path: Path, limit: int,
                  error: type[AuditError] = SourceError) -> bytes | None:
    """The bytes of the regular file ``path`` (None if absent), refusing anything else
    before reading: opened non-blocking (a FIFO does not wait for a writer), then checked
    with fstat for its type and size."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as e:
        raise error(name, f"unreadable: {e.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error(name, "not a regular file")
        if info.st_size > limit:
            raise error(name, f"{info.st_size} bytes, more than the {limit} it can hold")
        chunks, have = [], 0
        while have <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - have))
            if not chunk:
                break
            chunks.append(chunk)
            have += len(chunk)
        if have > limit:
            raise error(name, f"grew past the {limit} bytes it can hold")
        return b"".join(chunks)
    except OSError as e:
        raise error(name, f"unreadable: {e.strerror}") from None
    finally:
        os.close(fd)
