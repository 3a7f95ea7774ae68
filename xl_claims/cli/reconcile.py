"""``xl-claims reconcile``: computed refunds against payment exports, as a report workbook."""

from __future__ import annotations

import json
import os
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click

from xl_claims.cli.app import main, open_policy, policy_option
from xl_claims.core.errors import ClaimsError


@main.command("reconcile", short_help="Reconcile computed refunds with payment exports.")
@click.argument("claims", nargs=-1, required=True, type=click.Path(dir_okay=False))
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
@click.option("--from", "period_from", type=click.DateTime(["%Y-%m-%d"]), help="Period start.")
@click.option("--to", "period_to", type=click.DateTime(["%Y-%m-%d"]), help="Period end.")
@click.option(
    "--tolerance", default="0.01", show_default=True, help="Largest difference still settled."
)
@click.option(
    "--map", "mappings", multiple=True, metavar="FIELD=HEADER", help="Extra header spelling."
)
@policy_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def reconcile_command(
    claims, payments, output, period_from, period_to, tolerance, mappings, policy_path, as_json
) -> None:
    """Match computed refunds in CLAIMS with the refunds in payment exports; write a report.

    \b
    Example:
    xl-claims reconcile claims-2026-03.xlsx --payments shopify-payments.csv \\
        --payments paypal-activity.csv --from 2026-03-01 --to 2026-03-31 -o march.xlsx

    Exit code 0 when everything matches within tolerance, 1 when there are findings (or an
    input could not be read: the rest is still reconciled), 2 for usage errors.
    """
    from xl_claims.core.table import parse_header_map
    from xl_claims.reconcile import reconcile
    from xl_claims.workbook.report import summary_dict, summary_text, write_report

    try:
        limit = Decimal(tolerance)
    except InvalidOperation:
        limit = None
    if limit is None or not limit.is_finite() or limit < 0:
        raise click.BadParameter(
            f"expected an amount such as 0.01, got {tolerance!r}", param_hint="--tolerance"
        )
    start = period_from.date() if period_from else None
    end = period_to.date() if period_to else None
    if start and end and start > end:
        raise click.UsageError(f"--from {start} is after --to {end}.")
    try:
        header_map = parse_header_map(mappings)
    except ClaimsError as exc:
        raise click.BadParameter(str(exc), param_hint="--map") from None
    target = Path(output)
    if target.suffix.lower() != ".xlsx":
        raise click.BadParameter(f"the report is an .xlsx file, got {output!r}", param_hint="-o")
    if not target.parent.is_dir():
        raise click.BadParameter(f"folder {str(target.parent)!r} does not exist", param_hint="-o")
    inputs = {os.path.realpath(p) for p in (*claims, *payments)}
    if os.path.realpath(target) in inputs:
        raise click.BadParameter("the report would overwrite an input file", param_hint="-o")
    policy = open_policy(policy_path)
    result = reconcile(
        claims, payments, policy,
        period_from=start, period_to=end, tolerance=limit, header_map=header_map,
    )  # fmt: skip
    for problem in result.problems:
        click.echo(f"Error: {problem}", err=True)
    try:
        write_report(result, target)
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
    if as_json:
        click.echo(json.dumps(summary_dict(result, target), indent=2))
    else:
        click.echo(summary_text(result, target))
    sys.exit(1 if result.findings else 0)
