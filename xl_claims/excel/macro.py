"""The "Fill computed columns" button: the batch's code path, run on the workbook open in Excel.

``macros/xl_claims_button.bas`` calls ``fill_computed_columns()`` through xlwings' ``RunPython``.
The work is ``plan_fill`` on plain lists — the batch's header rules (``core.table``) and its row
rules (``core.rows``: merged cells filled down, duplicates) — and the xlwings part only reads the
sheet's used range and merged cells and writes the planned columns back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from xl_claims.core.errors import ClaimsError, WorkbookError
from xl_claims.core.policy import Policy
from xl_claims.core.rows import MERGE_FILLED, LineRef, Merge, RowDecider, claim_rows
from xl_claims.core.table import (
    COMPUTED_HEADERS,
    find_header_row,
    is_blank_row,
    missing_headers_message,
)

#: The sheet the button falls back to when the active sheet has no claims header row.
CLAIMS_SHEET = "Claims"


@dataclass
class FillPlan:
    """What to write: positions are 0-based within the rows given (the sheet's used range)."""

    header_row: int
    new_headers: dict[int, str] = field(default_factory=dict)
    columns: dict[int, list] = field(default_factory=dict)  # position → values below the header
    kept: list[str] = field(default_factory=list)  # computed headers left alone (formulas)
    statuses: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        lines = sum(self.statuses.values())
        counts = ", ".join(f"{n} {status}" for status, n in sorted(self.statuses.items()))
        text = f"Filled {lines} claim line(s)" + (f": {counts}." if counts else ".")
        if self.kept:
            text += f" Left formula column(s) as they are: {', '.join(self.kept)}."
        return text


def plan_fill(
    rows: Sequence[Sequence[object]],
    policy: Policy,
    formulas: Sequence[Sequence[object]] | None = None,
    extra: dict[str, list[str]] | None = None,
    merges: Sequence[Merge] = (),
    sheet_name: str = CLAIMS_SHEET,
) -> FillPlan:
    """Plan the computed columns for a sheet's rows (values as Excel gives them).

    ``merges`` are the merged ranges, 1-based within ``rows``. The rows are read and decided by
    the batch's own rules (``core.rows.claim_rows`` and ``RowDecider``): merged claim ids, orders
    and dates filled down, the first line of a claim id and part counted and a later one a
    DUPLICATE. Missing computed columns are added right of the last header; a computed column
    that holds a formula in any data row is left alone (the xlwings template's live columns).
    """
    index, match = find_header_row(rows, extra)
    if index is None:
        raise WorkbookError(missing_headers_message(match))
    plan = FillPlan(header_row=index)
    positions = _positions(plan, match)
    data = list(rows[index + 1 :])
    while data and is_blank_row(data[-1]):
        data.pop()
    formula_rows = list(formulas[index + 1 : index + 1 + len(data)]) if formulas else []
    for header, position in positions.items():
        if position not in plan.new_headers and _has_formula(formula_rows, position):
            plan.kept.append(header)
    decider = RowDecider(policy)
    cells: list[tuple] = []
    for row in claim_rows(enumerate(data, start=index + 2), match, merges):
        if row.blank:
            cells.append((None,) * len(COMPUTED_HEADERS))
            continue
        outcome = decider.decide(row, LineRef("", sheet_name, row.row))
        plan.statuses[outcome.status] += 1
        cells.append(tuple(_excel(v) for v in outcome.values))
    for offset, header in enumerate(COMPUTED_HEADERS):
        if header not in plan.kept:
            plan.columns[positions[header]] = [line[offset] for line in cells]
    return plan


def _positions(plan: FillPlan, match) -> dict[str, int]:
    """Where each computed column goes: the existing block's place, or right of the headers."""
    last = max((i for i, h in enumerate(match.headers) if h), default=-1)
    positions: dict[str, int] = {}
    for header in COMPUTED_HEADERS:
        if header in match.computed:
            positions[header] = match.computed[header]
        else:
            last += 1
            positions[header] = last
            plan.new_headers[last] = header
    return positions


def fill_computed_columns(book=None) -> str:
    """RunPython entry: fill the computed columns of the calling workbook's claims sheet."""
    import xlwings as xw

    from xl_claims.excel.udfs import current_policy

    book = book if book is not None else xw.Book.caller()
    try:
        message = fill_sheet(_claims_sheet(book), current_policy())
    except ClaimsError as exc:
        message = f"Nothing filled: {exc}"
    book.app.alert(message, title="xl-claims")
    return message


def fill_sheet(sheet, policy: Policy) -> str:
    """Read ``sheet``'s used range once, write the planned columns (one call per column)."""
    used = sheet.used_range
    rows = used.options(ndim=2).value
    formulas = used.formula
    if not isinstance(formulas, list | tuple) or not isinstance(formulas[0], list | tuple):
        formulas = [[formulas]] if not isinstance(formulas, list | tuple) else [formulas]
    plan = plan_fill(
        rows, policy, formulas, merges=_merges(sheet, used, rows), sheet_name=sheet.name
    )
    top, left = used.row + plan.header_row, used.column
    for position, header in plan.new_headers.items():
        sheet.range((top, left + position)).value = header
    for position, values in plan.columns.items():
        if values:
            target = sheet.range((top + 1, left + position), (top + len(values), left + position))
            target.value = [[value] for value in values]
    return plan.summary()


def _merges(sheet, used, rows: Sequence[Sequence[object]]) -> list[Merge]:
    """The merged ranges over empty cells of the filled-down columns, 1-based within ``rows``.

    Only empty cells can be covered by a merge from above, so only they are asked about (one
    Excel call each); a typical sheet has none or a few multi-line claims.
    """
    index, match = find_header_row(rows)
    if index is None:
        return []
    columns = [match.columns[name] for name in MERGE_FILLED if name in match.columns]
    found: set[Merge] = set()
    for offset, row in enumerate(rows[index + 1 :], start=index + 1):
        for position in columns:
            if position < len(row) and row[position] is None:
                cell = sheet.range((used.row + offset, used.column + position))
                if cell.merge_cells:
                    area = cell.merge_area
                    first_row, first_col = area.row - used.row + 1, area.column - used.column + 1
                    last = area.last_cell
                    found.add(
                        (
                            first_row,
                            first_col,
                            last.row - used.row + 1,
                            last.column - used.column + 1,
                        )
                    )
    return sorted(found)


def _claims_sheet(book):
    """The active sheet when it has a claims header row, else the sheet named Claims."""
    active = book.sheets.active
    rows = active.used_range.options(ndim=2).value
    if find_header_row(rows)[0] is not None:
        return active
    names = [sheet.name for sheet in book.sheets]
    if CLAIMS_SHEET in names:
        return book.sheets[CLAIMS_SHEET]
    return active  # plan_fill then names the headers it found


def _has_formula(formula_rows, position: int) -> bool:
    for row in formula_rows:
        cell = _cell(row, position)
        if isinstance(cell, str) and cell.startswith("="):
            return True
    return False


def _cell(row: Sequence[object], position: int) -> object:
    return row[position] if position < len(row) else None


def _excel(value: object) -> object:
    """Excel has no Decimal: money and rates become floats here, at the boundary."""
    return float(value) if isinstance(value, Decimal) else value
