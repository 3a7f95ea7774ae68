"""``xl-claims policy check`` and ``policy show``: the policy file, validated and shown."""

from __future__ import annotations

import csv
import io
import json
import sys

import click

from xl_claims.cli.app import main, open_policy, policy_option, reported
from xl_claims.core.errors import PolicyError
from xl_claims.core.policy import load_policy
from xl_claims.core.policy_table import POLICY_COLUMNS, policy_rows


@main.group("policy")
def policy_group() -> None:
    """Check and show policy files."""


@policy_group.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
def policy_check(file: str) -> None:
    """Validate a policy FILE and name each problem by its key.

    \b
    Example: xl-claims policy check my-policy.toml
    """
    try:
        policy = load_policy(file)
    except PolicyError as exc:
        click.echo(f"{file}: {len(exc.problems)} problem(s)")
        for problem in exc.problems:
            click.echo(f"  - {problem}")
        sys.exit(1)
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

    \b
    Example: xl-claims policy show --format csv > policy.csv
    """
    policy = open_policy(policy_path)
    with reported():
        if version_id:
            version = policy.version(version_id)
        else:
            version = policy.for_date(on_date.date() if on_date else None)
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
