"""Reading import files: encodings, CSV lines grouped into declarations, JSON Lines.

A file is read as a stream: its encoding is found first (UTF-8 with or without BOM,
else GB18030), then its lines become Items, each one declaration. A CSV item keeps its
raw cells; `CsvLayout.data` turns them into an API-shaped declaration later, possibly
in a worker process (imports/importer.py), so it returns problem codes, not texts: the
texts are translated where the report is made.
"""

import codecs
import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _

from tuidang.registry.schema import PERSON_FIELDS, STATEMENT_FIELDS, text_year

FORMATS = ("csv", "jsonl")
EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
DECLARATION_FIELDS = STATEMENT_FIELDS
CSV_COLUMNS = ("ref", *PERSON_FIELDS, *DECLARATION_FIELDS)
REQUIRED_COLUMNS = ("display_name", "organizations")
ENCODING_NAMES = {"utf-8-sig": "UTF-8 with BOM", "utf-8": "UTF-8", "gb18030": "GB18030"}

_YES = {"1", "yes", "y", "true", "x", "是", "真"}
_NO = {"", "0", "no", "n", "false", "否", "假"}
_ORGANIZATION_WORDS = {
    "party": "party", "中共": "party", "党": "party", "黨": "party", "共产党": "party",
    "共產黨": "party", "league": "league", "共青团": "league", "共青團": "league",
    "团": "league", "團": "league", "pioneers": "pioneers", "少先队": "pioneers",
    "少先隊": "pioneers", "队": "pioneers", "隊": "pioneers",
}
_ORGANIZATION_SEPARATORS = re.compile(r"[\s,;/|、，；]+")
# Problems found while shaping CSV cells, by code (see reader_message).
YES_NO, DIFFERENT_VALUES = "yes-no", "different-values"


def reader_message(code: str) -> str:
    if code == YES_NO:
        return _("Write yes or no (or leave it empty).")
    return _("The lines of one declaration give different values here; "
             "give it on its first line only.")


class ImportFileError(Exception):
    """The file as a whole cannot be imported (encoding, format, header)."""


def format_for(name: str, given: str | None = None) -> str:
    if given:
        if given not in FORMATS:
            raise ImportFileError(_("Unknown format %(format)s.") % {"format": given})
        return given
    found = EXTENSIONS.get(Path(name).suffix.lower())
    if found is None:
        raise ImportFileError(_("Name the file .csv or .jsonl, or give its format."))
    return found


def _count_lines(binary: BinaryIO, encoding: str) -> int | None:
    """Newlines in the file if it decodes strictly with `encoding`, else None."""
    binary.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    lines = 0
    try:
        while chunk := binary.read(1 << 20):
            decoder.decode(chunk)
            lines += chunk.count(b"\n")  # 0x0A is never part of a UTF-8 or GB18030 sequence
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return lines


def detect_encoding(binary: BinaryIO) -> tuple[str, int]:
    """(codec, newline count): UTF-8 with BOM, UTF-8, else GB18030; tried strictly."""
    binary.seek(0)
    candidates = ["utf-8-sig"] if binary.read(3) == codecs.BOM_UTF8 else ["utf-8", "gb18030"]
    for encoding in candidates:
        lines = _count_lines(binary, encoding)
        if lines is not None:
            binary.seek(0)
            return encoding, lines
    raise ImportFileError(_("The file is neither UTF-8 nor GB18030 text."))


@dataclass
class Item:
    """One declaration as read from the file, before validation."""

    line: int  # its first line (CSV: the spreadsheet's row number, the header is 1)
    last_line: int
    ref: str = ""
    data: dict | None = None  # shaped like an API item (None: CSV cells not shaped yet)
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # line, field, reason
    csv_rows: list[list[str]] | None = None  # the cells of each person's line
    csv_lines: list[int] | None = None  # and its number (blank lines are skipped)

    def problem(self, line: int, name: str, reason: str) -> None:
        self.problems.append((line, name, str(reason)))


def _yes_no(text: str) -> bool | None:
    value = text.strip().lower()
    return True if value in _YES else False if value in _NO else None


def _organizations(text: str) -> list[str]:
    words = [w for w in _ORGANIZATION_SEPARATORS.split(text.strip()) if w]
    return [_ORGANIZATION_WORDS.get(w.lower(), w) for w in words]


_CASES = {"region": str.lower, "country": str.upper, "sector": str.lower,
          "birth_year": text_year}


@dataclass(frozen=True)
class CsvLayout:
    """Where each column is; shapes a declaration's rows of cells (plain data only, so
    it can be sent to a worker process)."""

    width: int
    ref: int | None
    persons: tuple[tuple[str, int], ...]  # person fields given, and their column
    declaration: tuple[tuple[str, int], ...]

    @classmethod
    def from_header(cls, columns: list[str]) -> "CsvLayout":
        index = {name: i for i, name in enumerate(columns) if name}
        return cls(len(columns), index.get("ref"),
                   tuple((n, index[n]) for n in PERSON_FIELDS if n in index),
                   tuple((n, index[n]) for n in DECLARATION_FIELDS if n in index))

    def data(self, lines: list[int], rows: list[list[str]]
             ) -> tuple[dict, list[tuple[int, str, str]]]:
        """(API-shaped item, problems as (line, field, code)) for one declaration."""
        problems = []
        persons = []
        for line, cells in zip(lines, rows, strict=True):
            person = {}
            for name, i in self.persons:
                value = cells[i]
                if name == "is_real_name":
                    real = _yes_no(value)
                    if real is None:
                        problems.append((line, name, YES_NO))
                    value = bool(real)
                elif name == "organizations":
                    value = _organizations(value)
                elif name in _CASES:
                    value = _CASES[name](value.strip())
                person[name] = value
            if "is_real_name" not in person:
                person["is_real_name"] = False
            persons.append(person)
        data: dict = {"persons": persons}
        for name, i in self.declaration:
            if len(rows) == 1:
                data[name] = rows[0][i] if rows[0][i].strip() else ""
                continue
            given = [(line, cells[i]) for line, cells in zip(lines, rows, strict=True)
                     if cells[i].strip()]
            if len({value for _line, value in given}) > 1:
                problems.append((given[1][0], name, DIFFERENT_VALUES))
            data[name] = given[0][1] if given else ""
        for name in DECLARATION_FIELDS:
            data.setdefault(name, "")
        return data, problems


class CsvReader:
    """One line per person; consecutive lines with the same `ref` form one declaration."""

    def __init__(self, text: io.TextIOBase) -> None:
        self.reader = csv.reader(text)
        try:
            header = next(self.reader)
        except StopIteration:
            raise ImportFileError(_("The file is empty.")) from None
        except csv.Error as exc:
            raise ImportFileError(_("The header line is not valid CSV: %(error)s")
                                  % {"error": exc}) from None
        columns = [name.strip().lower() for name in header]
        named = [name for name in columns if name]
        unknown = [name for name in named if name not in CSV_COLUMNS]
        if unknown:
            raise ImportFileError(_("Unknown columns: %(names)s. The columns are: %(known)s.")
                                  % {"names": ", ".join(unknown), "known": ", ".join(CSV_COLUMNS)})
        if len(named) != len(set(named)):
            raise ImportFileError(_("A column appears twice in the header."))
        missing = [name for name in REQUIRED_COLUMNS if name not in named]
        if missing:
            raise ImportFileError(_("Missing columns: %(names)s.") % {"names": ", ".join(missing)})
        self.layout = CsvLayout.from_header(columns)

    @property
    def lines_read(self) -> int:
        return self.reader.line_num

    def _rows(self) -> Iterator[tuple[int, list[str] | None, str]]:
        """(row number, cells or None, reason) for each non-blank row."""
        width, reader = self.layout.width, self.reader
        row_number = 1
        while True:
            row_number += 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield row_number, None, _("Not valid CSV: %(error)s") % {"error": exc}
                continue
            if not "".join(row).strip():  # only blank cells
                continue
            if len(row) < width:
                row.extend([""] * (width - len(row)))
            elif len(row) > width and "".join(row[width:]).strip():
                yield row_number, None, _("This line has more cells than the header has columns.")
                continue
            yield row_number, row, ""

    def __iter__(self) -> Iterator[Item]:
        ref_at = self.layout.ref
        group: list[list[str]] = []
        lines: list[int] = []
        ref = ""
        for row_number, cells, reason in self._rows():
            if cells is None:
                if group:
                    yield Item(lines[0], lines[-1], ref, csv_rows=group, csv_lines=lines)
                    group, lines = [], []
                item = Item(row_number, row_number)
                item.problem(row_number, "", reason)
                yield item
                continue
            row_ref = cells[ref_at].strip() if ref_at is not None else ""
            if group and row_ref and row_ref == ref:
                group.append(cells)
                lines.append(row_number)
                continue
            if group:
                yield Item(lines[0], lines[-1], ref, csv_rows=group, csv_lines=lines)
            group, lines, ref = [cells], [row_number], row_ref
        if group:
            yield Item(lines[0], lines[-1], ref, csv_rows=group, csv_lines=lines)


# A declaration nests four deep (the object, its persons, a person, their organizations).
# Anything much deeper is refused on reading: deep values would otherwise reach the
# schema's error messages and the pickling that sends lines to the worker processes,
# which stops at Python's recursion limit.
MAX_DEPTH = 16


def _deeper_than(value: object, limit: int) -> bool:
    """Whether lists and objects nest in `value` more than `limit` deep (no recursion)."""
    level, depth = [value], 0
    while containers := [each for each in level if isinstance(each, list | dict)]:
        depth += 1
        if depth > limit:
            return True
        level = [child for each in containers
                 for child in (each.values() if isinstance(each, dict) else each)]
    return False


class JsonLinesReader:
    """One declaration object a line, shaped like the API's item."""

    def __init__(self, text: io.TextIOBase) -> None:
        self.text = text
        self.lines_read = 0

    def __iter__(self) -> Iterator[Item]:
        for number, raw in enumerate(self.text, start=1):
            self.lines_read = number
            if not raw.strip():
                continue
            item = Item(number, number)
            try:
                obj = json.loads(raw)
                if _deeper_than(obj, MAX_DEPTH):
                    raise RecursionError
            except RecursionError:
                item.problem(number, "", _("Not valid JSON: nested too deeply."))
                yield item
                continue
            except ValueError as exc:
                item.problem(number, "", _("Not valid JSON: %(error)s") % {"error": exc})
                yield item
                continue
            if not isinstance(obj, dict):
                item.problem(number, "", _("Each line must be a JSON object."))
                yield item
                continue
            ref = obj.pop("ref", None)
            item.ref = str(ref).strip() if isinstance(ref, str | int) else ""
            if ref is not None and not isinstance(ref, str | int):
                item.problem(number, "ref", _("Give the ref as text or a whole number."))
            item.data = obj  # checked by the schema, like every channel's
            yield item
