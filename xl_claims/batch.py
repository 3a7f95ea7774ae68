"""The weekly batch: decide every claim line of every input, write the processed workbooks and the
run's ``summary.xlsx``. One bad file never stops the others; every failure is a one-line message.

``process_files`` is what ``xl-claims process`` calls; the result carries counts per status,
Decimal totals, the per-file outputs, warnings and errors.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

from xl_claims import __version__
from xl_claims.batch_paths import (
    INPUT_SUFFIXES,
    SUMMARY_NAME,
    backup_copy,
    expand_inputs,
    plan_outputs,
)
from xl_claims.core.errors import ClaimsError, UsageError, WorkbookError
from xl_claims.core.files import file_sha256
from xl_claims.core.model import Decision, Status
from xl_claims.core.policy import Policy
from xl_claims.core.rows import LineRef, RowDecider
from xl_claims.core.values import cell_text, is_blank
from xl_claims.workbook.read import (
    ClaimSheet,
    claim_sheet_from_rows,
    claim_sheet_from_workbook,
    is_csv,
    open_workbook,
    read_csv_rows,
)
from xl_claims.workbook.summary import (
    STATUS_ORDER,
    FileInfo,
    Line,
    RunInfo,
    replace_summary_sheet,
    status_totals,
    total_refund,
    write_summary,
)
from xl_claims.workbook.write import (
    detect_losses,
    save_atomic,
    sheet_title,
    write_computed,
    write_rows,
)

PROGRESS_EVERY = 5000


@dataclass
class FileResult:
    """One input: where its output went and what it held, or the one-line error."""

    input: Path
    output: Path | None = None
    sheet: str | None = None
    sha256: str | None = None
    lines: list[Line] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    backup: Path | None = None
    policy_versions: set[str] = field(default_factory=set)

    @property
    def counts(self) -> dict[str, int]:
        """Lines per status, in status order, statuses with no line left out."""
        found = Counter(line.status for line in self.lines)
        return {status: found[status] for status in STATUS_ORDER if found[status]}

    @property
    def total(self) -> Decimal:
        return total_refund(self.lines)


@dataclass
class BatchResult:
    files: list[FileResult]
    currency: str
    policy_versions: tuple[str, ...]
    summary: Path | None = None
    processed_at: dt.datetime | None = None
    notes: list[str] = field(default_factory=list)  # files of a folder left out, and why

    @property
    def lines(self) -> list[Line]:
        return [line for result in self.files for line in result.lines]

    @property
    def counts(self) -> dict[str, int]:
        return {status: n for status, n, _ in status_totals(self.lines)}

    @property
    def total(self) -> Decimal:
        return total_refund(self.lines)

    @property
    def errors(self) -> list[tuple[str, str]]:
        return [(str(r.input), r.error) for r in self.files if r.error]

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
                    "lines": len(r.lines),
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
        }


# --- the batch -----------------------------------------------------------------------------------


def process_files(
    items: Sequence[str | os.PathLike],
    *,
    policy: Policy,
    output: str | os.PathLike | None = None,
    output_dir: str | os.PathLike | None = None,
    sheet: str | None = None,
    header_map: Mapping[str, Sequence[str]] | None = None,
    in_place: bool = False,
    progress: Callable[[Path, int, bool], None] | None = None,
    now: dt.datetime | None = None,
    force: bool = False,
) -> BatchResult:
    """Process every input; see the module docstring. ``force``: replace existing outputs.

    ``progress(path, lines, done)`` is called every ``PROGRESS_EVERY`` decided lines of a file
    (``done`` False) and after each file (``done`` True).
    """
    notes: list[str] = []
    inputs, missing = expand_inputs(items, notes)
    if not inputs and not missing:
        raise UsageError("no input given.")
    targets = plan_outputs(
        inputs, output=output, output_dir=output_dir, in_place=in_place, force=force
    )
    processed_at = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    decider = RowDecider(policy)
    results = [FileResult(input=path, error=f"{path.name}: {problem}") for path, problem in missing]
    for path, target in zip(inputs, targets, strict=True):
        result = FileResult(input=path)
        try:
            _process_one(
                path,
                target,
                result,
                policy,
                sheet,
                header_map,
                in_place,
                decider,
                processed_at,
                progress,
            )
        except Exception as exc:  # one bad file never stops the batch
            result.error = _failure(path, exc)
        if result.error:
            result.lines = []
            result.output = None
        results.append(result)
        if progress is not None:
            progress(path, len(result.lines), True)
    versions = tuple(sorted({v for r in results for v in r.policy_versions})) or (policy.latest.id,)
    batch = BatchResult(
        files=results,
        currency=policy.latest.currency,
        policy_versions=versions,
        processed_at=processed_at,
        notes=notes,
    )
    if output_dir is not None and inputs:
        batch.summary = _write_run_summary(Path(output_dir) / SUMMARY_NAME, batch)
    return batch


def _failure(path: Path, exc: Exception) -> str:
    """The one-line error of a file that could not be processed."""
    if isinstance(exc, ClaimsError):
        return _one_line(str(exc))
    if isinstance(exc, MemoryError):
        return f"{path.name}: not enough memory to process this workbook."
    detail = _one_line(f"{type(exc).__name__}: {exc}")[:200]
    return (
        f"{path.name}: could not be processed ({detail}); open it in Excel, save it again as "
        ".xlsx and retry, or report this file."
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _process_one(
    path: Path,
    target: Path,
    result: FileResult,
    policy: Policy,
    sheet: str | None,
    header_map,
    in_place: bool,
    decider: RowDecider,
    processed_at: dt.datetime,
    progress=None,
) -> None:
    if not path.exists():
        raise WorkbookError(f"{path.name}: file not found; check the path.")
    if path.suffix.lower() not in INPUT_SUFFIXES:
        raise WorkbookError(
            f"{path.name}: not a claims file (.xlsx, .xlsm or .csv); save it as .xlsx or .csv."
        )
    result.sha256 = file_sha256(path)
    if is_csv(path):
        rows = read_csv_rows(path)
        claims = claim_sheet_from_rows(rows, path, sheet_title(path.stem), header_map)
        workbook = Workbook()
        workbook.active.title = claims.sheet
        write_rows(workbook.active, rows)
    else:
        workbook = open_workbook(path)
    try:
        if not is_csv(path):
            claims = claim_sheet_from_workbook(workbook, path, sheet=sheet, header_map=header_map)
            losses = detect_losses(path, keep_vba=workbook.vba_archive is not None)
            result.warnings = [f"The output does not keep {what}." for what in losses]
            _check_suffix(path, target, workbook)
            workbook.template = False
        fill_workbook(
            workbook,
            claims,
            result,
            policy=policy,
            decider=decider,
            processed_at=processed_at,
            progress=progress,
        )
        del claims  # the rows' values are in the cells now: free them before the save's peak
        if in_place and target.exists():  # the input, or a CSV's earlier output workbook
            result.backup = backup_copy(target, processed_at)
        result.output = save_atomic(workbook, target)
    finally:
        _close_vba(workbook)


def fill_workbook(
    workbook: Workbook,
    claims: ClaimSheet,
    result: FileResult,
    *,
    policy: Policy,
    decider: RowDecider | None = None,
    processed_at: dt.datetime | None = None,
    progress: Callable[[Path, int, bool], None] | None = None,
) -> None:
    """Decide the claims sheet's rows, write the computed columns and the Summary sheet.

    ``claims.rows`` is emptied once decided (the values are in the cells then).

    ``result`` receives the lines and policy versions; its ``warnings`` (what the output loses)
    go on the Summary sheet, and table warnings are added to them.
    """
    processed_at = processed_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    result.sheet = claims.sheet
    result.sha256 = result.sha256 or file_sha256(claims.path)
    decider = decider or RowDecider(policy)
    values = _decide_rows(claims, policy, decider, result, progress)
    # Memory: the rows are not needed any more, and freeing them before the cells are written
    # keeps the peak (during the save) down.
    claims.rows = []
    currency = policy.latest.currency
    _, table_warnings = write_computed(workbook[claims.sheet], claims, values, currency)
    result.warnings = [*result.warnings, *table_warnings]
    info = FileInfo(
        name=claims.path.name, sha256=result.sha256, sheet=claims.sheet, rows=len(result.lines)
    )
    run = RunInfo(
        processed_at=processed_at,
        tool_version=__version__,
        policy_versions=tuple(sorted(result.policy_versions)) or (policy.latest.id,),
        currency=currency,
    )
    write_summary(
        replace_summary_sheet(workbook),
        run=run,
        files=[info],
        lines=result.lines,
        warnings=result.warnings,
    )


def _close_vba(workbook: Workbook) -> None:
    """openpyxl keeps the VBA parts in an in-memory zip it never closes (a warning at exit)."""
    archive = getattr(workbook, "vba_archive", None)
    if archive is not None:
        with contextlib.suppress(ValueError, OSError):
            archive.close()


def _check_suffix(path: Path, target: Path, workbook) -> None:
    suffix = target.suffix.lower()
    if workbook.vba_archive is not None and suffix not in (".xlsm", ".xltm"):
        raise WorkbookError(
            f"{path.name}: has macros, so its output must end in .xlsm (got {target.name})."
        )
    if workbook.vba_archive is None and suffix != ".xlsx":
        raise WorkbookError(f"{path.name}: the output must end in .xlsx (got {target.name}).")


def _decide_rows(
    claims: ClaimSheet,
    policy: Policy,
    decider: RowDecider,
    result: FileResult,
    progress=None,
) -> list[tuple[int, tuple | None]]:
    """Decide each non-blank row; a repeated (claim id, part) becomes DUPLICATE."""
    written: list[tuple[int, tuple | None]] = []
    versions: set[str] = set()
    lines: list[Line] = []
    version_of: dict[str, object] = {}
    for row in claims.rows:
        if row.blank:
            written.append((row.row, None))
            continue
        outcome = decider.decide(row, LineRef(claims.path.name, claims.sheet, row.row))
        decision, values = outcome.decision, outcome.values
        version = version_of.get(decision.policy_version)
        if version is None:
            version = version_of[decision.policy_version] = policy.version(decision.policy_version)
            versions.add(decision.policy_version)
        status, refund, reason = outcome.status, outcome.refund, values[6]
        written.append((row.row, values))
        lines.append(_line(claims, row.row, row.values, decision, status, refund, reason, version))
        if progress is not None and len(lines) % PROGRESS_EVERY == 0:
            progress(claims.path, len(lines), False)
    result.lines = lines
    result.policy_versions = versions
    return written


def _canonical(lookup, value) -> str:
    """The policy's name for a value the decision did not resolve (an ERROR line), else the text."""
    if is_blank(value):
        return ""
    try:
        return lookup(value).name
    except (ClaimsError, LookupError, TypeError):
        return cell_text(value) or ""


def _line(claims, row, values, decision: Decision, status, refund, reason, version) -> Line:
    part = decision.part or _canonical(version.part, values.get("part"))
    issue = decision.issue or _canonical(version.issue, values.get("issue"))
    return Line(
        file=claims.path.name,
        sheet=claims.sheet,
        row=row,
        claim_id=cell_text(values.get("claim_id")),
        part=part,
        issue=issue,
        grade=decision.grade or "",
        resolution=""
        if decision.resolution is None or status == Status.DUPLICATE
        else str(decision.resolution),
        status=status,
        refund=refund,
        reason=reason,
    )


def _write_run_summary(target: Path, batch: BatchResult) -> Path:
    linked = [
        replace(line, output=r.output.name) for r in batch.files if r.output for line in r.lines
    ]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Summary"
    files = [
        FileInfo(
            name=r.input.name,
            sha256=r.sha256,
            sheet=r.sheet,
            output=None if r.output is None else r.output.name,
            rows=len(r.lines),
            error=r.error,
        )
        for r in batch.files
    ]
    warnings = [f"{r.input.name}: {w}" for r in batch.files for w in r.warnings]
    run = RunInfo(
        processed_at=batch.processed_at or dt.datetime.now(dt.UTC).replace(microsecond=0),
        tool_version=__version__,
        policy_versions=batch.policy_versions,
        currency=batch.currency,
    )
    write_summary(sheet, run=run, files=files, lines=linked, warnings=warnings, link_to_output=True)
    return save_atomic(workbook, target)


__all__ = [
    "SUMMARY_NAME",
    "BatchResult",
    "FileResult",
    "expand_inputs",
    "fill_workbook",
    "plan_outputs",
    "process_files",
]
