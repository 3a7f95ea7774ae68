"""Reconciliation: recompute claim lines, read payment exports, match them, total the result.

``reconcile(...)`` reads every input (an unreadable file is a problem, the rest goes on), keeps the
claim lines and refunds of the period, matches them (``match.py``) and returns a
``Reconciliation`` whose totals are exact ``Decimal`` sums; ``report.write_report`` lays it out.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from xl_claims.core.cache import DecisionCache
from xl_claims.core.errors import ClaimsError, PaymentFormatError
from xl_claims.core.files import file_sha256
from xl_claims.core.model import Claim, Decision, Status
from xl_claims.core.names import normalize_name
from xl_claims.core.policy import Policy
from xl_claims.core.rows import DuplicateTracker, LineRef
from xl_claims.core.table import (
    COMPUTED_HEADERS,
    computed_values,
    decide_values,
)
from xl_claims.core.values import cell_text, id_key, is_blank, parse_amount, parse_date
from xl_claims.reconcile.match import (
    DEFAULT_TOLERANCE,
    NEEDS_REVIEW,
    PAID_WITHOUT_CLAIM,
    SETTLED,
    STATUSES,
    UNDER_PAID,
    UNPAID,
    ZERO,
    ClaimLine,
    LineResult,
    Matching,
    match,
)
from xl_claims.reconcile.payments import (
    Payment,
    PaymentFile,
    parse_payments,
)
from xl_claims.workbook.read import (
    is_csv,
    iter_claim_rows,
    iter_sheet_rows,
    read_claims,
)
from xl_claims.workbook.safety import fail

#: Stored computed columns compared with the recomputed ones (the others follow from these).
COMPARED = ("Refund", "Status", "Applied grade", "Resolution", "Policy version")


@dataclass
class InputFile:
    """One input as the Summary lists it: what it is, its SHA-256 and what was read."""

    role: str  # "claims" or "payments"
    path: str
    sha256: str | None
    kind: str  # "claims", "claims (processed)", "Shopify Payments", "PayPal", ...
    rows: int = 0
    used: int = 0  # claim lines or refunds in the period
    problem: str | None = None


@dataclass
class StatusTotal:
    count: int = 0
    computed: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def difference(self) -> Decimal:
        return self.paid - self.computed


@dataclass
class Reconciliation:
    """Everything the report shows; totals are computed here, once, in ``Decimal``."""

    matching: Matching
    currency: str  # the report currency: the policy's
    period_from: dt.date | None
    period_to: dt.date | None
    policy_versions: list[str]
    inputs: list[InputFile]
    payments: list[Payment]  # refunds in the period
    problems: list[str] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)  # payment rows not paid out, by type
    outside_period: Counter = field(default_factory=Counter)  # "claim lines" / "refunds"
    grade_order: list[str] = field(default_factory=list)  # the policy's grades, for the pivot

    @property
    def tolerance(self) -> Decimal:
        return self.matching.tolerance

    @property
    def lines(self) -> list[LineResult]:
        return self.matching.lines

    @property
    def counted(self) -> list[LineResult]:
        """Lines that count (duplicates are listed but counted once, under their first row)."""
        return [r for r in self.matching.lines if r.line.duplicate_of is None]

    @property
    def total_computed(self) -> Decimal:
        return sum((r.line.computed for r in self.counted if r.line.computed is not None), ZERO)

    def paid_by_currency(self) -> dict[str, Decimal]:
        """Every refund in the period, matched or not, by currency (report currency first)."""
        totals: dict[str, Decimal] = {self.currency: ZERO}
        for payment in self.payments:
            totals[payment.currency] = totals.get(payment.currency, ZERO) + payment.amount
        return totals

    @property
    def total_paid(self) -> Decimal:
        return self.paid_by_currency()[self.currency]

    @property
    def difference(self) -> Decimal:
        return self.total_paid - self.total_computed

    def by_status(self) -> dict[str, StatusTotal]:
        """Claim lines per match status (computed, and paid in the report currency); ``paid
        without claim`` counts refunds."""
        totals = {status: StatusTotal() for status in STATUSES}
        for result in self.counted:
            total = totals[result.status]
            total.count += 1
            total.computed += result.line.computed or ZERO
            if result.refund_currency in (None, self.currency):
                total.paid += result.paid
        for unmatched in self.matching.unmatched:
            total = totals[PAID_WITHOUT_CLAIM]
            total.count += 1
            if unmatched.payment.currency == self.currency:
                total.paid += unmatched.payment.amount
        return totals

    def open_items(self) -> list[tuple[LineResult, Decimal | None, str]]:
        """Open at period end: computed refunds not (fully) paid, with the open amount — unpaid
        and under-paid lines, and lines for review paid less than computed in the claim's
        currency — and REVIEW/ERROR lines that nobody has decided nor paid."""
        items = []
        for result in self.counted:
            line = result.line
            if result.status in (UNPAID, UNDER_PAID):
                reason = "computed, not paid" if result.status == UNPAID else "paid in part"
                items.append((result, line.computed - result.paid, reason))
            elif line.computed is None and not result.refund_ids:
                items.append((result, None, f"{line.status}: no decision ({line.rule})"))
            elif (
                result.status == NEEDS_REVIEW
                and line.computed is not None
                and result.difference is not None
                and result.difference < ZERO
            ):
                reason = f"paid in part, for review ({result.rule})"
                items.append((result, -result.difference, reason))
        return items

    @property
    def open_total(self) -> Decimal:
        return sum((amount for _, amount, _ in self.open_items() if amount is not None), ZERO)

    @property
    def findings(self) -> int:
        """Lines and refunds that need someone's attention; 0 means exit code 0."""
        lines = sum(
            1
            for r in self.matching.lines
            if r.line.changed or (r.line.duplicate_of is None and r.status not in SETTLED)
        )
        return lines + len(self.matching.unmatched) + len(self.problems)

    @property
    def changed(self) -> int:
        return sum(1 for r in self.matching.lines if r.line.changed)


def sha256(path: str | os.PathLike) -> str | None:
    """The input's SHA-256, or None for a file that cannot be read (listed as a problem)."""
    try:
        return file_sha256(path)
    except OSError:
        return None


def in_period(date: dt.date | None, start: dt.date | None, end: dt.date | None) -> bool:
    """Inclusive; a line or refund without a date is kept (it cannot be placed elsewhere)."""
    if date is None:
        return True
    return (start is None or date >= start) and (end is None or date <= end)


def claim_line(
    source: str,
    sheet: str | None,
    row: int,
    values: Mapping,
    stored: Mapping,
    policy: Policy,
    decide_claim: Callable[[Claim], Decision] | None = None,
) -> ClaimLine:
    """One claim row → a claim line, recomputed under the policy, stored values compared
    (``mark_duplicates`` compares a duplicate again, with what the batch writes for one)."""
    decision = decide_values(values, policy, decide_claim)
    try:
        date = parse_date(values.get("date"))
    except ClaimsError:
        date = None
    refund_text = cell_text(values.get("refund_id"))
    refund_ids = tuple(
        key for part in (refund_text or "").replace(";", ",").split(",") if (key := id_key(part))
    )
    return ClaimLine(
        source=source,
        sheet=sheet,
        row=row,
        claim_id=cell_text(values.get("claim_id")),
        order=cell_text(values.get("order")),
        date=date,
        issue=decision.issue or cell_text(values.get("issue")),
        part=decision.part or cell_text(values.get("part")),
        grade=decision.grade,
        status=str(decision.status),
        resolution=None if decision.resolution is None else str(decision.resolution),
        computed=decision.refund,
        currency=decision.currency,
        policy_version=decision.policy_version,
        rule=decision.rule,
        refund_ids=refund_ids,
        refund_id_text=refund_text,
        changed=stored_changes(stored, decision),
        decision=decision,
        stored=stored,
    )


def stored_changes(
    stored: Mapping[str, object] | None, decision: Decision, duplicate: bool = False
) -> str | None:
    """What differs between a processed workbook's computed cells and today's decision (the
    policy or the data changed since), as "Refund stored 20.00, recomputed 40.00; …", else
    None. A duplicate line is compared with what the batch writes for one: DUPLICATE, no refund."""
    if not stored or all(is_blank(v) for v in stored.values()):
        return None
    recomputed = dict(zip(COMPUTED_HEADERS, computed_values(decision), strict=True))
    if duplicate:
        recomputed.update({"Refund": None, "Resolution": None, "Status": str(Status.DUPLICATE)})
    changes = []
    for header in COMPARED:
        if header not in stored:
            continue
        old, new = stored[header], recomputed[header]
        money = header == "Refund"
        if not _same(old, new, money):
            changes.append(f"{header} stored {_show(old, money)}, recomputed {_show(new, money)}")
    return "; ".join(changes) or None


def _same(old: object, new: object, money: bool) -> bool:
    if is_blank(old) or is_blank(new):
        return is_blank(old) and is_blank(new)
    if money:
        try:
            return parse_amount(old) == new
        except ClaimsError:
            return False
    return normalize_name(old) == normalize_name(new)


def _show(value: object, money: bool = False) -> str:
    if is_blank(value):
        return "(empty)"
    if money:
        try:
            return f"{parse_amount(value):.2f}"
        except ClaimsError:
            pass
    return str(value)


def mark_duplicates(lines: list[ClaimLine]) -> None:
    """Same claim id and part as an earlier line (in any input): counted once, like the batch.

    A duplicate's stored computed values are compared again, with what the batch writes for a
    duplicate (status DUPLICATE, no refund)."""
    tracker = DuplicateTracker()
    for line in lines:
        ref = LineRef(line.source, line.sheet, line.row)
        first = tracker.first_of(line.claim_id, line.part, ref)
        if first is None:
            continue
        line.duplicate_of = first.seen_from(ref)
        line.status = str(Status.DUPLICATE)
        line.computed = None
        if line.stored and line.decision is not None:
            line.changed = stored_changes(line.stored, line.decision, duplicate=True)


def read_payments(
    path: str | os.PathLike, header_map: Mapping | None = None, currency: str | None = None
) -> PaymentFile:
    """A payment export: a CSV, or the first sheet of a workbook that is a payment table."""
    name = Path(path).name
    first_problem = None
    for sheet_name, rows in iter_sheet_rows(path):
        try:
            return parse_payments(
                rows, name, None if is_csv(path) else sheet_name, header_map, currency
            )
        except PaymentFormatError as problem:
            first_problem = first_problem or problem
    if first_problem is None:
        raise fail(path, "no sheet to read; export the payments again.")
    raise first_problem


def reconcile(
    claims: Sequence[str | os.PathLike],
    payments: Sequence[str | os.PathLike],
    policy: Policy,
    *,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
    tolerance: Decimal = DEFAULT_TOLERANCE,
    header_map: Mapping[str, Sequence[str]] | None = None,
) -> Reconciliation:
    """Read, recompute, match and total; a file that cannot be read becomes a problem."""
    currency = policy.latest.currency
    inputs: list[InputFile] = []
    problems: list[str] = []
    outside: Counter = Counter()
    lines: list[ClaimLine] = []
    cache = DecisionCache(policy)
    for path in claims:
        entry = InputFile("claims", str(path), sha256(path), "claims")
        inputs.append(entry)
        try:
            sheet = read_claims(path, header_map=header_map)
        except ClaimsError as exc:
            entry.problem = str(exc)
            problems.append(str(exc))
            continue
        if sheet.match.computed:
            entry.kind = "claims (processed)"
        source = Path(path).name
        for row in iter_claim_rows(sheet):
            entry.rows += 1
            line = claim_line(
                source, sheet.sheet, row.row, row.values, row.stored, policy, cache.decide
            )
            if in_period(line.date, period_from, period_to):
                entry.used += 1
                lines.append(line)
            else:
                outside["claim lines"] += 1
    mark_duplicates(lines)
    refunds: list[Payment] = []
    skipped: Counter = Counter()
    for path in payments:
        entry = InputFile("payments", str(path), sha256(path), "payments")
        inputs.append(entry)
        try:
            found = read_payments(path, header_map, currency)
        except ClaimsError as exc:
            entry.problem = str(exc)
            problems.append(str(exc))
            continue
        entry.kind, entry.rows = found.format, found.rows
        problems.extend(found.problems)
        if found.problems:
            entry.problem = f"{len(found.problems)} row(s) could not be read (see Problems)"
        skipped.update(found.skipped)
        for payment in found.payments:
            if in_period(payment.date, period_from, period_to):
                entry.used += 1
                refunds.append(payment)
            else:
                outside["refunds"] += 1
    versions = sorted({line.policy_version for line in lines}) or [policy.latest.id]
    return Reconciliation(
        matching=match(lines, refunds, tolerance),
        currency=currency,
        period_from=period_from,
        period_to=period_to,
        policy_versions=versions,
        inputs=inputs,
        payments=refunds,
        problems=problems,
        skipped=skipped,
        outside_period=outside,
        grade_order=list(dict.fromkeys(g for v in policy.versions for g in v.grades)),
    )
