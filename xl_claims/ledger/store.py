"""The open ledger, and one run recorded in it.

A run is one write transaction (``BEGIN IMMEDIATE`` when it starts, ``COMMIT`` when it finishes):
a crash or ``kill -9`` in between leaves the file as it was, and a second run waits a bounded time
for the first, then fails saying so. Each input of the run is a savepoint inside it
(``recorder.FileRecord``): a file that fails half-way leaves only its input and its error.

Which line counts for a claim and part: the latest line recorded with ``counts = 1`` in a run that
is not void (the *standing* line). A new line with the same claim id and part from another input
is judged against it (``rules.judge``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from xl_claims.ledger.recorder import FileRecord, RecordCounts
from xl_claims.ledger.schema import WAIT_SECONDS, open_connection, translate_errors

ZERO = Decimal("0.00")


def utc_text(moment: dt.datetime) -> str:
    """UTC ISO-8601 with a ``Z``: how every time is stored."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


class Ledger:
    """An open ledger file. ``create``: make it when missing (``process``); the other commands
    only open an existing one."""

    def __init__(
        self, path: str | os.PathLike, *, create: bool = False, wait: float = WAIT_SECONDS
    ):
        self.path = Path(path)
        self.wait = wait
        self.created = create and not self.path.exists()  # made by this open: say so
        self.connection = open_connection(self.path, create=create, wait=wait)

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.connection.close()

    def guard(self) -> contextlib.AbstractContextManager[None]:
        """sqlite3 errors inside → one-line ``LedgerError``s naming the file."""
        return translate_errors(self.path, self.wait)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed whole, or rolled back whole."""
        with self.guard():
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")

    def begin_run(
        self, *, started_at: dt.datetime, tool_version: str, options: Mapping[str, object]
    ) -> LedgerRun:
        """Take the write lock (waiting at most ``wait`` seconds) and open the run's record."""
        with self.guard():
            execute = self.connection.execute
            execute("BEGIN IMMEDIATE")
            cursor = execute(
                "INSERT INTO runs (started_at, tool_version, policy_versions, options) "
                "VALUES (?, ?, '[]', ?)",
                (utc_text(started_at), tool_version, json.dumps(options, sort_keys=True)),
            )
            run = LedgerRun(self, int(cursor.lastrowid or 0))
            run.next_input = execute("SELECT COALESCE(MAX(id), 0) FROM inputs").fetchone()[0]
            run.next_decision = execute("SELECT COALESCE(MAX(id), 0) FROM decisions").fetchone()[0]
            run.earlier_lines = execute("SELECT 1 FROM lines LIMIT 1").fetchone() is not None
        return run


@dataclass
class LedgerRun:
    """The run being recorded (inside its transaction until ``finish`` or ``abort``). Input and
    decision ids are given here: the run holds the write lock, so no one else adds rows."""

    ledger: Ledger
    id: int
    lines: int = 0
    refund_total: Decimal = ZERO
    policy_versions: set[str] = field(default_factory=set)  # filled by the caller
    next_input: int = 0
    next_decision: int = 0
    earlier_lines: bool = True  # False: nothing to look up (a new ledger)
    counts: RecordCounts = field(default_factory=RecordCounts)  # the files kept so far

    def start_file(self, name: str, path: str) -> FileRecord:
        """Begin recording one input (a savepoint): see ``recorder.FileRecord``."""
        self.next_input += 1
        return FileRecord(self, self.next_input, name, path)

    def new_decision_id(self) -> int:
        self.next_decision += 1
        return self.next_decision

    def finish(self, finished_at: dt.datetime) -> None:
        """Complete the run's record (its counts: ``recorder.RecordCounts``) and commit the run,
        all of it at once."""
        counts = self.counts
        self.lines, self.refund_total = counts.lines, counts.refund_total
        with self.ledger.guard():
            execute = self.ledger.connection.execute
            execute(
                "UPDATE runs SET finished_at = ?, policy_versions = ?, lines = ?, "
                "refund_total = ?, duplicates = ?, changes = ? WHERE id = ?",
                (
                    utc_text(finished_at),
                    json.dumps(sorted(self.policy_versions)),
                    counts.lines,
                    str(counts.refund_total),
                    counts.duplicates,
                    counts.changes,
                    self.id,
                ),
            )
            execute("COMMIT")

    def abort(self) -> None:
        """Leave the ledger exactly as before the run."""
        with self.ledger.guard():
            self.ledger.connection.execute("ROLLBACK")


@contextlib.contextmanager
def recording_run(
    path: str | os.PathLike | None,
    *,
    started_at: dt.datetime,
    tool_version: str,
    options: Mapping[str, object],
    wait: float = WAIT_SECONDS,
) -> Iterator[LedgerRun | None]:
    """A run recorded in the ledger at ``path`` (created when missing), committed when the block
    ends normally and rolled back on any exception; ``None`` without a ledger."""
    if path is None:
        yield None
        return
    with Ledger(path, create=True, wait=wait) as ledger:
        run = ledger.begin_run(started_at=started_at, tool_version=tool_version, options=options)
        try:
            yield run
        except BaseException:
            run.abort()
            raise
        run.finish(dt.datetime.now(dt.UTC))


__all__ = ["Ledger", "LedgerRun", "recording_run", "utc_text"]
