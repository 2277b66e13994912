"""Reading and writing the log's tiles, entries and checkpoint in the database.

Tiles are treated as untrusted (the auditor re-derives them); the checkpoint row is
the trusted state, updated only by the sequencer under its lock. Entries are kept per
bundle of 256, compressed (models.EntryBundle); the last bundle, while it is partial, is
rewritten by every sequencer step. Level-0 hash tiles are not stored: tile 0/N is the
leaf hashes of bundle N's entries, computed when read (one bundle decompressed and
hashed), where storing them cost 32 bytes an entry, about as much as the compressed entry
itself (docs/performance.md). Full bundles behind the edge may be archived (archive.py):
their rows keep the count, and the entries are read, checked, from nginx's copy of the
log.
"""

import contextlib
import zlib
from collections.abc import Callable, Iterable, Iterator

from django.db import connection
from django.db.models import Q

from tuidang.tlog import tiles as tlog_tiles
from tuidang.tlog.bundle import decode_bundle, encode_bundle
from tuidang.tlog.hashing import leaf_hash
from tuidang.tlog.proof import NodeReader
from tuidang.transparency import archive
from tuidang.transparency.models import EntryBundle, LogState, Tile

STATE_ID = 1
WIDTH = tlog_tiles.TILE_WIDTH
COMPRESSION_LEVEL = 6  # higher levels save little more for much more time


def read_tile(level: int, index: int) -> bytes | None:
    if level == 0:
        return _leaf_tiles([index]).get(index)
    data = Tile.objects.filter(level=level, index=index).values_list("data", flat=True).first()
    return bytes(data) if data is not None else None


def edge(first: int, new_size: int) -> tuple[Callable[[int, int], bytes | None], bytes]:
    """What a sequencer step that appends entries `first` … `new_size` − 1 reads first:
    a tile reader that has the tiles at the right edge of trees of both sizes (those it
    reads to append to one and find the other's root), and the open bundle (open_bundle),
    from one query for bundles and one for tiles; other tiles it reads one by one."""
    wanted = set()
    for size in (first, new_size):
        level = 0
        while size >> (8 * level):
            wanted.add((level, (size >> (8 * level)) // WIDTH))
            if (size >> (8 * level)) % WIDTH == 0 and size >> (8 * level) >= WIDTH:
                wanted.add((level, (size >> (8 * level)) // WIDTH - 1))
            level += 1
    bundles = _bundle_rows({index for level, index in wanted if level == 0}
                           | {first // WIDTH})
    found = {(0, number): leaf_tile(bundle) for number, (_count, bundle) in bundles.items()}
    condition = Q()
    for level, index in wanted:
        if level:
            condition |= Q(level=level, index=index)
    if condition:
        found.update({(level, index): bytes(data) for level, index, data in
                      Tile.objects.filter(condition).values_list("level", "index", "data")})

    def read(level: int, index: int) -> bytes | None:
        if (level, index) in found:
            return found[(level, index)]
        return read_tile(level, index)

    return read, _open_part(first, bundles)


@contextlib.contextmanager
def pipelined() -> Iterator[None]:
    """Statements sent meanwhile run on the server while this process goes on, until
    the block ends or a result is read (PostgreSQL's pipeline mode; elsewhere a no-op)."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    with connection.connection.pipeline():
        yield


def node_reader() -> NodeReader:
    return tlog_tiles.node_reader_from_tiles(read_tile)


def state() -> LogState:
    return LogState.objects.get(pk=STATE_ID)


def size() -> int:
    """The tree size of the current checkpoint; 0 before the sequencer's first step."""
    return LogState.objects.filter(pk=STATE_ID).values_list("size", flat=True).first() or 0


def signed_checkpoint() -> bytes:
    data = LogState.objects.filter(pk=STATE_ID).values_list("signed_checkpoint", flat=True).first()
    return bytes(data) if data else b""


# -- entries ---------------------------------------------------------------------------


def _bundle_rows(indices: Iterable[int]) -> dict[int, tuple[int, bytes]]:
    """{bundle index: (count, uncompressed bundle)} of the stored bundles asked for."""
    return _unpack(EntryBundle.objects.filter(index__in=set(indices))
                   .values_list("index", "count", "data"))


def _unpack(rows: Iterable[tuple[int, int, bytes]]) -> dict[int, tuple[int, bytes]]:
    """Rows of EntryBundle uncompressed, archived ones (empty data) read from the archive."""
    found, archived = {}, []
    for index, count, data in rows:
        if data:
            found[index] = (count, zlib.decompress(data))
        else:
            archived.append(index)
    found.update((index, (WIDTH, bundle)) for index, bundle in
                 archive.read_bundles(archived).items())
    return found


def leaf_tile(bundle: bytes) -> bytes:
    """The level-0 tile of the same number and width as an (uncompressed) entry bundle."""
    return b"".join(leaf_hash(item) for item in decode_bundle(bundle))


def _leaf_tiles(indices: Iterable[int]) -> dict[int, bytes]:
    """{index: level-0 tile} for the bundles asked for that are stored: the widest
    version of each, as for a stored tile."""
    return {number: leaf_tile(bundle) for number, (_count, bundle) in
            _bundle_rows(indices).items()}


def _first(bundle: bytes, width: int) -> bytes:
    """The first `width` entries of an uncompressed bundle, still as a bundle."""
    position = 0
    for _ in range(width):
        position += 2 + int.from_bytes(bundle[position:position + 2], "big")
    return bundle[:position]


def entry_bundle(index: int, width: int) -> bytes:
    """`tile/entries/<index>` of width `width`: its first `width` entries."""
    return entry_bundles([(index, width)])[index]


def entry_bundles(wanted: Iterable[tuple[int, int]]) -> dict[int, bytes]:
    """{index: bundle} for each (index, width) asked for, from one query; LookupError if
    the log does not hold one of them."""
    wanted = dict(wanted)
    rows = _bundle_rows(wanted)
    found = {}
    for index, width in wanted.items():
        if index not in rows or rows[index][0] < width:
            raise LookupError("entries not in the log")
        count, bundle = rows[index]
        found[index] = bundle if count == width else _first(bundle, width)
    return found




def entries(indices: Iterable[int]) -> dict[int, bytes]:
    """{log index: entry} of the entries asked for that the log holds."""
    wanted = set(indices)
    found = {}
    for number, (_count, bundle) in _bundle_rows(i // WIDTH for i in wanted).items():
        for offset, data in enumerate(decode_bundle(bundle)):
            if number * WIDTH + offset in wanted:
                found[number * WIDTH + offset] = data
    return found


def entry(index: int) -> bytes | None:
    return entries([index]).get(index)


def all_entries(start: int = 0) -> Iterator[tuple[int, bytes]]:
    """(index, entry) of every entry from `start` on, in order, a bundle at a time."""
    number = start // WIDTH
    while True:
        rows = list(EntryBundle.objects.filter(index__gte=number).order_by("index")
                    .values_list("index", "count", "data")[:64])
        bundles = _unpack(rows)
        for number, _count, _data in rows:
            for offset, item in enumerate(decode_bundle(bundles[number][1])):
                if number * WIDTH + offset >= start:
                    yield number * WIDTH + offset, item
        if len(rows) < 64:
            return
        number += 1


def open_bundle(size: int) -> bytes:
    """The entries of the last, partial bundle of a log of `size` entries (b"" if the
    last bundle is full), as a bundle: what append_entries continues."""
    return _open_part(size, _bundle_rows([size // WIDTH]) if size % WIDTH else {})


def _open_part(size: int, bundles: dict[int, tuple[int, bytes]]) -> bytes:
    number, offset = divmod(size, WIDTH)
    if not offset:
        return b""
    found = bundles.get(number)
    if found is None or found[0] != offset:
        raise LookupError(f"entry bundle {number} does not hold {offset} entries")
    return found[1]


def append_entries(first: int, encoded: list[bytes], head: bytes | None = None) -> None:
    """Store entries `first`, `first + 1`, … (the sequencer, in its transaction): the
    last bundle (`head`, from open_bundle, read here if not given) is completed, then new
    bundles written, each row compressed once."""
    if not encoded:
        return
    number, offset = divmod(first, WIDTH)
    head = open_bundle(first) if head is None else head
    rows, position = [], 0
    while position < len(encoded):
        take = encoded[position:position + WIDTH - offset]
        data = head + encode_bundle(take)
        rows.append(EntryBundle(index=number, count=offset + len(take),
                                data=zlib.compress(data, COMPRESSION_LEVEL)))
        position += len(take)
        number, offset, head = number + 1, 0, b""
    EntryBundle.objects.bulk_create(rows, update_conflicts=True, unique_fields=["index"],
                                    update_fields=["count", "data"])


def save_tiles(tiles: dict[tuple[int, int], bytes]) -> None:
    """Insert or widen the given tiles (the sequencer, in its transaction); level-0
    tiles follow from the entry bundles, stored by append_entries."""
    Tile.objects.bulk_create(
        [Tile(level=level, index=index, data=data) for (level, index), data in tiles.items()
         if level],
        update_conflicts=True, unique_fields=["level", "index"], update_fields=["data"],
    )


# -- log indices of declarations and revocations -----------------------------------------

# Rows per UPDATE statement with scattered ids: small enough for SQLite's limit of
# 32,766 parameters.
ROWS_PER_STATEMENT = 1000


def _table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model: type, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def set_log_indices(model: type, ids: list[int], first: int, extra: dict | None = None,
                    guard: str = "") -> Callable[[], int]:
    """Give rows `ids` (ascending) the log indices `first`, `first + 1`, …, and set the
    columns of `extra` ({field: value}) in the same statement; returns a function that
    tells how many rows were updated (in a pipelined() block, once it has ended).
    `guard` (SQL from code, never from input) must hold for a row to be updated: the
    caller compares the count to see that no row changed meanwhile.

    A run of consecutive ids, the usual case, takes one UPDATE … WHERE id BETWEEN, with
    the index computed from the id; scattered ids take UPDATE … FROM (VALUES …), which
    SQLite and PostgreSQL both understand and both name the columns of VALUES column1,
    column2. Either costs far less than bulk_update's CASE expressions or a statement
    per row.
    """
    table, key, log_index = _table(model), _column(model, "id"), _column(model, "log_index")
    extra = extra or {}
    # The names come from the model, never from input.
    assignments = "".join(f", {_column(model, name)} = %s" for name in extra)
    condition = f" AND {guard}" if guard else ""
    values = [model._meta.get_field(name).get_db_prep_value(value, connection)
              for name, value in extra.items()]  # e.g. a status as its code
    scattered: list[tuple[int, int]] = []  # (id, log index)
    by_range = (f"UPDATE {table} SET {log_index} = {key} + %s{assignments} "  # noqa: S608
                f"WHERE {key} BETWEEN %s AND %s{condition}")
    done = []  # the driver's cursors, whose row counts are known once the results are
    for start, end in runs(ids):
        if end - start >= MIN_RUN:
            offset = first + start - ids[start]
            with connection.cursor() as cursor:
                cursor.execute(by_range, [offset, *values, ids[start], ids[end - 1]])
                done.append(cursor.cursor)
        else:
            scattered += ((ids[i], first + i) for i in range(start, end))
    for start in range(0, len(scattered), ROWS_PER_STATEMENT):
        chunk = scattered[start:start + ROWS_PER_STATEMENT]
        rows = ", ".join(["(%s, %s)"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {log_index} = v.column2{assignments} "  # noqa: S608
                f"FROM (VALUES {rows}) AS v WHERE {table}.{key} = v.column1{condition}",
                [*values, *(value for row in chunk for value in row)],
            )
            done.append(cursor.cursor)
    if connection.vendor != "postgresql":  # a cursor that runs the next statement forgets
        counts = [cursor.rowcount for cursor in done]
        return lambda: sum(counts)
    return lambda: sum(cursor.rowcount for cursor in done)


def delete_rows(model: type, column: str, ids: list[int]) -> None:
    """Delete the rows whose `column` is one of `ids` (ascending): a statement per run of
    consecutive ids, lists of ids for the rest."""
    table, key = _table(model), _column(model, column)
    scattered: list[int] = []
    with connection.cursor() as cursor:
        for start, end in runs(ids):
            if end - start >= MIN_RUN:
                cursor.execute(f"DELETE FROM {table} WHERE {key} BETWEEN %s AND %s",  # noqa: S608
                               [ids[start], ids[end - 1]])
            else:
                scattered += ids[start:end]
        for start in range(0, len(scattered), ROWS_PER_STATEMENT):
            chunk = scattered[start:start + ROWS_PER_STATEMENT]
            cursor.execute(f"DELETE FROM {table} WHERE {key} IN "  # noqa: S608
                           f"({', '.join(['%s'] * len(chunk))})", chunk)


MIN_RUN = 32  # consecutive ids worth a statement of their own


def runs(ids: list[int]) -> list[tuple[int, int]]:
    """[start, end) positions of the runs of consecutive values in ascending `ids`."""
    runs, start = [], 0
    for i in range(1, len(ids) + 1):
        if i == len(ids) or ids[i] != ids[i - 1] + 1:
            runs.append((start, i))
            start = i
    return runs
