"""``xl-claims refund`` and ``xl-claims decide``: one claim line, decided and explained."""

from __future__ import annotations

import json
import sys

import click

from xl_claims.cli.app import main, open_policy, policy_option
from xl_claims.core.engine import decide
from xl_claims.core.model import Claim, Decision, Status
from xl_claims.core.money import format_rate


@main.command(short_help="Print the partial refund for GRADE and PART.")
@click.argument("grade")
@click.argument("part")
@click.option("--quantity", "-q", default="1", show_default=True, help="Number of pieces.")
@policy_option
def refund(grade: str, part: str, quantity: str, policy_path: str | None) -> None:
    """Print the partial refund for GRADE and PART: rate × max value × quantity.

    \b
    Example: xl-claims refund High "Head sculpt w/ special functions"
    40.00 USD

    Exit code 1 when there is no number (an unknown name, or a line for review).
    """
    policy = open_policy(policy_path)
    decision = decide(Claim(grade=grade, part=part, quantity=quantity), policy)
    if decision.status is not Status.OK:
        shown = "" if decision.status is Status.ERROR else f"{decision.status}: "
        click.echo(f"Error: {shown}{decision.explanation}", err=True)
        sys.exit(1)
    click.echo(f"{decision.refund} {decision.currency}")


@main.command("decide")
@click.option("--issue", "-i", help="Issue type, e.g. 'Breakage' (or give --grade).")
@click.option("--part", "-p", help="Part name from the policy's table.")
@click.option("--grade", "-g", help="Staff's grade; overrides the issue's grade.")
@click.option("--quantity", "-q", help="Number of pieces (default 1).")
@click.option("--value-override", help="Max value to use when the part's value is Depends.")
@click.option("--replacement", help="Is a replacement part available? yes/no.")
@click.option("--resolution", help="Customer's choice: replacement, refund, return, keep.")
@click.option("--price", help="Price paid for the item (mis-shipment discounts).")
@click.option("--date", "claim_date", type=click.DateTime(["%Y-%m-%d"]), help="Claim date.")
@click.option("--json", "as_json", is_flag=True, help="Print the decision as JSON.")
@policy_option
def decide_command(
    issue, part, grade, quantity, value_override, replacement, resolution, price, claim_date,
    as_json, policy_path,
) -> None:  # fmt: skip
    """Decide one claim line and explain the decision.

    \b
    Example: xl-claims decide --issue Breakage --part "Weapon (large)"

    Exit code 1 when the line is an ERROR (unknown name, bad quantity); REVIEW is normal work.
    """
    policy = open_policy(policy_path)
    claim = Claim(
        issue=issue,
        part=part,
        grade=grade,
        quantity=quantity,
        value_override=value_override,
        replacement_available=replacement,
        choice=resolution,
        date=claim_date.date() if claim_date else None,
        price=price,
    )
    decision = decide(claim, policy)
    if as_json:
        click.echo(json.dumps(decision_as_dict(decision), indent=2))
    else:
        click.echo(format_decision(decision))
    if decision.status is Status.ERROR:
        click.echo(f"Error: {decision.explanation}", err=True)
        sys.exit(1)


def decision_as_dict(decision: Decision) -> dict:
    def plain(value):
        return None if value is None else str(value)

    return {
        "status": str(decision.status),
        "refund": plain(decision.refund),
        "currency": decision.currency,
        "resolution": plain(decision.resolution),
        "issue": decision.issue,
        "part": decision.part,
        "grade": decision.grade,
        "rate": plain(decision.rate),
        "max_value": plain(decision.max_value),
        "quantity": decision.quantity,
        "rule": decision.rule,
        "explanation": decision.explanation,
        "policy_version": decision.policy_version,
    }


def format_decision(decision: Decision) -> str:
    def money(value):
        return "-" if value is None else f"{value:.2f} {decision.currency}"

    grade = decision.grade or "-"
    if decision.rate is not None and decision.grade:
        grade = f"{decision.grade} ({format_rate(decision.rate)})"
    rows = [
        ("Status", str(decision.status)),
        ("Refund", money(decision.refund)),
        ("Resolution", str(decision.resolution or "-")),
        ("Issue", decision.issue or "-"),
        ("Part", decision.part or "-"),
        ("Applied grade", grade),
        ("Part max value", money(decision.max_value)),
        ("Quantity", str(decision.quantity or "-")),
        ("Rule", decision.rule),
        ("Policy version", decision.policy_version),
        ("Explanation", decision.explanation),
    ]
    return "\n".join(f"{label + ':':<16}{value}" for label, value in rows)
