"""``xl-claims template``, ``xl-claims lite`` and ``xl-claims vba``: what staff use in Excel."""

from __future__ import annotations

import click

from xl_claims.cli.app import main, open_policy, policy_option, reported


@main.command("template", short_help="Write a claims-entry template workbook OUT.")
@click.argument("out", type=click.Path(dir_okay=False))
@click.option(
    "--flavour",
    type=click.Choice(["native", "xlwings"]),
    help="native: plain Excel formulas (.xlsx); xlwings: =CLAIM_REFUND via Python (.xlsm). "
    "Default: from OUT's suffix.",
)
@click.option("--rows", default=500, show_default=True, help="Number of claim lines.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@policy_option
def template_command(
    out: str, flavour: str | None, rows: int, force: bool, policy_path: str | None
) -> None:
    """Write a claims-entry template OUT with a Policy sheet from the policy file.

    \b
    Example: xl-claims template claims.xlsx
    (or claims.xlsm for the xlwings flavour)
    """
    from xl_claims.workbook.template import write_template

    policy = open_policy(policy_path)
    with reported():
        path = write_template(out, policy, flavour, rows, force=force)
    click.echo(f"Wrote {path} (policy {policy.latest.id}, {rows} claim lines)")


def _folder_command(name: str, short_help: str, force_help: str):
    """A command that writes files into OUT_DIR: its argument, ``--force`` and ``--policy``."""

    def decorate(function):
        function = policy_option(function)
        function = click.option("--force", is_flag=True, help=force_help)(function)
        function = click.argument("out_dir", type=click.Path(file_okay=False))(function)
        return main.command(name, short_help=short_help)(function)

    return decorate


def _wrote(paths) -> None:
    for path in paths:
        click.echo(f"Wrote {path}")


@_folder_command(
    "lite",
    "Write main.py and requirements.txt for xlwings Lite.",
    "Replace main.py and requirements.txt if they exist.",
)
def lite_command(out_dir: str, force: bool, policy_path: str | None) -> None:
    """Write main.py and requirements.txt for xlwings Lite into OUT_DIR (existing ones are
    replaced only with --force).

    \b
    Example: xl-claims lite lite/
    then paste lite/main.py into xlwings Lite's main.py tab.
    """
    from xl_claims.excel.lite import write_lite

    policy = open_policy(policy_path)
    with reported():
        _wrote(write_lite(out_dir, policy, force=force))


@_folder_command(
    "vba",
    "Write the two VBA modules for Excel into OUT_DIR.",
    "Replace .bas files that exist in OUT_DIR.",
)
def vba_command(out_dir: str, force: bool, policy_path: str | None) -> None:
    """Write xl_claims_udfs.bas (the worksheet functions with real error values and their
    Insert Function texts) and xl_claims_button.bas into OUT_DIR, for a wheel install.

    \b
    Example: xl-claims vba macros/
    then import both files in Excel's VBA editor (README: Installing on a Windows PC).
    """
    from xl_claims.excel.vba import write_vba

    policy = open_policy(policy_path)
    with reported():
        _wrote(write_vba(out_dir, policy.path, force))
