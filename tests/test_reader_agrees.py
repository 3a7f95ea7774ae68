"""The streaming reader against python-calamine, an independent reader, on every sheet of the
real workbooks: shared and inline strings (CDATA, ``_x000D_``, phonetic runs), rich text,
prefixed namespaces, numbers, booleans, errors, cached formula results, 1900 and 1904 dates."""

from __future__ import annotations

import datetime as dt
import math
import zipfile

import pytest
from python_calamine import CalamineWorkbook

from tests.test_corpus import corpus_files
from xl_claims.core.errors import WorkbookError
from xl_claims.workbook.read import iter_sheet_rows, read_sheet_rows

#: Where the two readers differ on purpose (kept short, each with its reason).
KNOWN = {
    # calamine reads the 1900 system's serials 1-59 one day later than Excel shows them (no
    # phantom 1900-02-29); ours reads them as Excel and openpyxl do.
    "sheetjs/1900.xlsx",
    "openpyxl/date_1900.xlsx",
}


ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}


def same(ours: object, theirs: object) -> bool:
    """Equal values; and where calamine loses something on purpose-free grounds, ours is kept:
    error values (calamine gives ''), spaces at a row's end (ours ends the row), a negative serial
    in a time format (Excel shows ####, calamine a time, ours the number)."""
    if ours is None or ours == "":
        return theirs is None or (isinstance(theirs, str) and not theirs.strip())
    if ours in ERRORS:
        return theirs in ("", ours)
    if isinstance(ours, int | float) and isinstance(theirs, dt.time | dt.timedelta) and ours < 0:
        return True
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return bool(ours) == bool(theirs) and type(theirs) in (bool, int, float)
    if isinstance(ours, int | float) and isinstance(theirs, int | float):
        return math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(ours, dt.datetime) and isinstance(
        theirs, dt.datetime | dt.date | dt.time | dt.timedelta
    ):
        if isinstance(theirs, dt.datetime):
            return abs((ours - theirs).total_seconds()) < 0.002
        if isinstance(theirs, dt.date):
            return ours.date() == theirs and ours.time() == dt.time()
        return True  # a time or a duration: calamine gives no date to compare
    if isinstance(ours, str) and isinstance(theirs, str):
        return ours.strip() == theirs.strip()  # calamine trims some texts (gnumeric's)
    return str(ours) == str(theirs)


def test_our_reader_and_calamine_agree_on_every_corpus_sheet(corpus):
    compared, differences = 0, []
    for name in corpus_files(corpus):
        path = corpus / name
        if name in KNOWN or path.stat().st_size > 2_000_000 or not zipfile.is_zipfile(path):
            continue
        try:
            theirs = CalamineWorkbook.from_path(path)
            ours = dict(iter_sheet_rows(path))
        except (WorkbookError, Exception) as exc:
            if isinstance(exc, WorkbookError) or type(exc).__module__.startswith("python_calamine"):
                continue
            raise
        for sheet in theirs.sheet_names:
            if sheet not in ours:
                continue
            try:
                grid = theirs.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            except Exception:
                continue
            mine = ours[sheet]
            for r in range(max(len(grid), len(mine))):
                row_t = grid[r] if r < len(grid) else []
                row_o = mine[r] if r < len(mine) else []
                for c in range(max(len(row_t), len(row_o))):
                    a = row_o[c] if c < len(row_o) else None
                    b = row_t[c] if c < len(row_t) else None
                    if not same(a, b):
                        differences.append(
                            f"{name} {sheet!r} R{r + 1}C{c + 1}: ours {a!r}, calamine {b!r}"
                        )
            compared += 1
    assert differences[:20] == []
    assert compared >= 150


@pytest.mark.parametrize(
    ("name", "sheet", "row", "column", "value"),
    [
        ("calamine/nonstandard-xml-ns-prefix.xlsx", None, 2, 2, 3),
        ("calamine/inlineStr_cdata.xlsx", None, 1, 1, "Hello CDATA"),
        ("calamine/date_1904.xlsx", None, 2, 1, dt.datetime(2021, 1, 2)),
        ("calamine/date.xlsx", None, 1, 1, dt.datetime(2021, 1, 1)),
    ],
)
def test_cells_that_need_care_read_as_their_value(corpus, name, sheet, row, column, value):
    _sheet, rows = read_sheet_rows(corpus / name, sheet)
    assert rows[row - 1][column - 1] == value
