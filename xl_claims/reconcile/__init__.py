"""Reconciliation: recompute claim lines, read payment exports, match them, total the result.

This package's modules own the work (``reconciliation`` reads and totals, ``payments`` reads
exports, ``match`` pairs lines with refunds); this file only re-exports their public names.
"""

from xl_claims.reconcile.reconciliation import (
    NEEDS_REVIEW,
    STATUSES,
    InputFile,
    Reconciliation,
    claim_line,
    mark_duplicates,
    read_payments,
    reconcile,
    stored_changes,
)

__all__ = [
    "NEEDS_REVIEW",
    "STATUSES",
    "InputFile",
    "Reconciliation",
    "claim_line",
    "mark_duplicates",
    "read_payments",
    "reconcile",
    "stored_changes",
]
