"""Computed columns: exact headers and formats, filters and tables grown, text as text, atomic."""

from __future__ import annotations

import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.table import Table

from xl_claims.core.errors import OutputError
from xl_claims.core.table import COMPUTED_HEADERS
from xl_claims.workbook.formats import money_format
from xl_claims.workbook.read import read_claims
from xl_claims.workbook.write import (
    detect_losses,
    save_atomic,
    set_text,
    sheet_title,
    write_computed,
)

ROW = ("High", Decimal("1.00"), Decimal("5"), Decimal("10.00"), "Partial refund", "OK", "x", "V1")


def claims_workbook(path, *, table=False, autofilter=False, extra_header="Notes"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Claims"
    sheet.append(["Claim ID", "Part", "Issue", extra_header])
    sheet.append(["C-1", "Weapon (small)", "Breakage", "n1"])
    sheet.append(["C-2", "Weapon (large)", "Breakage", "n2"])
    if table:
        sheet.add_table(Table(displayName="Claims", ref="A1:D3"))
    if autofilter:
        sheet.auto_filter.ref = "A1:D3"
    workbook.save(path)
    return path


def write_into(path, rows=((2, ROW), (3, None))):
    claims = read_claims(path)
    workbook = load_workbook(path)
    start, warnings = write_computed(workbook["Claims"], claims, list(rows), "USD")
    save_atomic(workbook, path)
    return start, warnings, load_workbook(path)["Claims"]


def test_headers_values_and_number_formats(tmp_path):
    start, warnings, sheet = write_into(claims_workbook(tmp_path / "c.xlsx"))
    assert start == 5 and warnings == []
    assert [c.value for c in sheet[1]] == ["Claim ID", "Part", "Issue", "Notes", *COMPUTED_HEADERS]
    assert [c.value for c in sheet[2]][4:] == ["High", 1, 5, 10, "Partial refund", "OK", "x", "V1"]
    assert sheet["F2"].number_format == "0%"
    assert sheet["G2"].number_format == "[$USD] #,##0.00;-[$USD] #,##0.00;[$USD] 0.00"
    assert sheet["H2"].number_format == "[$USD] #,##0.00;-[$USD] #,##0.00;[$USD] 0.00"
    assert [c.value for c in sheet[3]][4:] == [None] * 8  # a row given None stays empty


def test_rerun_replaces_the_block_instead_of_adding_one(tmp_path):
    path = claims_workbook(tmp_path / "c.xlsx")
    write_into(path)
    changed = (
        "Low",
        Decimal("0.25"),
        Decimal("5"),
        Decimal("1.25"),
        "Partial refund",
        "OK",
        "y",
        "V1",
    )
    start, _, sheet = write_into(path, [(2, None), (3, changed)])
    assert start == 5 and sheet.max_column == 12
    assert [c.value for c in sheet[2]][4:] == [None] * 8
    assert [c.value for c in sheet[3]][4:] == [
        "Low",
        0.25,
        5,
        1.25,
        "Partial refund",
        "OK",
        "y",
        "V1",
    ]


def test_autofilter_is_extended_over_the_new_columns(tmp_path):
    _, _, sheet = write_into(claims_workbook(tmp_path / "c.xlsx", autofilter=True))
    assert sheet.auto_filter.ref == "A1:L3"


def test_table_is_extended_with_one_column_per_computed_header(tmp_path):
    _, warnings, sheet = write_into(claims_workbook(tmp_path / "c.xlsx", table=True))
    table = sheet.tables["Claims"]
    assert warnings == []
    assert table.ref == "A1:L3"
    assert [c.name for c in table.tableColumns] == [
        "Claim ID",
        "Part",
        "Issue",
        "Notes",
        *COMPUTED_HEADERS,
    ]
    assert [c.id for c in table.tableColumns] == list(range(1, 13))


def test_table_with_an_input_column_named_like_a_computed_one_is_left_alone(tmp_path):
    path = claims_workbook(tmp_path / "c.xlsx", table=True, extra_header="Resolution")
    _, warnings, sheet = write_into(path)
    assert sheet.tables["Claims"].ref == "A1:D3"
    assert warnings == [
        "Excel table 'Claims' was not extended to the computed columns: it already has a column "
        "named 'Resolution'; rename that input column (e.g. 'Customer choice') to have them "
        "inside the table."
    ]
    assert sheet["E1"].value == "Applied grade"  # the columns are still written


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1+1"])
def test_strings_that_look_like_formulas_are_saved_as_text(tmp_path, text):
    workbook = Workbook()
    set_text(workbook.active["A1"], text)
    save_atomic(workbook, tmp_path / "t.xlsx")
    with zipfile.ZipFile(tmp_path / "t.xlsx") as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml
    cell = load_workbook(tmp_path / "t.xlsx")["Sheet"]["A1"]
    assert (cell.value, cell.data_type) == (text, "s")


def test_save_atomic_leaves_the_old_file_and_no_temporary_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"old")
    workbook = Workbook()

    def broken_save(filename):
        with open(filename, "wb") as handle:
            handle.write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(workbook, "save", broken_save)
    with pytest.raises(OutputError) as error:
        save_atomic(workbook, target)
    assert str(error.value) == f"{target}: cannot write it: disk full."
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_money_formats_name_the_currency_code():
    assert money_format("USD") == "[$USD] #,##0.00;-[$USD] #,##0.00;[$USD] 0.00"
    assert money_format("eur") == "[$EUR] #,##0.00;-[$EUR] #,##0.00;[$EUR] 0.00"


def test_sheet_title_is_valid_for_excel():
    assert sheet_title("claims [week 11]: a/b*?") == "claims _week 11__ a_b__"
    assert len(sheet_title("x" * 40)) == 31


def add_parts(path, parts: dict[str, bytes]):
    with zipfile.ZipFile(path, "a") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def test_detect_losses_names_what_openpyxl_drops(tmp_path):
    path = claims_workbook(tmp_path / "c.xlsx")
    assert detect_losses(path) == []
    add_parts(
        path,
        {
            "xl/drawings/drawing1.xml": b'<xdr:wsDr><xdr:twoCellAnchor><xdr:sp macro="">'
            b"</xdr:sp></xdr:twoCellAnchor></xdr:wsDr>",
            "xl/worksheets/sheet9.xml": b"<worksheet><extLst><ext><x14:sparklineGroups>"
            b"<x14:sparklineGroup/></x14:sparklineGroups></ext></extLst></worksheet>",
            "xl/threadedComments/threadedComment1.xml": b"<ThreadedComments/>",
            "xl/ctrlProps/ctrlProp1.xml": b"<formControlPr/>",
        },
    )
    assert detect_losses(path) == [
        "shapes and text boxes",
        "sparklines",
        "threaded comments (their plain-note copies are kept)",
        "form controls (buttons, check boxes)",
    ]
    assert "form controls (buttons, check boxes)" not in detect_losses(path, keep_vba=True)


def test_sheet_level_names_stay_on_their_sheet_after_a_chart_sheet(tmp_path):
    workbook = Workbook()
    workbook.active.title = "Intro"
    chart = BarChart()
    claims = workbook.create_sheet("Claims")
    claims.append(["Part", "Issue"])
    chart.add_data(Reference(claims, min_col=1, min_row=1, max_row=2))
    workbook.create_chartsheet("Chart", 1).add_chart(chart)
    claims.print_area = "A1:B10"
    claims.auto_filter.ref = "A1:B1"
    save_atomic(workbook, tmp_path / "c.xlsx")
    with zipfile.ZipFile(tmp_path / "c.xlsx") as archive:
        xml = archive.read("xl/workbook.xml").decode()
    assert xml.count('localSheetId="2"') == 2 and 'localSheetId="1"' not in xml
    reloaded = load_workbook(tmp_path / "c.xlsx")
    assert reloaded["Claims"].print_area == "'Claims'!$A$1:$B$10"


def test_fast_cell_writer_saves_the_same_workbook_as_openpyxl(tmp_path):
    import datetime as dt

    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    values = [
        1, -7, 0, 10**15, 0.1 + 0.2, 21.83, -0.5, 1e-7, Decimal("40.00"), Decimal("0.25"),
        "plain", " padded ", "a & b < c > d", "line\nbreak", "ünïcødé ✓", "=not a formula",
        '"quoted"', "", True, dt.datetime(2026, 3, 9, 12, 30), dt.date(2026, 3, 9),
        "=SUM(A1:A3)", "#N/A",
    ]  # fmt: skip
    for row, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=1)
        if value == "=SUM(A1:A3)":
            cell.value = value  # a real formula
        else:
            set_text(cell, value)  # "=not a formula" stays text
        sheet.cell(row=row, column=2, value=None if isinstance(value, str) else value)
        if row % 3 == 0:
            cell.font = Font(bold=True)
            cell.number_format = "0.00"
    sheet["C1"].hyperlink = "https://example.com"
    sheet["C1"].value = "link"
    workbook.save(tmp_path / "openpyxl.xlsx")
    save_atomic(workbook, tmp_path / "fast.xlsx")

    def snapshot(path):
        ws = load_workbook(path)["Sheet"]
        return [
            (
                c.coordinate,
                c.value,
                c.data_type,
                c.number_format,
                c.font.b,
                c.hyperlink and c.hyperlink.target,
            )
            for row in ws.iter_rows()
            for c in row
        ]

    assert snapshot(tmp_path / "fast.xlsx") == snapshot(tmp_path / "openpyxl.xlsx")
    with zipfile.ZipFile(tmp_path / "fast.xlsx") as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert '<t xml:space="preserve"> padded </t>' in xml and "a &amp; b &lt; c &gt; d" in xml
