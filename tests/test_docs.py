"""Every command has help with an example and is documented in the README; the quick start is
two commands, the second being the test command CI runs."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from xl_claims.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name)


COMMANDS = sorted(_commands(main))


def test_the_commands_are_the_documented_set():
    assert [" ".join(c) for c in COMMANDS] == [
        "decide",
        "ledger export",
        "ledger runs",
        "ledger show",
        "ledger void",
        "lite",
        "policy check",
        "policy show",
        "process",
        "reconcile",
        "refund",
        "template",
        "vba",
    ]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output


def test_the_command_list_shows_whole_descriptions():
    listing = CliRunner().invoke(main, ["--help"]).output.split("Commands:", 1)[1]
    lines = [line for line in listing.splitlines() if line.strip()]
    assert len(lines) == len(main.commands)
    assert not [line for line in lines if line.rstrip().endswith("...")]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_examples_are_printed_as_written(command):
    """Example lines are kept as written (click's \\b), so no file name is cut at a hyphen."""
    found = main
    for name in command:
        found = found.commands[name]
    docstring = found.callback.__doc__
    example = docstring.split("Example:", 1)[1].split("\n\n", 1)[0]
    shown = CliRunner().invoke(main, [*command, "--help"]).output
    for line in example.strip().splitlines():
        assert line.strip() in shown, line


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_is_in_the_readme(command):
    assert f"xl-claims {' '.join(command)}" in README


def test_quick_start_is_two_commands_install_and_run_then_pytest():
    block = README.split("## Quick start", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    lines = block.strip().splitlines()
    assert len(lines) == 2
    assert re.search(
        r'pip install -e "\.\[test\]" && \.venv/bin/xl-claims process sample_workbooks/', lines[0]
    )
    assert lines[1] == ".venv/bin/python -m pytest"  # the venv's, whatever the shell
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.rstrip().splitlines()[-1] == lines[1]


def test_the_quick_start_sample_exists():
    block = README.split("## Quick start", 1)[1].split("```", 2)[1]
    sample = re.search(r"xl-claims process (\S+)", block).group(1)
    assert (ROOT / sample).is_file()


def test_the_readmes_python_examples_print_what_they_say():
    """Each ```python block of the README with ``>>>`` lines is run as a doctest."""
    import doctest

    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    examples = [block for block in blocks if ">>> " in block]
    assert examples, "the README shows the DataFrame API as a doctest"
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for number, block in enumerate(examples):
        runner.run(parser.get_doctest(block, {}, f"README python block {number}", "README.md", 0))
    outcome = runner.summarize(verbose=False)
    assert (outcome.failed, outcome.attempted) == (0, 6)


def test_a_python_without_the_dependencies_is_told_which_are_missing_and_what_to_run():
    from tests.conftest import dependencies_message, missing_requirements

    assert missing_requirements() == []  # this run has them all
    missing = missing_requirements(installed=lambda name: name not in ("openpyxl", "pandas"))
    assert missing == ["openpyxl", "pandas"]
    assert dependencies_message(missing) == (
        f"This Python ({sys.executable}) lacks xl-claims' test dependencies (openpyxl, pandas): "
        "run the tests in the project's environment, `.venv/bin/python -m pytest` after the "
        'README\'s first command (or pip install -e ".[test]" into this one).'
    )
