"""CSV files the service writes, safe to open in a spreadsheet.

A cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return, which some
spreadsheets skip before looking) is read as a formula by Excel, LibreOffice and
Google Sheets: a helper's `ref` of `=HYPERLINK(…)` echoed into an import report would
run when the report is opened. Such text cells get a leading apostrophe, which makes
the spreadsheet show the text as it was (OWASP's advice for CSV injection). Numbers are
written as they are; a negative number is not a formula.
"""

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """The value as it is safe to write into a cell. A sign alone is no formula: the open
    data writes "-" for "not given", and it stays as it is."""
    if isinstance(value, str) and len(value) > 1 and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class Writer:
    """`csv.writer`, with every text cell passed through `cell` first."""

    def __init__(self, out, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out, **options: Any) -> Writer:
    """A CSV writer for `out` (any `csv.writer` options) that neutralizes formulas."""
    return Writer(out, **options)
