"""``xl-claims ledger …``: list runs, show a claim's history, export lines, void a run.

Exit codes: 0 done; 1 the ledger cannot be used (missing, damaged, newer, busy), or ``show``
found no line of the claim; 2 usage errors (an export file that exists, without ``--force``,
too).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

import click

from xl_claims.cli.app import ledger_option, main, open_ledger, reported
from xl_claims.core.files import refuse_existing
from xl_claims.core.model import RecordedLine
from xl_claims.ledger import (
    RunRecord,
    claim_history,
    list_runs,
    void_run,
)

_the_ledger = ledger_option("The claims ledger (SQLite) to read", required=True)


@main.group("ledger")
def ledger_group() -> None:
    """Read the claims ledger, export it, void a run."""


@ledger_group.command("runs")
@_the_ledger
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
def runs_command(ledger_path: str, as_json: bool) -> None:
    """List the runs recorded in the ledger, oldest first (void runs say so).

    \b
    Example: xl-claims ledger runs --ledger claims-ledger.sqlite
    """
    with open_ledger(ledger_path) as ledger, reported():
        runs = list_runs(ledger)
    if as_json:
        click.echo(json.dumps([run.to_dict() for run in runs], indent=2))
    else:
        click.echo(format_runs(runs))


def format_runs(runs: Sequence[RunRecord]) -> str:
    header = ("Run", "Started (UTC)", "Files", "Lines", "Refund", "Dup.", "Changed", "Policy")
    rows = [
        (
            str(run.id),
            run.started_at,
            str(run.files),
            str(run.lines),
            f"{run.refund_total:.2f}",
            str(run.duplicates),
            str(run.changes),
            ", ".join(run.policy_versions),
            f"VOID {run.voided_at}: {run.void_reason}" if run.voided_at else "",
        )
        for run in runs
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [
            cell.rjust(width) if i in (0, 2, 3, 4, 5, 6) else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=False))
        ]
        lines.append("  ".join([*cells, *row[len(header) :]]).rstrip())
    if not runs:
        lines.append("(no run recorded yet)")
    return "\n".join(lines)


@ledger_group.command("show")
@_the_ledger
@click.option("--claim", "claim_id", required=True, help="Claim id (any spelling: case, #).")
@click.option("--json", "as_json", is_flag=True, help="Print the lines as JSON.")
def show_command(ledger_path: str, claim_id: str, as_json: bool) -> None:
    """Show a claim's history: every line recorded for it, in every run, oldest first.

    \b
    Example: xl-claims ledger show --claim CLM-1001 --ledger claims-ledger.sqlite
    """
    with open_ledger(ledger_path) as ledger, reported():
        rows = claim_history(ledger, claim_id)
    if not rows:
        raise click.ClickException(f"No line of claim {claim_id!r} in the ledger {ledger_path}.")
    if as_json:
        click.echo(json.dumps([_row_dict(row) for row in rows], indent=2))
        return
    click.echo(f"Claim {claim_id}: {len(rows)} line(s) in {ledger_path}")
    for row in rows:
        amount = "no amount" if row.refund is None else f"{row.refund:.2f} {row.currency}"
        void = f" (run VOID {row.run_void})" if row.run_void else ""
        counts = "counts" if row.counts == "yes" else "does not count"
        click.echo(
            f"run {row.run} {row.run_started}{void}: {row.file} row {row.row}, {row.part}: "
            f"{row.status}, {amount}; {counts}"
        )
        click.echo(f"    {row.explanation}")


def _row_dict(row: RecordedLine) -> dict:
    values = row._asdict()
    values["refund"] = None if row.refund is None else str(row.refund)
    return values


@ledger_group.command("export")
@_the_ledger
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="First date.")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Last date.")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="FILE.xlsx or .csv."
)
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
def export_command(ledger_path: str, date_from, date_to, output: str, force: bool) -> None:
    """Export the recorded lines (all runs, void ones marked) whose date is in the period.

    A line's date is its claim date, or the date of its run when it has none; --from and --to
    are inclusive.

    \b
    Example: xl-claims ledger export --from 2026-03-01 --to 2026-03-31 -o march.xlsx
    """
    from xl_claims.ledger.export import EXPORT_SUFFIXES, export_ledger

    target = Path(output)
    if target.suffix.lower() not in EXPORT_SUFFIXES:
        raise click.BadParameter(f"give a .xlsx or .csv file, got {output!r}", param_hint="-o")
    if not target.parent.is_dir():
        raise click.BadParameter(f"folder {str(target.parent)!r} does not exist", param_hint="-o")
    if Path(ledger_path).exists() and target.resolve() == Path(ledger_path).resolve():
        raise click.BadParameter("the export would overwrite the ledger", param_hint="-o")
    start = date_from.date() if date_from else None
    end = date_to.date() if date_to else None
    if start and end and start > end:
        raise click.UsageError(f"--from {start} is after --to {end}.")
    with reported():
        refuse_existing(target, force)
    with open_ledger(ledger_path) as ledger, reported():
        count = export_ledger(ledger, target, start, end)
    click.echo(f"Wrote {count} line(s) to {output}")


@ledger_group.command("void")
@_the_ledger
@click.argument("run", type=click.IntRange(min=1))
@click.option("--reason", required=True, help="Why the run was a mistake (kept for audit).")
def void_command(ledger_path: str, run: int, reason: str) -> None:
    """Void RUN, a run made by mistake: its lines stop counting, and the next run decides them
    afresh. It stays in the ledger for audit, with the reason and the time (UTC).

    \b
    Example: xl-claims ledger void 7 --reason "ran on last month's export"
    """
    with open_ledger(ledger_path) as ledger, reported():
        record = void_run(ledger, run, reason, dt.datetime.now(dt.UTC))
    click.echo(
        f"Run {record.id} voided at {record.voided_at}: {record.void_reason}. Its "
        f"{record.lines} line(s) no longer count; the next run decides them afresh."
    )


__all__ = ["ledger_group"]
