"""The policy file: it says what the policy text says, and a broken file is named by key."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from xl_claims.core.errors import PolicyError, UnknownNameError
from xl_claims.core.policy import POLICY_ENV_VAR, check_policy, default_policy_path, load_policy

BUNDLED = Path(__file__).parent.parent / "xl_claims" / "data" / "policy.toml"


def test_every_part_row_of_the_policy_text_is_in_the_file(policy_text, policy):
    table = policy_text.split("Accessory Max reimbursement value", 1)[1]
    rows = re.findall(r"^(.+?) (\d+|Depends)\s*$", table, flags=re.MULTILINE)
    assert len(rows) == 18
    parts = policy.latest.parts
    assert [name for name, _ in rows] == list(parts)
    for name, value in rows:
        expected = None if value == "Depends" else Decimal(value)
        assert parts[name].max_value == expected, name


def test_every_graded_issue_of_the_policy_text_is_in_the_file(policy_text, policy):
    chart = policy_text.split("Quality issue description Grading", 1)[1].split("Different", 1)[0]
    rows = re.findall(r"^(.+) (Low|Medium|High|Depends)\s*$", chart, flags=re.MULTILINE)
    assert len(rows) == 6
    version = policy.latest
    for wording, grade in rows:
        issue = version.issue(wording)  # the full wording, parenthesis included, resolves
        assert issue.wording == wording
        assert issue.grade == grade


def test_grade_rates_match_the_policy_text(policy_text, policy):
    rates = dict(re.findall(r"(Low|Medium|High): (\d+)%", policy_text))
    version = policy.latest
    for name, percent in rates.items():
        assert version.grades[name].rate == Decimal(percent) / 100


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("Electronic function failure", "Electronic function failure"),
        ("Electronic failure", "Electronic function failure"),
        ("Electronics", "Electronic function failure"),
        ("Missing-out/wrong accessory", "Missing-out/wrong accessory"),
        ("Missing accessory", "Missing-out/wrong accessory"),
        ("Wrong accessory", "Missing-out/wrong accessory"),
        ("Missing/wrong accessory", "Missing-out/wrong accessory"),
        ("Wrong/omission painting for accessories", "Wrong/omission painting for accessories"),
        ("Painting", "Wrong/omission painting for accessories"),
        ("Wrong painting", "Wrong/omission painting for accessories"),
        ("Paint omission", "Wrong/omission painting for accessories"),
        ("The detachment between accessories", "The detachment between accessories"),
        ("Detachment", "The detachment between accessories"),
        ("Detached accessory", "The detachment between accessories"),
        (
            "Structural breakage/deformation of accessories",
            "Structural breakage/deformation of accessories",
        ),
        ("Structural breakage", "Structural breakage/deformation of accessories"),
        ("Breakage", "Structural breakage/deformation of accessories"),
        ("Deformation", "Structural breakage/deformation of accessories"),
        ("Partial surface cracking", "Partial surface cracking"),
        ("Surface cracking", "Partial surface cracking"),
        ("Cracking", "Partial surface cracking"),
        ("Mis-shipment", "Mis-shipment"),
        ("Packaging damage (severe)", "Packaging damage (severe)"),
        ("Packaging damage (minor)", "Packaging damage (minor)"),
        ("  ELECTRONICS\u00a0 ", "Electronic function failure"),
        ("breakage.", "Structural breakage/deformation of accessories"),
        ("Missing\naccessory", "Missing-out/wrong accessory"),
    ],
)
def test_issue_names_and_aliases_resolve(spelling, canonical, policy):
    assert policy.latest.issue(spelling).name == canonical


@pytest.mark.parametrize(
    ("spelling", "canonical"), [("L", "Low"), ("m", "Medium"), ("HIGH", "High")]
)
def test_grade_letters_resolve(spelling, canonical, policy):
    assert policy.latest.grade(spelling).name == canonical


def test_unknown_names_raise_with_suggestions(policy):
    with pytest.raises(UnknownNameError) as caught:
        policy.latest.part("Hed sculpt w/o special functions")
    assert str(caught.value) == (
        "Unknown part 'Hed sculpt w/o special functions'. "
        "Did you mean 'Head sculpt w/o special functions'?"
    )
    with pytest.raises(UnknownNameError, match=r"^Unknown issue 'Lost in transit'\.$"):
        policy.latest.issue("Lost in transit")
    with pytest.raises(UnknownNameError) as caught:
        policy.latest.issue("Scratch")  # an alias and its issue are suggested once, not twice
    assert str(caught.value) == "Unknown issue 'Scratch'. Did you mean 'Partial surface cracking'?"


def test_packaged_policy_file_is_the_default(monkeypatch):
    monkeypatch.delenv(POLICY_ENV_VAR, raising=False)
    assert default_policy_path().read_bytes() == BUNDLED.read_bytes()


def test_environment_variable_points_at_another_policy_file(monkeypatch, tmp_path):
    other = tmp_path / "other.toml"
    other.write_text(BUNDLED.read_text().replace('id = "AS-2026.1"', 'id = "SHOP-TEST"'))
    monkeypatch.setenv(POLICY_ENV_VAR, str(other))
    assert load_policy().latest.id == "SHOP-TEST"


def _broken(tmp_path, old: str, new: str) -> Path:
    text = BUNDLED.read_text()
    assert old in text
    path = tmp_path / "broken.toml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            'name = "Weapon (large)"\nmax_value = "15"',
            'name = "Weapon (large)"\nmax_value = "abc"',
            "version[AS-2026.1].part[Weapon (large)].max_value: "
            "expected a number >= 0 or \"Depends\", got 'abc'",
        ),
        (
            'rate = "0.25"',
            'rate = "1.5"',
            "version[AS-2026.1].grade[Low].rate: "
            "expected a number from 0 to 1 or \"Depends\", got '1.5'",
        ),
        (
            'grade = "Medium"\naliases = ["Electronic failure"',
            'grade = "Meduim"\naliases = ["Electronic failure"',
            "version[AS-2026.1].issue[Electronic function failure].grade: "
            "expected one of Low, Medium, High, Depends, got 'Meduim'",
        ),
        (
            'aliases = ["Surface cracking", "Cracking"]',
            'aliases = ["Surface cracking", "Breakage"]',
            "version[AS-2026.1].issue[Partial surface cracking].aliases: "
            "'Breakage' already names 'Structural breakage/deformation of accessories'",
        ),
        (
            'value_part = "Packaging box"',
            'value_part = "Packaging crate"',
            "version[AS-2026.1].issue[Packaging damage (severe)].value_part: "
            "'Packaging crate' is not a part of this version",
        ),
        ('outcome = "not_covered"', 'outcome = "ignore"', "outcome: expected one of refund"),
        ('currency = "USD"', 'currency = "dollars"', "version[AS-2026.1].currency: expected"),
        ("effective_from = 2026-01-01", 'effective_from = "soon"', "effective_from: expected"),
        ('max_value = "5"\n', 'max_value = "5"\nmax_valu = "6"\n', ".max_valu: unknown key"),
        ("format = 1", "format = 2", "format: expected 1, got 2"),
    ],
)
def test_policy_check_names_each_problem_by_key(tmp_path, old, new, problem):
    path = _broken(tmp_path, old, new)
    problems = check_policy(path)
    assert any(problem in p for p in problems), problems
    with pytest.raises(PolicyError, match="problem"):
        load_policy(path)


def test_not_toml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("format = = 1")
    assert check_policy(bad)[0].startswith("not valid TOML:")
    assert check_policy(tmp_path / "none.toml")[0].startswith("cannot read the file:")


def test_the_bundled_file_has_no_problem():
    assert check_policy(BUNDLED) == []


@pytest.mark.parametrize(
    ("kind", "typo", "message"),
    [
        ("grade", "Meduim", "Unknown grade 'Meduim'. Did you mean 'Medium'?"),
        ("grade", "Hihg", "Unknown grade 'Hihg'. Did you mean 'High'?"),
        ("issue", "Brekage", "Unknown issue 'Brekage'. Did you mean 'Breakage'?"),
        (
            "part",
            "Wepon",
            "Unknown part 'Wepon'. Did you mean 'Weapon (large)' or 'Weapon (small)'?",
        ),
    ],
)
def test_a_typo_is_offered_the_name_never_a_one_letter_alias(policy, kind, typo, message):
    with pytest.raises(UnknownNameError) as caught:
        getattr(policy.latest, kind)(typo)
    assert str(caught.value) == message
