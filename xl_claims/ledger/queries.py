"""Reading the ledger back: runs, a claim's history, the lines of a period, voiding a run.

A line's date is its claim date, or, for a line without one, the date (UTC) of the run that
recorded it: every line of the ledger belongs to one period.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from xl_claims.core.errors import LedgerError
from xl_claims.core.model import RecordedLine
from xl_claims.core.values import id_key
from xl_claims.ledger.recorder import STANDING_SQL, prefetch_sql
from xl_claims.ledger.rules import CHANGED_RULE, DUPLICATE_RULE
from xl_claims.ledger.store import Ledger, utc_text


@dataclass(frozen=True)
class RunRecord:
    """One run as ``ledger runs`` lists it."""

    id: int
    started_at: str
    finished_at: str | None
    tool_version: str
    policy_versions: list[str]
    options: dict
    files: int
    lines: int
    refund_total: Decimal
    duplicates: int  # lines the ledger made DUPLICATE
    changes: int  # lines the ledger made REVIEW (changed since an earlier run)
    voided_at: str | None
    void_reason: str | None

    def to_dict(self) -> dict:
        return {**self.__dict__, "refund_total": str(self.refund_total)}


def list_runs(ledger: Ledger) -> list[RunRecord]:
    with ledger.guard():
        rows = ledger.connection.execute(
            "SELECT r.id, r.started_at, r.finished_at, r.tool_version, r.policy_versions, "
            "r.options, (SELECT COUNT(*) FROM inputs WHERE run_id = r.id), r.lines, "
            "r.refund_total, r.duplicates, r.changes, r.voided_at, r.void_reason "
            "FROM runs AS r ORDER BY r.id"
        ).fetchall()
    return [
        RunRecord(
            id=row[0],
            started_at=row[1],
            finished_at=row[2],
            tool_version=row[3],
            policy_versions=json.loads(row[4]),
            options=json.loads(row[5]),
            files=row[6],
            lines=row[7],
            refund_total=Decimal(row[8]),
            duplicates=row[9],
            changes=row[10],
            voided_at=row[11],
            void_reason=row[12],
        )
        for row in rows
    ]


EXPORT_HEADERS = (
    "Run",
    "Run started (UTC)",
    "Run void",
    "File",
    "SHA-256",
    "Sheet",
    "Row",
    "Claim ID",
    "Order",
    "Claim date",
    "Issue",
    "Part",
    "Grade",
    "Resolution",
    "Status",
    "Refund",
    "Currency",
    "Rule",
    "Policy version",
    "Explanation",
    "Counts",
    "Earlier line",
)
#: A recorded line (``RecordedLine``'s fields, in order) and where it came from.
_ROW_COLUMNS = """
r.id, r.started_at, CASE WHEN r.voided_at IS NULL THEN NULL
           ELSE r.voided_at || ': ' || r.void_reason END,
       i.name, i.sha256, i.sheet, l.row, l.claim_id, l.order_id, l.claim_date, d.issue, d.part,
       d.grade, d.resolution, d.status, d.refund, d.currency, d.rule, d.policy_version,
       d.explanation, CASE WHEN l.counts = 1 THEN 'yes' ELSE 'no' END,
       CASE WHEN e.id IS NULL THEN NULL
           ELSE 'run ' || ei.run_id || ', ' || ei.name || ' row ' || e.row END
"""
_ROW_TABLES = """
FROM lines AS l JOIN decisions AS d ON d.id = l.decision_id JOIN inputs AS i ON i.id = l.input_id
JOIN runs AS r ON r.id = i.run_id
LEFT JOIN lines AS e ON e.id = l.earlier_line LEFT JOIN inputs AS ei ON ei.id = e.input_id
"""
_ROWS_SQL = f"SELECT {_ROW_COLUMNS} {_ROW_TABLES}"
_LINE_DATE = "COALESCE(l.claim_date, substr(r.started_at, 1, 10))"


def _row(values: tuple) -> RecordedLine:
    refund = None if values[15] is None else Decimal(values[15])
    return RecordedLine._make((*values[:15], refund, *values[16:]))


def _in_period(date_from: dt.date | None, date_to: dt.date | None) -> tuple[list[str], list[str]]:
    """SQL conditions (and their parameters) for a line date in the period, inclusive."""
    where, params = [], []
    if date_from is not None:
        where.append(f"{_LINE_DATE} >= ?")
        params.append(date_from.isoformat())
    if date_to is not None:
        where.append(f"{_LINE_DATE} <= ?")
        params.append(date_to.isoformat())
    return where, params


def claim_history(ledger: Ledger, claim_id: str) -> list[RecordedLine]:
    """Every recorded line of a claim (any spelling of its id), oldest first."""
    key = id_key(claim_id)
    if key is None:
        raise LedgerError("Give a claim id, e.g. --claim CLM-1001.")
    with ledger.guard():
        found = ledger.connection.execute(
            f"{_ROWS_SQL} WHERE l.claim_key = ? ORDER BY l.id", (key,)
        ).fetchall()
    return [_row(values) for values in found]


def iter_rows(
    ledger: Ledger, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> Iterator[RecordedLine]:
    """Recorded lines whose date is in the period (inclusive), in the order recorded."""
    where, params = _in_period(date_from, date_to)
    condition = f" WHERE {' AND '.join(where)}" if where else ""
    with ledger.guard():
        cursor = ledger.connection.execute(f"{_ROWS_SQL}{condition} ORDER BY l.id", params)
        for values in cursor:
            yield _row(values)


def standing_lines(ledger: Ledger) -> list[RecordedLine]:
    """For each claim and part the line that counts today (the latest, from a run not void);
    lines without a claim id each stand alone. In the order recorded (run, file, row)."""
    latest: dict[object, RecordedLine] = {}
    sql = f"SELECT l.id, l.claim_key, d.part_key, {_ROW_COLUMNS} {_ROW_TABLES}"
    with ledger.guard():
        cursor = ledger.connection.execute(
            f"{sql} WHERE l.counts = 1 AND r.voided_at IS NULL ORDER BY l.id"
        )
        for line_id, claim_key, part_key, *values in cursor:
            latest[line_id if claim_key is None else (claim_key, part_key)] = _row(tuple(values))
    return sorted(latest.values(), key=lambda line: (line.run, line.file, line.row))


def cross_run_counts(
    ledger: Ledger, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> dict[str, int]:
    """Lines of the period (runs not void) the ledger made DUPLICATE, or REVIEW because they
    changed since an earlier run."""
    where, params = _in_period(date_from, date_to)
    with ledger.guard():
        found = dict(
            ledger.connection.execute(
                "SELECT d.rule, COUNT(*) FROM lines AS l JOIN decisions AS d "
                "ON d.id = l.decision_id JOIN inputs AS i ON i.id = l.input_id "
                "JOIN runs AS r ON r.id = i.run_id WHERE r.voided_at IS NULL AND d.rule IN (?, ?) "
                f"{''.join(f'AND {w} ' for w in where)}GROUP BY d.rule",
                [DUPLICATE_RULE, CHANGED_RULE, *params],
            ).fetchall()
        )
    return {
        "cross_run_duplicates": found.get(DUPLICATE_RULE, 0),
        "cross_run_changes": found.get(CHANGED_RULE, 0),
    }


def void_run(ledger: Ledger, run: int, reason: str, now: dt.datetime) -> RunRecord:
    """Mark a run made by mistake as void: its lines stop counting (the next run decides them
    afresh); it stays in the ledger, with the reason and the time, for audit."""
    reason = " ".join(reason.split())
    if not reason:
        raise LedgerError("Give the reason for voiding the run with --reason TEXT.")
    with ledger.transaction() as connection:
        found = connection.execute(
            "SELECT voided_at, void_reason FROM runs WHERE id = ?", (run,)
        ).fetchone()
        if found is None:
            raise LedgerError(
                f"Ledger {ledger.path} has no run {run}; `xl-claims ledger runs` lists them."
            )
        if found[0] is not None:
            raise LedgerError(f"Run {run} was already voided at {found[0]} ({found[1]}).")
        connection.execute(
            "UPDATE runs SET voided_at = ?, void_reason = ? WHERE id = ?",
            (utc_text(now), reason, run),
        )
    return next(record for record in list_runs(ledger) if record.id == run)


def standing_query_plan(ledger: Ledger, keys: int | None = None) -> list[str]:
    """SQLite's plan for the cross-run look-up of one claim and part, or (``keys``) of that
    many claim ids at once as the batch reads them: it must search ``lines_by_key``, never
    scan."""
    params: tuple[object, ...] = ("claim", 1, "part")
    sql = STANDING_SQL
    if keys is not None:
        sql, params = prefetch_sql(keys), (*(f"c-{n}" for n in range(keys)), 1)
    with ledger.guard():
        plan = ledger.connection.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    return [row[-1] for row in plan]


class LedgerHistory:
    """The ledger as reconciliation reads it (``reconcile.carry.ClaimsHistory``): the lines
    that count today, and the cross-run counts of a period."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self.path = str(ledger.path)

    def standing_lines(self) -> list[RecordedLine]:
        return standing_lines(self.ledger)

    def cross_run_counts(self, date_from: dt.date | None, date_to: dt.date | None) -> dict:
        return cross_run_counts(self.ledger, date_from, date_to)


__all__ = [
    "EXPORT_HEADERS",
    "LedgerHistory",
    "RecordedLine",
    "RunRecord",
    "claim_history",
    "cross_run_counts",
    "iter_rows",
    "list_runs",
    "standing_lines",
    "standing_query_plan",
    "void_run",
]
