"""Reconciliation: recompute claim lines, read payment exports, match them, total the result.

This package's modules own the work — ``layouts`` (export layouts as data), ``families`` and
``payments`` (rows → refunds), ``dedupe`` (each payment event once), ``claims`` (claim lines
decided again), ``match`` (lines with refunds), ``reconciliation`` (totals), ``report`` (the
workbook's layout), ``console`` (what the command prints), ``run`` (the command as one call);
this file only re-exports their public names.
"""

from xl_claims.reconcile.claims import claim_line, mark_duplicates, stored_changes
from xl_claims.reconcile.console import summary_dict, summary_text
from xl_claims.reconcile.model import NEEDS_REVIEW, STATUSES
from xl_claims.reconcile.payments import read_payments
from xl_claims.reconcile.reconciliation import (
    EXIT_FINDINGS,
    EXIT_INCOMPLETE,
    EXIT_SETTLED,
    EXIT_USAGE,
    InputFile,
    Reconciliation,
    reconcile,
)
from xl_claims.reconcile.report import CLAIM_COLUMNS, SHEETS, pivot_rows, write_report
from xl_claims.reconcile.run import run_reconciliation

__all__ = [
    "CLAIM_COLUMNS",
    "EXIT_FINDINGS",
    "EXIT_INCOMPLETE",
    "EXIT_SETTLED",
    "EXIT_USAGE",
    "NEEDS_REVIEW",
    "SHEETS",
    "STATUSES",
    "InputFile",
    "Reconciliation",
    "claim_line",
    "mark_duplicates",
    "pivot_rows",
    "read_payments",
    "reconcile",
    "run_reconciliation",
    "stored_changes",
    "summary_dict",
    "summary_text",
    "write_report",
]
