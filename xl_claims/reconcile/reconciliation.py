"""Reconciliation: recompute claim lines, read payment exports, match them, total the result.

``reconcile(...)`` reads every input (an unreadable one is listed as missing), keeps each payment
event once, keeps the claim lines and refunds of the period, matches them (``match``) and returns
a ``Reconciliation`` of exact ``Decimal`` totals; ``report.write_report`` lays it out.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from xl_claims.core.bulk import paused_gc
from xl_claims.core.cache import DecisionCache
from xl_claims.core.errors import ClaimsError
from xl_claims.core.files import file_sha256
from xl_claims.core.policy import Policy
from xl_claims.core.table import HeaderMap
from xl_claims.reconcile.carry import ClaimsHistory, LedgerLines, carry_over, read_ledger_lines
from xl_claims.reconcile.claims import mark_duplicates, read_claim_lines
from xl_claims.reconcile.dedupe import PaymentEvents
from xl_claims.reconcile.match import match
from xl_claims.reconcile.model import (
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
    in_period,
)
from xl_claims.reconcile.payments import read_payments
from xl_claims.reconcile.records import Payment

#: Exit codes of ``xl-claims reconcile`` (documented beside each other in the README).
EXIT_SETTLED, EXIT_FINDINGS, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3


@dataclass
class InputFile:
    """One input as the Summary lists it: what it is, its SHA-256 and what was read."""

    role: str  # "claims", "payments" or "ledger"
    path: str
    sha256: str | None
    kind: str  # "claims", "claims (processed)", "Shopify Payments", "PayPal", ...
    rows: int = 0
    used: int = 0  # claim lines or refunds in the period
    problem: str | None = None
    duplicates: int = 0  # payment rows dropped: the same events as an earlier input's
    unreadable: bool = False  # the file could not be read at all: the report is incomplete


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
    warnings: list[str] = field(default_factory=list)
    first_policy: str | None = None  # "AS-2026.1, in force from 2026-01-01"
    ledger: LedgerLines | None = None  # what came from the claims ledger, when one was given

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
    def missing(self) -> list[InputFile]:
        """Inputs that could not be read at all: the totals leave them out."""
        return [entry for entry in self.inputs if entry.unreadable]

    @property
    def incomplete(self) -> str | None:
        """The line that says the report is incomplete, or None when every input was read."""
        if not self.missing:
            return None
        names = ", ".join(f"{Path(e.path).name} ({e.role})" for e in self.missing)
        return (
            f"INCOMPLETE: {len(self.missing)} input(s) could not be read and are left out of "
            f"every total: {names}"
        )

    @property
    def before_policy(self) -> int:
        """Claim lines dated before the first policy version (decided under it)."""
        return sum(1 for r in self.matching.lines if r.line.decision.before_policy)

    @property
    def duplicate_payment_rows(self) -> dict[str, int]:
        """Payment rows dropped as repeated events, per input file name."""
        return {Path(e.path).name: e.duplicates for e in self.inputs if e.duplicates}

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
        items: list[tuple[LineResult, Decimal | None, str]] = []
        for result in self.counted:
            line = result.line
            if result.status in (UNPAID, UNDER_PAID) and line.computed is not None:
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
    def carried_open_total(self) -> Decimal:
        """The part of ``open_total`` carried over from earlier periods (ledger lines)."""
        return sum(
            (a for r, a, _ in self.open_items() if a is not None and r.line.carried_from), ZERO
        )

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

    @property
    def exit_code(self) -> int:
        """3 when an input could not be read, 1 for findings, 0 when everything is settled."""
        if self.missing:
            return EXIT_INCOMPLETE
        return EXIT_FINDINGS if self.findings else EXIT_SETTLED

    def to_frame(self):
        """Every claim line with computed, paid, difference and match, as a pandas DataFrame
        (``xl_claims.frame.reconciliation_frame``: money stays Decimal)."""
        from xl_claims.frame import reconciliation_frame

        return reconciliation_frame(self)


@dataclass
class _Reading:
    """What ``reconcile`` gathers while it reads the inputs."""

    period_from: dt.date | None
    period_to: dt.date | None
    inputs: list[InputFile] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    outside: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    digests: dict[tuple[str, str], str] = field(default_factory=dict)
    earlier: list[Payment] | None = None  # refunds outside the period, for the carry-over

    def entry(self, role: str, path: str | os.PathLike) -> InputFile | None:
        """The input's entry, or None (with a warning) when the same file was given already."""
        try:
            digest: str | None = file_sha256(path)
        except OSError:
            digest = None
        if digest is not None:
            first = self.digests.setdefault((role, digest), str(path))
            if first != str(path) or any(e.path == str(path) for e in self.inputs):
                self.warnings.append(
                    f"{path} has the same content (SHA-256) as {first}, given before: read once."
                )
                return None
        entry = InputFile(role, str(path), digest, role)
        self.inputs.append(entry)
        return entry

    def unreadable(self, entry: InputFile, exc: ClaimsError) -> None:
        entry.problem, entry.unreadable = str(exc), True
        self.problems.append(str(exc))


def reconcile(
    claims: Sequence[str | os.PathLike],
    payments: Sequence[str | os.PathLike],
    policy: Policy,
    *,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
    tolerance: Decimal = DEFAULT_TOLERANCE,
    header_map: HeaderMap | None = None,
    ledger: ClaimsHistory | None = None,
) -> Reconciliation:
    """Read, recompute, match and total; a file that cannot be read is listed as missing. A
    claims ``ledger``'s lines come first, with the earlier ones still owed (``carry``)."""
    reading = _Reading(period_from, period_to)
    with paused_gc():
        found = None if ledger is None else _ledger_input(ledger, reading)
        lines = _read_claims(claims, policy, header_map, reading)
        recorded = {i for line in lines for i in line.refund_ids}
        refunds = _read_payments(payments, policy, header_map, reading, recorded)
        if found is not None:
            lines = [*found.period, *carry_over(found, reading.earlier or [], tolerance), *lines]
            reading.inputs[0].used += found.carried
        mark_duplicates(lines)
        matching = match(lines, refunds, tolerance)
    versions = sorted({line.policy_version for line in lines}) or [policy.latest.id]
    first = policy.versions[0]
    result = Reconciliation(
        matching=matching,
        currency=policy.latest.currency,
        period_from=period_from,
        period_to=period_to,
        policy_versions=versions,
        inputs=reading.inputs,
        payments=refunds,
        problems=reading.problems,
        skipped=reading.skipped,
        outside_period=reading.outside,
        grade_order=list(dict.fromkeys(g for v in policy.versions for g in v.grades)),
        warnings=reading.warnings,
        first_policy=f"{first.id}, in force from {first.effective_from.isoformat()}",
        ledger=found,
    )
    return result


def _ledger_input(ledger: ClaimsHistory, reading: _Reading) -> LedgerLines:
    """The ledger's lines, listed first among the inputs; refunds outside the period are kept
    from now on (those before it settle the lines carried over)."""
    found = read_ledger_lines(ledger, reading.period_from, reading.period_to)
    entry = InputFile("ledger", found.path, None, "claims ledger", found.read, len(found.period))
    reading.inputs.append(entry)
    reading.outside["claim lines"] += found.outside
    reading.earlier = []
    return found


def _read_claims(claims, policy: Policy, header_map, reading: _Reading) -> list[ClaimLine]:
    lines: list[ClaimLine] = []
    cache = DecisionCache(policy)
    for path in claims:
        entry = reading.entry("claims", path)
        if entry is None:
            continue
        try:
            processed, found = read_claim_lines(path, policy, cache, header_map)
            for line in found:
                entry.rows += 1
                if in_period(line.date, reading.period_from, reading.period_to):
                    entry.used += 1
                    lines.append(line)
                else:
                    reading.outside["claim lines"] += 1
        except ClaimsError as exc:
            reading.unreadable(entry, exc)
            continue
        if processed:
            entry.kind = "claims (processed)"
    return lines


def _read_payments(payments, policy: Policy, header_map, reading: _Reading, recorded) -> list:
    events = PaymentEvents(recorded)
    currency = policy.latest.currency
    spans: list[tuple[InputFile, int, int]] = []  # each input's events in ``events.payments``
    for path in payments:
        entry = reading.entry("payments", path)
        if entry is None:
            continue
        try:
            found = read_payments(path, header_map, currency)
        except ClaimsError as exc:
            reading.unreadable(entry, exc)
            continue
        entry.kind, entry.rows = found.format, found.rows
        reading.problems.extend(found.problems)
        if found.problems:
            entry.problem = f"{len(found.problems)} row(s) could not be read (see Problems)"
        if found.note:
            reading.warnings.append(f"{Path(path).name}: {found.note}.")
        reading.skipped.update(found.skipped)
        start = len(events.payments)
        entry.duplicates = events.add(found, Path(path).name)
        spans.append((entry, start, len(events.payments)))
        if entry.duplicates:
            reading.warnings.append(
                f"{Path(path).name}: {entry.duplicates} payment row(s) are the same payment "
                "events as rows of an earlier input: dropped, each counted once."
            )
    kept, notes = events.finish()
    reading.warnings.extend(notes)
    refunds = []
    for entry, start, end in spans:
        for payment in kept[start:end]:
            if in_period(payment.date, reading.period_from, reading.period_to):
                entry.used += 1
                refunds.append(payment)
            else:
                reading.outside["refunds"] += 1
                if reading.earlier is not None:
                    reading.earlier.append(payment)
    return refunds


__all__ = [
    "EXIT_FINDINGS",
    "EXIT_INCOMPLETE",
    "EXIT_SETTLED",
    "EXIT_USAGE",
    "NEEDS_REVIEW",
    "STATUSES",
    "InputFile",
    "Reconciliation",
    "reconcile",
]
