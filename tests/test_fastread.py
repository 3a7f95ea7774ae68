"""workbook/fastread.py: python-calamine reads what openpyxl reads, and a hostile sheet that would
make calamine allocate a huge grid (and abort the process) goes to the bounded reader instead."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xl_claims.core.values import is_blank
from xl_claims.workbook.fastread import grid_is_bounded, iter_tables, read_claim_rows
from xl_claims.workbook.read import read_claims

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"


def comparable(value: object) -> object:
    """openpyxl gives 2 and datetimes, calamine 2.0 and dates: the same cell either way."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    return value


@pytest.mark.parametrize(
    "name",
    ["weekly-export.xlsx", "weekly-export-messy.xlsx", "payments/claims-2026-03.xlsx",
     "weekly-export.csv"],
)  # fmt: skip
def test_claim_rows_are_the_ones_the_batch_reads(name):
    """Merged claim ids filled down, title rows, blank rows, numbers as text, formulas."""
    slow = read_claims(SAMPLES / name)
    fast = read_claim_rows(SAMPLES / name)
    assert (fast.sheet, fast.header_row) == (slow.sheet, slow.header_row)

    def rows(found):
        return [
            (r.row, {k: comparable(v) for k, v in r.values.items()},
             {k: comparable(v) for k, v in r.stored.items()})
            for r in found.rows
            if not r.blank
        ]  # fmt: skip

    read = rows(fast)  # the fast reader streams its rows: read them once
    assert read == rows(slow)
    assert len(read) > 5


def workbook_with_cells(path: Path, cells: dict[str, object]) -> Path:
    book = openpyxl.Workbook()
    for ref, value in cells.items():
        book.active[ref] = value
    book.save(path)
    return path


def test_a_far_corner_cell_is_read_without_a_huge_grid(tmp_path):
    """A1 and XFD1048576: calamine would need 17 billion cells (measured: "memory allocation of
    549755813888 bytes failed", the process aborted)."""
    cells = {"A1": "Refund ID", "B1": "Amount", "A2": "R1", "B2": 5, "XFD1048576": 1}
    path = workbook_with_cells(tmp_path / "far.xlsx", cells)
    assert not grid_is_bounded(path)
    ((name, table),) = list(iter_tables(path))
    assert (name, list(table.rows)) == ("Sheet", [(1, ["Refund ID", "Amount"]), (2, ["R1", 5])])


def test_cells_without_a_reference_count_against_the_width(tmp_path):
    """A row of cells that carry no ``r`` attribute widens the grid by one column each."""
    path = workbook_with_cells(tmp_path / "plain.xlsx", {"A1": "x"})
    assert grid_is_bounded(path)
    cells = "".join("<c><v>1</v></c>" for _ in range(3000))
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><sheetData><row r="1">{cells}</row>'
        '<row r="1000000"><c r="A1000000"><v>1</v></c></row></sheetData></worksheet>'
    )
    crafted = tmp_path / "crafted.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(crafted, "w") as target:
        for item in source.infolist():
            data = sheet.encode() if item.filename == "xl/worksheets/sheet1.xml" else None
            target.writestr(item, data if data is not None else source.read(item))
    assert not grid_is_bounded(crafted)


def test_a_claims_workbook_of_100_000_rows_stays_bounded(tmp_path):
    """The guard lets an honest sheet through to calamine (a row per claim line)."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Claims")
    sheet.append(["Claim ID", "Issue", "Part"])
    for number in range(100_000):
        sheet.append([f"C-{number}", "Breakage", "Weapon (large)"])
    book.save(tmp_path / "big.xlsx")
    assert grid_is_bounded(tmp_path / "big.xlsx")
    assert sum(1 for _ in read_claim_rows(tmp_path / "big.xlsx").rows) == 100_000
