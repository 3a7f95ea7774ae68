"""Reading claim sheets the way exports really come: title rows, header variants, merges, text."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.styles import Font

from xl_claims.core.errors import WorkbookError
from xl_claims.core.table import COMPUTED_HEADERS
from xl_claims.workbook.read import read_claims, read_sheet_rows

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"


def save(path, rows, title="Claims"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_messy_export_header_below_title_rows_on_the_second_sheet():
    claims = read_claims(SAMPLES / "weekly-export-messy.xlsx")
    assert claims.sheet == "Export 2026-W11"
    assert claims.header_row == 4
    assert claims.match.columns["order"] == 1  # "Order\nNo."
    assert claims.match.columns["value_override"] == 7  # "Value\u00a0override"
    assert claims.match.columns["replacement"] == 8  # "Spare part available?"
    assert claims.last_column == 13
    assert [r.row for r in claims.rows] == list(range(5, 16))


def test_merged_claim_id_order_and_date_are_filled_down_but_not_other_fields():
    rows = {r.row: r for r in read_claims(SAMPLES / "weekly-export-messy.xlsx").rows}
    for number in (6, 7):
        assert rows[number].values["claim_id"] == "T-2001"
        assert rows[number].values["order"] == "SO-6001"
        assert rows[number].values["date"] == "03/09/2026"
    assert rows[6].values["part"] == "Weapon (small)"
    assert rows[7].values["value_override"] is None


def test_blank_row_is_kept_and_flagged():
    rows = {r.row: r for r in read_claims(SAMPLES / "weekly-export-messy.xlsx").rows}
    assert rows[9].blank is True
    assert set(rows[9].values.values()) == {None}
    assert not rows[10].blank


def test_numbers_as_text_stay_text_and_formula_cells_give_their_cached_value():
    claims = read_claims(SAMPLES / "weekly-export-messy.xlsx")
    rows = {r.row: r for r in claims.rows}
    assert rows[8].values["price"] == "1,441.20"
    assert rows[10].values["value_override"] == "$21.83"
    assert rows[14].values["quantity"] == 1  # =3-2, cached value 1
    assert claims.has_formulas is True
    assert rows[12].values["part"] == '=HYPERLINK("http://example.com","x")'


def test_clean_export_reads_dates_and_numbers_as_cells():
    claims = read_claims(SAMPLES / "weekly-export.xlsx")
    first = claims.rows[0]
    assert (claims.sheet, claims.header_row, first.row) == ("Claims", 1, 2)
    assert first.values["date"] == dt.datetime(2026, 3, 9)
    assert first.values["price"] == 189
    assert len(claims.rows) == 16 and not claims.has_formulas


def test_csv_export_semicolons_and_sheet_named_after_the_file():
    claims = read_claims(SAMPLES / "weekly-export.csv")
    assert (claims.sheet, claims.header_row) == ("weekly-export", 1)
    assert claims.rows[0].values["part"] == "Weapon (large)"
    assert claims.rows[0].values["issue"] == "Structural breakage"  # header "Defect"
    assert claims.rows[1].values["grade"] == "Medium"  # header "Quality grade"
    assert claims.rows[0].values["grade"] is None  # empty cell
    assert len(claims.rows) == 6


def test_missing_required_headers_names_file_sheet_found_and_expected(tmp_path):
    path = save(tmp_path / "orders.xlsx", [["Order", "Customer", "Amount"], ["1", "x", 3]])
    with pytest.raises(WorkbookError) as caught:
        read_claims(path)
    assert str(caught.value) == (
        "orders.xlsx: sheet 'Claims': no header row with the needed columns in the first 30 rows; "
        "found headers: 'Order', 'Customer', 'Amount'; expected a part column (Part, Accessory, "
        "Component, Part name) and an issue column (Issue, Issue type, Quality issue, Problem, "
        "Defect, Reason) "
        "or a grade column (Grade, Severity, Quality grade)."
    )


def test_map_adds_a_header_spelling(tmp_path):
    path = save(tmp_path / "x.xlsx", [["Figure piece", "Issue"], ["Weapon (small)", "Breakage"]])
    claims = read_claims(path, header_map={"part": ["Figure piece"]})
    assert claims.rows[0].values == {"part": "Weapon (small)", "issue": "Breakage"}


def test_sheet_option_and_unknown_sheet(tmp_path):
    workbook = Workbook()
    workbook.active.title = "A"
    workbook.active.append(["Part", "Issue"])
    workbook.active.append(["Weapon (small)", "Breakage"])
    other = workbook.create_sheet("B")
    other.append(["Part", "Grade"])
    other.append(["Weapon (large)", "High"])
    workbook.save(tmp_path / "two.xlsx")
    assert read_claims(tmp_path / "two.xlsx", sheet="b").rows[0].values["grade"] == "High"
    with pytest.raises(WorkbookError) as caught:
        read_claims(tmp_path / "two.xlsx", sheet="C")
    assert str(caught.value) == "two.xlsx: no sheet named 'C'; its sheets are: A, B."


def test_empty_sheet_is_a_clear_error(tmp_path):
    workbook = Workbook()
    workbook.save(tmp_path / "empty.xlsx")
    with pytest.raises(WorkbookError) as caught:
        read_claims(tmp_path / "empty.xlsx")
    assert str(caught.value) == "empty.xlsx: every sheet is empty; export the claims again."


def test_computed_columns_already_on_file_are_read_as_stored_values(tmp_path):
    headers = ["Part", "Issue", *COMPUTED_HEADERS]
    row = ["Weapon (small)", "Breakage", "High", 1, 5, 5, "Partial refund", "OK", "x", "AS-2026.1"]
    claims = read_claims(save(tmp_path / "done.xlsx", [headers, row]))
    stored = claims.rows[0].stored
    assert stored["Refund"] == 5 and stored["Status"] == "OK"
    assert claims.last_column == 2  # the computed columns are not input data


def test_a_sheet_formatted_to_the_last_cell_is_read_by_its_data(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Part", "Issue"])
    sheet.append(["Weapon (small)", "Breakage"])
    sheet.cell(1048576, 16384).font = Font(bold=True)  # dimension A1:XFD1048576
    workbook.save(tmp_path / "huge.xlsx")
    start = time.perf_counter()
    claims = read_claims(tmp_path / "huge.xlsx")
    _name, rows = read_sheet_rows(tmp_path / "huge.xlsx")
    assert time.perf_counter() - start < 10
    assert len(claims.rows) == 1 and claims.last_column == 2
    assert rows == [["Part", "Issue"], ["Weapon (small)", "Breakage"]]


def test_read_sheet_rows_generic_table_with_cached_formula_values():
    name, rows = read_sheet_rows(SAMPLES / "weekly-export-messy.xlsx", sheet="Export 2026-W11")
    assert name == "Export 2026-W11"
    assert rows[0][0] == "Helpdesk claims export"
    assert rows[2] == [None] * 13  # blank row 3 keeps its place
    assert rows[13][6] == 1  # G14 =3-2 → cached 1
    assert len(rows) == 15


def test_read_sheet_rows_csv():
    name, rows = read_sheet_rows(SAMPLES / "weekly-export.csv")
    assert name == "weekly-export"
    assert rows[0][:3] == ["RMA", "Order ID", "Date"]
    assert rows[1][9] == "$120.00"


def test_csv_that_is_binary_is_refused(tmp_path):
    path = tmp_path / "claims.csv"
    path.write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(WorkbookError) as caught:
        read_claims(path)
    assert str(caught.value) == (
        "claims.csv: not a text CSV file (binary content); export the claims as CSV or .xlsx."
    )


def test_a_shared_string_repeated_into_gigabytes_is_refused(tmp_path, monkeypatch, policy):
    from xl_claims.batch import lines, process_files

    monkeypatch.setattr(lines, "MAX_TEXT_CHARS", 10_000)
    long_text = "x" * 1000
    path = save(
        tmp_path / "amplified.xlsx", [["Claim ID", "Part", "Issue"]] + [[long_text, "B", "C"]] * 11
    )
    result = process_files([path], policy=policy, output=tmp_path / "out.xlsx")
    assert result.errors == [
        (
            str(path),
            "amplified.xlsx: refused: its cells hold more than 10,000 characters of text (a shared "
            "string repeated in many cells); ask the sender for a clean export.",
        )
    ]
    assert not (tmp_path / "out.xlsx").exists()
    assert read_sheet_rows(path)[1][1] == [long_text, "B", "C"]  # plain reading is not affected
