"""The log's archive: full entry bundles kept on disk, in nginx's copy, not twice.

In production nginx serves `/log/` from the directory that `log_export --gzip-bundles`
keeps (deploy/nginx/tuidang-locations.conf), and the database held every entry bundle a
second time, a large share of the bytes a person costs (docs/performance.md). With
`LOG_ARCHIVE_DIR` naming that directory, `log_export --gzip-bundles --archive` makes it
the store of record for the full bundles behind the edge: a bundle whose file there is
synced to disk and holds exactly the stored entries is dropped from the database (its row
stays, with its count and empty data). The last full bundle and the open one stay: the
sequencer reads them at every step.

Reading an archived bundle reads `tile/entries/<N>.gz` and checks it against the level-1
hash tile in the database (hash N mod 256 of tile 1/⌊N/256⌋ is the root of bundle N's leaf
hashes), so a damaged, altered or missing file is an ArchiveError, never a wrong proof or
count. As docs/design.md asks, the tile storage is untrusted and the database is trusted.
Since the check makes any copy as good as the original, a machine without the directory
fetches the bundle from `LOG_ARCHIVE_URL` (the public `/log/`, or nginx's address on the
private network). Such a fetch says so in a header, and the application answering it
reads its own directory only (`local_only`): when nginx lacks a file it asks the
application, which must not ask nginx again.
"""

import contextlib
import contextvars
import logging
import os
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet

from tuidang.tlog import fetch as tlog_fetch
from tuidang.tlog import tiles as tlog_tiles
from tuidang.tlog.bundle import LARGEST_FILE, decode_bundle, gunzip
from tuidang.tlog.failure import AuditError
from tuidang.tlog.hashing import leaf_hash
from tuidang.transparency.models import EntryBundle, Tile

WIDTH = tlog_tiles.TILE_WIDTH
HASH_SIZE = tlog_tiles.HASH_SIZE
BATCH = 256  # bundles checked and released per query
FETCH_HEADER = "X-Tuidang-Archive"
FETCH_TIMEOUT = 10.0
_local_only = contextvars.ContextVar("archive_local_only", default=False)
logger = logging.getLogger("tuidang.archive")
_reported: set[int] = set()  # fetched bundles that failed, said once per process


class ArchiveError(RuntimeError):
    """An archived entry bundle cannot be read, or is not what the log holds."""


class DamagedBundle(ArchiveError):
    """An archived entry bundle was read but is not one gzip file of a bundle."""


def _entries_path(index: int) -> str:
    """`tile/entries/<index>`, a full bundle's path in the log."""
    return tlog_tiles.TileRef(0, index, WIDTH, True).path()


def bundle_path(directory: Path, index: int) -> Path:
    return directory / (_entries_path(index) + ".gz")


@contextlib.contextmanager
def local_only() -> Iterator[None]:
    """Within the block, archived bundles are read from LOG_ARCHIVE_DIR only."""
    token = _local_only.set(True)
    try:
        yield
    finally:
        _local_only.reset(token)


def _gunzip(where: object, data: bytes) -> bytes:
    try:
        return gunzip(data)  # bounded: the copy is untrusted
    except ValueError as exc:
        raise DamagedBundle(f"{where}: not one gzip file of at most an entry bundle ({exc})"
                            ) from None


def _read(directory: Path, index: int) -> bytes:
    path = bundle_path(directory, index)
    try:  # a regular file no larger than a packed bundle can be, as the auditor reads it
        return _gunzip(path, tlog_fetch.read_local(str(path), tlog_fetch.gzip_limit(LARGEST_FILE)))
    except AuditError as exc:
        raise ArchiveError(f"{path}: {exc.message}") from None


def _fetch(base_url: str, index: int) -> bytes:
    """The bundle from the archive's URL, read as the auditor reads a mirror: bounded in
    bytes and time, redirects within the same origin only (tuidang.tlog.fetch)."""
    source = tlog_fetch.Source(base_url, timeout=FETCH_TIMEOUT, deadline=FETCH_TIMEOUT,
                               user_agent="tuidang", headers={FETCH_HEADER: "1"})
    try:
        return source.fetch(_entries_path(index))
    except AuditError as exc:
        raise ArchiveError(f"{source.location}{exc.path}: {exc.message}") from None


def _bundle(index: int) -> bytes:
    """Bundle `index` from LOG_ARCHIVE_DIR, or else from LOG_ARCHIVE_URL (unchecked)."""
    directory, url = settings.LOG_ARCHIVE_DIR, settings.LOG_ARCHIVE_URL
    if directory is not None and (url is None or _local_only.get()
                                  or bundle_path(directory, index).exists()):
        return _read(directory, index)
    if url is None:
        raise ArchiveError("entry bundles are archived, and neither LOG_ARCHIVE_DIR nor "
                           "LOG_ARCHIVE_URL is set")
    if _local_only.get():
        raise ArchiveError("entry bundles are archived, LOG_ARCHIVE_DIR is not set, and a "
                           "fetch for another machine is not passed on")
    return _fetch(url, index)


def quarantine_dir(directory: Path) -> Path:
    """Where files of `directory` (LOG_ARCHIVE_DIR) that failed their check are moved."""
    return directory.parent / "log-quarantine"


def _take_out_of_service(index: int, error: ArchiveError) -> None:
    """Move this machine's copy of bundle `index` out of what nginx serves, saying so
    once; a fetched copy that failed is only said once per process."""
    directory = settings.LOG_ARCHIVE_DIR
    path = bundle_path(directory, index) if directory is not None else None
    if path is not None and path.exists():
        target = bundle_path(quarantine_dir(directory), index)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        logger.error("archived entry bundle %s failed its check and was moved to %s, out "
                     "of service: %s", _entries_path(index), target, error)
    elif index not in _reported:
        _reported.add(index)
        logger.error("archived entry bundle %s failed its check: %s", _entries_path(index),
                     error)


def _checked(index: int, parents: dict[int, bytes]) -> bytes:
    try:
        bundle = _bundle(index)
    except DamagedBundle as exc:  # not a missing file or a failed fetch: a wrong one
        _take_out_of_service(index, exc)
        raise
    offset = (index % WIDTH) * HASH_SIZE
    expected = bytes(parents.get(index // WIDTH, b""))[offset:offset + HASH_SIZE]
    try:
        hashes = b"".join(leaf_hash(item) for item in decode_bundle(bundle))
        root = tlog_tiles.tile_root(hashes)
    except ValueError:
        root = b""
    if not expected or root != expected:
        error = ArchiveError(f"{_entries_path(index)} (archived) does not hold the "
                             f"entries of bundle {index}")
        if expected:  # not a tile missing from the database: the file is wrong
            _take_out_of_service(index, error)
        raise error
    return bundle


def read_bundles(indices: Iterable[int]) -> dict[int, bytes]:
    """{index: uncompressed bundle} of archived (full) bundles, each checked against the
    level-1 tiles in the database; a file of ours that fails is taken out of service."""
    wanted = sorted(set(indices))
    if not wanted:
        return {}
    parents = dict(Tile.objects.filter(level=1, index__in={i // WIDTH for i in wanted})
                   .values_list("index", "data"))
    return {index: _checked(index, parents) for index in wanted}


def _sync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def held_full_bundles(start: int, below: int) -> QuerySet:
    """(index, data) of the full bundles from `start` to `below` still in the database,
    in order: read through the index of held bundles (EntryBundle.Meta), so a release
    costs what is left to release, not what was archived before."""
    return (EntryBundle.objects.filter(index__gte=start, index__lt=below, count=WIDTH)
            .exclude(data=b"").order_by("index").values_list("index", "data"))


def release(directory: Path, size: int) -> int:
    """Drop from the database the full bundles of a log of `size` entries, up to the
    last full one, that `directory` (LOG_ARCHIVE_DIR) holds; returns how many. A bundle
    whose file is missing or differs stops the release with an ArchiveError."""
    if not settings.LOG_ARCHIVE_DIR or (
            Path(settings.LOG_ARCHIVE_DIR).resolve() != directory.resolve()):
        raise ArchiveError(f"{directory} is not LOG_ARCHIVE_DIR, where archived bundles "
                           "are read from")
    below = size // WIDTH - 1  # the last full bundle stays: the sequencer reads it
    start, released = 0, 0
    while True:
        rows = list(held_full_bundles(start, below)[:BATCH])
        if not rows:
            return released
        parents = set()
        for index, data in rows:
            path = bundle_path(directory, index)
            if _read(directory, index) != zlib.decompress(data):
                raise ArchiveError(f"{path} differs from bundle {index} in the database")
            _sync(path)
            parents.add(path.parent)
        for parent in parents:  # the files' names, not only their data, must be on disk
            _sync(parent)
        EntryBundle.objects.filter(index__in=[index for index, _data in rows]).update(data=b"")
        released += len(rows)
        start = rows[-1][0] + 1
