"""The cases issue 9 lists as failing or refused before the package editor: each must work."""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

from tests.ooxml import package_problems
from xl_claims.batch import process_files
from xl_claims.core.table import COMPUTED_HEADERS


def run(policy, source: Path, out: Path, **options):
    return process_files([source], policy=policy, output=out, **options)


def values(path: Path, sheet: str = "Claims") -> list[list[object]]:
    return CalamineWorkbook.from_path(path).get_sheet_by_name(sheet).to_python()


def test_data_beyond_column_512_is_kept_and_the_block_goes_after_it(tmp_path, policy):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Claims"
    sheet.append(["Claim ID", "Part", "Issue"])
    sheet.append(["C-1", "Weapon (small)", "Breakage"])
    sheet.cell(1, 600, "Notes far right")
    for column in range(4, 601, 7):
        sheet.cell(2, column, f"v{column}")
    workbook.save(tmp_path / "wide.xlsx")
    result = run(policy, tmp_path / "wide.xlsx", tmp_path / "out.xlsx")
    assert result.errors == []
    before, after = values(tmp_path / "wide.xlsx"), values(tmp_path / "out.xlsx")
    assert [row[:600] for row in after] == before  # no input cell overwritten
    assert after[0][600:608] == list(COMPUTED_HEADERS)  # columns 601-608
    assert after[1][603] == 5


def test_a_600_column_csv_keeps_every_field(tmp_path, policy):
    header = ["Claim ID", "Part", "Issue", *[f"Extra {n}" for n in range(4, 601)]]
    row = ["C-1", "Weapon (small)", "Breakage", *[f"x{n}" for n in range(4, 601)]]
    (tmp_path / "wide.csv").write_text(",".join(header) + "\n" + ",".join(row) + "\n")
    result = run(policy, tmp_path / "wide.csv", tmp_path / "out.xlsx")
    assert result.errors == []
    after = values(tmp_path / "out.xlsx", "wide")
    assert after[1][:600] == row
    assert after[0][600:608] == list(COMPUTED_HEADERS)


def test_data_reaching_the_last_column_is_refused_naming_it(tmp_path, policy):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Part", "Issue"])
    sheet.append(["Weapon (small)", "Breakage"])
    sheet.cell(2, 16_381, "near the end")
    workbook.save(tmp_path / "full.xlsx")
    result = run(policy, tmp_path / "full.xlsx", tmp_path / "out.xlsx")
    assert result.errors[0][1] == (
        "full.xlsx: sheet 'Sheet': no room for the 8 computed columns right of the data (it "
        "reaches column XFA; a sheet ends at XFD); move the claims to a narrower sheet."
    )
    assert not (tmp_path / "out.xlsx").exists()


def test_a_tables_totals_row_is_no_claim_line_and_stays_its_last_row(tmp_path, policy):
    book = xlsxwriter.Workbook(str(tmp_path / "totals.xlsx"))
    sheet = book.add_worksheet("Claims")
    data = [["C-1", "Weapon (small)", "Breakage", 2], ["C-2", "Weapon (large)", "Breakage", 1]]
    sheet.add_table(
        "A1:D4",
        {
            "data": data,
            "total_row": True,
            "columns": [
                {"header": "Claim ID", "total_string": "Total"},
                {"header": "Part"},
                {"header": "Issue"},
                {"header": "Qty", "total_function": "sum"},
            ],
        },
    )
    book.close()
    result = run(policy, tmp_path / "totals.xlsx", tmp_path / "out.xlsx")
    assert result.errors == [] and result.exit_code(strict=True) == 0
    assert result.counts["OK"] == 2 and result.counts["ERROR"] == 0
    assert result.total == Decimal("25.00")  # 10.00 + 15.00; the totals row is not a line
    sheet = load_workbook(tmp_path / "out.xlsx")["Claims"]
    table = sheet.tables["Table1"]
    assert table.ref == "A1:L4" and table.totalsRowCount == 1
    assert [sheet.cell(4, c).value for c in range(5, 13)] == [None] * 8
    assert package_problems(tmp_path / "out.xlsx") == []


def test_computed_headers_in_another_order_are_recognised_and_replaced(tmp_path, policy):
    """A processed workbook whose block a user reordered, with a stale Resolution = Return: the
    block is found and rewritten in place, never read as the customer's choice."""
    shuffled = [
        "Status",
        "Resolution",
        "Refund",
        "Applied grade",
        "Policy version",
        "Refund rate",
        "Explanation",
        "Part max value",
    ]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Claims"
    sheet.append(["Claim ID", "Part", "Issue", "Qty", *shuffled])
    lines = [
        ("C-1", "Weapon (large)", "Breakage", 1),
        ("C-2", "Head sculpt w/ special functions", "Breakage", 1),
        ("C-3", "Weapon (small)", "Breakage", 2),
    ]
    for line in lines:
        sheet.append([*line, "REVIEW", "Return", None, None, "old", None, "stale", None])
    workbook.save(tmp_path / "reordered.xlsx")
    result = run(policy, tmp_path / "reordered.xlsx", tmp_path / "out.xlsx")
    assert result.errors == []
    assert result.counts["OK"] == 3 and result.counts["REVIEW"] == 0
    assert result.total == Decimal("65.00")  # 15 + 40 + 10
    out = load_workbook(tmp_path / "out.xlsx")["Claims"]
    assert out.max_column == 12  # no second block
    assert [c.value for c in out[1]][4:] == shuffled  # in the user's order, in place
    assert [out.cell(r, 5).value for r in (2, 3, 4)] == ["OK"] * 3
    assert [out.cell(r, 6).value for r in (2, 3, 4)] == ["Partial refund"] * 3


def test_a_merged_range_never_hides_the_computed_values(tmp_path, policy):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Claims"
    sheet.append(["Claim ID", "Part", "Issue", "Notes"])
    sheet.append(["C-1", "Weapon (small)", "Breakage", "a long note merged right"])
    sheet.merge_cells("D2:H2")
    sheet.merge_cells("D1:F1")  # a header merged across several columns is read, not refused
    workbook.save(tmp_path / "merged.xlsx")
    result = run(policy, tmp_path / "merged.xlsx", tmp_path / "out.xlsx")
    assert result.errors == []
    out = load_workbook(tmp_path / "out.xlsx")["Claims"]
    assert out["I1"].value == "Applied grade" and out["L2"].value == 5  # after the merge's end
    assert {str(r) for r in out.merged_cells.ranges} == {"D2:H2", "D1:F1"}


def test_a_merge_over_an_existing_block_is_refused_naming_it(tmp_path, policy):
    run(policy, _claims(tmp_path / "in.xlsx"), tmp_path / "once.xlsx")
    workbook = load_workbook(tmp_path / "once.xlsx")
    workbook["Claims"].merge_cells("C2:F2")
    workbook.save(tmp_path / "merged.xlsx")
    result = run(policy, tmp_path / "merged.xlsx", tmp_path / "out.xlsx")
    assert result.errors[0][1] == (
        "merged.xlsx: sheet 'Claims': the merged range C2:F2 covers the computed columns D:K; "
        "unmerge it and run again."
    )


def test_an_xlsm_without_a_vba_project_stays_xlsm(tmp_path, policy):
    source = _claims(tmp_path / "plain.xlsx")
    (tmp_path / "plain.xlsm").write_bytes(source.read_bytes())
    result = process_files([tmp_path / "plain.xlsm"], policy=policy, output_dir=tmp_path / "out")
    assert result.errors == [] and result.files[0].output == tmp_path / "out" / "plain.xlsm"
    with zipfile.ZipFile(tmp_path / "out" / "plain.xlsm") as archive:
        types = archive.read("[Content_Types].xml")
    assert b"application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
    assert load_workbook(tmp_path / "out" / "plain.xlsm", keep_vba=True)["Claims"]["F2"].value == 5


def test_a_csv_field_longer_than_an_excel_cell_is_an_error_line_naming_the_cell(tmp_path, policy):
    long_note = "n" * 40_000
    (tmp_path / "long.csv").write_text(
        f"Claim ID,Part,Issue,Notes\nC-1,Weapon (small),Breakage,{long_note}\n"
        "C-2,Weapon (small),Breakage,short\n"
    )
    result = run(policy, tmp_path / "long.csv", tmp_path / "out.xlsx")
    assert result.errors == [] and result.counts["ERROR"] == 1 and result.counts["OK"] == 1
    sheet = load_workbook(tmp_path / "out.xlsx")["long"]
    assert sheet["J2"].value == "ERROR"
    assert sheet["K2"].value == (
        "Cell D2 holds 40,000 characters; an Excel cell holds at most 32,767, so it was cut in "
        "the output: shorten it in the CSV. [rule error.invalid-value]"
    )
    assert len(sheet["D2"].value) == 32_767


def test_part_and_qty_written_as_formulas_give_the_same_result_on_every_run(tmp_path, policy):
    book = xlsxwriter.Workbook(str(tmp_path / "formulas.xlsx"))
    sheet = book.add_worksheet("Claims")
    sheet.write_row(0, 0, ["Claim ID", "Part", "Issue", "Qty"])
    sheet.write(1, 0, "C-1")
    sheet.write_formula(1, 1, '="Weapon"&" (small)"', None, "Weapon (small)")
    sheet.write(1, 2, "Breakage")
    sheet.write_formula(1, 3, "=1+1", None, 2)
    book.close()
    first = run(policy, tmp_path / "formulas.xlsx", tmp_path / "once.xlsx")
    second = run(policy, tmp_path / "once.xlsx", tmp_path / "twice.xlsx")
    assert first.total == second.total == Decimal("10.00")
    assert second.counts == first.counts and first.counts["OK"] == 1
    assert load_workbook(tmp_path / "twice.xlsx")["Claims"]["D2"].value == "=1+1"


def _claims(path: Path) -> Path:
    workbook = Workbook()
    workbook.active.title = "Claims"
    workbook.active.append(["Part", "Issue", "Qty"])
    workbook.active.append(["Weapon (small)", "Breakage", 1])
    workbook.save(path)
    return path


def test_merged_claim_ids_are_filled_down_as_the_one_reading_rule_does(tmp_path, policy):
    """The batch reads merged cells by the rule of ``core.rows.claim_rows`` (what reconciliation
    and the button use): the lines below a merged claim id take its top-left value."""
    from xl_claims.workbook.read import read_claims

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Claims"
    sheet.append(["Claim ID", "Order", "Part", "Issue"])
    sheet.append(["T-1", "SO-1", "Weapon (small)", "Breakage"])
    sheet.append([None, None, "Weapon (large)", "Breakage"])
    sheet.append([None, None, "Weapon (small)", "Breakage"])  # the same claim and part again
    sheet.append(["T-2", "SO-2", "Weapon (small)", "Breakage"])
    sheet.merge_cells("A2:B4")  # claim id and order merged down, over two columns
    workbook.save(tmp_path / "merged.xlsx")
    result = process_files([tmp_path / "merged.xlsx"], policy=policy, output=tmp_path / "o.xlsx")
    by_batch = [(line.row, line.claim_id, line.status) for line in result.iter_lines()]
    by_rule = [
        (row.row, row.values["claim_id"]) for row in read_claims(tmp_path / "merged.xlsx").rows
    ]
    assert by_batch == [
        (2, "T-1", "OK"),
        (3, "T-1", "OK"),
        (4, "T-1", "DUPLICATE"),
        (5, "T-2", "OK"),
    ]
    assert [(r, c) for r, c, _ in by_batch] == by_rule


def test_a_sheet_written_with_a_namespace_prefix_gets_prefixed_cells(tmp_path, policy):
    """Some producers write ``<x:worksheet xmlns:x=...>``, ``<x:row>``, ``<x:c>``: the computed
    cells must be in the same namespace, or they are no cells at all."""
    source = _claims(tmp_path / "plain.xlsx")
    with zipfile.ZipFile(source) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = re.sub(r"<(/?)(?!\?)([A-Za-z]+)", r"<\1x:\2", sheet)
    sheet = sheet.replace('<x:worksheet xmlns="', '<x:worksheet xmlns:x="')
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(tmp_path / "prefixed.xlsx", "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    result = run(policy, tmp_path / "prefixed.xlsx", tmp_path / "out.xlsx")
    assert result.errors == [] and result.total == Decimal("5.00")
    with zipfile.ZipFile(tmp_path / "out.xlsx") as archive:
        written = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<c " not in written and "<x:c " in written
    assert load_workbook(tmp_path / "out.xlsx")["Claims"]["F2"].value == 5
    assert package_problems(tmp_path / "out.xlsx") == []
