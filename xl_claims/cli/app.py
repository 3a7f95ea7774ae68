"""The ``xl-claims`` command group and what its commands share: the policy option, error display.

Exit codes: 0 done, 1 the work found an error (or findings), 2 usage errors (click's own and
``UsageError``), 3 reconciliation with an input that could not be read. Library modules that load
workbook libraries are imported inside their commands, so that ``xl-claims refund`` answers
without loading them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import click

from xl_claims import __version__
from xl_claims.core.errors import ClaimsError, UsageError
from xl_claims.core.policy import POLICY_ENV_VAR, Policy, load_policy
from xl_claims.ledger import LEDGER_ENV_VAR, Ledger

policy_option = click.option(
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False),
    envvar=POLICY_ENV_VAR,
    help=f"Policy file to use instead of the bundled one (or set ${POLICY_ENV_VAR}).",
)


def ledger_option(help_text: str, required: bool = False):
    """``--ledger FILE`` (or ``$XL_CLAIMS_LEDGER``), shared by the commands that use one."""
    return click.option(
        "--ledger",
        "ledger_path",
        type=click.Path(dir_okay=False),
        envvar=LEDGER_ENV_VAR,
        required=required,
        help=f"{help_text} (or set ${LEDGER_ENV_VAR}).",
    )


def open_ledger(path: str) -> Ledger:
    """An existing ledger; a missing, damaged or newer one is an ``Error:`` line (exit code 1)."""
    with reported():
        return Ledger(path)


def open_policy(policy_path: str | None) -> Policy:
    with reported():
        return load_policy(policy_path)


@contextlib.contextmanager
def reported() -> Iterator[None]:
    """The library's errors as the command line reports them: ``Error: …`` on stderr, exit
    code 2 for a usage error (options that cannot work, an output that exists without
    ``--force``), 1 for anything else."""
    try:
        yield
    except UsageError as exc:
        raise click.UsageError(str(exc)) from None
    except ClaimsError as exc:
        raise click.ClickException(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xl-claims")
def main() -> None:
    """After-sales refunds by the shop's policy: decide claims, fill claim workbooks, reconcile."""
