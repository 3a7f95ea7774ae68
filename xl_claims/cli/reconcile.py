"""``xl-claims reconcile``: computed refunds against payment exports, as a report workbook."""

from __future__ import annotations

import contextlib
import json
import sys

import click

from xl_claims.cli.app import main, open_ledger, open_policy, policy_option, reported
from xl_claims.ledger import LedgerHistory


@main.command("reconcile", short_help="Reconcile computed refunds with payment exports.")
@click.argument("claims", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--payments",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False),
    help="Payment export (Shopify, PayPal, Stripe or a generic sheet); repeat for several.",
)
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="Report .xlsx to write."
)
@click.option("--force", is_flag=True, help="Replace the report if the file exists.")
@click.option("--from", "period_from", type=click.DateTime(["%Y-%m-%d"]), help="Period start.")
@click.option("--to", "period_to", type=click.DateTime(["%Y-%m-%d"]), help="Period end.")
@click.option(
    "--tolerance", default="0.01", show_default=True, help="Largest difference still settled."
)
@click.option(
    "--map",
    "mappings",
    multiple=True,
    metavar="FIELD=HEADER",
    help="Extra header spelling; FIELD= switches a claim field off.",
)
@policy_option
@click.option(
    "--ledger",
    "ledger_path",
    type=click.Path(dir_okay=False, exists=True),
    help="Claims ledger: its lines of the period, and earlier lines still owed (carried over).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def reconcile_command(
    claims, payments, output, force, period_from, period_to, tolerance, mappings, policy_path,
    ledger_path, as_json,
) -> None:  # fmt: skip
    """Match computed refunds in CLAIMS with the refunds in payment exports; write a report.

    \b
    Example:
    xl-claims reconcile claims-2026-03.xlsx --payments shopify-payments.csv \\
        --payments paypal-activity.csv --from 2026-03-01 --to 2026-03-31 -o march.xlsx

    With --ledger FILE the claim lines come from the claims ledger (CLAIMS are then optional).

    Exit code 0 when everything matches within tolerance, 1 when there are findings, 2 for
    usage errors, 3 when an input could not be read (the report says it is incomplete).
    """
    from xl_claims.reconcile import run_reconciliation, summary_dict, summary_text

    policy = open_policy(policy_path)
    with contextlib.ExitStack() as stack:
        ledger = None if ledger_path is None else stack.enter_context(open_ledger(ledger_path))
        with reported():
            result, report = run_reconciliation(
                claims,
                payments,
                output,
                policy,
                period_from=period_from.date() if period_from else None,
                period_to=period_to.date() if period_to else None,
                tolerance=tolerance,
                mappings=mappings,
                force=force,
                ledger=None if ledger is None else LedgerHistory(ledger),
            )
    for problem in result.problems:
        click.echo(f"Error: {problem}", err=True)
    if as_json:
        click.echo(json.dumps(summary_dict(result, report), indent=2))
        if result.incomplete:
            click.echo(f"Error: {result.incomplete} (exit code 3)", err=True)
    else:
        click.echo(summary_text(result, output))
    sys.exit(result.exit_code)
