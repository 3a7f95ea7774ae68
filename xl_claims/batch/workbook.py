"""One input of the weekly batch: its package edited into the processed workbook.

The output is the input package with only these parts changed: the claims sheet (streamed, the
computed block added), ``xl/workbook.xml`` and its relationships (the Summary sheet),
``[Content_Types].xml``, ``xl/styles.xml`` (formats appended), ``docProps/app.xml`` (the sheet
titles), the Tables over the claims, and the Summary's new parts. Every other part is copied as
its compressed bytes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from xl_claims import __version__
from xl_claims.batch.crossrun import CrossRun, ledger_pairs
from xl_claims.batch.lines import SheetRun
from xl_claims.batch.store import Spill, Totals, read_checks
from xl_claims.core.bulk import paused_gc
from xl_claims.core.errors import WorkbookError
from xl_claims.core.files import write_atomic
from xl_claims.core.policy import Policy
from xl_claims.core.rows import DuplicateTracker
from xl_claims.core.table import COMPUTED_HEADERS
from xl_claims.ledger import FileRecord, LedgerRun
from xl_claims.workbook.block import BlockCells
from xl_claims.workbook.claimrows import ClaimFields, stream_claims
from xl_claims.workbook.claimsheet import ClaimsLayout, find_claims_sheet, open_sources
from xl_claims.workbook.claimtables import grow_table
from xl_claims.workbook.layout import lay_out
from xl_claims.workbook.output import PackageWriter
from xl_claims.workbook.package import MACRO_MAIN, SHEET_MAIN, Package
from xl_claims.workbook.rows import dialect_of
from xl_claims.workbook.sheetedit import SheetEditor
from xl_claims.workbook.summary import CHECK_STATUSES, CheckLine, FileInfo, RunInfo, SummaryData
from xl_claims.workbook.summarysheet import plan_summary, put_summary, summary_target

_MACRO_SUFFIXES = (".xlsm", ".xltm")


@dataclass
class FileLines:
    """What one processed file holds: its totals and where its lines are in the run's spill."""

    sheet: str
    totals: Totals
    spill_range: tuple[int, int]
    checks_range: tuple[int, int]
    lines: int
    policy_versions: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    ledger_counts: dict[str, int] = field(default_factory=dict)  # ``CrossRun.counts``


@dataclass
class RunState:
    """What the files of one run share: the policy, the duplicate rule, the spills of every line
    and of the rows to check, the time; with a claims ledger, the run recorded in it and the
    recording of the current input."""

    policy: Policy
    tracker: DuplicateTracker
    spill: Spill
    checks: Spill
    processed_at: dt.datetime
    progress: Callable[[int], None] | None = None
    progress_every: int = 5000
    ledger: LedgerRun | None = None
    recording: FileRecord | None = None


def process_workbook(
    path: Path,
    target: Path,
    state: RunState,
    *,
    display_name: str,
    sha256: str,
    sheet: str | None,
    header_map,
    forced: dict[int, str] | None = None,
) -> FileLines:
    """Write ``target`` from the workbook at ``path``; ``display_name`` names the input (a CSV's
    name when ``path`` is the workbook made from it)."""
    with Package.open(path) as package:
        sources, styles = open_sources(package)
        source, header_row, match, head = find_claims_sheet(sources, sheet, header_map)
        layout = lay_out(source, header_row, match, head)
        currency = state.policy.latest.currency
        writer = PackageWriter(package)
        _check_suffix(package, display_name, target, writer)
        dialect = dialect_of(layout.head)
        block = BlockCells(layout.block, header_row, styles, currency, dialect.prefix)
        editor = SheetEditor(layout, dialect)
        fields = ClaimFields(layout, source.reader)
        run, cross = _sheet_run(state, fields, block, display_name, source.name, forced, sha256)
        totals = run.totals[0]
        assert source.entry.part is not None
        look_ahead = run.look_ahead if cross is not None and cross.looks_up else None
        writer.streamed[source.entry.part] = lambda write: stream_claims(
            layout, fields, block, editor, write, run, look_ahead
        )
        warnings = [*layout.warnings, *_grow_tables(writer, layout)]
        summary_name, replaces = summary_target(package, sources)
        summary_part = plan_summary(writer, summary_name, replaces)
        result = FileLines(source.name, totals, (0, 0), (0, 0), 0, warnings=warnings)

        def after_stream(writer: PackageWriter) -> None:
            result.spill_range, result.checks_range = run.finish()
            result.lines, result.policy_versions = run.lines, run.versions
            if cross is not None:
                result.warnings.extend(cross.warnings())
                result.ledger_counts = cross.counts()
            _grow_filter_name(writer, layout, editor)
            data = file_summary(state, display_name, sha256, result, currency)
            put_summary(writer, styles, data, summary_name, summary_part)

        with paused_gc():  # every object made per row is freed by reference counting
            write_atomic(target, lambda temporary: _write(writer, temporary, after_stream, styles))
    return result


def _sheet_run(
    state: RunState,
    fields: ClaimFields,
    block: BlockCells,
    name: str,
    sheet: str,
    forced: dict[int, str] | None,
    sha256: str,
) -> tuple[SheetRun, CrossRun | None]:
    """The decider of the sheet's lines; with a claims ledger, its check and recording."""
    cross = None
    if state.recording is not None:
        state.recording.begin(sha256, sheet)
        cross = CrossRun(state.recording, fields, state.policy.latest.currency)
    run = SheetRun(
        policy=state.policy,
        tracker=state.tracker,
        fields=fields,
        block=block,
        spill=state.spill,
        checks=state.checks,
        totals=[Totals()],
        file=name,
        sheet=sheet,
        forced=forced,
        progress=state.progress,
        progress_every=state.progress_every,
        ledger=cross,
    )
    return run, cross


def _write(writer: PackageWriter, temporary: Path, after_stream, styles) -> None:
    with open(temporary, "wb") as handle:
        writer.write(handle, after_stream, styles)


def file_summary(
    state: RunState, name: str, sha256: str, lines: FileLines, currency: str
) -> SummaryData:
    """The Summary sheet of one processed workbook (its rows to check link into itself)."""

    def checks():
        for row, claim_id, status, part, reason in read_checks(state.checks, *lines.checks_range):
            yield CheckLine(name, lines.sheet, row, status, claim_id, part, reason)

    summary = lines.totals.summary()
    counts = lines.totals.counts()
    return SummaryData(
        run=RunInfo(
            processed_at=state.processed_at,
            tool_version=__version__,
            policy_versions=tuple(sorted(lines.policy_versions)) or (state.policy.latest.id,),
            currency=currency,
            ledger=ledger_pairs(state.ledger, lines.ledger_counts),
        ),
        files=[FileInfo(name=name, sha256=sha256, sheet=lines.sheet, rows=lines.lines)],
        totals=summary,
        checks=checks,
        check_count=sum(counts[s] for s in CHECK_STATUSES),
        warnings=lines.warnings,
    )


def _check_suffix(package: Package, name: str, target: Path, writer: PackageWriter) -> None:
    """A workbook with a VBA project stays .xlsm, and so does an .xlsm without one; the output's
    suffix decides its content type (a template's processed copy is a workbook)."""
    suffix = target.suffix.lower()
    macro = package.has_vba
    if macro and suffix not in _MACRO_SUFFIXES:
        raise WorkbookError(
            f"{name}: has macros, so its output must end in .xlsm (got {target.name})."
        )
    as_macro = suffix in _MACRO_SUFFIXES and Path(name).suffix.lower() in _MACRO_SUFFIXES
    if not macro and suffix != ".xlsx" and not as_macro:
        raise WorkbookError(f"{name}: the output must end in .xlsx (got {target.name}).")
    kind = package.content_type(package.workbook_part) or ""
    wanted = MACRO_MAIN if suffix in _MACRO_SUFFIXES else SHEET_MAIN
    if kind != wanted:
        writer.types[package.workbook_part] = wanted


def _grow_tables(writer: PackageWriter, layout: ClaimsLayout) -> list[str]:
    """Tables whose header row is the claims header grow over the block; one whose column names
    clash with the computed headers is left as it was, with a warning."""
    warnings = []
    last = max(layout.block)
    for table in layout.tables:
        if table.min_row != layout.header_row or table.max_col >= last:
            continue
        if table.max_col + 1 != min(layout.block):
            continue  # input columns between the table and the block: not ours to join
        names = {name.casefold() for name in table.columns}
        new = [COMPUTED_HEADERS[layout.block.index(c)] for c in range(table.max_col + 1, last + 1)]
        clash = [name for name in new if name.casefold() in names]
        if clash:
            warnings.append(
                f"Excel table '{table.name}' was not extended to the computed columns: it "
                f"already has a column named {', '.join(repr(c) for c in clash)}; rename that "
                "input column (e.g. 'Customer choice') to have them inside the table."
            )
            continue
        writer.replaced[table.part] = grow_table(table, new)
    return warnings


def _grow_filter_name(writer: PackageWriter, layout: ClaimsLayout, editor: SheetEditor) -> None:
    """The hidden ``_xlnm._FilterDatabase`` name of the claims sheet follows its grown filter."""
    grown = editor.filter_range
    if grown is None:
        return
    workbook = writer.package.workbook_part
    data = writer.current(workbook)
    assert data is not None
    position = layout.source.entry.position
    pattern = re.compile(
        rb'(<(?:[\w.\-]+:)?definedName\b[^>]*?name="_xlnm\._FilterDatabase"[^>]*?localSheetId="%d"'
        rb"[^>]*>[^<]*!)[^<]*(<)" % position
    )
    cells = str(grown).split(":")
    absolute = ":".join(re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", c) for c in cells).encode()
    edited = pattern.sub(lambda m: m.group(1) + absolute + m.group(2), data, count=1)
    if edited != data:
        writer.replaced[workbook] = edited


__all__ = ["FileLines", "RunState", "file_summary", "process_workbook"]
