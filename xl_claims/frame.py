"""The DataFrame API, for accountants and analysts who work in pandas (the only pandas import).

``decide_frame`` decides a DataFrame of claim lines by the weekly batch's own rules: its columns
are matched like a sheet's headers (``Issue``, ``Part``, ``Qty``, ``Claim #``…), every row is
decided once, and a second line of the same claim id and part is a DUPLICATE. The result is the
same rows with the batch's eight computed columns. Money and rates stay ``decimal.Decimal``
(object columns), so ``frame["Refund"].sum()`` is exact to the cent; a missing number is None.

``lines_frame`` and ``reconciliation_frame`` turn the results of ``process_files`` and
``run_reconciliation`` into DataFrames, money still exact: ``BatchResult.to_frame()`` and
``Reconciliation.to_frame()`` call them (importing this module only then).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from xl_claims.batch import Line
from xl_claims.core.errors import UsageError
from xl_claims.core.policy import Policy, load_policy
from xl_claims.core.rows import LineRef, RowDecider, claim_rows
from xl_claims.core.table import COMPUTED_HEADERS, HeaderMap, match_headers, missing_headers_message

if TYPE_CHECKING:
    from xl_claims.reconcile import Reconciliation

#: The sheet name duplicate messages use for a DataFrame's rows ("Duplicate of row 3").
FRAME_SHEET = "DataFrame"


def decide_frame(
    frame: pd.DataFrame,
    policy: Policy | None = None,
    header_map: HeaderMap | None = None,
) -> pd.DataFrame:
    """The same rows with the eight computed columns (``Applied grade`` … ``Policy version``).

    Rows are numbered as in a sheet written by ``frame.to_excel(index=False)`` (header in row 1,
    the first line in row 2), which is what a duplicate's explanation names. Computed columns
    already present (a processed workbook read back) are replaced. ``policy`` defaults to the
    policy in force (``$XL_CLAIMS_POLICY`` or the bundled one).
    """
    policy = policy if policy is not None else load_policy()
    headers = [str(c) for c in frame.columns]
    match = match_headers(headers, header_map)
    if not match.usable:
        problem = missing_headers_message(match, "the DataFrame has no claim columns")
        raise UsageError(f"{problem}.")
    rows = ((number, [_plain(v) for v in values]) for number, values in _numbered(frame))
    decider = RowDecider(policy)
    computed: list[tuple] = []
    for row in claim_rows(rows, match):
        if row.blank:
            computed.append((None,) * len(COMPUTED_HEADERS))
        else:
            computed.append(decider.decide(row, LineRef("", FRAME_SHEET, row.row)).values)
    kept = frame.drop(columns=[frame.columns[p] for p in match.computed.values()])
    out = kept.copy()
    for offset, header in enumerate(COMPUTED_HEADERS):
        column = [line[offset] for line in computed]
        out[header] = pd.Series(column, index=frame.index, dtype=object)
    return out


def records_frame(records: Iterable[Mapping[str, object]], columns: Sequence[str]) -> pd.DataFrame:
    """Records (one mapping per line) as a DataFrame of object columns: Decimals stay exact."""
    data = [[record.get(c) for c in columns] for record in records]
    return pd.DataFrame(data, columns=list(columns), dtype=object)


def lines_frame(lines: Iterable[Line]) -> pd.DataFrame:
    """The decided lines of a weekly run, one row each, columns named as ``batch.Line``'s
    fields: ``lines_frame(result.iter_lines())`` for a ``process_files`` result."""
    columns = [field.name for field in dataclasses.fields(Line)]
    return records_frame((dataclasses.asdict(line) for line in lines), columns)


def reconciliation_frame(rec: Reconciliation) -> pd.DataFrame:
    """Every claim line of a reconciliation with its computed and paid amounts and match."""
    columns = (
        "file",
        "sheet",
        "row",
        "claim_id",
        "order",
        "claim_date",
        "part",
        "grade",
        "status",
        "computed",
        "paid",
        "difference",
        "currency",
        "match_status",
        "match_rule",
        "policy_version",
    )
    records = (
        {
            "file": r.line.source,
            "sheet": r.line.sheet,
            "row": r.line.row,
            "claim_id": r.line.claim_id,
            "order": r.line.order,
            "claim_date": r.line.date,
            "part": r.line.part,
            "grade": r.line.grade,
            "status": r.line.status,
            "computed": r.line.computed,
            "paid": None if r.line.duplicate_of is not None else r.paid,
            "difference": r.difference,
            "currency": r.line.currency,
            "match_status": r.status or None,
            "match_rule": r.rule,
            "policy_version": r.line.policy_version,
        }
        for r in rec.lines
    )
    return records_frame(records, columns)


def _numbered(frame: pd.DataFrame) -> Iterable[tuple[int, tuple]]:
    return enumerate(frame.itertuples(index=False, name=None), start=2)


def _plain(value: object) -> object:
    """A cell as the engine reads cells: pandas' missing values (NaN, NaT, NA) are empty,
    Timestamps are datetimes, NumPy numbers are Python numbers."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if not isinstance(value, str | dt.date) and hasattr(value, "item"):
        value = value.item()  # numpy.int64(2) → 2
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
