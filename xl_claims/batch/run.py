"""The weekly batch: decide every claim line of every input, write the processed workbooks and the
run's ``summary.xlsx``. One bad file never stops the others; every failure is a one-line message.

``process_files`` is what ``xl-claims process`` calls; the result carries counts per status,
Decimal totals, the per-file outputs, warnings and errors, and gives every line back from a spill
(``iter_lines``) without holding them in memory.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from xl_claims import __version__
from xl_claims.batch.crossrun import ledger_pairs, run_options
from xl_claims.batch.paths import (
    INPUT_SUFFIXES,
    SUMMARY_NAME,
    backup_copy,
    expand_inputs,
    plan_outputs,
    refuse_ledger_clash,
)
from xl_claims.batch.results import BatchResult, FileResult
from xl_claims.batch.store import Spill, Totals, read_checks
from xl_claims.batch.workbook import FileLines, RunState, process_workbook
from xl_claims.core.errors import ClaimsError, LedgerError, UsageError, WorkbookError
from xl_claims.core.files import file_sha256, output_problem
from xl_claims.core.policy import Policy
from xl_claims.core.rows import DuplicateTracker
from xl_claims.core.table import HeaderMap
from xl_claims.ledger import WAIT_SECONDS, LedgerRun, recording_run
from xl_claims.workbook.csvbook import csv_workbook
from xl_claims.workbook.formats import sheet_title
from xl_claims.workbook.read import is_csv
from xl_claims.workbook.summary import CHECK_STATUSES, CheckLine, FileInfo, RunInfo, SummaryData
from xl_claims.workbook.summarysheet import write_summary_workbook

PROGRESS_EVERY = 5000


def process_files(
    items: Sequence[str | os.PathLike],
    *,
    policy: Policy,
    output: str | os.PathLike | None = None,
    output_dir: str | os.PathLike | None = None,
    sheet: str | None = None,
    header_map: HeaderMap | None = None,
    in_place: bool = False,
    force: bool = False,
    progress: Callable[[Path, int, bool], None] | None = None,
    now: dt.datetime | None = None,
    ledger: str | os.PathLike | None = None,
    options: Mapping[str, object] | None = None,
    ledger_wait: float = WAIT_SECONDS,
) -> BatchResult:
    """Process every input; see the module docstring.

    ``force``: replace existing outputs (refused before anything is written otherwise;
    ``--in-place`` rewrites its input, a backup kept). ``progress(path, lines, done)`` is called
    every ``PROGRESS_EVERY`` decided lines of a file (``done`` False) and after each file
    (``done`` True). ``ledger``: the claims ledger to check lines against and record the run in,
    as one transaction (``options``: the command's options, recorded with the run).
    """
    notes: list[str] = []
    inputs, missing = expand_inputs(items, notes)
    if not inputs and not missing:
        raise UsageError("no input given.")
    targets = plan_outputs(
        inputs, output=output, output_dir=output_dir, in_place=in_place, force=force
    )
    refuse_ledger_clash(ledger, inputs, targets, output_dir)
    processed_at = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    state = RunState(policy, DuplicateTracker(), Spill(), Spill(), processed_at)
    state.progress_every = PROGRESS_EVERY
    failed = [FileResult(input=path, error=f"{path.name}: {problem}") for path, problem in missing]
    batch = BatchResult(
        files=failed,
        currency=policy.latest.currency,
        policy_versions=(policy.latest.id,),
        spill=state.spill,
        checks=state.checks,
        processed_at=processed_at,
        notes=notes,
    )
    if options is None:
        options = run_options(items, output, output_dir, sheet, header_map, in_place, force, policy)
    with recording_run(
        ledger, started_at=processed_at, tool_version=__version__, options=options, wait=ledger_wait
    ) as state.ledger:
        for path, target in zip(inputs, targets, strict=True):
            _run_one(batch, state, path, target, (sheet, header_map, in_place), progress)
        _finish_run(batch, state, output_dir if inputs else None)
    if state.ledger is not None:
        batch.ledger_lines = state.ledger.lines  # counted when the run was committed
    return batch


def _finish_run(batch: BatchResult, state: RunState, output_dir) -> None:
    """The run's policy versions and ledger, and ``summary.xlsx`` in ``output_dir`` (before
    the ledger commits the run)."""
    versions = {v for r in batch.files for v in r.policy_versions}
    batch.policy_versions = tuple(sorted(versions)) or (state.policy.latest.id,)
    if state.ledger is not None:
        state.ledger.policy_versions.update(batch.policy_versions)
        batch.ledger, batch.ledger_run = state.ledger.ledger.path, state.ledger.id
        batch.ledger_created = state.ledger.ledger.created
    if output_dir is not None:
        target = Path(output_dir) / SUMMARY_NAME
        try:
            make_folder(target)
            batch.summary = _write_run_summary(target, batch, state.ledger)
        except ClaimsError as exc:
            batch.files.append(FileResult(input=target, error=_one_line(str(exc))))


def _run_one(
    batch: BatchResult, state: RunState, path: Path, target: Path, options: tuple, progress
) -> None:
    """One input, its failure a one-line error; with a ledger, recorded (its lines, or its
    input and the error)."""
    result = FileResult(input=path)
    if progress is not None:
        state.progress = lambda lines, path=path: progress(path, lines, False)
    if state.ledger is not None:
        state.recording = state.ledger.start_file(path.name, str(path))
    result.error = _failure(_process_one, path, target, result, state, *options)
    if result.error:
        state.tracker.forget(path.name)
        result.output, result.line_count, result.totals = None, 0, Totals()
        result.ledger_counts = {}
        if state.recording is not None:
            state.recording.fail(result.error, result.sha256)
    else:
        batch.totals.merge(result.totals)
        if state.recording is not None:
            result.recorded_in = state.recording.recorded_in
            state.recording.finish(result.total)  # what its lines that count add up to
    state.recording = None
    batch.files.append(result)
    if progress is not None:
        progress(path, result.line_count, True)


def _failure(work: Callable[..., None], path: Path, *args) -> str | None:
    """Run one file's work; its failure as one line (one bad file never stops the batch)."""
    try:
        work(path, *args)
    except LedgerError:
        raise  # the run's transaction cannot go on: nothing of it is recorded
    except ClaimsError as exc:
        return _one_line(str(exc))
    except MemoryError:
        return f"{path.name}: not enough memory to process this workbook."
    except Exception as exc:
        detail = _one_line(f"{type(exc).__name__}: {exc}")[:200]
        return (
            f"{path.name}: could not be processed ({detail}); open it in Excel, save it again "
            "as .xlsx and retry, or report this file."
        )
    return None


def make_folder(target: Path) -> None:
    """The output's folder, created when missing (``--output-dir processed/``)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_problem(target, exc) from None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _process_one(
    path: Path,
    target: Path,
    result: FileResult,
    state: RunState,
    sheet: str | None,
    header_map,
    in_place: bool,
) -> None:
    if not path.exists():
        raise WorkbookError(f"{path.name}: file not found; check the path.")
    if path.suffix.lower() not in INPUT_SUFFIXES:
        raise WorkbookError(
            f"{path.name}: not a claims file (.xlsx, .xlsm or .csv); save it as .xlsx or .csv."
        )
    result.sha256 = file_sha256(path)
    make_folder(target)
    if in_place and target.exists():  # the input, or a CSV's earlier output workbook
        result.backup = backup_copy(target, state.processed_at)
    lines = _edit(path, target, state, result.sha256, sheet, header_map)
    result.output = target
    result.sheet = lines.sheet
    result.line_count = lines.lines
    result.totals = lines.totals
    result.spill_range = lines.spill_range
    result.checks_range = lines.checks_range
    result.policy_versions = lines.policy_versions
    result.warnings = lines.warnings
    result.ledger_counts = lines.ledger_counts


def _edit(path: Path, target: Path, state: RunState, sha256: str, sheet, header_map) -> FileLines:
    """The processed workbook of one input; a CSV is made a workbook first (XlsxWriter)."""
    if not is_csv(path):
        return process_workbook(
            path,
            target,
            state,
            display_name=path.name,
            sha256=sha256,
            sheet=sheet,
            header_map=header_map,
        )
    with tempfile.TemporaryDirectory(prefix="xl-claims-csv-") as scratch:
        made = Path(scratch) / f"{path.stem}.xlsx"
        forced = csv_workbook(path, made, sheet_title(path.stem))
        return process_workbook(
            made,
            target,
            state,
            display_name=path.name,
            sha256=sha256,
            sheet=None,
            header_map=header_map,
            forced=forced,
        )


def _write_run_summary(target: Path, batch: BatchResult, ledger: LedgerRun | None) -> Path:
    """``summary.xlsx``: one block per input file (or its error), the run's totals (the sum of
    the files'), and the rows to check with links into each output workbook."""
    files = [
        FileInfo(
            name=r.input.name,
            sha256=r.sha256,
            sheet=r.sheet,
            output=None if r.output is None else r.output.name,
            rows=r.line_count,
            error=r.error,
            counts=r.counts,
            total=r.total,
        )
        for r in batch.files
    ]
    counts = batch.counts

    def checks() -> Iterator[CheckLine]:
        for item in batch.files:
            if item.error is not None or batch.checks is None or item.sheet is None:
                continue
            output = None if item.output is None else item.output.name
            for row, claim_id, status, part, reason in read_checks(
                batch.checks, *item.checks_range
            ):
                yield CheckLine(
                    item.input.name, item.sheet, row, status, claim_id, part, reason, output
                )

    assert batch.processed_at is not None
    data = SummaryData(
        run=RunInfo(
            batch.processed_at,
            __version__,
            batch.policy_versions,
            batch.currency,
            ledger_pairs(ledger, batch.ledger_counts),
        ),
        files=files,
        totals=batch.totals.summary(),
        checks=checks,
        check_count=sum(counts.get(s, 0) for s in CHECK_STATUSES),
        warnings=[f"{r.input.name}: {w}" for r in batch.files for w in r.warnings],
        link_to_output=True,
    )
    return write_summary_workbook(target, data)


__all__ = ["PROGRESS_EVERY", "process_files"]
