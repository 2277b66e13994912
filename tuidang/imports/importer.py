"""Batch import of a helper's declarations from CSV or JSON Lines (docs/import.md).

Shared by `manage.py import_declarations` and the helpers' upload page. The file is read
by imports/files.py; here its declarations are checked by the web form's rules
and stored in batches, one transaction per batch, and if a batch fails, one transaction
per declaration, so a bad line never takes a good one down with it.

Checking is the costly part, so it is done by `check_batch` (imports/checks.py),
with the one schema of a declaration (registry/schema.py), on plain data, in worker
processes for a large file (the importing process reads, keeps the order-dependent state,
words the errors exactly as the web form and the API do, and writes).

Importing the same file twice counts no one twice: every imported declaration carries
an import key, a keyed hash of the helper and the line's `ref` (if given) or of its
canonical public content, and a line whose key exists is skipped.
"""

import io
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tuidang.imports.checks import (  # noqa: F401 (the API of imports)
    Context,
    Ready,
    canonical_content,
    check_batch,
    check_in_worker,
    default_workers,
    import_key,
    ready,
    short_digest,
    start_worker,
)
from tuidang.imports.files import (  # noqa: F401 (the API of imports)
    ENCODING_NAMES,
    FORMATS,
    CsvReader,
    ImportFileError,
    Item,
    JsonLinesReader,
    detect_encoding,
    format_for,
    reader_message,
)
from tuidang.intake import bulk
from tuidang.registry import schema
from tuidang.registry.choices import Channel
from tuidang.registry.models import Declaration
from tuidang.registry.schema_messages import message

BATCH_SIZE = 1000  # declarations per transaction

# -- importing -------------------------------------------------------------------------


@dataclass
class Rejection:
    line: int
    last_line: int
    ref: str
    problems: list[tuple[int, str, str]]  # (line, field, reason)


@dataclass
class Outcome:
    format: str
    encoding: str
    dry_run: bool
    imported: int = 0
    rejected: int = 0
    skipped: int = 0
    lines: int = 0

    @property
    def encoding_name(self) -> str:
        return ENCODING_NAMES.get(self.encoding, self.encoding)

    def summary(self) -> str:
        values = {"imported": self.imported, "rejected": self.rejected, "skipped": self.skipped}
        if self.dry_run:
            return _("dry run, nothing stored: would import %(imported)d, rejected "
                     "%(rejected)d, skipped %(skipped)d already imported") % values
        return _("imported %(imported)d, rejected %(rejected)d, skipped %(skipped)d "
                 "already imported") % values


def _where(item: Item, error: schema.FieldError) -> tuple[int, str]:
    """The line and the field (a CSV column, or a JSON path) of an error."""
    path = error.path
    if item.csv_lines and len(path) >= 2 and path[0] == "persons" and isinstance(path[1], int):
        return item.csv_lines[path[1]], ".".join(str(p) for p in path[2:])
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
    return item.line, text


class Importer:
    def __init__(
        self,
        helper: AbstractBaseUser,
        *,
        dry_run: bool = False,
        on_rejected: Callable[[Rejection], None] | None = None,
        on_imported: Callable[[int, str, str], None] | None = None,  # line, ref, code
        on_skipped: Callable[[int, str], None] | None = None,  # line, ref
        progress: Callable[[int, int], None] | None = None,  # lines read, lines in all
        batch_size: int = BATCH_SIZE,
        workers: int | None = 0,  # worker processes; None: default_workers(lines)
    ) -> None:
        self.helper = helper
        self.dry_run = dry_run
        self.on_rejected = on_rejected or (lambda rejection: None)
        self.on_imported = on_imported or (lambda line, ref, code: None)
        self.on_skipped = on_skipped or (lambda line, ref: None)
        self.progress = progress or (lambda lines, total: None)
        self.batch_size = batch_size
        self.workers = workers
        self.refs: dict[int, int] = {}  # ref → its first line, to refuse a ref used twice
        self.contents: dict[int, int] = {}  # content → how many lines had it so far

    def run(self, binary: BinaryIO, fmt: str) -> Outcome:
        encoding, lines = detect_encoding(binary)
        outcome = Outcome(fmt, encoding, self.dry_run, lines=lines)
        text = io.TextIOWrapper(binary, encoding=encoding, newline="")
        try:
            reader = CsvReader(text) if fmt == "csv" else JsonLinesReader(text)
            self.context = Context(getattr(reader, "layout", None),
                                   bulk.Intake.now(Channel.IMPORT, self.helper))
            workers = default_workers(lines) if self.workers is None else self.workers
            with bulk.large_cache():
                if workers:
                    self._run_pool(reader, lines, outcome, workers)
                else:
                    for batch in self._batches(reader, outcome):
                        self._finish(batch, check_batch(self.context, self._payload(batch)),
                                     outcome)
                        self.progress(reader.lines_read, lines)
        finally:
            text.detach()  # the caller's file stays open
        return outcome

    def _run_pool(self, reader, lines: int, outcome: Outcome, workers: int) -> None:
        # Fork: the workers start at once with what they need; they never use the
        # database connection they inherit (checking is plain computation). A worker
        # that dies breaks the pool (BrokenProcessPool): the import stops, and what was
        # committed stays committed, as after any crash.
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                   initializer=start_worker, initargs=(self.context,))
        pending: deque = deque()
        try:
            for batch in self._batches(reader, outcome):
                pending.append((batch, pool.submit(check_in_worker, self._payload(batch))))
                if len(pending) > 2 * workers:  # bounded memory: a few batches in flight
                    done, future = pending.popleft()
                    self._finish(done, future.result(), outcome)
                    self.progress(reader.lines_read, lines)
            while pending:
                done, future = pending.popleft()
                self._finish(done, future.result(), outcome)
                self.progress(reader.lines_read, lines)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _batches(self, reader, outcome: Outcome) -> Iterator[list[Item]]:
        """Items to check, batch by batch; lines refused before checking are reported."""
        batch: list[Item] = []
        for item in reader:
            if item.ref:
                self._check_ref(item)
            if item.csv_rows is None and item.problems:
                self._reject(item, outcome)
                continue
            batch.append(item)
            if len(batch) >= self.batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def _check_ref(self, item: Item) -> None:
        for problem in schema.ref_errors(item.ref):
            item.problem(item.line, "ref", problem)
        first = self.refs.setdefault(short_digest(item.ref), item.line)
        if first != item.line:
            item.problem(item.line, "ref", _(
                "This ref is already used on line %(line)d; the lines of one declaration "
                "must follow each other.") % {"line": first})

    @staticmethod
    def _payload(batch: list[Item]) -> list[tuple]:
        return [(item.csv_lines, item.csv_rows, item.ref, item.data) for item in batch]

    def _reject(self, item: Item, outcome: Outcome) -> None:
        outcome.rejected += 1
        self.on_rejected(Rejection(item.line, item.last_line, item.ref, item.problems))

    def _finish(self, batch: list[Item], results: list[tuple], outcome: Outcome) -> None:
        """Turn checked items into rejections or rows (in file order), and store."""
        good: list[tuple[Item, Ready]] = []
        for item, (kind, value) in zip(batch, results, strict=True):
            if kind == "problems":
                item.problems[:0] = [(line, name, reader_message(code))
                                     for line, name, code in value]
            if item.problems:  # the ref's problems, or the reader's
                self._reject(item, outcome)
                continue
            if kind == "ok":
                *parts, content, short, key = value
                value = Ready(bulk.Prepared(*parts), content, short, key)
            elif kind == "invalid":
                for error in value:
                    worded = message(error)
                    item.problem(*_where(item, schema.FieldError(tuple(error["loc"]), worded)),
                                 worded)
            if kind == "entry":
                item.problem(item.line, "", _("The public log cannot hold this "
                                              "declaration: %(error)s") % {"error": value})
            if kind != "ok":
                self._reject(item, outcome)
                continue
            if not item.ref:
                occurrence = self.contents.get(value.short, 0) + 1
                self.contents[value.short] = occurrence
                if occurrence > 1:
                    key = import_key(self.context.intake.helper_id, "", value.content,
                                     occurrence, self.context.intake.key)
                    value.prepared.row[bulk.IMPORT_KEY] = key
                    value = Ready(value.prepared, value.content, value.short, key)
            good.append((item, value))
        self._store(good, outcome)

    def _store(self, good: list[tuple[Item, Ready]], outcome: Outcome) -> None:
        if not good:
            return
        existing = bulk.existing_import_keys([r.key for _i, r in good])
        if existing:
            for item, _ready in good:
                if _ready.key in existing:
                    outcome.skipped += 1
                    self.on_skipped(item.line, item.ref)
            good = [(item, r) for item, r in good if r.key not in existing]
        if self.dry_run:
            outcome.imported += len(good)
            return
        try:
            with transaction.atomic():
                bulk.store([r.prepared for _item, r in good])
        except IntegrityError:  # another import of the same lines at the same moment
            for item, r in good:
                self._store_one(item, r, outcome)
            return
        outcome.imported += len(good)
        for item, r in good:
            self.on_imported(item.line, item.ref, r.prepared.code)

    def _store_one(self, item: Item, r: Ready, outcome: Outcome) -> None:
        try:
            with transaction.atomic():
                bulk.store([r.prepared])
        except IntegrityError:
            if not Declaration.objects.filter(import_key=r.key).exists():
                raise
            outcome.skipped += 1
            self.on_skipped(item.line, item.ref)
            return
        outcome.imported += 1
        self.on_imported(item.line, item.ref, r.prepared.code)


def describe(problem: tuple[int, str, str], rejection: Rejection) -> str:
    """One problem as a line of the report: 'line 5 (ref A7): organizations: …'."""
    line, name, reason = problem
    where = _("line %(line)d") % {"line": line}
    if rejection.last_line != rejection.line:
        where += " " + _("(declaration on lines %(first)d–%(last)d)") % {
            "first": rejection.line, "last": rejection.last_line}
    if rejection.ref:
        where += " " + _("(ref %(ref)s)") % {"ref": rejection.ref}
    return f"{where}: {name}: {reason}" if name else f"{where}: {reason}"


REPORT_COLUMNS = ("line", "first_line", "last_line", "ref", "field", "reason")


def report_rows(rejection: Rejection) -> Iterator[list]:
    for line, name, reason in rejection.problems:
        yield [line, rejection.line, rejection.last_line, rejection.ref, name, reason]


RECEIPT_COLUMNS = ("line", "ref", "receipt_code")
