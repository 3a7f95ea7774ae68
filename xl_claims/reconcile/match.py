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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from xl_claims.core.bulk import paused_gc
from xl_claims.core.values import id_key
from xl_claims.reconcile.layouts import CHARGEBACK, DISPUTE
from xl_claims.reconcile.model import (
    DEFAULT_TOLERANCE,
    MATCHED,
    NEEDS_REVIEW,
    OVER_PAID,
    RULE_CLAIM_ID,
    RULE_ORDER_AMOUNT,
    RULE_ORDER_COMBINED,
    RULE_ORDER_ONLY,
    RULE_REFUND_ID,
    UNDER_PAID,
    UNPAID,
    WINDOW_AFTER,
    WINDOW_BEFORE,
    WITHIN_TOLERANCE,
    ZERO,
    ClaimLine,
    LineResult,
    Matching,
    Unmatched,
)
from xl_claims.reconcile.records import Payment

K = TypeVar("K", str, int)
#: Money the customer's bank took back: never a policy refund, so never matched to a claim line.
_NOT_MATCHED = frozenset({CHARGEBACK, DISPUTE})


@dataclass(slots=True)
class _Group:
    lines: list[int] = field(default_factory=list)
    payments: list[int] = field(default_factory=list)
    rules: tuple[str, ...] = ()
    currency: str | None = None

    def add_rule(self, rule: str) -> None:
        if rule not in self.rules:
            self.rules = (*self.rules, rule)


class _Matcher:
    def __init__(self, lines: Sequence[ClaimLine], payments: Sequence[Payment], tolerance):
        self.lines = lines
        self.payments = payments
        self.tolerance = tolerance
        self.line_group: list[_Group | None] = [None] * len(lines)
        self.taken: list[bool] = [False] * len(payments)
        self.groups: list[_Group] = []
        self.reasons: dict[int, str] = {}
        self.by_claim: dict[str, int | list[int]] = {}
        self.by_refund_id: dict[str, int | list[int]] = {}
        self.by_order: dict[str, int | list[int]] = {}
        # Only the claim ids some refund names are indexed (memory: a million lines).
        named = {key for payment in payments for key in payment.keys}
        for index, line in enumerate(lines):
            if line.duplicate_of is not None:
                continue
            if named and (claim := id_key(line.claim_id)) in named:
                _add(self.by_claim, claim, index)
            for refund_id in line.refund_ids:
                _add(self.by_refund_id, refund_id, index)
            _add(self.by_order, id_key(line.order), index)

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
            for merged in existing:
                if merged is group:
                    continue
                group.lines.extend(merged.lines)
                group.payments.extend(merged.payments)
                for r in merged.rules:
                    group.add_rule(r)
                for i in merged.lines:
                    self.line_group[i] = group
                merged.lines, merged.payments = [], []
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
            by_id = (
                [i for key in payment.ids for i in _get(self.by_refund_id, key)]
                if self.by_refund_id
                else []
            )
            if by_id:
                self.join(index, by_id, RULE_REFUND_ID)
                continue
            by_claim = [i for key in payment.keys for i in _get(self.by_claim, key)]
            if by_claim:
                self.join(index, by_claim, RULE_CLAIM_ID)

    def orders(self) -> None:
        # Refunds waiting for rules 2 and 3, by their order's first line (an int the order index
        # already holds: no second key per refund, for a million refunds).
        waiting: dict[int, int | list[int]] = {}
        for index, payment in enumerate(self.payments):
            if payment.kind in _NOT_MATCHED or self.taken[index] or index in self.reasons:
                continue
            order_lines = _get(self.by_order, payment.order_key)
            if order_lines:
                _add(waiting, order_lines[0], index)
        for first in waiting:
            self.order_amount(self._order_of(first), _get(waiting, first))
        for first in waiting:
            pending = [p for p in _get(waiting, first) if not self.taken[p]]
            self.order_only(self._order_of(first), pending)

    def _order_of(self, line: int) -> str:
        return id_key(self.lines[line].order) or ""

    def order_amount(self, key: str, payment_indexes: list[int]) -> None:
        open_lines = [i for i in _get(self.by_order, key) if self.line_group[i] is None]
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
        owed_total = sum((self.lines[i].computed or ZERO for i in lines), ZERO)
        in_window = all(
            any(self.in_window(self.payments[p], self.lines[i]) for i in lines) for p in rest
        )
        if owed_total > ZERO and abs(paid - owed_total) <= self.tolerance and in_window:
            for p in rest:
                self.join(p, lines, RULE_ORDER_COMBINED)

    def order_only(self, key: str, payment_indexes: list[int]) -> None:
        for p in payment_indexes:
            order_lines = _get(self.by_order, key)
            open_lines = [i for i in order_lines if self.line_group[i] is None]
            targets = [
                i
                for i in open_lines
                if (self.lines[i].computed or ZERO) != ZERO or (self.lines[i].computed is None)
            ] or open_lines
            holder = self.line_group[order_lines[0]]
            if not targets and holder is not None:
                targets = holder.lines
            self.join(p, targets, RULE_ORDER_ONLY)

    def fits(self, payment: Payment, line: ClaimLine) -> bool:
        return abs(payment.amount - (line.computed or ZERO)) <= self.tolerance and self.in_window(
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
        self.line_group = []  # each group is freed once settled (memory: a million groups)
        while self.groups:
            group = self.groups.pop()
            if group.lines:
                self.settle(group, results)
        lines = [r if r is not None else self.alone(self.lines[i]) for i, r in enumerate(results)]
        unmatched = [
            Unmatched(payment, self.reasons.get(index) or _no_claim_reason(payment))
            for index, payment in enumerate(self.payments)
            if not self.taken[index]
        ]
        return Matching(lines=lines, unmatched=unmatched, tolerance=self.tolerance)

    def settle(self, group: _Group, results: list[LineResult | None]) -> None:
        group.lines.sort()
        payments = [self.payments[p] for p in group.payments]
        paid_total = (
            payments[0].amount if len(payments) == 1 else sum((p.amount for p in payments), ZERO)
        )
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
        elif (differs := _order_differs(group, lines, payments)) is not None:
            status = NEEDS_REVIEW
            rule += differs
        else:
            status = self.compare(paid_total - sum((line.computed or ZERO for line in lines), ZERO))
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


def _order_differs(group: _Group, lines: list[ClaimLine], payments: list[Payment]) -> str | None:
    """An exact-key match whose refund names another order than the claim line: flagged (an
    invoice number that holds the claim id, as PayPal's often does, names no order)."""
    if not {RULE_REFUND_ID, RULE_CLAIM_ID} & set(group.rules):
        return None
    claimed = {key for line in lines if (key := id_key(line.order))}
    claim_ids = {key for line in lines if (key := id_key(line.claim_id))}
    other = [p for p in payments if (key := p.order_key) and key not in claimed | claim_ids]
    if not claimed or not other:
        return None
    ours = next(line.order for line in lines if line.order)
    return f"; order differs: claim {ours}, refund {other[0].order}"


def _add(index: dict[K, int | list[int]], key: K | None, value: int) -> None:
    """Index ``value`` under ``key``: one int for a key seen once (most), a list after."""
    if key is None:
        return
    known = index.get(key)
    if known is None:
        index[key] = value
    elif isinstance(known, int):
        index[key] = [known, value]
    else:
        known.append(value)


def _get(index: dict[K, int | list[int]], key: K | None) -> list[int]:
    known = None if key is None else index.get(key)
    if known is None:
        return []
    return [known] if isinstance(known, int) else known


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


__all__ = ["match"]
