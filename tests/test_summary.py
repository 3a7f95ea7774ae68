"""The Summary sheet: run identity, exact totals, rows to check with links, text as text, chart."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from openpyxl import Workbook, load_workbook

from xl_claims.workbook.summary import (
    TITLE,
    FileInfo,
    Line,
    RunInfo,
    group_totals,
    replace_summary_sheet,
    status_totals,
    total_refund,
    write_summary,
)
from xl_claims.workbook.write import save_atomic

RUN = RunInfo(
    processed_at=dt.datetime(2026, 3, 16, 9, 30, tzinfo=dt.UTC),
    tool_version="9.9",
    policy_versions=("AS-2026.1",),
    currency="USD",
)


def line(row, part, status="OK", refund="0.10", grade="Low", issue="Breakage", claim="C-1"):
    return Line(
        file="in.xlsx",
        sheet="Claims",
        row=row,
        claim_id=claim,
        part=part,
        issue=issue,
        grade=grade,
        resolution="Partial refund" if refund else "",
        status=status,
        refund=None if refund is None else Decimal(refund),
        reason=f"reason {row}",
    )


LINES = [
    line(2, "Weapon (small)"),
    line(3, "Weapon (small)", refund="0.10"),
    line(4, "Weapon (large)", refund="0.10", grade="High"),
    line(5, "Weapon (large)", status="REVIEW", refund=None, grade="Depends"),
    line(6, '=HYPERLINK("http://evil","click")', status="ERROR", refund=None, grade=""),
    line(7, "Weapon (small)", status="DUPLICATE", refund=None),
    line(8, "Packaging box", status="NOT COVERED", refund="0.00", grade="", issue="Minor"),
]


def cells(sheet):
    return {
        (cell.row, cell.column): cell.value
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    }


def row_of(sheet, label):
    for row in sheet.iter_rows(min_col=1, max_col=1):
        if row[0].value == label:
            return row[0].row
    raise AssertionError(f"no row labelled {label!r}")


def written(tmp_path, lines=LINES, warnings=(), **kwargs):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Summary"
    files = [FileInfo(name="in.xlsx", sha256="ab" * 32, sheet="Claims", rows=len(lines))]
    write_summary(sheet, run=RUN, files=files, lines=lines, warnings=warnings, **kwargs)
    save_atomic(workbook, tmp_path / "s.xlsx")
    return load_workbook(tmp_path / "s.xlsx")["Summary"]


def test_tenths_add_up_exactly():
    lines = [line(n, "Weapon (small)", refund="0.10") for n in range(2, 12)]
    assert total_refund(lines) == Decimal("1.00")  # float would give 0.9999999999999999
    assert group_totals(lines, lambda x: x.part) == [("Weapon (small)", 10, Decimal("1.00"))]


def test_status_counts_include_duplicates_and_totals_leave_them_out():
    assert status_totals(LINES) == [
        ("OK", 3, Decimal("0.30")),
        ("REVIEW", 1, Decimal("0")),
        ("NOT COVERED", 1, Decimal("0.00")),
        ("ERROR", 1, Decimal("0")),
        ("DUPLICATE", 1, Decimal("0")),
    ]
    assert total_refund(LINES) == Decimal("0.30")
    by_grade = group_totals([x for x in LINES if x.status != "DUPLICATE"], lambda x: x.grade)
    assert by_grade == [
        ("Depends", 1, Decimal("0.00")),
        ("High", 1, Decimal("0.10")),
        ("Low", 2, Decimal("0.20")),
        ("(none)", 2, Decimal("0.00")),
    ]
    assert sum(amount for _, _, amount in by_grade) == total_refund(LINES)


def test_sheet_shows_run_identity_and_total_refund_right_of_its_label(tmp_path):
    sheet = written(tmp_path)
    values = cells(sheet)
    assert values[(1, 1)] == TITLE
    assert values[(row_of(sheet, "Input file"), 2)] == "in.xlsx"
    assert values[(row_of(sheet, "SHA-256"), 2)] == "ab" * 32
    assert values[(row_of(sheet, "Policy version"), 2)] == "AS-2026.1"
    assert values[(row_of(sheet, "Processed at"), 2)] == "2026-03-16 09:30:00 UTC"
    assert values[(row_of(sheet, "Tool version"), 2)] == "xl-claims 9.9"
    total = sheet.cell(row_of(sheet, "Total refund"), 2)
    assert (total.value, total.number_format) == (
        0.3,
        "[$USD] #,##0.00;-[$USD] #,##0.00;[$USD] 0.00",
    )


def test_every_group_table_sums_to_the_total(tmp_path):
    sheet = written(tmp_path)
    for label in ("Grade", "Part", "Issue", "Resolution"):
        start = row_of(sheet, label) + 1
        amounts = []
        row = start
        while sheet.cell(row, 1).value is not None:
            amounts.append(Decimal(str(sheet.cell(row, 3).value)))
            row += 1
        assert sum(amounts) == Decimal("0.30"), label
    part_rows = range(row_of(sheet, "Part") + 1, row_of(sheet, "Part") + 5)
    assert [sheet.cell(r, 1).value for r in part_rows] == [
        '=HYPERLINK("http://evil","click")',
        "Packaging box",
        "Weapon (large)",
        "Weapon (small)",
    ]
    assert sheet.cell(part_rows[0], 1).data_type == "s"  # text, never a formula


def test_rows_to_check_list_reasons_and_link_to_the_row(tmp_path):
    sheet = written(tmp_path)
    start = row_of(sheet, "Rows to check (3)") + 2
    listed = [[sheet.cell(r, c).value for c in range(1, 6)] for r in range(start, start + 3)]
    assert listed == [
        ["Claims!A5", "REVIEW", "C-1", "Weapon (large)", "reason 5"],
        ["Claims!A6", "ERROR", "C-1", '=HYPERLINK("http://evil","click")', "reason 6"],
        ["Claims!A7", "DUPLICATE", "C-1", "Weapon (small)", "reason 7"],
    ]
    assert sheet.cell(start, 1).hyperlink.location == "'Claims'!A5"
    assert sheet.cell(start + 1, 4).data_type == "s"


def test_run_summary_links_into_each_output_workbook(tmp_path):
    lines = [replace(LINES[3], output="in-processed.xlsx")]
    sheet = written(tmp_path, lines=lines, link_to_output=True)
    start = row_of(sheet, "Rows to check (1)") + 1
    assert [sheet.cell(start, c).value for c in range(1, 7)] == [
        "File", "Row", "Status", "Claim ID", "Part", "Reason"
    ]  # fmt: skip
    assert sheet.cell(start + 1, 2).hyperlink.target == "in-processed.xlsx#'Claims'!A5"


def test_warnings_are_listed(tmp_path):
    sheet = written(tmp_path, warnings=["The output does not keep sparklines."])
    assert sheet.cell(row_of(sheet, "Warnings") + 1, 1).value == (
        "The output does not keep sparklines."
    )


def test_bar_chart_of_refunds_by_part(tmp_path):
    sheet = written(tmp_path)
    (chart,) = sheet._charts
    part = row_of(sheet, "Part")
    series = chart.series[0]
    assert series.val.numRef.f == f"'Summary'!$C${part + 1}:$C${part + 4}"
    assert series.cat.numRef.f == f"'Summary'!$A${part + 1}:$A${part + 4}"


def test_replace_summary_sheet_keeps_a_users_own_summary_sheet():
    workbook = Workbook()
    workbook.create_sheet("Summary")["A1"] = "my own notes"
    assert replace_summary_sheet(workbook).title == "Summary (xl-claims)"
    ours = Workbook()
    ours.create_sheet("Summary")["A1"] = TITLE
    fresh = replace_summary_sheet(ours)
    assert fresh.title == "Summary" and fresh["A1"].value is None
    assert ours.sheetnames == ["Sheet", "Summary"]
