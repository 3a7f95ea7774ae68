"""The cross-run rule: what a line becomes when its claim id and part already have a line that
counts in the ledger (the *standing* line). Pure: no database, so every case is easy to test."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

OK, NOT_COVERED, REVIEW, DUPLICATE = "OK", "NOT COVERED", "REVIEW", "DUPLICATE"
#: Statuses that are a decision (an amount, 0.00 included); REVIEW and ERROR are still open.
DECIDED = frozenset({OK, NOT_COVERED})
DUPLICATE_RULE = "duplicate.earlier-run"
CHANGED_RULE = "review.changed-since-run"


class EarlierLine(NamedTuple):
    """A line recorded by an earlier run, as the cross-run rule needs it."""

    id: int
    run: int
    run_at: str
    file: str
    sha256: str | None
    sheet: str
    row: int
    status: str
    refund: Decimal | None
    resolution: str | None
    rule: str


class Verdict(NamedTuple):
    """What the cross-run rule makes of a line: its status, refund and explanation (with the
    rule id, as written in the cell), whether it counts, and the earlier line it refers to."""

    status: str
    refund: Decimal | None
    explanation: str
    rule: str
    counts: bool
    earlier_line: int | None


def judge(
    earlier: EarlierLine | None,
    here: tuple[str | None, str, int],
    status: str,
    refund: Decimal | None,
    resolution: str | None,
) -> Verdict | None:
    """The cross-run rule for a line whose claim id and part have a standing line.

    ``here`` is (SHA-256, sheet, row) of the line. None: no earlier line, the line counts as
    decided. The same file's own row, decided the same, is itself (counts, output unchanged). An
    earlier decision (OK, NOT COVERED) decided the same now makes a DUPLICATE; decided otherwise, a
    REVIEW naming both amounts — never a second refund. An earlier line still open (REVIEW, ERROR)
    is replaced by the new one, which counts.
    """
    if earlier is None:
        return None
    same = (earlier.status, earlier.refund, earlier.resolution) == (status, refund, resolution)
    itself = (earlier.sha256, earlier.sheet, earlier.row) == here
    if (itself and same) or (not itself and earlier.status not in DECIDED):
        return Verdict(status, refund, "", "", True, earlier.id)
    then = _outcome(earlier.status, earlier.refund, earlier.resolution, resolution)
    where = f"{earlier.file} row {earlier.row}"
    on = earlier.run_at[:10]
    if same:
        text = (
            f"Duplicate of run {earlier.run}: {where}, decided {then} on {on}; counted once "
            f"there. [rule {DUPLICATE_RULE}]"
        )
        return Verdict(DUPLICATE, None, text, DUPLICATE_RULE, False, earlier.id)
    now = _outcome(status, refund, resolution, earlier.resolution)
    text = (
        f"Decided {then} in run {earlier.run} on {on}; now {now} ({where}): the policy or the "
        f"line changed; review it, never a second refund. [rule {CHANGED_RULE}]"
    )
    return Verdict(REVIEW, None, text, CHANGED_RULE, False, earlier.id)


def _outcome(status: str, refund: Decimal | None, resolution: str | None, other: str | None):
    text = "no amount" if refund is None else f"{refund:.2f}"
    if status != OK:
        return f"{text} ({status})"
    return f"{text} ({resolution})" if resolution and resolution != other else text


__all__ = [
    "CHANGED_RULE",
    "DECIDED",
    "DUPLICATE",
    "DUPLICATE_RULE",
    "EarlierLine",
    "Verdict",
    "judge",
]
