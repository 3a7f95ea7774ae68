"""The Summary sheet: run identity, exact totals, undetermined amounts, rows to check with links,
text as text, a chart of the parts with a refund, sorted."""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal

from openpyxl import load_workbook

from xl_claims.batch.store import Totals
from xl_claims.workbook.summary import (
    TITLE,
    CheckLine,
    FileInfo,
    RunInfo,
    SummaryData,
)
from xl_claims.workbook.summarysheet import write_summary_workbook

RUN = RunInfo(
    processed_at=dt.datetime(2026, 3, 16, 9, 30, tzinfo=dt.UTC),
    tool_version="9.9",
    policy_versions=("AS-2026.1",),
    currency="USD",
)
HYPERLINK = '=HYPERLINK("http://evil","click")'
# (row, part, status, refund, grade, issue); resolution "Partial refund" when there is a refund
LINES = [
    (2, "Weapon (small)", "OK", "0.10", "Low", "Breakage"),
    (3, "Weapon (small)", "OK", "0.10", "Low", "Breakage"),
    (4, "Weapon (large)", "OK", "0.10", "High", "Breakage"),
    (5, "Weapon (large)", "REVIEW", None, "Depends", "Breakage"),
    (6, HYPERLINK, "ERROR", None, "", "Breakage"),
    (7, "Weapon (small)", "DUPLICATE", None, "Low", "Breakage"),
    (8, "Packaging box", "NOT COVERED", "0.00", "", "Minor"),
    (9, "Head sculpt", "OK", "0.50", "High", "Breakage"),
]


def totals_of(lines) -> Totals:
    totals = Totals()
    for _row, part, status, refund, grade, issue in lines:
        resolution = "" if status == "DUPLICATE" or refund is None else "Partial refund"
        amount = None if refund is None else Decimal(refund)
        totals.add((status, grade, part, issue, resolution), amount, 1)
    return totals


def checks_of(lines, output=None):
    return [
        CheckLine("in.xlsx", "Bob's claims", row, status, "C-1", part, f"reason {row}", output)
        for row, part, status, *_ in lines
        if status in ("REVIEW", "ERROR", "DUPLICATE")
    ]


def written(tmp_path, lines=LINES, warnings=(), link_to_output=False, output=None):
    checks = checks_of(lines, output)
    data = SummaryData(
        run=RUN,
        files=[FileInfo(name="in.xlsx", sha256="ab" * 32, sheet="Bob's claims", rows=len(lines))],
        totals=totals_of(lines).summary(),
        checks=lambda: iter(checks),
        check_count=len(checks),
        warnings=list(warnings),
        link_to_output=link_to_output,
    )
    path = write_summary_workbook(tmp_path / "s.xlsx", data)
    return load_workbook(path)["Summary"], path


def row_of(sheet, label):
    for row in sheet.iter_rows(min_col=1, max_col=1):
        if row[0].value == label:
            return row[0].row
    raise AssertionError(f"no row labelled {label!r}")


def table(sheet, label):
    """The rows of the totals table headed ``label``: [label, lines, refund]."""
    start = row_of(sheet, label) + 1
    rows = []
    while sheet.cell(start, 1).value is not None:
        rows.append([sheet.cell(start, c).value for c in (1, 2, 3)])
        start += 1
    return rows


def test_tenths_add_up_exactly():
    lines = [(n, "Weapon (small)", "OK", "0.10", "Low", "Breakage") for n in range(2, 12)]
    summary = totals_of(lines).summary()
    assert summary.total == Decimal("1.00")  # float would give 0.9999999999999999
    assert [(p.label, p.lines, p.refund) for p in summary.parts] == [
        ("Weapon (small)", 10, Decimal("1.00"))
    ]


def test_run_identity_and_total_refund_in_the_refund_column_right_of_its_label(tmp_path):
    sheet, _ = written(tmp_path)
    assert sheet["A1"].value == TITLE
    assert sheet.cell(row_of(sheet, "Input file"), 2).value == "in.xlsx"
    assert sheet.cell(row_of(sheet, "SHA-256"), 2).value == "ab" * 32
    assert sheet.cell(row_of(sheet, "Policy version"), 2).value == "AS-2026.1"
    assert sheet.cell(row_of(sheet, "Processed at"), 2).value == "2026-03-16 09:30:00 UTC"
    assert sheet.cell(row_of(sheet, "Tool version"), 2).value == "xl-claims 9.9"
    header = row_of(sheet, "Status")
    assert [sheet.cell(header, c).value for c in (1, 2, 3)] == ["Status", "Refund", "Lines"]
    total = sheet.cell(row_of(sheet, "Total refund"), 2)
    assert (total.value, total.number_format) == (
        0.8,
        "[$USD] #,##0.00;-[$USD] #,##0.00;[$USD] 0.00",
    )
    assert total.font.b is True


def test_undetermined_amounts_show_a_dash_never_zero(tmp_path):
    sheet, _ = written(tmp_path)
    statuses = table(sheet, "Status")[:-1]  # then the Total refund row
    assert statuses == [
        ["OK", 0.8, 4],
        ["REVIEW", "—", 1],
        ["NOT COVERED", 0, 1],
        ["ERROR", "—", 1],
        ["DUPLICATE", "—", 1],
    ]
    grades = {label: refund for label, _, refund in table(sheet, "Grade")}
    assert grades["Depends"] == "—"  # a REVIEW line's grade: no amount is known
    assert grades["(none)"] == 0  # NOT COVERED (0.00) and ERROR: one amount is known, 0.00


def test_every_group_table_sums_to_the_total(tmp_path):
    sheet, _ = written(tmp_path)
    for label in ("Grade", "Part", "Issue", "Resolution"):
        amounts = [Decimal(str(r)) for _, _, r in table(sheet, label) if r != "—"]
        assert sum(amounts) == Decimal("0.80"), label
        lines = sum(n for _, n, _ in table(sheet, label))
        assert lines == 7, label  # every line but the DUPLICATE


def test_parts_largest_refund_first_then_zero_then_unknown_text_kept_as_text(tmp_path):
    sheet, path = written(tmp_path)
    assert table(sheet, "Part") == [
        ["Head sculpt", 1, 0.5],
        ["Weapon (small)", 2, 0.2],
        ["Weapon (large)", 2, 0.1],
        ["Packaging box", 1, 0],
        [HYPERLINK, 1, "—"],
    ]
    first = row_of(sheet, "Part") + 5
    assert sheet.cell(first, 1).data_type == "s"  # text, never a formula
    with zipfile.ZipFile(path) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_chart_shows_parts_with_a_refund_sorted_by_amount(tmp_path):
    sheet, path = written(tmp_path)
    part = row_of(sheet, "Part")
    with zipfile.ZipFile(path) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert f"<c:f>'Summary'!$A${part + 1}:$A${part + 3}</c:f>" in chart
    assert f"<c:f>'Summary'!$C${part + 1}:$C${part + 3}</c:f>" in chart
    cache = chart.split("<c:strCache>")[1].split("</c:strCache>")[0]
    labels = [p.split("</c:v>")[0] for p in cache.split("<c:v>")[1:]]
    assert labels == ["Head sculpt", "Weapon (small)", "Weapon (large)"]
    assert "HYPERLINK" not in chart and "Packaging box" not in chart
    assert "<c:title>" in chart and "Refunds by part" in chart


def test_rows_to_check_list_reasons_and_links_quote_the_sheet_name(tmp_path):
    sheet, _ = written(tmp_path)
    start = row_of(sheet, "Rows to check (3)") + 2
    listed = [[sheet.cell(r, c).value for c in range(1, 6)] for r in range(start, start + 3)]
    assert listed == [
        ["Bob's claims!A5", "REVIEW", "C-1", "Weapon (large)", "reason 5"],
        ["Bob's claims!A6", "ERROR", "C-1", HYPERLINK, "reason 6"],
        ["Bob's claims!A7", "DUPLICATE", "C-1", "Weapon (small)", "reason 7"],
    ]
    assert sheet.cell(start, 1).hyperlink.location == "'Bob''s claims'!A5"
    assert sheet.cell(start + 1, 4).data_type == "s"


def test_rows_to_check_part_and_reason_columns_are_wide(tmp_path):
    sheet, _ = written(tmp_path)
    assert sheet.column_dimensions["D"].width >= 40  # Part
    assert sheet.column_dimensions["E"].width >= 90  # Reason


def test_run_summary_links_into_each_output_workbook(tmp_path):
    sheet, _ = written(tmp_path, lines=LINES[3:4], link_to_output=True, output="in-processed.xlsx")
    start = row_of(sheet, "Rows to check (1)") + 1
    assert [sheet.cell(start, c).value for c in range(1, 7)] == [
        "File",
        "Row",
        "Status",
        "Claim ID",
        "Part",
        "Reason",
    ]
    assert sheet.cell(start + 1, 2).hyperlink.target == "in-processed.xlsx#'Bob''s claims'!A5"


def test_warnings_are_listed(tmp_path):
    sheet, _ = written(tmp_path, warnings=["Several columns are headed as the part."])
    assert sheet.cell(row_of(sheet, "Warnings") + 1, 1).value == (
        "Several columns are headed as the part."
    )


def test_links_stop_at_excels_limit_and_the_sheet_says_so(tmp_path, monkeypatch):
    from xl_claims.workbook import sheetxml, summary

    monkeypatch.setattr(sheetxml, "MAX_LINKS", 3)
    monkeypatch.setattr(summary, "MAX_LINKS", 3)
    checks = [
        CheckLine("in.xlsx", "Claims", r, "REVIEW", f"C-{r}", "Cape", "why") for r in range(5)
    ]
    data = SummaryData(
        run=RUN,
        files=[FileInfo(name="in.xlsx", sha256="ab" * 32, sheet="Claims", rows=5)],
        totals=totals_of([(r, "Cape", "REVIEW", None, "", "Breakage") for r in range(5)]).summary(),
        checks=lambda: iter(checks),
        check_count=5,
    )
    sheet = load_workbook(write_summary_workbook(tmp_path / "s.xlsx", data))["Summary"]
    start = row_of(sheet, "Rows to check (5)") + 2
    linked = [sheet.cell(r, 1).hyperlink is not None for r in range(start, start + 5)]
    assert linked == [True, True, True, False, False]
    assert sheet.cell(start + 6, 1).value == "Links are given for the first 3 rows (Excel's limit)."
