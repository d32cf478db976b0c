"""Every CSV the project writes is safe to open in a spreadsheet (OWASP "CSV Injection")."""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from common.csv_safe import FORMULA_PREFIXES, csv_cell, csv_writer

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES)
def test_a_cell_a_spreadsheet_would_run_starts_with_a_quote(prefix):
    assert csv_cell(f"{prefix}cmd|' /C calc'!A0") == f"'{prefix}cmd|' /C calc'!A0"


def test_other_cells_are_written_as_they_are():
    assert csv_cell("=cmd|' /C calc'!A0 in the middle"[3:]) == "d|' /C calc'!A0 in the middle"
    assert csv_cell("Camille") == "Camille"
    assert csv_cell(" =1+1") == " =1+1"  # a leading space: read as text already
    assert csv_cell(None) == ""
    # Our own figures stay numbers, negative ones too; booleans are text.
    assert csv_cell(-5) == -5 and csv_cell(-1.5) == -1.5 and csv_cell(Decimal("-2.5")) == Decimal("-2.5")
    assert csv_cell(True) == "True"


def test_the_writer_neutralises_every_cell_and_stays_valid_csv():
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["=1+2", 'say "hi", then', "@SUM(A1)", -3, "\tx", "+33612345678"])
    writer.writerows([["-2+3", "plain"]])
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["'=1+2", 'say "hi", then', "'@SUM(A1)", "-3", "'\tx", "'+33612345678"], ["'-2+3", "plain"]]


def test_no_csv_is_written_without_the_helper():
    """csv.writer and csv.DictWriter appear only in common/csv_safe.py (tests read CSV, never write it)."""
    pattern = re.compile(r"csv\.(writer|DictWriter)\(")
    offenders = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "tests", "node_modules"} or relative == Path("common/csv_safe.py"):
            continue
        if pattern.search(path.read_text(encoding="utf-8", errors="replace")):
            offenders.append(str(relative))
    assert offenders == []
