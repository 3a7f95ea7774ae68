"""The claims sheet edited as it streams: exact headers and formats, the block replaced on a re-run,
filters, tables and the filter name grown, text as text, names and formats."""

from __future__ import annotations

import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet.table import Table
from python_calamine import CalamineWorkbook

from xl_claims.batch import process_files
from xl_claims.core.table import COMPUTED_HEADERS
from xl_claims.workbook.formats import money_format, sheet_reference, sheet_title

MONEY = "[$USD] #,##0.00;-[$USD] #,##0.00;[$USD] 0.00"


def claims_workbook(path, *, table=False, autofilter=False, extra_header="Notes"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Claims"
    sheet.append(["Claim ID", "Part", "Issue", extra_header])
    sheet.append(["C-1", "Weapon (small)", "Breakage", "n1"])
    sheet.append(["C-2", "Weapon (large)", "Painting", "n2"])
    for cell in sheet[1]:
        cell.font = Font(name="Arial", bold=True)
    if table:
        sheet.add_table(Table(displayName="Claims", ref="A1:D3"))
    if autofilter:
        sheet.auto_filter.ref = "A1:D3"
    workbook.save(path)
    return path


def processed(tmp_path, source, name="out.xlsx", policy=None, **options):
    from xl_claims.core.policy import load_policy

    result = process_files(
        [source], policy=policy or load_policy(), output=tmp_path / name, force=True, **options
    )
    assert result.errors == []
    return result, load_workbook(tmp_path / name)["Claims"]


def test_headers_values_and_number_formats(tmp_path):
    result, sheet = processed(tmp_path, claims_workbook(tmp_path / "c.xlsx"))
    assert result.files[0].warnings == []
    assert [c.value for c in sheet[1]] == ["Claim ID", "Part", "Issue", "Notes", *COMPUTED_HEADERS]
    assert [c.value for c in sheet[2]][4:10] == ["High", 1, 5, 5, "Partial refund", "OK"]
    assert sheet["J3"].value == "REVIEW" and sheet["H3"].value is None  # no number: no cell
    assert sheet["F2"].number_format == "0%"
    assert (sheet["G2"].number_format, sheet["H2"].number_format) == (MONEY, MONEY)
    longest = max(len(sheet.cell(r, 11).value) for r in (2, 3))
    assert sheet.column_dimensions["K"].width >= longest  # no explanation is cut by its neighbour


def test_computed_headers_take_the_input_headers_style_with_its_named_font(tmp_path):
    _, sheet = processed(tmp_path, claims_workbook(tmp_path / "c.xlsx"))
    assert (sheet["E1"].font.name, sheet["E1"].font.b) == ("Arial", True)


def test_an_unstyled_header_gets_a_bold_font_with_the_workbooks_font_name(tmp_path):
    workbook = Workbook()
    workbook.active.title = "Claims"
    workbook.active.append(["Part", "Issue"])
    workbook.active.append(["Weapon (small)", "Breakage"])
    workbook.save(tmp_path / "plain.xlsx")
    _, sheet = processed(tmp_path, tmp_path / "plain.xlsx")
    assert (sheet["C1"].font.name, sheet["C1"].font.b) == ("Calibri", True)
    with zipfile.ZipFile(tmp_path / "out.xlsx") as archive:
        styles = archive.read("xl/styles.xml").decode()
    assert "<font><b/></font>" not in styles and '<font><b val="1"/></font>' not in styles


def test_rerun_replaces_the_block_instead_of_adding_one(tmp_path):
    first, _ = processed(tmp_path, claims_workbook(tmp_path / "c.xlsx"), "once.xlsx")
    second, sheet = processed(tmp_path, tmp_path / "once.xlsx", "twice.xlsx")
    assert sheet.max_column == 4 + 8
    assert [c.value for c in sheet[1]][4:] == list(COMPUTED_HEADERS)
    assert second.counts == first.counts and second.total == first.total
    assert load_workbook(tmp_path / "twice.xlsx").sheetnames == ["Claims", "Summary"]


def test_autofilter_and_its_hidden_name_grow_over_the_new_columns(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Claims"
    for row in (["Part", "Issue"], ["Weapon (small)", "Breakage"]):
        sheet.append(row)
    sheet.auto_filter.ref = "A1:B2"
    workbook.save(tmp_path / "f.xlsx")
    with zipfile.ZipFile(tmp_path / "f.xlsx") as archive:  # the name Excel writes with a filter
        parts = {i.filename: archive.read(i) for i in archive.infolist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"</sheets>",
        b'</sheets><definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" '
        b'hidden="1">Claims!$A$1:$B$2</definedName></definedNames>',
    )
    with zipfile.ZipFile(tmp_path / "g.xlsx", "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    _, sheet = processed(tmp_path, tmp_path / "g.xlsx")
    assert sheet.auto_filter.ref == "A1:J2"
    with zipfile.ZipFile(tmp_path / "out.xlsx") as archive:
        assert b">Claims!$A$1:$J$2</definedName>" in archive.read("xl/workbook.xml")


def test_table_is_extended_with_one_column_per_computed_header(tmp_path):
    result, sheet = processed(tmp_path, claims_workbook(tmp_path / "c.xlsx", table=True))
    table = sheet.tables["Claims"]
    assert result.files[0].warnings == []
    assert table.ref == "A1:L3"
    names = [c.name for c in table.tableColumns]
    assert names == ["Claim ID", "Part", "Issue", "Notes", *COMPUTED_HEADERS]
    assert [c.id for c in table.tableColumns] == list(range(1, 13))


def test_table_with_an_input_column_named_like_a_computed_one_is_left_alone(tmp_path):
    source = claims_workbook(tmp_path / "c.xlsx", table=True, extra_header="Resolution")
    result, sheet = processed(tmp_path, source)
    assert sheet.tables["Claims"].ref == "A1:D3"
    assert result.files[0].warnings == [
        "Excel table 'Claims' was not extended to the computed columns: it already has a column "
        "named 'Resolution'; rename that input column (e.g. 'Customer choice') to have them "
        "inside the table."
    ]
    assert sheet["E1"].value == "Applied grade"  # the columns are still written


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1+1"])
def test_strings_that_look_like_formulas_are_saved_as_text(tmp_path, text):
    workbook = Workbook()
    workbook.active.title = "Claims"
    workbook.active.append(["Claim ID", "Part", "Issue"])
    workbook.active.append(["C-1", "Weapon (small)", "Breakage"])
    workbook.active["B2"].value = text
    workbook.active["B2"].data_type = "s"
    workbook.save(tmp_path / "t.xlsx")
    processed(tmp_path, tmp_path / "t.xlsx")
    with zipfile.ZipFile(tmp_path / "out.xlsx") as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name), name
    summary = load_workbook(tmp_path / "out.xlsx")["Summary"]
    found = [c for row in summary.iter_rows() for c in row if c.value == text]
    assert found and all(c.data_type == "s" for c in found)
    calamine = CalamineWorkbook.from_path(tmp_path / "out.xlsx").get_sheet_by_name("Claims")
    assert calamine.to_python()[1][1] == text


def test_money_formats_name_the_currency_code():
    assert money_format("USD") == MONEY
    assert money_format("eur") == "[$EUR] #,##0.00;-[$EUR] #,##0.00;[$EUR] 0.00"


def test_sheet_title_is_valid_for_excel_and_references_quote_the_name():
    assert sheet_title("claims [week 11]: a/b*?") == "claims _week 11__ a_b__"
    assert len(sheet_title("x" * 40)) == 31
    assert sheet_reference("Bob's claims", "A5") == "'Bob''s claims'!A5"
    assert sheet_reference("Claims", "$A$1:$A$3") == "'Claims'!$A$1:$A$3"
