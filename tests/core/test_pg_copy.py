"""common.pg_copy: COPY's text format, and rows streamed into a PostgreSQL table."""

import pytest
from django.db import connection

from common.db import is_postgresql
from common.pg_copy import copy_field, copy_from, copy_line, copy_text


def test_fields_in_copy_text_format():
    assert copy_field(None) == "\\N"
    assert copy_field(True) == "t" and copy_field(False) == "f"
    assert copy_field(42) == "42"
    assert copy_field("a\\b\tc\nd\re") == "a\\\\b\\tc\\nd\\re"
    assert copy_line(("x", None, 1)) == "x\t\\N\t1\n"


@pytest.mark.postgres
@pytest.mark.django_db
def test_text_and_rows_reach_the_table():
    if not is_postgresql():
        pytest.skip("COPY is PostgreSQL's: set DATABASE_URL to a PostgreSQL database.")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE copy_probe (id integer, label text, flag boolean)")
        copy_text(cursor.cursor, "copy_probe", ["id", "label", "flag"], copy_line((1, "two\tlines\n", True)))
        copy_text(cursor.cursor, "copy_probe", ["id", "label", "flag"], "")  # nothing to write: no statement
        with copy_from(cursor.cursor, "copy_probe", ["id", "label"]) as copy:
            copy.write_row((2, None))
        cursor.execute("SELECT id, label, flag FROM copy_probe ORDER BY id")
        assert cursor.fetchall() == [(1, "two\tlines\n", True), (2, None, None)]
