"""The claims ledger: every decided line remembered across weekly runs (SQLite, stdlib sqlite3).

``schema`` owns the file (create, check, migrate), ``rules`` is the cross-run rule, ``store``
opens the ledger and records a run, ``recorder`` records one input of it line by line,
``queries`` reads it back, ``export`` writes lines to .xlsx/.csv. This module only re-exports.
"""

from xl_claims.ledger.queries import (
    EXPORT_HEADERS,
    LedgerHistory,
    RunRecord,
    claim_history,
    cross_run_counts,
    iter_rows,
    list_runs,
    standing_lines,
    standing_query_plan,
    void_run,
)
from xl_claims.ledger.recorder import FileRecord, LedgerLine
from xl_claims.ledger.rules import CHANGED_RULE, DUPLICATE_RULE, Verdict, judge
from xl_claims.ledger.schema import LEDGER_ENV_VAR, SCHEMA_VERSION, WAIT_SECONDS
from xl_claims.ledger.store import Ledger, LedgerRun, recording_run

__all__ = [
    "CHANGED_RULE",
    "DUPLICATE_RULE",
    "EXPORT_HEADERS",
    "LEDGER_ENV_VAR",
    "SCHEMA_VERSION",
    "WAIT_SECONDS",
    "FileRecord",
    "Ledger",
    "LedgerHistory",
    "LedgerLine",
    "LedgerRun",
    "RunRecord",
    "Verdict",
    "claim_history",
    "cross_run_counts",
    "iter_rows",
    "judge",
    "list_runs",
    "recording_run",
    "standing_lines",
    "standing_query_plan",
    "void_run",
]
