"""The ``xl-claims`` command: parse options, call one library function, map errors to exit codes.

Exit codes: 0 done, 1 the work found an error (or findings), 2 usage errors (click's own).
The workbook modules (openpyxl, pandas) are imported inside their commands, so that
``xl-claims refund`` answers without loading them.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click

from xl_claims import __version__
from xl_claims.core.engine import decide
from xl_claims.core.errors import ClaimsError, PolicyError
from xl_claims.core.model import Claim, Decision, Status
from xl_claims.core.money import format_rate
from xl_claims.core.policy import POLICY_ENV_VAR, Policy, PolicyVersion, load_policy

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


@main.group("policy")
def policy_group() -> None:
    """Check and show policy files."""


@policy_group.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
def policy_check(file: str) -> None:
    """Validate a policy FILE and name each problem by its key.

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


# --- reconciliation -----------------------------------------------------------------------------


@main.command("reconcile")
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

    Example: xl-claims reconcile claims-2026-03.xlsx --payments shopify-payments.csv
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


# --- weekly batch -------------------------------------------------------------------------------


@main.command("process")
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Output file (one input).")
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False),
    help="Folder for one processed workbook per input plus summary.xlsx.",
)
@click.option("--sheet", help="Claims sheet name (default: the first sheet with the headers).")
@click.option("--map", "maps", multiple=True, metavar="FIELD=HEADER", help="Extra header name.")
@click.option("--in-place", is_flag=True, help="Rewrite the inputs (a backup copy is kept).")
@click.option("--strict", is_flag=True, help="Exit code 1 when any row is ERROR.")
@click.option("--quiet", is_flag=True, help="Print errors only (for cron).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@policy_option
def process_command(
    inputs, output, output_dir, sheet, maps, in_place, strict, quiet, as_json, policy_path
) -> None:
    """Fill the compensation columns of claim workbooks and write a summary.

    INPUTS are .xlsx, .xlsm or .csv files, folders or glob patterns.

    Example: xl-claims process exports/*.xlsx --output-dir processed/

    Exit code 0 when every file was processed (REVIEW rows are normal work); 1 when a file could
    not be processed, or with --strict when any row is ERROR; 2 for usage errors.
    """
    from xl_claims.batch import UsageError, process_files
    from xl_claims.core.table import parse_header_map

    policy = open_policy(policy_path)
    try:
        header_map = parse_header_map(maps)
    except ClaimsError as exc:
        raise click.UsageError(str(exc)) from None
    show_progress = not (quiet or as_json) and sys.stderr.isatty()
    bar = None
    if show_progress:
        bar = click.progressbar(length=len(inputs), label="Processing", file=sys.stderr)
        bar.__enter__()

    def progress(path, lines: int, done: bool) -> None:
        if bar is not None:
            bar.label = f"{path.name} ({lines:,} lines)"
            if done:
                bar.length = max(bar.length, bar.pos + 1)
                bar.update(1)
            else:
                bar.render_progress()

    try:
        result = process_files(
            inputs,
            policy=policy,
            output=output,
            output_dir=output_dir,
            sheet=sheet,
            header_map=header_map,
            in_place=in_place,
            progress=progress,
        )
    except UsageError as exc:
        raise click.UsageError(str(exc)) from None
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    elif not quiet:
        click.echo(format_batch(result))
    for _file, error in result.errors:
        click.echo(f"Error: {error}", err=True)
    sys.exit(result.exit_code(strict))


def format_batch(result) -> str:
    """Per file: output, lines per status and total; then the run's totals."""
    lines = []
    for item in result.files:
        if item.error:
            lines.append(f"{item.input}: FAILED (see the error below)")
            continue
        counts = ", ".join(f"{s} {n}" for s, n in item.counts.items())
        lines.append(
            f"{item.input} → {item.output}: {len(item.lines)} lines ({counts}), "
            f"refund {item.total} {result.currency}"
        )
        lines.extend(f"  Warning: {w}" for w in item.warnings)
        if item.backup:
            lines.append(f"  Backup of the input: {item.backup}")
    counts = ", ".join(f"{s} {n}" for s, n in result.counts.items())
    lines.append(f"Total: {counts}; refund {result.total} {result.currency}")
    if result.summary:
        lines.append(f"Summary: {result.summary}")
    return "\n".join(lines)


# --- Excel: template and xlwings Lite -----------------------------------------------------------


@main.command("template")
@click.argument("out", type=click.Path(dir_okay=False))
@click.option(
    "--flavour",
    type=click.Choice(["native", "xlwings"]),
    help="native: plain Excel formulas (.xlsx); xlwings: =CLAIM_REFUND via Python (.xlsm). "
    "Default: from OUT's suffix.",
)
@click.option("--rows", default=500, show_default=True, help="Number of claim lines.")
@policy_option
def template_command(out: str, flavour: str | None, rows: int, policy_path: str | None) -> None:
    """Write a claims-entry template OUT with a Policy sheet from the policy file.

    Example: xl-claims template claims.xlsx   (or claims.xlsm for the xlwings flavour)
    """
    from xl_claims.workbook.template import write_template

    policy = open_policy(policy_path)
    try:
        path = write_template(out, policy, flavour, rows)
    except ClaimsError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Wrote {path} (policy {policy.latest.id}, {rows} claim lines)")


@main.command("lite")
@click.argument("out_dir", type=click.Path(file_okay=False))
@policy_option
def lite_command(out_dir: str, policy_path: str | None) -> None:
    """Write main.py and requirements.txt for xlwings Lite into OUT_DIR.

    Example: xl-claims lite lite/   then paste lite/main.py into xlwings Lite's main.py tab.
    """
    from xl_claims.excel.lite import write_lite

    policy = open_policy(policy_path)
    try:
        written = write_lite(out_dir, policy)
    except ClaimsError as exc:
        raise click.ClickException(str(exc)) from None
    for path in written:
        click.echo(f"Wrote {path}")


if __name__ == "__main__":  # pragma: no cover
    main()
