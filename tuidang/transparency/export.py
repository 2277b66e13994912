"""Writing the static copy of `/log/` that a mirror serves.

Every tile path names immutable content (a partial tile `.p/W` never changes either), so
an existing file is skipped and a repeated export only writes what is new. The
checkpoint is written last: a mirror never offers a checkpoint ahead of its tiles.
"""

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


def export_log(directory: Path) -> ExportResult:
    log_state = storage.state()
    size, checkpoint = log_state.size, bytes(log_state.signed_checkpoint)
    written = skipped = 0
    refs = tlog_tiles.entry_bundles_for_size(size) + tlog_tiles.tiles_for_size(size)
    for ref in refs:
        if (directory / ref.path()).exists():
            skipped += 1
            continue
        if ref.is_entries:
            data = storage.entry_bundle(ref.index, ref.width)
        else:
            data = tlog_tiles.tile_data_for(ref, storage.read_tile)
        if data is None:
            raise LookupError(f"{ref.path()} is missing from the database")
        write_file(directory, ref.path(), data)
        written += 1
    write_file(directory, "key", (keys.verifier_key() + "\n").encode())
    write_file(directory, "checkpoint", checkpoint)
    return ExportResult(size, written, skipped)
