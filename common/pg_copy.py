"""PostgreSQL's COPY FROM STDIN through psycopg 3: values in COPY's text format, and rows streamed into a table."""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql


def copy_field(value: Any) -> str:
    """One field in COPY's text format: \\N for NULL, t/f for booleans, backslash escapes for the separators."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    text = value if isinstance(value, str) else str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def copy_line(values: Iterable[Any]) -> str:
    """One row in COPY's text format, its newline included."""
    return "\t".join(copy_field(value) for value in values) + "\n"


@contextmanager
def copy_from(cursor: psycopg.Cursor, table: str, columns: Sequence[str]) -> Iterator[psycopg.Copy]:
    """`COPY table (columns) FROM STDIN` on a psycopg cursor (a Django cursor's `.cursor`): write rows
    with `write_row` (psycopg adapts the values) or text already in COPY's format with `write`."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(column) for column in columns)
    )
    with cursor.copy(statement) as copy:
        yield copy


def copy_text(cursor: psycopg.Cursor, table: str, columns: Sequence[str], text: str | bytes) -> None:
    """Stream text already in COPY's format (lines from `copy_line`, or a COPY TO's output) into a table."""
    if not text:
        return
    with copy_from(cursor, table, columns) as copy:
        copy.write(text.encode() if isinstance(text, str) else text)
