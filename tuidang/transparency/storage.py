"""Reading and writing the log's tiles, entries and checkpoint in the database."""

from django.db import connection

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


# Rows per INSERT or UPDATE statement when the sequencer writes a batch: a few big
# statements instead of one per row (a round trip each on PostgreSQL), small enough for
# SQLite's limit of 32,766 parameters.
ROWS_PER_STATEMENT = 1000


def _table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model: type, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def append_entries(first: int, encoded: list[bytes]) -> None:
    """Store entries `first`, `first + 1`, … (the sequencer, in its transaction)."""
    # The names come from the model, never from input.
    sql = (f"INSERT INTO {_table(LogEntry)} ({_column(LogEntry, 'index')}, "  # noqa: S608
           f"{_column(LogEntry, 'data')}) VALUES ")
    with connection.cursor() as cursor:
        for start in range(0, len(encoded), ROWS_PER_STATEMENT):
            chunk = encoded[start:start + ROWS_PER_STATEMENT]
            params: list = []
            for offset, data in enumerate(chunk, first + start):
                params += (offset, data)
            cursor.execute(sql + ", ".join(["(%s, %s)"] * len(chunk)), params)


def save_tiles(tiles: dict[tuple[int, int], bytes]) -> None:
    """Insert or widen the given tiles (the sequencer, in its transaction)."""
    Tile.objects.bulk_create(
        [Tile(level=level, index=index, data=data) for (level, index), data in tiles.items()],
        update_conflicts=True, unique_fields=["level", "index"], update_fields=["data"],
    )


def set_log_indices(model: type, ids: list[int], first: int, published: bool = False) -> None:
    """Give rows `ids` (ascending) the log indices `first`, `first + 1`, … (and mark them
    published).

    A run of consecutive ids, the usual case, takes one UPDATE … WHERE id BETWEEN, with
    the index computed from the id; scattered ids take UPDATE … FROM (VALUES …), which
    SQLite and PostgreSQL both understand and both name the columns of VALUES column1,
    column2. Either costs far less than bulk_update's CASE expressions or a statement
    per row.
    """
    table, key, log_index = _table(model), _column(model, "id"), _column(model, "log_index")
    published_sql = f", {_column(model, 'is_published')} = %s" if published else ""
    flag = [True] if published else []
    scattered: list[tuple[int, int]] = []  # (id, log index)
    # The names come from the model, never from input.
    by_range = (f"UPDATE {table} SET {log_index} = {key} + %s{published_sql} "  # noqa: S608
                f"WHERE {key} BETWEEN %s AND %s")
    with connection.cursor() as cursor:
        for start, end in _runs(ids):
            if end - start >= MIN_RUN:
                offset = first + start - ids[start]
                cursor.execute(by_range, [offset, *flag, ids[start], ids[end - 1]])
            else:
                scattered += ((ids[i], first + i) for i in range(start, end))
        for start in range(0, len(scattered), ROWS_PER_STATEMENT):
            chunk = scattered[start:start + ROWS_PER_STATEMENT]
            values = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} SET {log_index} = v.column2{published_sql} "  # noqa: S608
                f"FROM (VALUES {values}) AS v WHERE {table}.{key} = v.column1",
                [*flag, *(value for row in chunk for value in row)],
            )


MIN_RUN = 32  # consecutive ids worth a statement of their own


def _runs(ids: list[int]) -> list[tuple[int, int]]:
    """[start, end) positions of the runs of consecutive values in ascending `ids`."""
    runs, start = [], 0
    for i in range(1, len(ids) + 1):
        if i == len(ids) or ids[i] != ids[i - 1] + 1:
            runs.append((start, i))
            start = i
    return runs
