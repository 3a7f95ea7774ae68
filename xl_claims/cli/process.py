"""``xl-claims process``: the weekly batch over claim workbooks."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator

import click

from xl_claims.cli.app import ledger_option, main, open_policy, policy_option, reported
from xl_claims.core.errors import ClaimsError


@main.command("process", short_help="Fill the computed columns of claim workbooks.")
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Output file (one input).")
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False),
    help="Folder for one processed workbook per input plus summary.xlsx.",
)
@click.option("--sheet", help="Claims sheet name (default: the first sheet with the headers).")
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="FIELD=HEADER",
    help="Extra header name; FIELD= switches a field off (--map resolution=).",
)
@click.option("--in-place", is_flag=True, help="Rewrite the inputs (a backup copy is kept).")
@click.option("--force", is_flag=True, help="Replace output files that exist.")
@click.option("--strict", is_flag=True, help="Exit code 1 when any row is ERROR.")
@click.option("--quiet", is_flag=True, help="Print errors only (for cron).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@policy_option
@ledger_option(
    "Claims ledger (SQLite, created when missing): lines decided in earlier runs become "
    "DUPLICATE or REVIEW, and this run is recorded"
)
def process_command(
    inputs, output, output_dir, sheet, maps, in_place, force, strict, quiet, as_json, policy_path,
    ledger_path,
) -> None:  # fmt: skip
    """Fill the compensation columns of claim workbooks and write a summary.

    INPUTS are .xlsx, .xlsm or .csv files, folders or glob patterns.

    \b
    Example: xl-claims process exports/*.xlsx --output-dir processed/

    Exit code 0 when every file was processed (REVIEW rows are normal work); 1 when a file could
    not be processed, or with --strict when any row is ERROR, or the ledger cannot be used (then
    nothing of the run is recorded); 2 for usage errors (an output that exists, without --force,
    too).
    """
    from xl_claims.batch import process_files
    from xl_claims.core.table import parse_header_map

    policy = open_policy(policy_path)
    try:
        header_map = parse_header_map(maps)
    except ClaimsError as exc:
        raise click.UsageError(f"Invalid value for --map: {exc}") from None
    shown = not (quiet or as_json) and sys.stderr.isatty()
    options = _json_options(click.get_current_context().params)
    with _progress(len(inputs), shown) as progress, reported():
        result = process_files(
            inputs,
            policy=policy,
            output=output,
            output_dir=output_dir,
            sheet=sheet,
            header_map=header_map,
            in_place=in_place,
            progress=progress,
            force=force,
            ledger=ledger_path,
            options=options,
        )
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    elif not quiet:
        click.echo(format_batch(result))
    notes = [] if quiet or as_json else [f"Note: {note}" for note in result.notes]
    for line in [*notes, *(f"Error: {error}" for _file, error in result.errors)]:
        click.echo(line, err=True)
    sys.exit(result.exit_code(strict))


@contextlib.contextmanager
def _progress(files: int, shown: bool) -> Iterator[Callable | None]:
    """The progress callback of a bar on stderr (None when not ``shown``), closed at the end."""
    if not shown:
        yield None
        return
    bar = _Progress(files)
    try:
        yield bar.show
    finally:
        bar.close()


class _Progress:
    """A progress bar on stderr counting the files, with each file's name and lines."""

    def __init__(self, files: int):
        self.bar = click.progressbar(length=files, label="Processing", file=sys.stderr)
        self.bar.__enter__()

    def show(self, path, lines: int, done: bool) -> None:
        bar = self.bar
        bar.label = f"{path.name} ({lines:,} lines)"
        if done:
            bar.length = max(bar.length or 0, bar.pos + 1)
            bar.update(1)
        else:
            bar.render_progress()

    def close(self) -> None:
        self.bar.__exit__(None, None, None)


def format_batch(result) -> str:
    """Per file: output, lines per status and total; then the run's totals."""
    lines = []
    for item in result.files:
        if item.error:
            lines.append(f"{item.input}: FAILED (see the error below)")
            continue
        counts = ", ".join(f"{s} {n}" for s, n in item.counts.items())
        lines.append(
            f"{item.input} → {item.output}: {item.line_count} lines ({counts}), "
            f"refund {item.total} {result.currency}"
        )
        lines.extend(f"  Warning: {w}" for w in item.warnings)
        if item.backup:
            lines.append(f"  Backup of the input: {item.backup}")
    counts = ", ".join(f"{s} {n}" for s, n in result.counts.items())
    lines.append(f"Total: {counts}; refund {result.total} {result.currency}")
    if result.summary:
        lines.append(f"Summary: {result.summary}")
    if result.ledger:
        counts = result.ledger_counts
        new = " (a new ledger, created by this run)" if result.ledger_created else ""
        lines.append(
            f"Ledger: {result.ledger}{new}, run {result.ledger_run}: {result.ledger_lines} lines "
            f"recorded; cross-run duplicates {counts['cross_run_duplicates']}, changes "
            f"{counts['cross_run_changes']}"
        )
    return "\n".join(lines)


def _json_options(params: dict) -> dict:
    """The command's options as recorded in the ledger (tuples as lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
