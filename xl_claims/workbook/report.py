"""The reconciliation workbook (openpyxl, write-only so 100,000 lines stay fast).

Every number is written as a value computed in ``Decimal`` by ``Reconciliation`` (no formulas), so
any reader — Excel, LibreOffice, pandas — sees the same totals. Text from the inputs is always
written as text: a claim id such as ``=HYPERLINK(...)`` never becomes a formula.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from xl_claims.core.files import write_atomic
from xl_claims.core.totals import GroupTotals
from xl_claims.reconcile.match import PAID_WITHOUT_CLAIM, STATUSES, ZERO
from xl_claims.workbook.formats import money_format

if TYPE_CHECKING:
    from xl_claims.reconcile import Reconciliation

SHEETS = ("Summary", "Claims", "Unmatched payments", "Open at period end", "By grade", "By part")
CLAIM_COLUMNS = (
    "File",
    "Sheet",
    "Row",
    "Claim ID",
    "Order",
    "Claim date",
    "Issue",
    "Part",
    "Grade",
    "Status",
    "Resolution",
    "Computed",
    "Paid",
    "Difference",
    "Currency",
    "Refund currency",
    "Match status",
    "Match rule",
    "Refund IDs",
    "Paid date",
    "Policy version",
    "Stored vs recomputed",
    "Reviewer note",
)
UNMATCHED_COLUMNS = (
    "File",
    "Row",
    "Format",
    "Type",
    "Refund ID",
    "Order",
    "Claim reference",
    "Date",
    "Amount",
    "Currency",
    "Reason",
    "Reviewer note",
)
OPEN_COLUMNS = (
    "File",
    "Sheet",
    "Row",
    "Claim ID",
    "Order",
    "Claim date",
    "Part",
    "Status",
    "Match status",
    "Computed",
    "Paid",
    "Open amount",
    "Currency",
    "Reason",
    "Reviewer note",
)
PIVOT_COLUMNS = ("Claim lines", "Computed", "Paid", "Difference")
NO_CLAIM_ROW = "(paid without claim)"
_BOLD = Font(bold=True)


def write_report(rec: Reconciliation, path: str | os.PathLike) -> Path:
    """Write the six sheets to ``path`` atomically (a temp file in the folder, then replace)."""
    target = Path(path)
    workbook = Workbook(write_only=True)
    _summary(workbook, rec, target)
    _claims(workbook, rec)
    _unmatched(workbook, rec)
    _open(workbook, rec)
    _pivot(workbook, rec, "By grade", "Grade", lambda r: r.line.grade, rec.grade_order)
    _pivot(workbook, rec, "By part", "Part", lambda r: r.line.part)
    return write_atomic(target, workbook.save)


class _Sheet:
    """A write-only sheet with the few cell kinds the report needs."""

    def __init__(self, workbook: Workbook, title: str, widths: Sequence[int]):
        self.ws = workbook.create_sheet(title)
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width

    def cell(self, value: object, number_format: str | None = None, bold: bool = False):
        cell = WriteOnlyCell(self.ws, value)
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula, whatever the text starts with
        if number_format:
            cell.number_format = number_format
        if bold:
            cell.font = _BOLD
        return cell

    def money(self, value: Decimal | None, currency: str | None):
        if value is None:
            return None
        return self.cell(value, money_format(currency or "XXX"))

    def text(self, value: object):
        if isinstance(value, str) and value.startswith("="):
            return self.cell(value)
        return value

    def row(self, values: Iterable[object] = ()) -> None:
        self.ws.append(list(values))

    def header(self, names: Sequence[str], freeze: bool = True) -> None:
        self.row(self.cell(n, bold=True) for n in names)
        if freeze:
            self.ws.freeze_panes = "A2"

    def table(self, names: Sequence[str], count: int) -> None:
        """Header row, frozen, with a filter over ``count`` data rows."""
        self.header(names)
        last = get_column_letter(len(names))
        self.ws.auto_filter.ref = f"A1:{last}{max(count, 1) + 1}"


def _period(rec: Reconciliation) -> str:
    start = rec.period_from.isoformat() if rec.period_from else "the earliest date"
    end = rec.period_to.isoformat() if rec.period_to else "the latest date"
    if not rec.period_from and not rec.period_to:
        return "all dates in the inputs"
    return f"{start} to {end} (inclusive)"


def _summary(workbook: Workbook, rec: Reconciliation, target: Path) -> None:
    sheet = _Sheet(workbook, "Summary", (44, 28, 17, 17, 17, 44, 66))
    # Printed for sign-off: landscape, one page wide.
    sheet.ws.page_setup.orientation = "landscape"
    sheet.ws.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.ws.page_setup.fitToWidth = 1
    sheet.ws.page_setup.fitToHeight = 0
    money = money_format(rec.currency)
    label = sheet.cell
    sheet.row([label("Refund reconciliation", bold=True)])
    sheet.row(["Period", _period(rec)])
    sheet.row(["Report currency", rec.currency])
    sheet.row(["Tolerance", sheet.cell(rec.tolerance, money)])
    sheet.row(["Policy version(s)", ", ".join(rec.policy_versions)])
    generated = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    sheet.row(["Generated (UTC)", generated])
    sheet.row(["Report file", target.name])
    sheet.row()
    sheet.row([label("Inputs", bold=True)])
    sheet.row(
        label(h, bold=True)
        for h in ("Role", "File", "Format", "Rows read", "In period", "Problem", "SHA-256")
    )
    for entry in rec.inputs:
        sheet.row(
            [
                entry.role,
                sheet.text(Path(entry.path).name),
                entry.kind,
                entry.rows,
                entry.used,
                sheet.text(entry.problem),
                entry.sha256 or "(unreadable)",
            ]
        )
    sheet.row()
    sheet.row([label("Totals", bold=True)])
    sheet.row([label("Total computed"), sheet.cell(rec.total_computed, money)])
    sheet.row([label("Total paid"), sheet.cell(rec.total_paid, money)])
    sheet.row([label("Difference"), sheet.cell(rec.difference, money)])
    for currency, amount in rec.paid_by_currency().items():
        if currency != rec.currency:
            sheet.row([f"Total paid in {currency} (not converted)", sheet.money(amount, currency)])
    sheet.row(["Open at period end", sheet.cell(rec.open_total, money)])
    sheet.row()
    sheet.row(
        label(h, bold=True) for h in ("Match status", "Count", "Computed", "Paid", "Difference")
    )
    totals = rec.by_status()
    for status in STATUSES:
        total = totals[status]
        computed = None if status == PAID_WITHOUT_CLAIM else total.computed
        sheet.row(
            [
                status,
                total.count,
                sheet.money(computed, rec.currency),
                sheet.cell(total.paid, money),
                sheet.cell(total.difference, money),
            ]
        )
    sheet.row(
        [
            label("Total", bold=True),
            sum(t.count for t in totals.values()),
            sheet.cell(sum((t.computed for t in totals.values()), ZERO), money),
            sheet.cell(sum((t.paid for t in totals.values()), ZERO), money),
            sheet.cell(sum((t.difference for t in totals.values()), ZERO), money),
        ]
    )
    sheet.row(["(paid without claim counts refunds; the other statuses count claim lines)"])
    sheet.row()
    sheet.row([label("Other findings and counts", bold=True)])
    duplicates = sum(1 for r in rec.lines if r.line.duplicate_of is not None)
    skipped = ", ".join(f"{kind}: {n}" for kind, n in sorted(rec.skipped.items()))
    for name, value, detail in (
        ("Lines whose stored computed values changed", rec.changed, None),
        ("Duplicate claim lines (counted once)", duplicates, None),
        ("Claim lines outside the period", rec.outside_period["claim lines"], None),
        ("Refunds outside the period", rec.outside_period["refunds"], None),
        ("Payment rows that are not refunds (ignored)", sum(rec.skipped.values()), skipped),
        ("Problems (unreadable files and rows)", len(rec.problems), None),
    ):
        sheet.row([name, value, detail])
    for problem in rec.problems:
        sheet.row(["Problem", sheet.cell(problem)])
    sheet.row()
    sheet.row([label("Sign-off", bold=True)])
    for name in ("Prepared by", "Reviewed by", "Date"):
        sheet.row([name, None])


def _claims(workbook: Workbook, rec: Reconciliation) -> None:
    sheet = _Sheet(
        workbook,
        "Claims",
        (24, 14, 6, 14, 10, 11, 26, 30, 9, 12, 16, 12, 12, 12, 9, 9, 16, 40, 30, 11, 12, 40, 30),
    )
    sheet.table(CLAIM_COLUMNS, len(rec.lines))
    text = sheet.text
    for result in rec.lines:
        line = result.line
        refund_currency = result.refund_currency
        paid = None if line.duplicate_of is not None else result.paid
        sheet.row(
            [
                text(line.source),
                text(line.sheet),
                line.row,
                text(line.claim_id),
                text(line.order),
                line.date,
                text(line.issue),
                text(line.part),
                line.grade,
                line.status,
                line.resolution,
                sheet.money(line.computed, line.currency),
                sheet.money(paid, refund_currency or line.currency),
                sheet.money(result.difference, line.currency),
                line.currency,
                refund_currency,
                result.status or None,
                text(result.rule),
                text(", ".join(result.refund_ids)) or None,
                result.paid_date,
                line.policy_version,
                text(line.changed),
                None,
            ]
        )


def _unmatched(workbook: Workbook, rec: Reconciliation) -> None:
    sheet = _Sheet(workbook, "Unmatched payments", (26, 6, 16, 16, 30, 10, 24, 11, 12, 9, 50, 30))
    sheet.table(UNMATCHED_COLUMNS, len(rec.matching.unmatched))
    text = sheet.text
    for item in rec.matching.unmatched:
        payment = item.payment
        sheet.row(
            [
                text(payment.source),
                payment.row,
                payment.format,
                text(payment.type),
                text(payment.refund_id),
                text(payment.order),
                text(payment.reference),
                payment.date,
                sheet.money(payment.amount, payment.currency),
                payment.currency,
                text(item.reason),
                None,
            ]
        )


def _open(workbook: Workbook, rec: Reconciliation) -> None:
    sheet = _Sheet(
        workbook, "Open at period end", (24, 14, 6, 14, 10, 11, 30, 12, 14, 12, 12, 12, 9, 50, 30)
    )
    items = rec.open_items()
    sheet.table(OPEN_COLUMNS, len(items))
    text = sheet.text
    for result, amount, reason in items:
        line = result.line
        sheet.row(
            [
                text(line.source),
                text(line.sheet),
                line.row,
                text(line.claim_id),
                text(line.order),
                line.date,
                text(line.part),
                line.status,
                result.status,
                sheet.money(line.computed, line.currency),
                sheet.money(result.paid, result.refund_currency or line.currency),
                sheet.money(amount, line.currency),
                line.currency,
                text(reason),
                None,
            ]
        )


def pivot_rows(
    rec: Reconciliation, key, order: Sequence[str] = ()
) -> list[tuple[str, int, Decimal, Decimal]]:
    """Computed vs paid by ``key(result)`` (report currency; refunds without a claim as a row
    of their own so the paid column adds up to Total paid). Sums stay ``Decimal``. Rows follow
    ``order`` (the policy's grades), then names alphabetically, then ``(none)``."""
    totals = GroupTotals(columns=2)
    for r in rec.counted:
        paid = r.paid if r.refund_currency in (None, rec.currency) else ZERO
        totals.add(key(r), r.line.computed or ZERO, paid)
    grouped = totals.rows(order)
    no_claim = sum(
        (u.payment.amount for u in rec.matching.unmatched if u.payment.currency == rec.currency),
        ZERO,
    )
    if rec.matching.unmatched:
        grouped.append((NO_CLAIM_ROW, 0, ZERO, no_claim))
    return grouped


def _pivot(workbook, rec: Reconciliation, title: str, name: str, key, order=()) -> None:
    sheet = _Sheet(workbook, title, (40, 12, 14, 14, 14))
    sheet.header((name, *PIVOT_COLUMNS))
    money = money_format(rec.currency)
    rows = pivot_rows(rec, key, order)
    for label, lines, computed, paid in rows:
        sheet.row(
            [
                sheet.text(label),
                lines,
                sheet.cell(computed, money),
                sheet.cell(paid, money),
                sheet.cell(paid - computed, money),
            ]
        )
    computed = sum((r[2] for r in rows), ZERO)
    paid = sum((r[3] for r in rows), ZERO)
    sheet.row(
        [
            sheet.cell("Total", bold=True),
            sum(r[1] for r in rows),
            sheet.cell(computed, money, bold=True),
            sheet.cell(paid, money, bold=True),
            sheet.cell(paid - computed, money, bold=True),
        ]
    )


def summary_dict(rec: Reconciliation, report: str | os.PathLike | None = None) -> dict:
    """The Summary's numbers as JSON-ready values (money as strings, exact)."""
    totals = rec.by_status()
    return {
        "report": None if report is None else str(report),
        "period": {
            "from": rec.period_from.isoformat() if rec.period_from else None,
            "to": rec.period_to.isoformat() if rec.period_to else None,
        },
        "currency": rec.currency,
        "tolerance": str(rec.tolerance),
        "policy_versions": rec.policy_versions,
        "total_computed": str(rec.total_computed),
        "total_paid": str(rec.total_paid),
        "difference": str(rec.difference),
        "paid_other_currencies": {
            c: str(a) for c, a in rec.paid_by_currency().items() if c != rec.currency
        },
        "open_at_period_end": str(rec.open_total),
        "statuses": {status: totals[status].count for status in STATUSES},
        "stored_values_changed": rec.changed,
        "findings": rec.findings,
        "problems": rec.problems,
        "inputs": [
            {
                "role": e.role,
                "path": e.path,
                "sha256": e.sha256,
                "format": e.kind,
                "rows": e.rows,
                "in_period": e.used,
                "problem": e.problem,
            }
            for e in rec.inputs
        ],
    }


def summary_text(rec: Reconciliation, report: str | os.PathLike | None = None) -> str:
    """A few lines for the terminal: totals, counts per status, findings."""
    currency = rec.currency
    others = [f"{a:.2f} {c}" for c, a in rec.paid_by_currency().items() if c != currency and a]
    totals = rec.by_status()
    counts = ", ".join(f"{s}: {totals[s].count}" for s in STATUSES)
    lines = [
        f"Period: {_period(rec)}; tolerance {rec.tolerance} {currency}",
        f"Total computed: {rec.total_computed:.2f} {currency}",
        f"Total paid:     {rec.total_paid:.2f} {currency}"
        + (f" (and {', '.join(others)}, not converted)" if others else ""),
        f"Difference:     {rec.difference:.2f} {currency}",
        f"Open at period end: {rec.open_total:.2f} {currency}",
        counts,
    ]
    if rec.changed:
        lines.append(f"Stored computed values changed on {rec.changed} line(s)")
    if report is not None:
        lines.append(f"Report: {report}")
    if rec.findings:
        lines.append(f"{rec.findings} finding(s) to review (exit code 1)")
    else:
        lines.append("Everything matches within tolerance")
    return "\n".join(lines)


__all__ = [
    "CLAIM_COLUMNS",
    "SHEETS",
    "pivot_rows",
    "summary_dict",
    "summary_text",
    "write_report",
]
