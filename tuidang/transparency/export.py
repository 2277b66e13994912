"""Writing the static copy of `/log/` that a mirror serves.

Every tile path names immutable content (a partial tile `.p/W` never changes either), so
an existing file is skipped and a repeated export only writes what is new. The
checkpoint is written last: a mirror never offers a checkpoint ahead of its tiles.

With `gzip_bundles` (the copy nginx serves, deploy/nginx/tuidang-locations.conf) each
entry bundle is written only as `tile/entries/<N>[.p/W].gz`, a gzip file of the exact
bundle, about a third of its size; nginx sends it as it is (`gzip_static always`) and
unpacks it for a client that does not accept gzip (`gunzip on`). Hash tiles do not
compress and stay as they are. A plain static host cannot serve a `.gz` file under the
plain name, so the default (and a mirror's export_site) writes uncompressed bundles.
"""

import gzip
from dataclasses import dataclass
from pathlib import Path

from tuidang.tlog import tiles as tlog_tiles
from tuidang.tlog.export import write_file
from tuidang.transparency import keys, storage


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
    size, checkpoint = log_state.size, bytes(log_state.signed_checkpoint)
    written = skipped = 0
    refs = tlog_tiles.entry_bundles_for_size(size) + tlog_tiles.tiles_for_size(size)
    for ref in refs:
        gzipped = gzip_bundles and ref.is_entries
        path = ref.path() + (".gz" if gzipped else "")
        if (directory / path).exists():
            skipped += 1
            continue
        if ref.is_entries:
            data = storage.entry_bundle(ref.index, ref.width)
        else:
            data = tlog_tiles.tile_data_for(ref, storage.read_tile)
        if data is None:
            raise LookupError(f"{ref.path()} is missing from the database")
        write_file(directory, path, gzip_file(data) if gzipped else data)
        if gzipped:  # an uncompressed copy from an export without the option
            (directory / ref.path()).unlink(missing_ok=True)
        written += 1
    write_file(directory, "key", (keys.verifier_key() + "\n").encode())
    write_file(directory, "checkpoint", checkpoint)
    return ExportResult(size, written, skipped)
