"""workbook/tables.py: typed cells as a user sees them in the file (read back with openpyxl)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl

from xl_claims.workbook.tables import MAX_CELL_CHARS, Money, Sheet, Text, write_tables


def test_cells_keep_their_kind_format_and_text_stays_text(tmp_path):
    rows = [
        ['=HYPERLINK("http://x","C1")', Money(Decimal("1234.50"), "EUR"), dt.date(2026, 3, 14)],
        [Text("Total", bold=True), Money(Decimal("-5.00"), "USD", bold=True), 7],
        ["x" * (MAX_CELL_CHARS + 10), None, dt.datetime(2026, 3, 14, 9, 30)],
    ]
    path = write_tables(tmp_path / "t.xlsx", [Sheet("Lines", rows, ("Text", "Amount", "When"))])
    sheet = openpyxl.load_workbook(path)["Lines"]
    formula_like = sheet["A2"]
    assert (formula_like.value, formula_like.data_type) == ('=HYPERLINK("http://x","C1")', "s")
    assert (sheet["B2"].value, sheet["B2"].number_format) == (
        1234.5,
        "[$EUR] #,##0.00;-[$EUR] #,##0.00;[$EUR] 0.00",
    )
    assert (sheet["C2"].value, sheet["C2"].number_format) == (
        dt.datetime(2026, 3, 14),
        "yyyy-mm-dd",
    )
    assert (sheet["A3"].value, sheet["A3"].font.b, sheet["B3"].font.b) == ("Total", True, True)
    assert sheet["C3"].value == 7
    cut = sheet["A4"].value
    assert len(cut) == MAX_CELL_CHARS and cut.endswith(
        "… (cut: longer than Excel allows in a cell)"
    )
    assert sheet["C4"].number_format == "yyyy-mm-dd hh:mm:ss"


def test_a_table_sheet_has_a_frozen_bold_filtered_header_and_prints_landscape(tmp_path):
    rows = ([f"C-{n}", n] for n in range(3))  # a generator: rows are written as they come
    sheets = [
        Sheet("Summary", [["Total", 3]], widths=(30, 10)),
        Sheet("Claims", rows, ("Claim ID", "Row"), (14, 6)),
        Sheet("By part", [["Weapon", 1]], ("Part", "Lines"), filtered=False),
    ]
    workbook = openpyxl.load_workbook(write_tables(tmp_path / "t.xlsx", sheets))
    claims = workbook["Claims"]
    assert [c.value for c in claims[1]] == ["Claim ID", "Row"]
    assert all(c.font.b for c in claims[1])
    assert (claims.freeze_panes, claims.auto_filter.ref, claims.print_title_rows) == (
        "A2",
        "A1:B4",
        "$1:$1",  # printed: the header row on every page
    )
    assert workbook["By part"].freeze_panes == "A2" and workbook["By part"].auto_filter.ref is None
    summary = workbook["Summary"]
    assert summary.freeze_panes is None and summary["A1"].value == "Total"
    for sheet in workbook.worksheets:
        assert sheet.page_setup.orientation == "landscape"
        # one page wide (1 is the schema's default, which XlsxWriter leaves out), any height
        assert (sheet.page_setup.fitToWidth or 1, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert round(summary.column_dimensions["A"].width) == 31  # 30 characters, as Excel pads them
