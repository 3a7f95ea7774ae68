"""One input of a run, recorded line by line as the batch decides it, fast enough for a million.

- The cross-run look-up is done for many lines at once: ``prefetch`` reads the standing lines of
  the claim ids about to be decided in one indexed query, so ``check`` is a dictionary look-up;
  a claim id the ledger does not hold costs no query of its own.
- Lines go to SQLite in large ``executemany`` batches inside the run's transaction; what they
  have in common (the decision: status, refund, rule, explanation...) is one ``decisions`` row
  shared by every line decided alike. Nothing of the file is kept in memory but the batch being
  filled and the standing lines of the claim ids in play.
- The file is a savepoint: ``finish`` keeps it, ``fail`` rolls it back and records the input
  with its error. The same file again (same SHA-256) keeps only what changed: a line decided as
  that file's row was recorded before is not recorded twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from xl_claims.core.model import Decision
from xl_claims.ledger.rules import (
    CHANGED_RULE,
    DUPLICATE,
    DUPLICATE_RULE,
    EarlierLine,
    Verdict,
    judge,
)

if TYPE_CHECKING:
    from xl_claims.ledger.store import LedgerRun

ZERO = Decimal("0.00")
#: Lines and decisions written per ``executemany``.
BATCH = 20_000
#: Claim ids per look-up query (well under SQLite's 32,766 parameters).
LOOKUP_KEYS = 2_000
_STANDING = """
SELECT l.claim_key, d.part_key, l.id, r.id, r.started_at, i.name, i.sha256, i.sheet, l.row,
       d.status, d.refund, d.resolution, d.rule
FROM lines AS l JOIN decisions AS d ON d.id = l.decision_id JOIN inputs AS i ON i.id = l.input_id
JOIN runs AS r ON r.id = i.run_id
WHERE l.claim_key {match} AND l.counts = 1 AND r.voided_at IS NULL AND r.id < ?
"""
#: The standing line of one claim and part before the current run (``standing_query_plan``).
STANDING_SQL = _STANDING.format(match="= ?") + " AND d.part_key = ? ORDER BY l.id DESC LIMIT 1"


def prefetch_sql(keys: int) -> str:
    """The look-up of ``keys`` claim ids at once (then the run id): every line that counts for
    them, oldest first, so that the last one read for a claim and part is its standing line."""
    return _STANDING.format(match=f"IN ({','.join('?' * keys)})") + " ORDER BY l.id"


_INSERT_DECISION = """
INSERT INTO decisions (id, issue, part, part_key, grade, resolution, status, refund, currency,
    rule, policy_version, explanation)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_INSERT_LINES = """
INSERT INTO lines (input_id, row, claim_id, claim_key, order_id, claim_date, decision_id, counts,
    earlier_line)
VALUES {values}
"""
#: Values of one line (the input's id is written into the statement).
LINE_FIELDS = 8
#: Lines per INSERT statement: binding many rows per statement halves the cost of each.
ROWS_PER_INSERT = 64
#: Lines of this input (ids from ``:first``) that its file's latest earlier recording (same
#: SHA-256 and sheet, a run not void) holds already, decided the same (status, refund, rule).
#: Each input's lines are one range of ids (``inputs.first_line`` … ``last_line``): a run holds
#: the write lock and records its inputs one after the other, so that no index by input is
#: needed (an index costs a quarter of the time to record a line). CROSS JOIN keeps the new
#: lines the outer loop, so that SQLite looks ``prior`` up by an automatic index on its rows.
_REPEATS = """
FROM lines AS n JOIN decisions AS nd ON nd.id = n.decision_id
CROSS JOIN (
    SELECT e.row AS row, e.decision_id AS decision_id, MAX(e.id) AS latest
    FROM inputs AS i JOIN runs AS r ON r.id = i.run_id
    JOIN lines AS e ON e.id BETWEEN i.first_line AND i.last_line
    WHERE i.sha256 = :sha256 AND i.sheet = :sheet AND i.error IS NULL
        AND r.voided_at IS NULL AND r.id < :run
    GROUP BY e.row
) AS prior ON prior.row = n.row
JOIN decisions AS ed ON ed.id = prior.decision_id
WHERE n.id >= :first AND ed.status = nd.status AND ed.refund IS nd.refund AND ed.rule = nd.rule
"""


def money_text(amount: Decimal | None) -> str | None:
    """Money is stored as the Decimal's exact text, never as a REAL."""
    return None if amount is None else str(amount)


class LedgerLine(NamedTuple):
    """One decided line, as a caller that is not the streaming batch hands it over: where it
    is, its keys (``core.table.duplicate_key``), and the engine's decision."""

    sheet: str
    row: int
    claim_id: str | None
    claim_key: str | None
    part_key: str
    order: str | None
    claim_date: dt.date | None
    decision: Decision


@dataclass
class RecordCounts:
    """What a file (then a run) recorded: lines, the exact refund of those that count, the lines
    the ledger made DUPLICATE or REVIEW. Counted as the lines are written, not read back."""

    lines: int = 0
    refund_total: Decimal = ZERO
    duplicates: int = 0
    changes: int = 0

    def add(self, refund: str | None, rule: str, counts: int, lines: int) -> None:
        """``lines`` lines with this refund (exact text), rule and ``counts`` flag."""
        self.lines += lines
        if counts and refund is not None:
            self.refund_total += Decimal(refund) * lines
        if rule == DUPLICATE_RULE:
            self.duplicates += lines
        elif rule == CHANGED_RULE:
            self.changes += lines

    def merge(self, other: RecordCounts, sign: int = 1) -> None:
        self.lines += sign * other.lines
        self.refund_total += sign * other.refund_total
        self.duplicates += sign * other.duplicates
        self.changes += sign * other.changes


class FileRecord:
    """The recording of one input: its cross-run look-ups, its lines, its savepoint."""

    def __init__(self, run: LedgerRun, input_id: int, name: str, path: str):
        self.run = run
        self.id = input_id
        self.name = name
        self.path = path
        self.sha256: str | None = None
        self.sheet: str | None = None
        # the first run (not void) that recorded this same file: a later run of the same file
        # recorded only what had changed, so the message names the run that holds its lines
        self.recorded_in: int | None = None
        self.standing: dict[tuple[str, str], EarlierLine] = {}
        self.covered: set[str] = set()  # claim keys whose standing lines are in ``standing``
        self.counts = RecordCounts()
        self.values: list = []  # the lines not written yet, LINE_FIELDS values each
        self.limit = BATCH * LINE_FIELDS
        self.decisions: list[tuple] = []
        row = f"({int(input_id)}, {', '.join('?' * LINE_FIELDS)})"
        self.insert_line = _INSERT_LINES.format(values=row)
        self.insert_lines = _INSERT_LINES.format(values=", ".join([row] * ROWS_PER_INSERT))
        self.connection = run.ledger.connection
        with run.ledger.guard():
            self.connection.execute("SAVEPOINT input")
            self.connection.execute(
                "INSERT INTO inputs (id, run_id, name, path) VALUES (?, ?, ?, ?)",
                (input_id, run.id, name, path),
            )
            found = self.connection.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM lines")
            self.first_line: int = found.fetchone()[0]  # the id of this input's first line

    def begin(self, sha256: str | None, sheet: str) -> None:
        """The file is read: its SHA-256 and claims sheet; finds whether it was recorded before."""
        self.sha256, self.sheet = sha256, sheet
        with self.run.ledger.guard():
            found = self.connection.execute(
                "SELECT MIN(r.id) FROM inputs AS i JOIN runs AS r ON r.id = i.run_id "
                "WHERE i.sha256 = ? AND i.sheet = ? AND i.error IS NULL "
                "AND r.voided_at IS NULL AND r.id < ?",
                (sha256, sheet, self.run.id),
            ).fetchone()
        self.recorded_in = found[0]

    def prefetch(self, claim_keys: Iterable[str]) -> None:
        """Read the standing lines of these claim ids (the lines about to be decided) at once;
        what was read for earlier lines is dropped."""
        keys = list(dict.fromkeys(claim_keys))
        self.standing, self.covered = {}, set(keys)
        if not self.run.earlier_lines:
            return
        with self.run.ledger.guard():
            for start in range(0, len(keys), LOOKUP_KEYS):
                chunk = keys[start : start + LOOKUP_KEYS]
                sql = prefetch_sql(len(chunk))
                for found in self.connection.execute(sql, (*chunk, self.run.id)):
                    self.standing[(found[0], found[1])] = _earlier(found[2:])

    def standing_line(self, key: tuple[str, str]) -> EarlierLine | None:
        """The line that counts for ``key`` before this run (prefetched, else one query)."""
        if key[0] in self.covered:
            return self.standing.get(key)
        if not self.run.earlier_lines:
            return None
        with self.run.ledger.guard():
            found = self.connection.execute(STANDING_SQL, (key[0], self.run.id, key[1]))
            row = found.fetchone()
        return None if row is None else _earlier(row[2:])

    def check(
        self,
        key: tuple[str, str],
        row: int,
        status: str,
        refund: Decimal | None,
        resolution: str | None,
    ) -> Verdict | None:
        """The cross-run rule for the line at ``row`` (``rules.judge``); None when its claim and
        part have no standing line."""
        earlier = self.standing_line(key)
        if earlier is None:
            return None
        return judge(earlier, (self.sha256, self.sheet or "", row), status, refund, resolution)

    def decision(
        self,
        issue: str | None,
        part: str | None,
        part_key: str,
        grade: str | None,
        resolution: str | None,
        status: str,
        refund: Decimal | None,
        currency: str,
        rule: str,
        policy_version: str,
        explanation: str,
    ) -> int:
        """A new ``decisions`` row (written with the next batch of lines); returns its id."""
        number = self.run.new_decision_id()
        if rule == DUPLICATE_RULE:  # a decision of its own for each such line
            self.counts.duplicates += 1
        elif rule == CHANGED_RULE:
            self.counts.changes += 1
        self.decisions.append(
            (number, issue, part, part_key, grade, resolution, status, money_text(refund),
             currency, rule, policy_version, explanation)
        )  # fmt: skip
        return number

    def add(
        self,
        row: int,
        claim_id: str | None,
        claim_key: str | None,
        order: str | None,
        claim_date: str | None,
        decision: int,
        counts: bool,
        earlier: int | None,
    ) -> None:
        """One line (``decision``: an id from ``decision``), written in batches (the batch
        appends to ``values`` itself, then flushes at ``limit``)."""
        values = self.values
        values += (row, claim_id, claim_key, order, claim_date, decision, counts, earlier)
        if len(values) >= self.limit:
            self.flush()

    def add_line(self, line: LedgerLine, verdict: Verdict | None = None) -> None:
        """``decision`` and ``add`` for one ``LedgerLine`` (``verdict``: what ``check`` said)."""
        made = line.decision
        status = str(made.status)
        resolution = None if made.resolution is None else str(made.resolution)
        decision = self.decision(
            made.issue, made.part, line.part_key, made.grade, resolution, status, made.refund,
            made.currency, made.rule, made.policy_version, made.explanation,
        )  # fmt: skip
        counts = status != DUPLICATE if verdict is None else verdict.counts
        earlier = None if verdict is None else verdict.earlier_line
        date = None if line.claim_date is None else line.claim_date.isoformat()
        if counts and made.refund is not None:
            self.counts.refund_total += made.refund
        self.add(
            line.row, line.claim_id, line.claim_key, line.order, date, decision, counts, earlier
        )

    def flush(self) -> None:
        """Write the decisions and lines gathered so far (``ROWS_PER_INSERT`` lines a statement,
        the rest one by one)."""
        values, size = self.values, LINE_FIELDS * ROWS_PER_INSERT
        whole = len(values) - len(values) % size
        self.counts.lines += len(values) // LINE_FIELDS
        with self.run.ledger.guard():
            if self.decisions:
                self.connection.executemany(_INSERT_DECISION, self.decisions)
            if whole:
                chunks = (values[at : at + size] for at in range(0, whole, size))
                self.connection.executemany(self.insert_lines, chunks)
            if whole < len(values):
                rest = range(whole, len(values), LINE_FIELDS)
                lines = (values[at : at + LINE_FIELDS] for at in rest)
                self.connection.executemany(self.insert_line, lines)
        self.values, self.decisions = [], []

    def finish(self, refund_total: Decimal | None = None) -> None:
        """The file is done: its lines are kept (but those the same file recorded before).
        ``refund_total``: the exact sum of the refunds of its lines that count, as the caller
        totalled them (else the sum of the ``add_line`` lines)."""
        if refund_total is not None:
            self.counts.refund_total = refund_total
        self.flush()
        execute = self.connection.execute
        with self.run.ledger.guard():
            execute(
                "UPDATE inputs SET sha256 = ?, sheet = ?, recorded_in = ? WHERE id = ?",
                (self.sha256, self.sheet, self.recorded_in, self.id),
            )
            if self.recorded_in is not None:
                where = {"first": self.first_line, "sha256": self.sha256, "sheet": self.sheet}
                where["run"] = self.run.id
                repeated = RecordCounts()
                for found in execute(
                    f"SELECT nd.refund, nd.rule, n.counts, COUNT(*) {_REPEATS} "
                    "GROUP BY nd.refund, nd.rule, n.counts",
                    where,
                ):
                    repeated.add(*found)
                execute(f"DELETE FROM lines WHERE id IN (SELECT n.id {_REPEATS})", where)
                self.counts.merge(repeated, -1)
            kept = execute("SELECT MIN(id), MAX(id) FROM lines WHERE id >= ?", (self.first_line,))
            execute(
                "UPDATE inputs SET first_line = ?, last_line = ? WHERE id = ?",
                (*kept.fetchone(), self.id),
            )
            execute("RELEASE input")
        self.run.counts.merge(self.counts)

    def fail(self, error: str, sha256: str | None = None) -> None:
        """The file failed: nothing of it is kept but its input, with the error."""
        self.values, self.decisions, self.standing = [], [], {}
        with self.run.ledger.guard():
            self.connection.execute("ROLLBACK TO input")
            self.connection.execute("RELEASE input")
            self.connection.execute(
                "INSERT INTO inputs (id, run_id, name, path, sha256, error) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (self.id, self.run.id, self.name, self.path, sha256 or self.sha256, error),
            )


def _earlier(found: tuple) -> EarlierLine:
    refund = None if found[8] is None else Decimal(found[8])
    return EarlierLine._make((*found[:8], refund, *found[9:]))


__all__ = [
    "BATCH",
    "LINE_FIELDS",
    "LOOKUP_KEYS",
    "ROWS_PER_INSERT",
    "STANDING_SQL",
    "FileRecord",
    "LedgerLine",
    "RecordCounts",
    "money_text",
    "prefetch_sql",
]
