"""The result of a weekly run: per file its output, counts, totals and error; for the run its
totals (the sum of the files'), the summary workbook and every line read back from the spill."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from xl_claims.batch.store import Line, Spill, Totals, read_lines
from xl_claims.core.model import Status


@dataclass
class FileResult:
    """One input: where its output went and what it held, or the one-line error."""

    input: Path
    output: Path | None = None
    sheet: str | None = None
    sha256: str | None = None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    backup: Path | None = None
    policy_versions: set[str] = field(default_factory=set)
    line_count: int = 0
    totals: Totals = field(default_factory=Totals)
    spill_range: tuple[int, int] = (0, 0)
    checks_range: tuple[int, int] = (0, 0)
    recorded_in: int | None = None  # the ledger's run that recorded this same file before
    ledger_counts: dict[str, int] = field(default_factory=dict)  # ``crossrun.CrossRun.counts``

    @property
    def counts(self) -> dict[str, int]:
        """Lines per status, in status order, statuses with no line left out."""
        return {status: n for status, n in self.totals.counts().items() if n}

    @property
    def total(self) -> Decimal:
        return self.totals.total


@dataclass
class BatchResult:
    files: list[FileResult]
    currency: str
    policy_versions: tuple[str, ...]
    spill: Spill | None = None
    checks: Spill | None = None
    summary: Path | None = None
    processed_at: dt.datetime | None = None
    totals: Totals = field(default_factory=Totals)
    notes: list[str] = field(default_factory=list)  # files of a folder left out, and why
    ledger: Path | None = None  # the claims ledger the run was checked against and recorded in
    ledger_run: int | None = None
    ledger_lines: int = 0  # lines recorded in the ledger by this run
    ledger_created: bool = False  # the ledger file was made by this run

    @property
    def ledger_counts(self) -> dict[str, int]:
        """Cross-run duplicates and changes, lines without a claim id: the files' sums."""
        total = {"cross_run_duplicates": 0, "cross_run_changes": 0, "lines_without_claim_id": 0}
        for item in self.files:
            for name, value in item.ledger_counts.items():
                total[name] += value
        return total

    @property
    def counts(self) -> dict[str, int]:
        return self.totals.counts()

    @property
    def total(self) -> Decimal:
        return self.totals.total

    @property
    def errors(self) -> list[tuple[str, str]]:
        return [(str(r.input), r.error) for r in self.files if r.error]

    def iter_lines(self) -> Iterator[Line]:
        """Every decided line of the run, file by file in sheet order, read back from the spill."""
        for item in self.files:
            if item.error is None and self.spill is not None and item.sheet is not None:
                output = None if item.output is None else item.output.name
                yield from read_lines(
                    self.spill, *item.spill_range, item.input.name, item.sheet, output
                )

    def to_frame(self):
        """Every decided line of the run as a pandas DataFrame, one row each, money Decimal
        (``xl_claims.frame.lines_frame``)."""
        from xl_claims.frame import lines_frame

        return lines_frame(self.iter_lines())

    def exit_code(self, strict: bool = False) -> int:
        """0 when every file was processed; 1 for a failed file, or any ERROR row with strict."""
        if self.errors or (strict and self.counts.get(str(Status.ERROR), 0)):
            return 1
        return 0

    def to_dict(self) -> dict:
        """The machine-readable result printed by ``--json``; amounts are strings (exact)."""
        return {
            "files": [
                {
                    "input": str(r.input),
                    "output": None if r.output is None else str(r.output),
                    "sheet": r.sheet,
                    "sha256": r.sha256,
                    "lines": r.line_count,
                    "counts": {s: r.counts.get(s, 0) for s in self.counts},
                    "total_refund": str(r.total),
                    "warnings": r.warnings,
                    "backup": None if r.backup is None else str(r.backup),
                    "error": r.error,
                }
                for r in self.files
            ],
            "counts": self.counts,
            "total_refund": str(self.total),
            "currency": self.currency,
            "policy_versions": list(self.policy_versions),
            "summary": None if self.summary is None else str(self.summary),
            "errors": [{"file": f, "error": e} for f, e in self.errors],
            "notes": self.notes,
            "ledger": None if self.ledger is None else self._ledger_dict(),
        }

    def _ledger_dict(self) -> dict:
        return {
            "path": str(self.ledger),
            "run": self.ledger_run,
            "created": self.ledger_created,
            "lines_recorded": self.ledger_lines,
            **self.ledger_counts,
            "files": [
                {"input": str(r.input), "recorded_in": r.recorded_in, **r.ledger_counts}
                for r in self.files
                if not r.error
            ],
        }

    def close(self) -> None:
        """Remove the spill (done automatically when the process ends)."""
        for spill in (self.spill, self.checks):
            if spill is not None:
                spill.close()
        self.spill = self.checks = None


__all__ = ["BatchResult", "FileResult"]
