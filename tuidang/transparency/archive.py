"""The log's archive: full entry bundles kept on disk, in nginx's copy, not twice.

In production nginx serves `/log/` from the directory that `log_export --gzip-bundles`
keeps (deploy/nginx/tuidang-locations.conf), and the database held every entry bundle a
second time: together 150 bytes a person of the 375 (docs/performance.md). With
`LOG_ARCHIVE_DIR` naming that directory, `log_export --gzip-bundles --archive` makes it
the store of record for the full bundles behind the edge: a bundle whose file there is
synced to disk and holds exactly the stored entries is dropped from the database (its row
stays, with its count and empty data). The last full bundle and the open one stay: the
sequencer reads them at every step.

Reading an archived bundle reads `tile/entries/<N>.gz` and checks it against the level-1
hash tile in the database (hash N mod 256 of tile 1/⌊N/256⌋ is the root of bundle N's leaf
hashes), so a damaged, altered or missing file is an ArchiveError, never a wrong proof or
count. As DESIGN.md asks, the tile storage is untrusted and the database is trusted.
"""

import gzip
import os
import zlib
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

from tuidang.tlog import tiles as tlog_tiles
from tuidang.tlog.bundle import decode_bundle
from tuidang.tlog.hashing import leaf_hash
from tuidang.transparency.models import EntryBundle, Tile

WIDTH = tlog_tiles.TILE_WIDTH
HASH_SIZE = tlog_tiles.HASH_SIZE
BATCH = 256  # bundles checked and released per query


class ArchiveError(RuntimeError):
    """An archived entry bundle cannot be read, or is not what the log holds."""


def bundle_path(directory: Path, index: int) -> Path:
    return directory / (tlog_tiles.TileRef(0, index, WIDTH, True).path() + ".gz")


def _directory() -> Path:
    if not settings.LOG_ARCHIVE_DIR:
        raise ArchiveError("entry bundles are archived, and LOG_ARCHIVE_DIR is not set")
    return Path(settings.LOG_ARCHIVE_DIR)


def _read(directory: Path, index: int) -> bytes:
    path = bundle_path(directory, index)
    try:
        return gzip.decompress(path.read_bytes())
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ArchiveError(f"{path}: {exc}") from None


def read_bundles(indices: Iterable[int]) -> dict[int, bytes]:
    """{index: uncompressed bundle} of archived (full) bundles, each checked against the
    level-1 tiles in the database."""
    wanted = sorted(set(indices))
    if not wanted:
        return {}
    directory = _directory()
    parents = dict(Tile.objects.filter(level=1, index__in={i // WIDTH for i in wanted})
                   .values_list("index", "data"))
    found = {}
    for index in wanted:
        bundle = _read(directory, index)
        offset = (index % WIDTH) * HASH_SIZE
        expected = bytes(parents.get(index // WIDTH, b""))[offset:offset + HASH_SIZE]
        try:
            hashes = b"".join(leaf_hash(item) for item in decode_bundle(bundle))
            root = tlog_tiles.tile_root(hashes)
        except ValueError:
            root = b""
        if not expected or root != expected:
            raise ArchiveError(f"{bundle_path(directory, index)} does not hold the "
                               f"entries of bundle {index}")
        found[index] = bundle
    return found


def _sync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


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
        rows = list(EntryBundle.objects.filter(index__gte=start, index__lt=below, count=WIDTH)
                    .exclude(data=b"").order_by("index").values_list("index", "data")[:BATCH])
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
