"""Claim lines from the claims ledger for a reconciliation, and the carry-over of earlier periods.

The ledger's standing lines (the line that counts for each claim and part, from runs that are not
void) are placed by their date — the claim date, else the date of the run that recorded them:

- in the period: reconciled like the lines of a claims file, with the amount decided then;
- before the period (``--from``): carried over when they are still owed at the period start — a
  refund (OK, amount above 0.00) or a line nobody has decided (REVIEW, ERROR). Refunds dated
  before the period, from the payment exports given, settle them first: a line paid in full (or
  more) then is not carried; a line paid in part is carried with the amount still open;
- after the period: outside it.

The ledger itself is read by the caller (``ledger.LedgerHistory``): this package knows only the
``ClaimsHistory`` it is given.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from xl_claims.core.model import Decision, RecordedLine, Resolution, Status
from xl_claims.reconcile.match import match
from xl_claims.reconcile.model import OVER_PAID, SETTLED, UNDER_PAID, ZERO, ClaimLine
from xl_claims.reconcile.records import Payment

_OPEN_STATUSES = frozenset({str(Status.REVIEW), str(Status.ERROR)})
#: The ledger's counts on the report's Summary sheet (keys as in ``--json``).
LABELS = (
    ("lines_in_period", "Claim lines from the ledger in the period"),
    ("carried_over", "Ledger lines carried over from earlier periods"),
    ("paid_before_period", "Earlier ledger lines paid before the period"),
    ("cross_run_duplicates", "Cross-run duplicates in the period (ledger)"),
    ("cross_run_changes", "Cross-run changes in the period (ledger REVIEW)"),
)


class ClaimsHistory(Protocol):
    """The claims ledger as reconciliation reads it."""

    path: str

    def standing_lines(self) -> Iterable[RecordedLine]: ...

    def cross_run_counts(self, date_from: dt.date | None, date_to: dt.date | None) -> dict: ...


@dataclass
class LedgerLines:
    """What a reconciliation takes from the ledger."""

    path: str
    period_from: dt.date | None = None
    read: int = 0  # standing lines read
    period: list[ClaimLine] = field(default_factory=list)
    earlier: list[ClaimLine] = field(default_factory=list)  # candidates for the carry-over
    outside: int = 0  # after the period, or decided before it and owing nothing
    carried: int = 0  # earlier lines still owed at the period start
    paid_before: int = 0  # earlier lines settled by refunds dated before the period
    counts: dict[str, int] = field(default_factory=dict)  # cross-run duplicates and changes

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "lines_in_period": len(self.period),
            "carried_over": self.carried,
            "paid_before_period": self.paid_before,
            **self.counts,
        }

    def labelled(self) -> list[tuple[str, int, None]]:
        found = self.to_dict()
        return [(label, found[key], None) for key, label in LABELS]


def read_ledger_lines(
    history: ClaimsHistory, period_from: dt.date | None, period_to: dt.date | None
) -> LedgerLines:
    """Split the ledger's standing lines into the period's lines, earlier ones and the rest."""
    found = LedgerLines(path=history.path, period_from=period_from)
    for standing in history.standing_lines():
        found.read += 1
        if period_to is not None and standing.date > period_to:
            found.outside += 1
        elif period_from is None or standing.date >= period_from:
            found.period.append(claim_line(standing))
        elif standing.status in _OPEN_STATUSES or (standing.refund or ZERO) > ZERO:
            found.earlier.append(claim_line(standing, carried=True))
        else:
            found.outside += 1
    found.counts = history.cross_run_counts(period_from, period_to)
    return found


def claim_line(recorded: RecordedLine, carried: bool = False) -> ClaimLine:
    """A recorded line as reconciliation sees it: the decision taken when it was recorded (the
    ledger keeps the decision, so the line is not decided again)."""
    resolution = None if recorded.resolution is None else Resolution(recorded.resolution)
    decision = Decision(
        status=Status(recorded.status),
        refund=recorded.refund,
        resolution=resolution,
        rule=recorded.rule,
        explanation="",
        policy_version=recorded.policy_version,
        currency=recorded.currency,
        issue=recorded.issue,
        part=recorded.part,
        grade=recorded.grade,
    )
    return ClaimLine(
        source=recorded.file,
        sheet=recorded.sheet,
        row=recorded.row,
        claim_id=recorded.claim_id,
        order=recorded.order,
        date=recorded.claimed,
        issue=recorded.issue,
        part=recorded.part,
        status=recorded.status,
        computed=recorded.refund,
        decision=decision,
        carried_from=recorded.date.strftime("%Y-%m") if carried else None,
    )


def carry_over(
    found: LedgerLines, outside: Sequence[Payment], tolerance: Decimal
) -> list[ClaimLine]:
    """The earlier lines still owed at the period start, after the refunds dated before it
    (``outside``: the refunds outside the period)."""
    if not found.earlier or found.period_from is None:
        return []
    start = found.period_from
    before = [payment for payment in outside if payment.date and payment.date < start]
    settled = match(found.earlier, before, tolerance)
    carried = []
    for result in settled.lines:
        line = result.line
        if (
            result.status in SETTLED
            or result.status == OVER_PAID
            or (line.computed is None and result.paid > ZERO)
        ):
            found.paid_before += 1
        elif result.status == UNDER_PAID and line.computed is not None:
            carried.append(dataclasses.replace(line, computed=line.computed - result.paid))
        else:
            carried.append(line)
    found.carried = len(carried)
    return carried


__all__ = [
    "LABELS",
    "ClaimsHistory",
    "LedgerLines",
    "RecordedLine",
    "carry_over",
    "claim_line",
    "read_ledger_lines",
]
