"""``xl-claims reconcile`` as one library call: check the options, reconcile, write the report.

The command line only parses options and shows the result; the checks of what the user gave
(tolerance, period, ``--map``, the report's path) are here, as ``UsageError`` (exit code 2)
naming the option and the value given, before any input is read.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path

from xl_claims.core.errors import ClaimsError, UsageError
from xl_claims.core.files import refuse_existing
from xl_claims.core.policy import Policy
from xl_claims.core.table import parse_header_map
from xl_claims.reconcile.carry import ClaimsHistory
from xl_claims.reconcile.reconciliation import Reconciliation, reconcile
from xl_claims.reconcile.report import write_report


def parse_tolerance(text: str) -> Decimal:
    """``--tolerance``: an amount of 0 or more."""
    try:
        limit = Decimal(text)
    except InvalidOperation:
        limit = None
    if limit is None or not limit.is_finite() or limit < 0:
        raise UsageError(
            f"Invalid value for --tolerance: expected an amount such as 0.01, got {text!r}"
        )
    return limit


def check_report_path(
    output: str | os.PathLike, inputs: Sequence[str | os.PathLike], force: bool
) -> Path:
    """The report's path: an .xlsx in a folder that exists, none of the inputs, and no existing
    file unless ``force``."""
    target = Path(output)
    if target.suffix.lower() != ".xlsx":
        raise UsageError(f"Invalid value for -o: the report is an .xlsx file, got {str(output)!r}")
    if not target.parent.is_dir():
        raise UsageError(
            f"Invalid value for -o: folder {str(target.parent)!r} does not exist; create it first"
        )
    if os.path.realpath(target) in {os.path.realpath(p) for p in inputs}:
        raise UsageError("Invalid value for -o: the report would overwrite an input file")
    refuse_existing(target, force)
    return target


def run_reconciliation(
    claims: Sequence[str | os.PathLike],
    payments: Sequence[str | os.PathLike],
    output: str | os.PathLike,
    policy: Policy,
    *,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
    tolerance: str = "0.01",
    mappings: Sequence[str] = (),
    force: bool = False,
    ledger: ClaimsHistory | None = None,
) -> tuple[Reconciliation, Path]:
    """Check the options, reconcile, write the report; return the result and the report's path.

    Raises ``UsageError`` for options that cannot work and ``OutputError`` when the report
    cannot be written; unreadable inputs are part of the result (``exit_code`` 3). With a claims
    ``ledger`` (``carry``), ``claims`` may be empty."""
    if not claims and ledger is None:
        raise UsageError("give the CLAIMS files, or --ledger FILE, or both.")
    limit = parse_tolerance(tolerance)
    if period_from and period_to and period_from > period_to:
        raise UsageError(f"--from {period_from} is after --to {period_to}.")
    try:
        header_map = parse_header_map(mappings)
    except ClaimsError as exc:
        raise UsageError(f"Invalid value for --map: {exc}") from None
    ledger_path = [] if ledger is None else [ledger.path]
    target = check_report_path(output, [*claims, *payments, *ledger_path], force)
    result = reconcile(
        claims,
        payments,
        policy,
        period_from=period_from,
        period_to=period_to,
        tolerance=limit,
        header_map=header_map,
        ledger=ledger,
    )
    return result, write_report(result, target)


__all__ = ["check_report_path", "parse_tolerance", "run_reconciliation"]
