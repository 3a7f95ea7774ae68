"""Pure matching of claim lines with refunds: dict indexes by key and order, near-linear.

Rules, in order (each refund is taken by the first that applies):

1. exact key — a refund id recorded on the claim line equals the refund's id, or the claim id
   appears in the refund's claim reference (Stripe refund metadata, PayPal invoice number, custom
   number or note, a generic sheet's Claim ID or note). The refund pays every line of that claim.
2. order + amount — the refund's order has open claim lines; a line whose computed refund is within
   the tolerance of the refund's amount and whose claim date is in the date window takes it; then
   the order's remaining refunds together against its remaining lines together (one refund for
   several lines of an order, or several refunds for one line).
3. order only — any refund left for an order with claim lines goes to that order's open lines (or,
   when none is open, to the group already holding the order's first line), flagged for review.

Chargebacks and disputes are never matched: they go to Unmatched payments, whatever their keys.
Refunds and lines matched together form a group; a group has one refund currency (a refund in
another currency than the group's refunds stays unmatched, saying so). The group's paid total is
allocated to its lines in row order, each line up to its computed refund, the remainder to the
last line, so per-line paid sums exactly to the refunds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from xl_claims.core.bulk import paused_gc
from xl_claims.core.model import Decision
from xl_claims.core.values import id_key
from xl_claims.reconcile.payments import CHARGEBACK, DISPUTE, Payment

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
#: Money the customer's bank took back: never a policy refund, so never matched to a claim line.
_NOT_MATCHED = frozenset({CHARGEBACK, DISPUTE})


@dataclass(slots=True)
class ClaimLine:
    """One claim line as reconciliation sees it: where it is, its keys and its computed refund."""

    source: str
    sheet: str | None
    row: int
    claim_id: str | None
    order: str | None
    date: dt.date | None
    issue: str | None
    part: str | None
    grade: str | None
    status: str  # the engine's status (OK, REVIEW, NOT COVERED, ERROR, DUPLICATE)
    resolution: str | None
    computed: Decimal | None  # None when the engine gave no amount (REVIEW, ERROR)
    currency: str
    policy_version: str
    rule: str
    refund_ids: tuple[str, ...] = ()  # folded refund ids recorded on the claim line
    refund_id_text: str | None = None
    changed: str | None = None  # stored computed values that differ from the recomputed ones
    duplicate_of: str | None = None  # "row 3" / "other.xlsx row 3": the first line of its claim
    #: and part; the line is listed but counted there
    decision: Decision | None = field(default=None, repr=False)  # the engine's, for auditing
    stored: Mapping[str, object] | None = field(default=None, repr=False)  # on file, if processed
    claim_key: str | None = field(init=False, default=None)  # folded once, here
    order_key: str | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.claim_key = id_key(self.claim_id)
        self.order_key = id_key(self.order)


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


@dataclass
class _Group:
    lines: list[int] = field(default_factory=list)
    payments: list[int] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    currency: str | None = None

    def add_rule(self, rule: str) -> None:
        if rule not in self.rules:
            self.rules.append(rule)


class _Matcher:
    def __init__(self, lines: Sequence[ClaimLine], payments: Sequence[Payment], tolerance):
        self.lines = lines
        self.payments = payments
        self.tolerance = tolerance
        self.line_group: list[_Group | None] = [None] * len(lines)
        self.taken: list[bool] = [False] * len(payments)
        self.groups: list[_Group] = []
        self.reasons: dict[int, str] = {}
        self.by_claim: dict[str, list[int]] = {}
        self.by_refund_id: dict[str, list[int]] = {}
        self.by_order: dict[str, list[int]] = {}
        for index, line in enumerate(lines):
            if line.duplicate_of is not None:
                continue
            if line.claim_key:
                self.by_claim.setdefault(line.claim_key, []).append(index)
            for refund_id in line.refund_ids:
                self.by_refund_id.setdefault(refund_id, []).append(index)
            if line.order_key:
                self.by_order.setdefault(line.order_key, []).append(index)

    # -- grouping ------------------------------------------------------------------------------

    def join(self, payment: int, line_indexes: Iterable[int], rule: str) -> bool:
        """Put a refund and lines in one group (merging the lines' groups); False when the
        refund's currency differs from the group's refunds."""
        targets = list(dict.fromkeys(line_indexes))
        existing = list({id(g): g for i in targets if (g := self.line_group[i])}.values())
        currency = self.payments[payment].currency
        if any(g.currency not in (None, currency) for g in existing):
            other = next(g.currency for g in existing if g.currency not in (None, currency))
            self.reasons[payment] = (
                f"its claim lines were paid in {other}; this refund is in {currency} "
                "(not converted)"
            )
            return False
        if existing:
            group = max(existing, key=lambda g: len(g.lines) + len(g.payments))
            for other in existing:
                if other is group:
                    continue
                group.lines.extend(other.lines)
                group.payments.extend(other.payments)
                for r in other.rules:
                    group.add_rule(r)
                for i in other.lines:
                    self.line_group[i] = group
                other.lines, other.payments = [], []
        else:
            group = _Group()
            self.groups.append(group)
        for i in targets:
            if self.line_group[i] is not group:
                self.line_group[i] = group
                group.lines.append(i)
        group.payments.append(payment)
        group.currency = currency
        group.add_rule(rule)
        self.taken[payment] = True
        return True

    # -- the three rules -----------------------------------------------------------------------

    def exact_keys(self) -> None:
        for index, payment in enumerate(self.payments):
            if payment.kind in _NOT_MATCHED:
                continue
            by_id = [i for key in payment.ids for i in self.by_refund_id.get(key, ())]
            if by_id:
                self.join(index, by_id, RULE_REFUND_ID)
                continue
            by_claim = [i for key in payment.keys for i in self.by_claim.get(key, ())]
            if by_claim:
                self.join(index, by_claim, RULE_CLAIM_ID)

    def orders(self) -> None:
        waiting: dict[str, list[int]] = {}
        for index, payment in enumerate(self.payments):
            key = payment.order_key
            if payment.kind in _NOT_MATCHED or self.taken[index] or index in self.reasons:
                continue
            if key in self.by_order:
                waiting.setdefault(key, []).append(index)
        for key, payment_indexes in waiting.items():
            self.order_amount(key, payment_indexes)
        for key, payment_indexes in waiting.items():
            self.order_only(key, [p for p in payment_indexes if not self.taken[p]])

    def order_amount(self, key: str, payment_indexes: list[int]) -> None:
        open_lines = [i for i in self.by_order[key] if self.line_group[i] is None]
        owed = [i for i in open_lines if (self.lines[i].computed or ZERO) > ZERO]
        for p in payment_indexes:
            payment = self.payments[p]
            for i in owed:
                line = self.lines[i]
                if self.line_group[i] is None and self.fits(payment, line):
                    self.join(p, [i], RULE_ORDER_AMOUNT)
                    break
        rest = [p for p in payment_indexes if not self.taken[p]]
        lines = [i for i in open_lines if self.line_group[i] is None]
        if not rest or not lines or any(self.lines[i].computed is None for i in lines):
            return
        if len({self.payments[p].currency for p in rest}) != 1:
            return
        paid = sum((self.payments[p].amount for p in rest), ZERO)
        owed_total = sum((self.lines[i].computed for i in lines), ZERO)
        in_window = all(
            any(self.in_window(self.payments[p], self.lines[i]) for i in lines) for p in rest
        )
        if owed_total > ZERO and abs(paid - owed_total) <= self.tolerance and in_window:
            for p in rest:
                self.join(p, lines, RULE_ORDER_COMBINED)

    def order_only(self, key: str, payment_indexes: list[int]) -> None:
        for p in payment_indexes:
            order_lines = self.by_order[key]
            open_lines = [i for i in order_lines if self.line_group[i] is None]
            targets = [
                i
                for i in open_lines
                if (self.lines[i].computed or ZERO) != ZERO or (self.lines[i].computed is None)
            ] or open_lines
            if not targets:
                targets = self.line_group[order_lines[0]].lines
            self.join(p, targets, RULE_ORDER_ONLY)

    def fits(self, payment: Payment, line: ClaimLine) -> bool:
        return abs(payment.amount - line.computed) <= self.tolerance and self.in_window(
            payment, line
        )

    @staticmethod
    def in_window(payment: Payment, line: ClaimLine) -> bool:
        if payment.date is None or line.date is None:
            return True
        return line.date - WINDOW_BEFORE <= payment.date <= line.date + WINDOW_AFTER

    # -- results -------------------------------------------------------------------------------

    def results(self) -> Matching:
        results: list[LineResult | None] = [None] * len(self.lines)
        for group in self.groups:
            if group.lines:
                self.settle(group, results)
        for index, line in enumerate(self.lines):
            if results[index] is None:
                results[index] = self.alone(line)
        unmatched = [
            Unmatched(payment, self.reasons.get(index) or _no_claim_reason(payment))
            for index, payment in enumerate(self.payments)
            if not self.taken[index]
        ]
        return Matching(lines=results, unmatched=unmatched, tolerance=self.tolerance)

    def settle(self, group: _Group, results: list[LineResult | None]) -> None:
        group.lines.sort()
        payments = [self.payments[p] for p in group.payments]
        paid_total = sum((p.amount for p in payments), ZERO)
        lines = [self.lines[i] for i in group.lines]
        currency = group.currency
        rule = " + ".join(group.rules)
        if RULE_ORDER_ONLY in group.rules:
            status = NEEDS_REVIEW
        elif any(line.currency != currency for line in lines):
            status = NEEDS_REVIEW
            claim_currency = lines[0].currency
            rule += f"; currency mismatch: claim in {claim_currency}, refund in {currency}"
        elif any(line.computed is None for line in lines):
            status = NEEDS_REVIEW
            rule += "; no computed refund (REVIEW or ERROR line)"
        else:
            status = self.compare(paid_total - sum((line.computed for line in lines), ZERO))
        refund_ids = tuple(dict.fromkeys(p.refund_id for p in payments))
        dates = [p.date for p in payments if p.date is not None]
        paid_date = max(dates) if dates else None
        remaining = paid_total
        for position, index in enumerate(group.lines):
            line = self.lines[index]
            if position == len(group.lines) - 1:
                share = remaining
            else:
                share = min(remaining, max(line.computed or ZERO, ZERO))
            remaining -= share
            results[index] = LineResult(
                line=line,
                status=status,
                rule=rule,
                paid=share,
                refund_currency=currency,
                refund_ids=refund_ids,
                paid_date=paid_date,
            )

    def compare(self, difference: Decimal) -> str:
        if difference == ZERO:
            return MATCHED
        if abs(difference) <= self.tolerance:
            return WITHIN_TOLERANCE
        return OVER_PAID if difference > ZERO else UNDER_PAID

    @staticmethod
    def alone(line: ClaimLine) -> LineResult:
        if line.duplicate_of is not None:
            return LineResult(line, "", f"duplicate of {line.duplicate_of}: counted once")
        if line.computed is None:
            return LineResult(line, NEEDS_REVIEW, f"no refund found; {line.status}: no decision")
        if line.computed == ZERO:
            return LineResult(line, MATCHED, "nothing owed, nothing paid")
        return LineResult(line, UNPAID, "no refund found")


def _no_claim_reason(payment: Payment) -> str:
    if payment.kind in (CHARGEBACK, DISPUTE):
        return f"{payment.kind}: money taken back by the customer's bank, not a policy refund"
    if payment.order:
        return f"no claim line for order {payment.order}"
    return "no claim line with this claim id, refund id or order"


def match(
    lines: Sequence[ClaimLine],
    payments: Sequence[Payment],
    tolerance: Decimal = DEFAULT_TOLERANCE,
) -> Matching:
    """Match claim lines with refunds by the three rules, in order; see the module docstring."""
    with paused_gc():
        matcher = _Matcher(lines, payments, tolerance)
        matcher.exact_keys()
        matcher.orders()
        return matcher.results()


__all__ = [
    "DEFAULT_TOLERANCE",
    "MATCHED",
    "NEEDS_REVIEW",
    "OVER_PAID",
    "PAID_WITHOUT_CLAIM",
    "SETTLED",
    "STATUSES",
    "UNDER_PAID",
    "UNPAID",
    "WITHIN_TOLERANCE",
    "ClaimLine",
    "LineResult",
    "Matching",
    "Unmatched",
    "match",
]
