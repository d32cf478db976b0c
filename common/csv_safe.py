"""CSV files that staff and customers open in a spreadsheet, safe from formula injection.

A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by
Excel, LibreOffice and Google Sheets: a customer's free text such as `=cmd|' /C calc'!A0` would run
on the machine of whoever opens the file. As OWASP's "CSV Injection" guidance says, such a cell is
written with a single quote in front, which spreadsheets show as text. Every CSV the project writes
goes through `csv_writer` (grep for `csv.writer` outside this module: there should be none).

Numbers (int, float, Decimal; not bool) are written as they are: they come from our own figures,
and a negative number must stay a number. Everything else is text and is neutralised.
"""

import csv
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """The value to write in a cell: text that a spreadsheet would read as a formula gets a leading '."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class SafeCsvWriter:
    """csv.writer whose every cell goes through `csv_cell`."""

    def __init__(self, stream, **kwargs: Any):
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream, **kwargs: Any) -> SafeCsvWriter:
    """A writer for a CSV file people will open in a spreadsheet (same arguments as csv.writer)."""
    return SafeCsvWriter(stream, **kwargs)
