"""Writing the static copy of `/log/` that a mirror serves.

Every tile path names immutable content (a partial tile `.p/W` never changes either), so
an existing file is skipped and a repeated export only writes what is new. The
checkpoint is written last: a mirror never offers a checkpoint ahead of its tiles. When
a full tile is written, the partial versions of it that earlier exports wrote are
deleted, as tlog-tiles allows (a client holding an older checkpoint may fetch the full
tile instead; behind nginx the application still answers them): an export every minute
otherwise leaves several partial copies of each bundle, more than the log itself
(docs/performance.md).

With `gzip_bundles` (the copy nginx serves, deploy/nginx/tuidang-locations.conf) each
entry bundle is written only as `tile/entries/<N>[.p/W].gz`, a gzip file of the exact
bundle, much smaller than the bundle; nginx sends it as it is (`gzip_static always`) and
unpacks it for a client that does not accept gzip (`gunzip on`). Hash tiles do not
compress and stay as they are. A plain static host cannot serve a `.gz` file under the
plain name, so the default (and a mirror's export_site) writes uncompressed bundles.
"""

import gzip
import shutil
from dataclasses import dataclass
from pathlib import Path

from tuidang.tlog import tiles as tlog_tiles
from tuidang.tlog.export import write_file
from tuidang.transparency import keys, storage, witnesses

BATCH = 256  # entry bundles read in one query


@dataclass(frozen=True)
class ExportResult:
    size: int
    written: int
    skipped: int


def gzip_file(data: bytes) -> bytes:
    """`data` as a gzip file, the same bytes every time (no time stamp, no name)."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def export_log(directory: Path, *, gzip_bundles: bool = False) -> ExportResult:
    log_state = storage.state()
    size, checkpoint = log_state.size, witnesses.with_cosignatures(
        bytes(log_state.signed_checkpoint))
    written = skipped = 0

    def write(ref: tlog_tiles.TileRef, path: str, data: bytes) -> None:
        nonlocal written
        write_file(directory, path, data)
        if path != ref.path():  # an uncompressed copy from an export without the option
            (directory / ref.path()).unlink(missing_ok=True)
        if ref.width == tlog_tiles.TILE_WIDTH:
            # The partial versions of a tile written now are prefixes of it, from earlier
            # exports: tlog-tiles lets a log delete them once the full tile is there.
            shutil.rmtree(directory / (ref.path() + ".p"), ignore_errors=True)
        written += 1

    hash_tiles = tlog_tiles.tiles_for_size(size)
    # Level-0 tile N is the leaf hashes of entry bundle N (same width): one read of the
    # bundle gives both, and the bundles are read BATCH at a time.
    pairs = list(zip(tlog_tiles.entry_bundles_for_size(size),
                     [ref for ref in hash_tiles if ref.level == 0], strict=True))
    for start in range(0, len(pairs), BATCH):
        missing = []
        for bundle_ref, tile_ref in pairs[start : start + BATCH]:
            bundle_path = bundle_ref.path() + (".gz" if gzip_bundles else "")
            have = (directory / bundle_path).exists(), (directory / tile_ref.path()).exists()
            skipped += sum(have)
            if not all(have):
                missing.append((bundle_ref, bundle_path, tile_ref, have))
        bundles = storage.entry_bundles((ref.index, ref.width) for ref, *_rest in missing)
        for bundle_ref, bundle_path, tile_ref, (have_bundle, have_tile) in missing:
            data = bundles[bundle_ref.index]
            if not have_bundle:
                write(bundle_ref, bundle_path, gzip_file(data) if gzip_bundles else data)
            if not have_tile:
                write(tile_ref, tile_ref.path(), storage.leaf_tile(data))
    for ref in hash_tiles:
        if ref.level == 0:
            continue
        if (directory / ref.path()).exists():
            skipped += 1
            continue
        data = tlog_tiles.tile_data_for(ref, storage.read_tile)
        if data is None:
            raise LookupError(f"{ref.path()} is missing from the database")
        write(ref, ref.path(), data)
    key = log_state.verifier_key or keys.verifier_key()  # the log's (keys.log_key)
    write_file(directory, "key", (key + "\n").encode())
    write_file(directory, "policy", witnesses.published_policy(key).encode())
    write_file(directory, "checkpoint", checkpoint)
    return ExportResult(size, written, skipped)
