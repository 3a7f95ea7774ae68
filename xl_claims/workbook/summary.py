"""The ``Summary`` sheet of a processed workbook and the run's ``summary.xlsx``.

Totals are Decimal sums of the refunds written in the rows (already rounded once by the engine), so
every total equals the sum of the rows it covers. DUPLICATE lines are counted in the status table
and left out of every other total (the first line of a claim and part is the one that counts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from xl_claims.core.model import Status
from xl_claims.core.totals import GroupTotals
from xl_claims.workbook.formats import money_format
from xl_claims.workbook.write import set_text

SUMMARY_SHEET = "Summary"
TITLE = "xl-claims summary"
TOTAL_LABEL = "Total refund"
STATUS_ORDER = tuple(str(s) for s in Status)
CHECK_STATUSES = (str(Status.REVIEW), str(Status.ERROR), str(Status.DUPLICATE))
ZERO = Decimal("0.00")
_BOLD = Font(bold=True)
_HEADING = Font(bold=True, size=12)
_FILL = PatternFill("solid", fgColor="DDEBF7")


@dataclass(frozen=True, slots=True)
class Line:
    """One decided claim line as the summary sees it."""

    file: str
    sheet: str
    row: int
    claim_id: object
    part: str
    issue: str
    grade: str
    resolution: str
    status: str
    refund: Decimal | None
    reason: str
    output: str | None = None  # output workbook name, for links from the run summary


@dataclass
class FileInfo:
    """One input of the run: identity, where its output went, or why it failed."""

    name: str
    sha256: str | None
    sheet: str | None = None
    output: str | None = None
    rows: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RunInfo:
    processed_at: dt.datetime
    tool_version: str
    policy_versions: tuple[str, ...]
    currency: str


def counted(lines: Sequence[Line]) -> list[Line]:
    """The lines that count in totals: everything but DUPLICATE."""
    return [line for line in lines if line.status != Status.DUPLICATE]


def group_totals(lines: Sequence[Line], key) -> list[tuple[str, int, Decimal]]:
    """``(label, lines, refund)`` per value of ``key``; empty values are "(none)", listed last."""
    totals = GroupTotals()
    for line in lines:
        totals.add(key(line), line.refund)
    return totals.rows()


def status_totals(lines: Sequence[Line]) -> list[tuple[str, int, Decimal]]:
    rows = []
    for status in STATUS_ORDER:
        chosen = [line for line in lines if line.status == status]
        amount = sum((line.refund or ZERO for line in counted(chosen)), ZERO)
        rows.append((status, len(chosen), amount))
    return rows


def total_refund(lines: Sequence[Line]) -> Decimal:
    return sum((line.refund or ZERO for line in counted(lines)), ZERO)


def replace_summary_sheet(workbook: Workbook) -> Worksheet:
    """A fresh ``Summary`` sheet at the end; an earlier xl-claims summary is replaced."""
    if SUMMARY_SHEET in workbook.sheetnames:
        old = workbook[SUMMARY_SHEET]
        if old["A1"].value == TITLE:
            workbook.remove(old)
            return workbook.create_sheet(SUMMARY_SHEET)
        return workbook.create_sheet(f"{SUMMARY_SHEET} (xl-claims)")
    return workbook.create_sheet(SUMMARY_SHEET)


def write_summary(
    sheet: Worksheet,
    *,
    run: RunInfo,
    files: Sequence[FileInfo],
    lines: Sequence[Line],
    warnings: Sequence[str] = (),
    link_to_output: bool = False,
) -> None:
    """Fill ``sheet``: the run, counts per status, totals, rows to check with links, a chart.

    ``link_to_output``: links point into each line's output workbook (the run summary) instead of
    into this workbook.
    """
    money = money_format(run.currency)
    writer = _Writer(sheet, money)
    writer.cell(1, TITLE, font=Font(bold=True, size=14))
    writer.row = 3
    writer.heading("Run")
    for number, info in enumerate(files, start=1):
        prefix = f"File {number}: " if len(files) > 1 else ""
        writer.pair(f"{prefix}Input file", info.name)
        writer.pair(f"{prefix}SHA-256", info.sha256 or "-")
        if info.error:
            writer.pair(f"{prefix}Error", info.error)
        else:
            writer.pair(f"{prefix}Sheet", info.sheet)
            writer.pair(f"{prefix}Claim lines", info.rows)
            if link_to_output and info.output:
                writer.pair(f"{prefix}Output", info.output)
    writer.pair("Policy version", ", ".join(run.policy_versions) or "-")
    writer.pair("Processed at", run.processed_at.strftime("%Y-%m-%d %H:%M:%S UTC"))
    writer.pair("Tool version", f"xl-claims {run.tool_version}")
    writer.pair("Currency", run.currency)
    writer.row += 1

    writer.heading("Lines per status")
    writer.table("Status", status_totals(lines))
    total_row = writer.row
    writer.cell(1, TOTAL_LABEL, font=_BOLD)
    writer.cell(2, total_refund(lines), font=_BOLD, number_format=money)
    writer.row += 2
    kept = counted(lines)
    writer.heading("Totals by grade (applied grade)")
    writer.table("Grade", group_totals(kept, lambda line: line.grade))
    writer.heading("Totals by part")
    part_header = writer.row
    parts = group_totals(kept, lambda line: line.part)
    writer.table("Part", parts)
    writer.heading("Totals by issue")
    writer.table("Issue", group_totals(kept, lambda line: line.issue))
    writer.heading("Totals by resolution")
    writer.table("Resolution", group_totals(kept, lambda line: line.resolution))

    if warnings:
        writer.heading("Warnings")
        for warning in warnings:
            writer.cell(1, warning)
            writer.row += 1
        writer.row += 1
    _rows_to_check(writer, lines, link_to_output)
    if parts:
        _chart(sheet, part_header, len(parts), total_row)
    sheet.column_dimensions["A"].width = 44
    sheet.column_dimensions["B"].width = 16
    sheet.column_dimensions["C"].width = 16
    for letter, width in zip("DEF", (14, 40, 90), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0


def _rows_to_check(writer: _Writer, lines: Sequence[Line], link_to_output: bool) -> None:
    check = [line for line in lines if line.status in CHECK_STATUSES]
    writer.heading(f"Rows to check ({len(check)})")
    headers = ["Row", "Status", "Claim ID", "Part", "Reason"]
    if link_to_output:
        headers = ["File", *headers]
    for column, header in enumerate(headers, start=1):
        writer.cell(column, header, font=_BOLD, fill=_FILL)
    writer.row += 1
    for line in check:
        location = f"'{line.sheet}'!A{line.row}"
        values = [f"{line.sheet}!A{line.row}", line.status, line.claim_id, line.part, line.reason]
        if link_to_output:
            values = [line.file, *values]
        for column, value in enumerate(values, start=1):
            writer.cell(column, value)
        link_cell = writer.sheet.cell(writer.row, 2 if link_to_output else 1)
        if link_to_output and line.output:
            link_cell.hyperlink = Hyperlink(
                ref=link_cell.coordinate, target=f"{line.output}#{location}"
            )
        elif not link_to_output:
            link_cell.hyperlink = Hyperlink(ref=link_cell.coordinate, location=location)
        if link_cell.hyperlink is not None:
            link_cell.style = "Hyperlink"
        writer.row += 1


def _chart(sheet: Worksheet, header_row: int, count: int, anchor_row: int) -> None:
    chart = BarChart()
    chart.type = "bar"
    chart.title = "Refunds by part"
    chart.legend = None
    chart.y_axis.title = "Refund"
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    data = Reference(sheet, min_col=3, min_row=header_row, max_row=header_row + count)
    labels = Reference(sheet, min_col=1, min_row=header_row + 1, max_row=header_row + count)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(labels)
    chart.height = max(7.5, 0.6 * count + 3)
    chart.width = 18
    sheet.add_chart(chart, f"E{max(anchor_row - 12, 3)}")


class _Writer:
    """Writes the summary top-down; every string goes in as text."""

    def __init__(self, sheet: Worksheet, money: str):
        self.sheet = sheet
        self.money = money
        self.row = 1

    def cell(self, column, value, *, font=None, fill=None, number_format=None):
        cell = self.sheet.cell(row=self.row, column=column)
        set_text(cell, value)
        if isinstance(value, Decimal):
            cell.number_format = number_format or self.money
        elif number_format:
            cell.number_format = number_format
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        return cell

    def heading(self, text: str) -> None:
        self.cell(1, text, font=_HEADING)
        self.row += 1

    def pair(self, label: str, value) -> None:
        self.cell(1, label, font=_BOLD)
        cell = self.cell(2, value)
        cell.alignment = Alignment(horizontal="left")
        self.row += 1

    def table(self, label: str, rows: Sequence[tuple[str, int, Decimal]]) -> None:
        for column, header in enumerate((label, "Lines", "Refund"), start=1):
            self.cell(column, header, font=_BOLD, fill=_FILL)
        self.row += 1
        for name, count, amount in rows:
            self.cell(1, name)
            self.cell(2, count)
            self.cell(3, amount)
            self.row += 1
        self.row += 1


__all__ = [
    "CHECK_STATUSES",
    "SUMMARY_SHEET",
    "TITLE",
    "TOTAL_LABEL",
    "FileInfo",
    "Line",
    "RunInfo",
    "counted",
    "group_totals",
    "replace_summary_sheet",
    "status_totals",
    "total_refund",
    "write_summary",
]
