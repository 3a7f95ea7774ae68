"""The ``Summary`` sheet of a processed workbook and of the run's ``summary.xlsx``.

Every total is given by the batch as exact Decimal sums of the refunds written in the rows it
covers (DUPLICATE lines only in the status counts). A total no line of which has an amount
(REVIEW, ERROR, the ``Depends`` grade) shows "—", never $0.00. The rows to check are streamed
from the batch's spill, so the sheet's size does not cost memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from xl_claims.core.model import Status
from xl_claims.workbook import formats
from xl_claims.workbook.sheetxml import MAX_LINKS, BarChart, Link, SheetWriter
from xl_claims.workbook.styles import Styles

SUMMARY_SHEET = "Summary"
TITLE = "xl-claims summary"
TOTAL_LABEL = "Total refund"
STATUS_ORDER = tuple(str(s) for s in Status)
CHECK_STATUSES = (str(Status.REVIEW), str(Status.ERROR), str(Status.DUPLICATE))
NONE_LABEL = "(none)"


@dataclass(frozen=True)
class GroupRow:
    """One row of a totals table: ``refund`` is None when no line of the group has an amount."""

    label: str
    lines: int
    refund: Decimal | None


@dataclass
class SummaryTotals:
    statuses: list[GroupRow]
    total: Decimal
    grades: list[GroupRow]
    parts: list[GroupRow]
    issues: list[GroupRow]
    resolutions: list[GroupRow]


@dataclass(frozen=True)
class CheckLine:
    """A REVIEW, ERROR or DUPLICATE line, as "Rows to check" lists it."""

    file: str
    sheet: str
    row: int
    status: str
    claim_id: str | None
    part: str
    reason: str
    output: str | None = None  # the output workbook, for links from the run summary


@dataclass
class FileInfo:
    """One input of the run: identity, where its output went, or why it failed."""

    name: str
    sha256: str | None
    sheet: str | None = None
    output: str | None = None
    rows: int = 0
    error: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    total: Decimal | None = None


@dataclass(frozen=True)
class RunInfo:
    processed_at: dt.datetime
    tool_version: str
    policy_versions: tuple[str, ...]
    currency: str
    ledger: tuple[tuple[str, object], ...] = ()  # label, value: the claims ledger and its counts


@dataclass
class SummaryData:
    run: RunInfo
    files: list[FileInfo]
    totals: SummaryTotals
    checks: Callable[[], Iterable[CheckLine]]
    check_count: int
    warnings: list[str] = field(default_factory=list)
    link_to_output: bool = False  # the run summary links into each output workbook


def by_amount(rows: Iterable[GroupRow]) -> list[GroupRow]:
    """Largest refund first; then zero, then undetermined; ties and ``(none)`` by name, last."""
    return sorted(
        rows,
        key=lambda r: (
            r.label == NONE_LABEL,
            r.refund is None,
            -(r.refund or 0),
            r.label.casefold(),
        ),
    )


class _Layout:
    """Writes the summary top-down into a ``SheetWriter``."""

    def __init__(self, writer: SheetWriter, currency: str):
        self.writer = writer
        self.money = formats.money(currency)
        self.money_bold = formats.money(currency, bold=True)
        self.row = 1

    def cell(self, column: int, value: object, fmt=None) -> str:
        if isinstance(value, Decimal) and fmt is None:
            fmt = self.money
        return self.writer.cell(self.row, column, value, fmt)

    def amount(self, column: int, value: Decimal | None, bold: bool = False) -> None:
        if value is None:
            self.cell(column, formats.NO_AMOUNT, formats.UNDETERMINED)
        else:
            self.cell(column, value, self.money_bold if bold else self.money)

    def heading(self, text: str) -> None:
        self.cell(1, text, formats.HEADING)
        self.row += 1

    def pair(self, label: str, value: object) -> None:
        self.cell(1, label, formats.BOLD)
        self.cell(2, value, None if isinstance(value, Decimal) else formats.LEFT)
        self.row += 1

    def header(self, labels: Sequence[str]) -> None:
        for column, label in enumerate(labels, start=1):
            self.cell(column, label, formats.TABLE_HEADER)
        self.row += 1

    def table(self, label: str, rows: Sequence[GroupRow]) -> int:
        """``label | Lines | Refund`` rows; returns the sheet row of the header."""
        start = self.row
        self.header((label, "Lines", "Refund"))
        for item in rows:
            self.cell(1, item.label)
            self.cell(2, item.lines)
            self.amount(3, item.refund)
            self.row += 1
        self.row += 1
        return start


def write_summary(writer: SheetWriter, data: SummaryData, sheet_name: str) -> BarChart | None:
    """Fill the Summary sheet; returns the chart to draw (None when no part has a refund)."""
    layout = _Layout(writer, data.run.currency)
    layout.cell(1, TITLE, formats.TITLE)
    layout.row = 3
    layout.heading("Run")
    _run_block(layout, data)
    layout.row += 1

    layout.heading("Lines per status")
    layout.header(("Status", "Refund", "Lines"))
    for item in data.totals.statuses:
        layout.cell(1, item.label)
        layout.amount(2, item.refund)
        layout.cell(3, item.lines)
        layout.row += 1
    total_row = layout.row
    layout.cell(1, TOTAL_LABEL, formats.BOLD)
    layout.amount(2, data.totals.total, bold=True)
    layout.row += 2
    totals = data.totals
    layout.heading("Totals by grade (applied grade)")
    layout.table("Grade", totals.grades)
    layout.heading("Totals by part")
    parts = by_amount(totals.parts)
    part_header = layout.table("Part", parts)
    layout.heading("Totals by issue")
    layout.table("Issue", totals.issues)
    layout.heading("Totals by resolution")
    layout.table("Resolution", totals.resolutions)
    if data.warnings:
        layout.heading("Warnings")
        for warning in data.warnings:
            layout.cell(1, warning)
            layout.row += 1
        layout.row += 1
    _rows_to_check(layout, data)
    charted = [p for p in parts if p.refund and p.refund > 0 and p.label != NONE_LABEL]
    if not charted:
        return None
    return BarChart(
        title="Refunds by part",
        axis_title="Refund",
        sheet=sheet_name,
        categories=(1, part_header + 1, part_header + len(charted)),
        values=(3, part_header + 1, part_header + len(charted)),
        labels=[p.label for p in charted],
        amounts=[p.refund or Decimal(0) for p in charted],
        anchor=(4, max(total_row - 13, 2)),
        width_cm=18,
        height_cm=max(7.5, 0.6 * len(charted) + 3),
    )


def _run_block(layout: _Layout, data: SummaryData) -> None:
    files = data.files
    for number, info in enumerate(files, start=1):
        prefix = f"File {number}: " if len(files) > 1 else ""
        layout.pair(f"{prefix}Input file", info.name)
        layout.pair(f"{prefix}SHA-256", info.sha256 or "-")
        if info.error:
            layout.pair(f"{prefix}Error", info.error)
            continue
        layout.pair(f"{prefix}Sheet", info.sheet)
        layout.pair(f"{prefix}Claim lines", info.rows)
        if data.link_to_output:
            if info.output:
                layout.pair(f"{prefix}Output", info.output)
            counts = ", ".join(f"{s} {info.counts.get(s, 0)}" for s in STATUS_ORDER)
            layout.pair(f"{prefix}Lines per status", counts)
            layout.pair(
                f"{prefix}Refund", info.total if info.total is not None else Decimal("0.00")
            )
    run = data.run
    layout.pair("Policy version", ", ".join(run.policy_versions) or "-")
    layout.pair("Processed at", run.processed_at.strftime("%Y-%m-%d %H:%M:%S UTC"))
    layout.pair("Tool version", f"xl-claims {run.tool_version}")
    layout.pair("Currency", run.currency)
    for label, value in run.ledger:
        layout.pair(label, value)


def _rows_to_check(layout: _Layout, data: SummaryData) -> None:
    layout.heading(f"Rows to check ({data.check_count})")
    headers = ["Row", "Status", "Claim ID", "Part", "Reason"]
    if data.link_to_output:
        headers = ["File", *headers]
    layout.header(headers)
    shift = 1 if data.link_to_output else 0
    writer = layout.writer
    link = writer.style_attr(formats.LINK)
    letters = [_COLUMN[c + shift] for c in range(1, 6)]  # Row, Status, Claim ID, Part, Reason
    fixed: dict[tuple, tuple[str, str, str]] = {}  # file, status, part, reason repeat
    for line in data.checks():
        key = (line.file if shift else None, line.status, line.part, line.reason)
        cells = fixed.get(key)
        if cells is None:  # "\0" stands for the row number (no text holds it: see clean_text)
            first = writer.text_cell("A\0", line.file) if shift else ""
            middle = writer.text_cell(f"{letters[1]}\0", line.status)
            last = writer.text_cell(f"{letters[3]}\0", line.part)
            last += writer.text_cell(f"{letters[4]}\0", line.reason)
            cells = fixed[key] = (first, middle, last)
        row = str(layout.row)
        writer.raw_row(
            layout.row,
            cells[0].replace("\0", row)
            + writer.text_cell(f"{letters[0]}{row}", f"{line.sheet}!A{line.row}", link)
            + cells[1].replace("\0", row)
            + writer.text_cell(f"{letters[2]}{row}", line.claim_id)
            + cells[2].replace("\0", row),
        )
        location = formats.sheet_reference(line.sheet, f"A{line.row}")
        if not data.link_to_output:
            writer.link(Link(f"{letters[0]}{row}", location=location))
        elif line.output:
            writer.link(Link(f"{letters[0]}{row}", target=f"{line.output}#{location}"))
        layout.row += 1
    if layout.writer.links_dropped:
        layout.row += 1
        layout.cell(1, f"Links are given for the first {MAX_LINKS:,} rows (Excel's limit).")


_COLUMN = " ABCDEFGH"


def column_widths(link_to_output: bool) -> dict[int, float]:
    """Label, amount and count columns; then the "Rows to check" Part and Reason wide enough."""
    if link_to_output:
        return {1: 44, 2: 30, 3: 16, 4: 16, 5: 42, 6: 100}
    return {1: 44, 2: 18, 3: 16, 4: 42, 5: 100}


def summary_styles_ready(styles: Styles, currency: str) -> None:
    """Register every format the Summary uses before the styles part is written."""
    for fmt in (
        formats.TITLE,
        formats.HEADING,
        formats.BOLD,
        formats.TABLE_HEADER,
        formats.LEFT,
        formats.LINK,
        formats.UNDETERMINED,
        formats.money(currency),
        formats.money(currency, bold=True),
    ):
        styles.xf(fmt)


__all__ = [
    "CHECK_STATUSES",
    "NONE_LABEL",
    "STATUS_ORDER",
    "SUMMARY_SHEET",
    "TITLE",
    "TOTAL_LABEL",
    "CheckLine",
    "FileInfo",
    "GroupRow",
    "RunInfo",
    "SummaryData",
    "SummaryTotals",
    "by_amount",
    "column_widths",
    "summary_styles_ready",
    "write_summary",
]
