"""What a weekly run keeps of its lines: totals per status, grade, part, issue and resolution, and
every line spilled to a temporary file (memory does not grow with the number of lines).
"""

from __future__ import annotations

import pickle
import tempfile
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from xl_claims.core.model import Status
from xl_claims.core.totals import GroupTotals
from xl_claims.workbook.summary import STATUS_ORDER, GroupRow, SummaryTotals

_BATCH = 4096
_GROUPS = ("status", "grade", "part", "issue", "resolution")


@dataclass(frozen=True, slots=True)
class Line:
    """One decided claim line, as ``BatchResult.iter_lines`` gives it back."""

    file: str
    sheet: str
    row: int
    claim_id: str | None
    part: str
    issue: str
    grade: str
    resolution: str
    status: str
    refund: Decimal | None
    reason: str
    policy_version: str
    output: str | None = None


class Totals:
    """Lines and refunds per status, applied grade, part, issue and resolution (DUPLICATE lines
    only in the status counts)."""

    def __init__(self) -> None:
        self.groups = {name: GroupTotals() for name in _GROUPS}

    def add(
        self, labels: tuple[str, str, str, str, str], refund: Decimal | None, lines: int
    ) -> None:
        amount = None if refund is None else refund * lines
        status = labels[0]
        self.groups["status"].add(status, amount, lines=lines)
        if status == Status.DUPLICATE:
            return
        for name, label in zip(_GROUPS[1:], labels[1:], strict=True):
            self.groups[name].add(label, amount, lines=lines)

    def merge(self, other: Totals) -> None:
        for name, group in self.groups.items():
            group.add_totals(other.groups[name])

    def counts(self) -> dict[str, int]:
        found = {row[0]: row[1] for row in self.groups["status"].rows()}
        return {status: found.get(status, 0) for status in STATUS_ORDER}

    @property
    def total(self) -> Decimal:
        return self.groups["grade"].total()[1]

    def summary(self) -> SummaryTotals:
        def rows(name: str) -> list[GroupRow]:
            group = self.groups[name]
            return [
                GroupRow(r[0], r[1], r[2] if group.determined(r[0]) else None) for r in group.rows()
            ]

        by_status = {r.label: r for r in rows("status")}
        statuses = [by_status.get(s, GroupRow(s, 0, None)) for s in STATUS_ORDER]
        return SummaryTotals(
            statuses=[
                GroupRow(r.label, r.lines, None if r.label == Status.DUPLICATE else r.refund)
                for r in statuses
            ],
            total=self.total,
            grades=rows("grade"),
            parts=rows("part"),
            issues=rows("issue"),
            resolutions=rows("resolution"),
        )


class Spill:
    """Every line of a run, pickled in batches to one temporary file, read back in order."""

    def __init__(self) -> None:
        # open as long as the run's result: closed by ``close``, or when the result is dropped
        self.handle = tempfile.TemporaryFile(prefix="xl-claims-lines-")  # noqa: SIM115
        self._closer = weakref.finalize(self, self.handle.close)
        self.pending: list[tuple] = []

    def add(self, record: tuple) -> None:
        self.pending.append(record)
        if len(self.pending) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.handle.seek(0, 2)
            pickle.dump(self.pending, self.handle, protocol=pickle.HIGHEST_PROTOCOL)
            self.pending = []

    def mark(self) -> int:
        self.flush()
        return self.handle.seek(0, 2)

    def records(self, start: int, end: int) -> Iterator[tuple]:
        self.flush()
        position = start
        while position < end:
            self.handle.seek(position)
            batch = pickle.load(self.handle)
            position = self.handle.tell()
            yield from batch

    def close(self) -> None:
        self._closer()


def read_lines(
    spill: Spill, start: int, end: int, file: str, sheet: str, output: str | None
) -> Iterator[Line]:
    """The lines of one sheet back from the spill, in sheet order."""
    entries: dict[int, tuple] = {}
    for record in spill.records(start, end):
        if record[0] == "entry":
            entries[record[1]] = record[2:]
            continue
        if record[2] is None:
            number, claim_id, _, labels, refund, reason, version = record
        else:
            number, claim_id, index = record
            labels, refund, reason, version = entries[index]
        status, grade, part, issue, resolution = labels
        yield Line(
            file,
            sheet,
            number,
            claim_id,
            part,
            issue,
            grade,
            resolution,
            status,
            refund,
            reason,
            version,
            output,
        )


def read_checks(checks: Spill, start: int, end: int) -> Iterator[tuple]:
    """``(row, claim id, status, part, reason)`` of the REVIEW, ERROR and DUPLICATE lines."""
    return checks.records(start, end)


__all__ = ["Line", "Spill", "Totals", "read_checks", "read_lines"]
