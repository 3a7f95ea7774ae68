"""The ``xl-claims`` command: parse options, call one library function, map errors to exit codes.

Exit codes: 0 done, 1 the work found an error (or findings), 2 usage errors (click's own).
"""

from __future__ import annotations

import csv
import io
import json
import sys

import click

from xl_claims import __version__
from xl_claims.engine import decide, format_rate
from xl_claims.errors import ClaimsError
from xl_claims.model import Claim, Decision, Status
from xl_claims.policy import POLICY_ENV_VAR, Policy, PolicyVersion, check_policy, load_policy

policy_option = click.option(
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False),
    envvar=POLICY_ENV_VAR,
    help=f"Policy file to use instead of the bundled one (or set ${POLICY_ENV_VAR}).",
)


def open_policy(policy_path: str | None) -> Policy:
    try:
        return load_policy(policy_path)
    except ClaimsError as exc:
        raise click.ClickException(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xl-claims")
def main() -> None:
    """After-sales refunds by the shop's policy: decide claims, fill claim workbooks, reconcile."""


# --- core: single decisions and the policy file -------------------------------------------------


@main.command()
@click.argument("grade")
@click.argument("part")
@click.option("--quantity", "-q", default="1", show_default=True, help="Number of pieces.")
@policy_option
def refund(grade: str, part: str, quantity: str, policy_path: str | None) -> None:
    """Print the partial refund for GRADE and PART: rate × max value × quantity.

    Example: xl-claims refund High "Head sculpt w/ special functions"  →  40.00 USD
    """
    policy = open_policy(policy_path)
    decision = decide(Claim(grade=grade, part=part, quantity=quantity), policy)
    if decision.status is not Status.OK:
        click.echo(f"{decision.status}: {decision.explanation}", err=True)
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
        resolution=resolution,
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


@main.group("policy")
def policy_group() -> None:
    """Check and show policy files."""


@policy_group.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
def policy_check(file: str) -> None:
    """Validate a policy FILE and name each problem by its key.

    Example: xl-claims policy check my-policy.toml
    """
    problems = check_policy(file)
    if problems:
        click.echo(f"{file}: {len(problems)} problem(s)")
        for problem in problems:
            click.echo(f"  - {problem}")
        sys.exit(1)
    policy = load_policy(file)
    versions = ", ".join(f"{v.id} (from {v.effective_from})" for v in policy.versions)
    click.echo(f"{file}: OK, {len(policy.versions)} version(s): {versions}")


@policy_group.command("show")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@click.option("--version", "version_id", help="Policy version id (default: the latest).")
@click.option("--date", "on_date", type=click.DateTime(["%Y-%m-%d"]), help="Version in force on.")
@policy_option
def policy_show(fmt: str, version_id: str | None, on_date, policy_path: str | None) -> None:
    """Print the grades, issue types and parts of a policy version.

    Example: xl-claims policy show --format csv > policy.csv
    """
    policy = open_policy(policy_path)
    try:
        if version_id:
            version = policy.version(version_id)
        else:
            version = policy.for_date(on_date.date() if on_date else None)
    except ClaimsError as exc:
        raise click.ClickException(str(exc)) from None
    rows = policy_rows(version)
    if fmt == "json":
        payload = {
            "id": version.id,
            "effective_from": version.effective_from.isoformat(),
            "source": version.source,
            "currency": version.currency,
            "rows": [dict(zip(POLICY_COLUMNS, row, strict=True)) for row in rows],
        }
        click.echo(json.dumps(payload, indent=2))
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(POLICY_COLUMNS)
        writer.writerows(rows)
        click.echo(buffer.getvalue(), nl=False)
    else:
        click.echo(
            f"Policy {version.id}, in force from {version.effective_from}, "
            f"{version.source}; amounts in {version.currency}"
        )
        widths = [max(len(str(x)) for x in col) for col in zip(POLICY_COLUMNS, *rows, strict=True)]
        for row in [POLICY_COLUMNS, *rows]:
            click.echo(
                "  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)).rstrip()
            )


POLICY_COLUMNS = ("table", "name", "value", "detail")


def policy_rows(version: PolicyVersion) -> list[tuple[str, str, str, str]]:
    """The policy version as flat rows: grades (rate), issues (grade or outcome), parts (value)."""
    rows = []
    for grade in version.grades.values():
        rows.append(
            ("grade", grade.name, _depends_or(grade.rate), _aliases(version, "grade", grade.name))
        )
    for issue in version.issues.values():
        value = issue.grade if issue.outcome == "refund" else issue.outcome.replace("_", " ")
        if issue.outcome == "discount":
            value = f"discount {_depends_or(issue.discount_rate)}"
        detail = _aliases(version, "issue", issue.name)
        if issue.value_part:
            detail = f"priced by '{issue.value_part}'; {detail}"
        rows.append(("issue", issue.name, value, detail))
    for part in version.parts.values():
        detail = _aliases(version, "part", part.name)
        rows.append(("part", part.name, _depends_or(part.max_value), detail))
    return rows


def _depends_or(value) -> str:
    return "Depends" if value is None else str(value)


def _aliases(version: PolicyVersion, kind: str, name: str) -> str:
    spellings = version.aliases[kind].get(name, [])
    return "aliases: " + ", ".join(spellings) if spellings else ""


if __name__ == "__main__":  # pragma: no cover
    main()
