"""Reconciliation's records: claim lines, what was paid for them, refunds left unmatched.

The match statuses and rule names are contracts (the report's columns show them); ``match``
fills these records, ``reconciliation`` totals them, ``report`` lays them out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from xl_claims.core.model import Decision, ReadsDecision
from xl_claims.core.values import id_key
from xl_claims.reconcile.records import Payment

ZERO = Decimal("0.00")
DEFAULT_TOLERANCE = Decimal("0.01")
#: Rule 2's date window: a refund from this many days before to this many days after the claim.
WINDOW_BEFORE = dt.timedelta(days=3)
WINDOW_AFTER = dt.timedelta(days=90)

MATCHED = "matched"
WITHIN_TOLERANCE = "within tolerance"
OVER_PAID = "over-paid"
UNDER_PAID = "under-paid"
UNPAID = "unpaid"
PAID_WITHOUT_CLAIM = "paid without claim"
NEEDS_REVIEW = "needs review"
#: The match statuses, in the order the report lists them (the words are contracts).
STATUSES = (
    MATCHED,
    WITHIN_TOLERANCE,
    OVER_PAID,
    UNDER_PAID,
    UNPAID,
    PAID_WITHOUT_CLAIM,
    NEEDS_REVIEW,
)
#: Statuses that are not findings: a run with only these exits 0.
SETTLED = frozenset({MATCHED, WITHIN_TOLERANCE})

RULE_REFUND_ID = "exact key: refund id"
RULE_CLAIM_ID = "exact key: claim id"
RULE_ORDER_AMOUNT = "order + amount"
RULE_ORDER_COMBINED = "order + amount (combined)"
RULE_ORDER_ONLY = "order only"


@dataclass(slots=True)
class ClaimLine(ReadsDecision):
    """One claim line as reconciliation sees it: where it is, its keys and its computed refund.

    A million of these are held at once, so what the engine's decision already says (grade,
    resolution, currency, policy version, rule) is read from it rather than stored again."""

    source: str
    sheet: str | None
    row: int
    claim_id: str | None
    order: str | None
    date: dt.date | None
    issue: str | None
    part: str | None
    status: str  # the engine's status (OK, REVIEW, NOT COVERED, ERROR, DUPLICATE)
    computed: Decimal | None  # None when the engine gave no amount (REVIEW, ERROR, DUPLICATE)
    decision: Decision = field(repr=False)  # the engine's, for auditing
    refund_ids: tuple[str, ...] = ()  # folded refund ids recorded on the claim line
    changed: str | None = None  # stored computed values that differ from the recomputed ones
    duplicate_of: str | None = None  # "row 3" / "other.xlsx row 3": the first line of its claim
    #: and part; the line is listed but counted there
    stored: Mapping[str, object] | None = field(default=None, repr=False)  # on file, if processed
    carried_from: str | None = None  # "2026-03": a ledger line of an earlier period, still owed

    @property
    def resolution(self) -> str | None:
        return None if self.decision.resolution is None else str(self.decision.resolution)

    @property
    def claim_key(self) -> str | None:
        return id_key(self.claim_id)

    @property
    def order_key(self) -> str | None:
        return id_key(self.order)


@dataclass(slots=True)
class LineResult:
    """A claim line with what was paid for it and how it was matched."""

    line: ClaimLine
    status: str  # a match status; "" for a duplicate line
    rule: str
    paid: Decimal = ZERO
    refund_currency: str | None = None
    refund_ids: tuple[str, ...] = ()
    paid_date: dt.date | None = None

    @property
    def difference(self) -> Decimal | None:
        """paid − computed (a missing computed refund counts as 0); None across currencies."""
        if self.line.duplicate_of is not None:
            return None
        if self.refund_currency is not None and self.refund_currency != self.line.currency:
            return None
        return self.paid - (self.line.computed or ZERO)


@dataclass(slots=True)
class Unmatched:
    payment: Payment
    reason: str


@dataclass
class Matching:
    lines: list[LineResult]
    unmatched: list[Unmatched]
    tolerance: Decimal


def in_period(date: dt.date | None, start: dt.date | None, end: dt.date | None) -> bool:
    """Inclusive; a line or refund without a date is kept (it cannot be placed elsewhere)."""
    if date is None:
        return True
    return (start is None or date >= start) and (end is None or date <= end)


__all__ = [
    "DEFAULT_TOLERANCE",
    "MATCHED",
    "NEEDS_REVIEW",
    "OVER_PAID",
    "PAID_WITHOUT_CLAIM",
    "RULE_CLAIM_ID",
    "RULE_ORDER_AMOUNT",
    "RULE_ORDER_COMBINED",
    "RULE_ORDER_ONLY",
    "RULE_REFUND_ID",
    "SETTLED",
    "STATUSES",
    "UNDER_PAID",
    "UNPAID",
    "WINDOW_AFTER",
    "WINDOW_BEFORE",
    "WITHIN_TOLERANCE",
    "ZERO",
    "ClaimLine",
    "LineResult",
    "Matching",
    "Unmatched",
    "in_period",
]
