"""Exact output and exit codes of the core commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from xl_claims.cli import main

BUNDLED = Path(__file__).parent.parent / "xl_claims" / "data" / "policy.toml"


@pytest.fixture
def run():
    def invoke(*args: str):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return invoke


def test_refund_prints_the_amount_and_currency(run):
    result = run("refund", "High", "Head sculpt w/ special functions")
    assert (result.exit_code, result.output) == (0, "40.00 USD\n")
    result = run("refund", "m", "clothes piece w/o special design (middle)", "--quantity", "3")
    assert (result.exit_code, result.output) == (0, "15.00 USD\n")


def test_refund_of_an_unknown_part_exits_1_with_the_message(run):
    result = run("refund", "Low", "Hed sculpt w/o special functions")
    assert result.exit_code == 1
    assert result.output == (
        "Error: Unknown part 'Hed sculpt w/o special functions'. "
        "Did you mean 'Head sculpt w/o special functions'?\n"
    )


def test_refund_of_a_depends_part_exits_1_and_says_review(run):
    result = run("refund", "High", "Packaging box")
    assert result.exit_code == 1
    assert result.output == (
        "Error: REVIEW: Max value of 'Packaging box' depends on the item: give a value override.\n"
    )


def test_decide_prints_the_decision_with_its_explanation(run):
    result = run("decide", "--issue", "Breakage", "--part", "Weapon (large)", "-q", "2")
    assert result.exit_code == 0
    assert result.output == (
        "Status:         OK\n"
        "Refund:         30.00 USD\n"
        "Resolution:     Partial refund\n"
        "Issue:          Structural breakage/deformation of accessories\n"
        "Part:           Weapon (large)\n"
        "Applied grade:  High (100%)\n"
        "Part max value: 15.00 USD\n"
        "Quantity:       2\n"
        "Rule:           refund.graded\n"
        "Policy version: AS-2026.1\n"
        "Explanation:    High (100%) × 'Weapon (large)' max value 15.00 × 2 = 30.00 USD\n"
    )


def test_decide_review_is_normal_work(run):
    result = run("decide", "--issue", "Painting", "--part", "Weapon (small)")
    assert result.exit_code == 0
    assert "Status:         REVIEW\n" in result.output
    assert "Rule:           review.grade-depends\n" in result.output


def test_decide_error_exits_1(run):
    result = run("decide", "--issue", "Electronics", "--part", "Weapon", "--quantity", "2.5")
    assert result.exit_code == 1
    assert result.output.endswith("Error: Quantity must be a positive whole number, got '2.5'.\n")


def test_decide_json(run):
    result = run("decide", "-i", "detachment", "-p", "Weapon (large)", "--json")
    payload = json.loads(result.output)
    assert payload["refund"] == "1.25"
    assert payload["rule"] == "refund.value-part"
    assert payload["policy_version"] == "AS-2026.1"
    assert payload["max_value"] == "5"


def test_decide_replacement_and_date(run):
    result = run(
        "decide", "-i", "Breakage", "-p", "Weapon (large)", "--replacement", "yes",
        "--date", "2026-03-01", "--json",
    )  # fmt: skip
    payload = json.loads(result.output)
    assert (payload["status"], payload["refund"], payload["resolution"]) == (
        "OK",
        "0.00",
        "Replacement",
    )


def test_policy_option_and_environment_variable(run, tmp_path, monkeypatch):
    other = tmp_path / "eur.toml"
    other.write_text(BUNDLED.read_text().replace('currency = "USD"', 'currency = "EUR"'))
    result = run("refund", "High", "Weapon (small)", "--policy", str(other))
    assert result.output == "5.00 EUR\n"
    monkeypatch.setenv("XL_CLAIMS_POLICY", str(other))
    assert run("refund", "High", "Weapon (small)").output == "5.00 EUR\n"


def test_broken_policy_file_is_a_clear_error(run, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("format = 1\n")
    result = run("refund", "High", "Weapon (small)", "--policy", str(bad))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: Policy file {bad} has 1 problem(s):\n"
        "  - version: expected at least one [[version]] table\n"
    )


def test_policy_check(run, tmp_path):
    result = run("policy", "check", str(BUNDLED))
    assert (result.exit_code, result.output) == (
        0,
        f"{BUNDLED}: OK, 1 version(s): AS-2026.1 (from 2026-01-01)\n",
    )
    bad = tmp_path / "bad.toml"
    bad.write_text(BUNDLED.read_text().replace('max_value = "40"', 'max_value = "forty"', 1))
    result = run("policy", "check", str(bad))
    assert result.exit_code == 1
    assert result.output == (
        f"{bad}: 1 problem(s)\n"
        "  - version[AS-2026.1].part[Head sculpt w/ special functions].max_value: "
        "expected a number >= 0 or \"Depends\", got 'forty'\n"
    )


def test_policy_show_csv(run):
    result = run("policy", "show", "--format", "csv")
    lines = result.output.splitlines()
    assert lines[0] == "table,name,value,detail"
    assert "grade,Low,0.25,aliases: L" in lines
    assert "part,Head sculpt w/ special functions,40," in lines
    assert "part,Packaging box,Depends," in lines
    assert "issue,Packaging damage (minor),not covered,\"aliases: Minor packaging damage, " \
        "Packaging damage minor, Minor shipping damage\"" in lines  # fmt: skip
    assert len([line for line in lines if line.startswith("part,")]) == 18


def test_policy_show_json_and_table(run):
    payload = json.loads(run("policy", "show", "--format", "json").output)
    assert (payload["id"], payload["currency"], payload["effective_from"]) == (
        "AS-2026.1",
        "USD",
        "2026-01-01",
    )
    table = run("policy", "show").output.splitlines()
    assert table[0] == (
        "Policy AS-2026.1, in force from 2026-01-01, "
        "[Policy] After-sales coverage and solutions; amounts in USD"
    )
    assert table[1].split() == ["table", "name", "value", "detail"]


def test_policy_show_unknown_version(run):
    result = run("policy", "show", "--version", "X")
    assert result.exit_code == 1
    assert "no version 'X' (versions: AS-2026.1)" in result.output


def test_every_command_has_help(run):
    for args in (["refund"], ["decide"], ["policy", "check"], ["policy", "show"]):
        result = run(*args, "--help")
        assert result.exit_code == 0
        assert "Example:" in result.output


def test_decide_grade_without_part(run):
    result = run("decide", "--grade", "High")
    assert result.exit_code == 1
    assert result.output.endswith("Error: A claim line with a grade needs a part.\n")


def test_decide_with_a_huge_value_override_is_an_error_line_not_a_traceback(run):
    result = run(
        "decide", "--issue", "Breakage", "--part", "Packaging box", "--value-override", "1e30"
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "Status:         ERROR\n" in result.output
    assert result.output.endswith(
        "Error: Value override must be at most 1,000,000,000, got '1e30'.\n"
    )
