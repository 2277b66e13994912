"""Reading the log's tiles, entries and checkpoint from the database."""

from tuidang.tlog import tiles as tlog_tiles
from tuidang.tlog.bundle import encode_bundle
from tuidang.tlog.proof import NodeReader
from tuidang.transparency.models import LogEntry, LogState, Tile

STATE_ID = 1


def read_tile(level: int, index: int) -> bytes | None:
    data = Tile.objects.filter(level=level, index=index).values_list("data", flat=True).first()
    return bytes(data) if data is not None else None


def node_reader() -> NodeReader:
    return tlog_tiles.node_reader_from_tiles(read_tile)


def state() -> LogState:
    return LogState.objects.get(pk=STATE_ID)


def signed_checkpoint() -> bytes:
    data = LogState.objects.filter(pk=STATE_ID).values_list("signed_checkpoint", flat=True).first()
    return bytes(data) if data else b""


def entry_bundle(index: int, width: int) -> bytes:
    start = index * tlog_tiles.TILE_WIDTH
    rows = LogEntry.objects.filter(index__gte=start, index__lt=start + width).order_by("index")
    entries = [bytes(data) for data in rows.values_list("data", flat=True)]
    if len(entries) != width:
        raise LookupError("entries not in the log")
    return encode_bundle(entries)


def entry(index: int) -> bytes | None:
    data = LogEntry.objects.filter(index=index).values_list("data", flat=True).first()
    return bytes(data) if data is not None else None
