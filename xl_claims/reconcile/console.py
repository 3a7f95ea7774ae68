"""What ``xl-claims reconcile`` prints: a few lines for the terminal, or the Summary as JSON.

Warnings come before the findings line; when an input could not be read, the last line says
that the report is incomplete and which input is missing (exit code 3), so that it is what a
person or a scheduled job sees last.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from xl_claims.reconcile.model import STATUSES
from xl_claims.reconcile.report import period_text, warnings

if TYPE_CHECKING:
    from xl_claims.reconcile.reconciliation import Reconciliation


def summary_text(rec: Reconciliation, report: str | os.PathLike | None = None) -> str:
    """Totals, counts per status, warnings, findings; the INCOMPLETE line last."""
    currency = rec.currency
    others = [f"{a:.2f} {c}" for c, a in rec.paid_by_currency().items() if c != currency and a]
    totals = rec.by_status()
    counts = ", ".join(f"{s}: {totals[s].count}" for s in STATUSES)
    lines = [
        f"Period: {period_text(rec)}; tolerance {rec.tolerance} {currency}",
        f"Total computed: {rec.total_computed:.2f} {currency}",
        f"Total paid:     {rec.total_paid:.2f} {currency}"
        + (f" (and {', '.join(others)}, not converted)" if others else ""),
        f"Difference:     {rec.difference:.2f} {currency}",
        f"Open at period end: {rec.open_total:.2f} {currency}",
        counts,
    ]
    if rec.changed:
        lines.append(f"Stored computed values changed on {rec.changed} line(s)")
    if rec.ledger is not None:
        found = rec.ledger.to_dict()
        lines.append(
            f"Ledger {rec.ledger.path}: {found['lines_in_period']} line(s) in the period, "
            f"{found['carried_over']} carried over ({rec.carried_open_total:.2f} {currency} "
            f"still open); cross-run duplicates {found['cross_run_duplicates']}, changes "
            f"{found['cross_run_changes']}"
        )
    lines.extend(f"Warning: {text}" for text in warnings(rec))
    if report is not None:
        lines.append(f"Report: {report}")
    if rec.findings:
        lines.append(f"{rec.findings} finding(s) to review (exit code 1)")
    else:
        lines.append("Everything matches within tolerance")
    if rec.incomplete:
        lines.append(f"{rec.incomplete} (exit code 3)")
    return "\n".join(lines)


def summary_dict(rec: Reconciliation, report: str | os.PathLike | None = None) -> dict:
    """The Summary's numbers as JSON-ready values (money as strings, exact)."""
    totals = rec.by_status()
    return {
        "report": None if report is None else str(report),
        "complete": rec.incomplete is None,
        "incomplete": rec.incomplete,
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
        "ledger": None
        if rec.ledger is None
        else {**rec.ledger.to_dict(), "carried_over_open": str(rec.carried_open_total)},
        "duplicate_payment_rows": rec.duplicate_payment_rows,
        "before_policy_lines": rec.before_policy,
        "findings": rec.findings,
        "exit_code": rec.exit_code,
        "problems": rec.problems,
        "warnings": warnings(rec),
        "inputs": [
            {
                "role": e.role,
                "path": e.path,
                "sha256": e.sha256,
                "format": e.kind,
                "rows": e.rows,
                "in_period": e.used,
                "duplicate_rows": e.duplicates,
                "problem": e.problem,
                "unreadable": e.unreadable,
            }
            for e in rec.inputs
        ],
    }


__all__ = ["summary_dict", "summary_text"]
