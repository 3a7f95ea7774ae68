"""The reconciliation report's layout: which sheets, rows and labels, and what each cell is.

Every number is a value computed in ``Decimal`` by ``Reconciliation`` (no formulas), so any
reader — Excel, LibreOffice, pandas — sees the same totals. Cells are typed (``Money``, dates,
text) and ``workbook.tables`` writes them: text from the inputs always as text (a claim id such
as ``=HYPERLINK(...)`` never becomes a formula), money with the currency's format, each table
sheet with a frozen, filtered header. Detail sheets are generators: rows go to the file as they
are made.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from xl_claims.core.totals import GroupTotals
from xl_claims.reconcile.model import PAID_WITHOUT_CLAIM, STATUSES, ZERO, LineResult
from xl_claims.workbook.tables import Cell, Money, Sheet, Text, write_tables

if TYPE_CHECKING:
    from xl_claims.reconcile.reconciliation import Reconciliation

SHEETS = ("Summary", "Claims", "Unmatched payments", "Open at period end", "By grade", "By part")
CLAIM_COLUMNS = (
    "File", "Sheet", "Row", "Claim ID", "Order", "Claim date", "Issue", "Part", "Grade", "Status",
    "Resolution", "Computed", "Paid", "Difference", "Currency", "Refund currency",
    "Match status", "Match rule", "Refund IDs", "Paid date", "Policy version",
    "Stored vs recomputed", "Reviewer note", "Carried from",
)  # fmt: skip
UNMATCHED_COLUMNS = (
    "File", "Row", "Format", "Type", "Refund ID", "Order", "Claim reference", "Date", "Amount",
    "Currency", "Reason", "Reviewer note",
)  # fmt: skip
OPEN_COLUMNS = (
    "File", "Sheet", "Row", "Claim ID", "Order", "Claim date", "Part", "Status", "Match status",
    "Computed", "Paid", "Open amount", "Currency", "Reason", "Reviewer note", "Carried from",
)  # fmt: skip
PIVOT_COLUMNS = ("Claim lines", "Computed", "Paid", "Difference")
NO_CLAIM_ROW = "(paid without claim)"
_CLAIM_WIDTHS = (
    24,
    14,
    6,
    14,
    10,
    11,
    26,
    30,
    9,
    12,
    16,
    12,
    12,
    12,
    9,
    9,
    16,
    40,
    30,
    11,
    12,
    40,
    30,
    12,
)


def write_report(rec: Reconciliation, path: str | os.PathLike) -> Path:
    """Write the six sheets to ``path`` atomically (a temp file in the folder, then replace)."""
    target = Path(path)
    sheets = [
        Sheet("Summary", summary_rows(rec, target), widths=(44, 28, 17, 17, 17, 44, 66)),
        Sheet("Claims", _claim_rows(rec), CLAIM_COLUMNS, _CLAIM_WIDTHS),
        Sheet(
            "Unmatched payments",
            _unmatched_rows(rec),
            UNMATCHED_COLUMNS,
            (26, 6, 16, 16, 30, 10, 24, 11, 12, 9, 50, 30),
        ),
        Sheet(
            "Open at period end",
            _open_rows(rec),
            OPEN_COLUMNS,
            (24, 14, 6, 14, 10, 11, 30, 12, 14, 12, 12, 12, 9, 50, 30, 12),
        ),
        _pivot(rec, "By grade", "Grade", lambda r: r.line.grade, rec.grade_order),
        _pivot(rec, "By part", "Part", lambda r: r.line.part),
    ]
    return write_tables(target, sheets)


def period_text(rec: Reconciliation) -> str:
    start = rec.period_from.isoformat() if rec.period_from else "the earliest date"
    end = rec.period_to.isoformat() if rec.period_to else "the latest date"
    if not rec.period_from and not rec.period_to:
        return "all dates in the inputs"
    return f"{start} to {end} (inclusive)"


def warnings(rec: Reconciliation) -> list[str]:
    """What the reader must know about the inputs, besides the findings: files given twice,
    payment rows dropped as repeats, claims dated before the first policy version, what an
    export layout cannot say."""
    said = list(rec.warnings)
    if rec.before_policy:
        said.append(
            f"{rec.before_policy} claim line(s) are dated before the first policy version "
            f"({rec.first_policy}): decided under it."
        )
    return said


def summary_rows(rec: Reconciliation, target: Path) -> Iterator[Sequence[Cell]]:
    """The Summary sheet, row by row: an INCOMPLETE line first when an input is missing."""
    money = rec.currency
    if rec.incomplete:
        yield [Text(rec.incomplete, bold=True)]
    yield [Text("Refund reconciliation", bold=True)]
    yield ["Period", period_text(rec)]
    yield ["Report currency", money]
    yield ["Tolerance", Money(rec.tolerance, money)]
    yield ["Policy version(s)", ", ".join(rec.policy_versions)]
    yield ["Generated (UTC)", dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)]
    yield ["Report file", target.name]
    if rec.ledger is not None:
        yield ["Ledger", rec.ledger.path]
    yield []
    yield [Text("Inputs", bold=True)]
    yield [
        Text(h, bold=True)
        for h in ("Role", "File", "Format", "Rows read", "In period", "Problem", "SHA-256")
    ]
    for entry in rec.inputs:
        yield [
            entry.role, Path(entry.path).name, entry.kind, entry.rows, entry.used,
            entry.problem, entry.sha256 or ("-" if entry.role == "ledger" else "(unreadable)"),
        ]  # fmt: skip
    yield []
    yield from _totals_rows(rec)
    yield []
    yield [Text("Other findings and counts", bold=True)]
    duplicates = sum(1 for r in rec.lines if r.line.duplicate_of is not None)
    skipped = ", ".join(f"{kind}: {n}" for kind, n in sorted(rec.skipped.items()))
    dropped = rec.duplicate_payment_rows
    for name, value, detail in (
        ("Lines whose stored computed values changed", rec.changed, None),
        ("Duplicate claim lines (counted once)", duplicates, None),
        ("Duplicate payment rows dropped (counted once)", sum(dropped.values()),
         ", ".join(f"{file}: {n}" for file, n in dropped.items()) or None),
        ("Claim lines dated before the first policy version", rec.before_policy,
         f"decided under {rec.first_policy}" if rec.before_policy else None),
        ("Claim lines outside the period", rec.outside_period["claim lines"], None),
        ("Refunds outside the period", rec.outside_period["refunds"], None),
        ("Payment rows that are not refunds (ignored)", sum(rec.skipped.values()), skipped),
        ("Problems (unreadable files and rows)", len(rec.problems), None),
        *(() if rec.ledger is None else rec.ledger.labelled()),
    ):  # fmt: skip
        yield [name, value, detail]
    for problem in rec.problems:
        yield ["Problem", problem]
    for warning in warnings(rec):
        yield ["Warning", warning]
    yield []
    yield [Text("Sign-off", bold=True)]
    for name in ("Prepared by", "Reviewed by", "Date"):
        yield [name, None]


def _totals_rows(rec: Reconciliation) -> Iterator[Sequence[Cell]]:
    money = rec.currency
    yield [Text("Totals", bold=True)]
    yield [Text("Total computed"), Money(rec.total_computed, money)]
    yield [Text("Total paid"), Money(rec.total_paid, money)]
    yield [Text("Difference"), Money(rec.difference, money)]
    for currency, amount in rec.paid_by_currency().items():
        if currency != money:
            yield [f"Total paid in {currency} (not converted)", Money(amount, currency)]
    yield ["Open at period end", Money(rec.open_total, money)]
    if rec.ledger is not None:
        yield ["of which carried over from earlier periods", Money(rec.carried_open_total, money)]
    yield []
    yield [Text(h, bold=True) for h in ("Match status", "Count", "Computed", "Paid", "Difference")]
    totals = rec.by_status()
    for status in STATUSES:
        total = totals[status]
        computed = None if status == PAID_WITHOUT_CLAIM else Money(total.computed, money)
        paid, difference = Money(total.paid, money), Money(total.difference, money)
        yield [status, total.count, computed, paid, difference]
    yield [
        Text("Total", bold=True),
        sum(t.count for t in totals.values()),
        Money(sum((t.computed for t in totals.values()), ZERO), money),
        Money(sum((t.paid for t in totals.values()), ZERO), money),
        Money(sum((t.difference for t in totals.values()), ZERO), money),
    ]
    yield ["(paid without claim counts refunds; the other statuses count claim lines)"]


def _money(value: Decimal | None, currency: str | None) -> Money | None:
    return None if value is None else Money(value, currency or "XXX")


def _claim_rows(rec: Reconciliation) -> Iterator[Sequence[Cell]]:
    for result in rec.lines:
        line = result.line
        refund_currency = result.refund_currency
        paid = None if line.duplicate_of is not None else result.paid
        yield [
            line.source, line.sheet, line.row, line.claim_id, line.order, line.date, line.issue,
            line.part, line.grade, line.status, line.resolution,
            _money(line.computed, line.currency),
            _money(paid, refund_currency or line.currency),
            _money(result.difference, line.currency),
            line.currency, refund_currency, result.status or None, result.rule,
            ", ".join(result.refund_ids) or None, result.paid_date, line.policy_version,
            line.changed, None, line.carried_from,
        ]  # fmt: skip


def _unmatched_rows(rec: Reconciliation) -> Iterator[Sequence[Cell]]:
    for item in rec.matching.unmatched:
        p = item.payment
        yield [
            p.source, p.row, p.format, p.type, p.refund_id, p.order, p.reference, p.date,
            Money(p.amount, p.currency), p.currency, item.reason, None,
        ]  # fmt: skip


def _open_rows(rec: Reconciliation) -> Iterator[Sequence[Cell]]:
    for result, amount, reason in rec.open_items():
        line = result.line
        yield [
            line.source, line.sheet, line.row, line.claim_id, line.order, line.date, line.part,
            line.status, result.status, _money(line.computed, line.currency),
            _money(result.paid, result.refund_currency or line.currency),
            _money(amount, line.currency), line.currency, reason, None, line.carried_from,
        ]  # fmt: skip


def pivot_rows(
    rec: Reconciliation, key: Callable[[LineResult], object], order: Sequence[str] = ()
) -> list[tuple]:
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


def _pivot(rec: Reconciliation, title: str, name: str, key, order: Sequence[str] = ()) -> Sheet:
    money = rec.currency
    rows = pivot_rows(rec, key, order)
    cells: list[Sequence[Cell]] = [
        [label, lines, Money(computed, money), Money(paid, money), Money(paid - computed, money)]
        for label, lines, computed, paid in rows
    ]
    computed = sum((r[2] for r in rows), ZERO)
    paid = sum((r[3] for r in rows), ZERO)
    cells.append(
        [
            Text("Total", bold=True),
            sum(r[1] for r in rows),
            Money(computed, money, bold=True),
            Money(paid, money, bold=True),
            Money(paid - computed, money, bold=True),
        ]
    )
    return Sheet(title, cells, (name, *PIVOT_COLUMNS), (40, 12, 14, 14, 14), filtered=False)


__all__ = [
    "CLAIM_COLUMNS",
    "OPEN_COLUMNS",
    "SHEETS",
    "UNMATCHED_COLUMNS",
    "period_text",
    "pivot_rows",
    "summary_rows",
    "warnings",
    "write_report",
]
