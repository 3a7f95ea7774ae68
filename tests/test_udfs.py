"""The worksheet functions as Python, against the engine: every grade × part and issue, cell and
range, the texts a cell shows, the policy file they read (once)."""

from __future__ import annotations

import re
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import xlwings

from xl_claims.core.engine import decide
from xl_claims.core.model import Claim, Status
from xl_claims.core.policy import POLICY_ENV_VAR, default_policy_path
from xl_claims.excel import udfs

HEAD = "Head sculpt w/ special functions"


@pytest.fixture(autouse=True)
def fresh_policy(monkeypatch):
    """Each test reads the policy as the environment says; no key from a real home folder."""
    monkeypatch.delenv(POLICY_ENV_VAR, raising=False)
    monkeypatch.setattr(xlwings, "USER_CONFIG_FILE", "/nonexistent/xlwings.conf")
    udfs.current_policy.cache_clear()
    yield
    udfs.current_policy.cache_clear()


def expected_cell(decision):
    """What the engine says a cell should show, built independently of xl_claims.cells."""
    if decision.status in (Status.OK, Status.NOT_COVERED):
        return float(decision.refund)
    if decision.status is Status.ERROR:
        return "#ERROR: " + decision.explanation
    return (
        "#REVIEW: "
        + {
            "review.grade-depends": "grade depends on staff judgment",
            "review.value-depends": "part value depends on the item",
            "review.discount-depends": "discount depends on staff judgment",
        }[decision.rule]
    )


# --- REFUND -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "part", "quantity", "shown"),
    [
        ("High", HEAD, None, 40.0),
        ("Medium", HEAD, None, 20.0),
        ("Low", HEAD, None, 10.0),
        ("Low", "Weapon (small)", 2.0, 2.5),  # Excel's 2.0
        ("l", "weapon small", 3, 3.75),
        ("H", "Clothes piece w/ special design (large)", 1, 30.0),
        ("Depends", HEAD, None, "#REVIEW: grade depends on staff judgment"),
        ("High", "Packaging box", None, "#REVIEW: part value depends on the item"),
        ("High", "Figure stand w/ special design", None, "#REVIEW: part value depends on the item"),
        (
            "High",
            "Hed sculpt w/o special functions",
            None,
            "#ERROR: Unknown part 'Hed sculpt w/o special functions'. "
            "Did you mean 'Head sculpt w/o special functions'?",
        ),
        ("Hihg", HEAD, None, "#ERROR: Unknown grade 'Hihg'. Did you mean 'High'?"),
        (
            "High",
            HEAD,
            2.5,
            "#ERROR: Quantity must be a positive whole number, got 2.5.",
        ),
        ("High", HEAD, 0.0, "#ERROR: Quantity must be a positive whole number, got 0.0."),
        ("High", HEAD, "two", "#ERROR: Quantity must be a positive whole number, got 'two'."),
        (None, None, None, None),  # an empty line stays empty
    ],
)
def test_refund_shows_the_number_or_a_short_message(grade, part, quantity, shown):
    assert udfs.REFUND(grade, part, quantity) == shown


def test_refund_for_every_grade_and_part_matches_the_engine(policy):
    version = policy.latest
    for grade in version.grades:
        for part in version.parts:
            decision = decide(Claim(grade=grade, part=part), policy)
            assert udfs.REFUND(grade, part) == expected_cell(decision), (grade, part)
    numbers = [udfs.REFUND(g, p) for g in version.grades for p in version.parts]
    assert sum(isinstance(n, float) for n in numbers) == 3 * 16  # 3 rated grades × 16 valued parts


def test_a_refund_that_cannot_be_computed_never_looks_like_a_number(policy):
    version = policy.latest
    for grade in version.grades:
        for part in version.parts:
            shown = udfs.REFUND(grade, part)
            decision = decide(Claim(grade=grade, part=part), policy)
            assert isinstance(shown, float) == (decision.refund is not None)
            if not isinstance(shown, float):
                assert shown.startswith(("#REVIEW: ", "#ERROR: "))
                assert "Traceback" not in shown


# --- CLAIM_REFUND -------------------------------------------------------------------------------


def test_claim_refund_for_every_issue_and_part_matches_the_engine(policy):
    version = policy.latest
    for issue in version.issues:
        for part in version.parts:
            decision = decide(Claim(issue=issue, part=part), policy)
            assert udfs.CLAIM_REFUND(issue, part) == expected_cell(decision), (issue, part)


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (("Breakage", HEAD), 40.0),
        (("Electronics", HEAD), 20.0),
        (("Detachment", HEAD), 1.25),  # priced by "No broken accessories" (5) whatever the part
        (("Detachment", "Packaging box", None, 4.0), 5.0),
        (("Painting", "Weapon (small)"), "#REVIEW: grade depends on staff judgment"),
        (("Painting", "Weapon (small)", "Medium"), 2.5),  # staff's grade
        (("Breakage", "Packaging box"), "#REVIEW: part value depends on the item"),
        (("Breakage", "Packaging box", None, None, 12.0), 12.0),
        (("Breakage", "Packaging box", None, None, "$21.83"), 21.83),
        (("Severe packaging damage", HEAD), "#REVIEW: grade depends on staff judgment"),
        (("Severe packaging damage", HEAD, "Low", None, 30.0), 7.5),
        (("Minor packaging damage", HEAD), 0.0),  # not covered
        (("Mis-shipment", HEAD), "#REVIEW: discount depends on staff judgment"),
        (("Breakage", HEAD, None, 3.0), 120.0),
        (
            ("Brekage", HEAD),
            "#ERROR: Unknown issue 'Brekage'. Did you mean 'Breakage'?",
        ),
        (
            ("Breakage", HEAD, None, None, "abc"),
            "#ERROR: Value override must be a number, got 'abc'.",
        ),
        ((None, None, None, None, None), None),
    ],
)
def test_claim_refund_cells(args, shown):
    assert udfs.CLAIM_REFUND(*args) == shown


def test_claim_refund_rounds_half_up_to_cents():
    # 0.25 × 12.34 = 3.085 exactly: half-up gives 3.09 (a float product would give 3.08).
    assert udfs.CLAIM_REFUND("Detachment", HEAD, None, None, 12.34) == 3.09
    assert udfs.REFUND("Low", "Weapon (small)", 1) == 1.25


# --- ranges -------------------------------------------------------------------------------------


def test_a_column_of_lines_is_one_call_with_the_same_shape(policy):
    version = policy.latest
    grades = [[g] for g in version.grades for _ in version.parts]
    parts = [[p] for _ in version.grades for p in version.parts]
    shown = udfs.REFUND(grades, parts)
    assert shown == [[udfs.REFUND(g[0], p[0])] for g, p in zip(grades, parts, strict=True)]
    assert len(shown) == 72 and all(len(row) == 1 for row in shown)


def test_scalars_broadcast_along_a_range():
    parts = [["Weapon (small)"], ["Weapon (large)"], [None], ["Packaging box"]]
    assert udfs.REFUND("Medium", parts, 2.0) == [
        [5.0],
        [15.0],
        ["#ERROR: A claim line with a grade needs a part."],
        ["#REVIEW: part value depends on the item"],
    ]
    assert udfs.REFUND([["Low", "Medium", "High"]], HEAD) == [[10.0, 20.0, 40.0]]
    # a row of grades against a column of parts: a table
    assert udfs.REFUND([["Low", "High"]], [["Weapon (small)"], ["Weapon (large)"]]) == [
        [1.25, 5.0],
        [3.75, 15.0],
    ]


def test_claim_refund_over_columns_with_empty_cells_and_floats():
    issues = [["Breakage"], ["Painting"], ["Painting"], [None], ["Detachment"]]
    parts = [[HEAD], ["Weapon (small)"], ["Weapon (small)"], [None], ["Weapon (large)"]]
    grades = [[None], [None], ["High"], [None], [None]]
    quantities = [[1.0], [None], [2.0], [None], [3.0]]
    assert udfs.CLAIM_REFUND(issues, parts, grades, quantities) == [
        [40.0],
        ["#REVIEW: grade depends on staff judgment"],
        [10.0],
        [None],
        [3.75],
    ]


def test_a_single_cell_as_xlwings_passes_it_keeps_its_shape():
    # with ndim=2 a single cell arrives as [[value]]
    assert udfs.REFUND([["High"]], [[HEAD]], [[None]]) == [[40.0]]
    assert udfs.REFUND([["High"]], [[HEAD]]) == [[40.0]]
    assert udfs.CLAIM_REFUND([["Painting"]], [["Weapon (small)"]]) == [
        ["#REVIEW: grade depends on staff judgment"]
    ]
    assert udfs.REFUND(["High"], HEAD) == [40.0]
    assert udfs.POLICY_VERSION() == "AS-2026.1"


def test_one_dimensional_lists_come_back_one_dimensional():
    assert udfs.REFUND_RATE(["Low", "Medium", "High", "Depends"]) == [
        0.25,
        0.5,
        1.0,
        "#REVIEW: grade depends on staff judgment",
    ]


def test_ranges_of_different_sizes_give_one_clear_message():
    shown = udfs.REFUND([["Low"], ["High"], ["Low"]], [["Weapon (small)"], ["Weapon (large)"]])
    assert shown == (
        "#ERROR: Ranges of different sizes (3×1 and 2×1): give ranges with the same rows."
    )


def test_a_hundred_thousand_rows_decide_each_distinct_line_once(policy, monkeypatch):
    from xl_claims.excel import cells

    calls = []
    real = cells.refund_cell
    monkeypatch.setattr(cells, "refund_cell", lambda *a: calls.append(a) or real(*a))
    grades = [["High"], ["Low"]] * 50_000
    shown = udfs.REFUND(grades, HEAD)
    assert len(shown) == 100_000 and shown[:2] == [[40.0], [10.0]]
    assert len(calls) == 2


# --- the other functions ------------------------------------------------------------------------


def test_refund_rate_part_value_issue_grade():
    assert [udfs.REFUND_RATE(g) for g in ("Low", "Medium", "High", "h")] == [0.25, 0.5, 1.0, 1.0]
    assert udfs.REFUND_RATE("Depends") == "#REVIEW: grade depends on staff judgment"
    assert udfs.REFUND_RATE("Medum") == "#ERROR: Unknown grade 'Medum'. Did you mean 'Medium'?"
    assert udfs.PART_VALUE(HEAD) == 40.0
    assert udfs.PART_VALUE("weapon small") == 5.0
    assert udfs.PART_VALUE("Packaging box") == "#REVIEW: part value depends on the item"
    assert udfs.ISSUE_GRADE("Breakage") == "High"
    assert udfs.ISSUE_GRADE("Detachment") == "Low"
    assert udfs.ISSUE_GRADE("Electronic function failure (no other appearance issues)") == "Medium"
    assert udfs.ISSUE_GRADE("Painting") == "Depends"
    assert udfs.ISSUE_GRADE("Minor packaging damage") == "Not covered"
    assert udfs.ISSUE_GRADE("Mis-shipment") == "Discount"
    assert udfs.ISSUE_GRADE([["Cracking"], [None]]) == [["Depends"], [None]]


def test_every_part_value_and_issue_grade_matches_the_policy(policy):
    version = policy.latest
    for part in version.parts.values():
        expected = float(part.max_value) if part.max_value is not None else None
        shown = udfs.PART_VALUE(part.name)
        assert shown == expected if expected is not None else shown.startswith("#REVIEW: ")
    for issue in version.issues.values():
        if issue.grade is not None:
            assert udfs.ISSUE_GRADE(issue.name) == issue.grade


def test_refund_explain_gives_the_reason():
    assert udfs.REFUND_EXPLAIN("High", HEAD) == (
        "High (100%) × 'Head sculpt w/ special functions' max value 40.00 × 1 = 40.00 USD "
        "[rule refund.graded, policy AS-2026.1]"
    )
    assert udfs.REFUND_EXPLAIN("Detachment", HEAD, 2.0) == (
        "Low (25%) × 'No broken accessories (detachment issue)' max value 5.00 × 2 = 2.50 USD "
        "[rule refund.value-part, policy AS-2026.1]"
    )
    assert udfs.REFUND_EXPLAIN("Painting", "Weapon (small)") == (
        "REVIEW: Grade depends on staff judgment: give a grade (Low, Medium or High) for "
        "'Wrong/omission painting for accessories'. [rule review.grade-depends, policy AS-2026.1]"
    )
    assert udfs.REFUND_EXPLAIN("High", "Hed sculpt") == (
        "ERROR: Unknown part 'Hed sculpt'. Did you mean 'Head sculpt w/o special functions' or "
        "'Head sculpt w/ special functions'? [rule error.unknown-part, policy AS-2026.1]"
    )
    assert udfs.REFUND_EXPLAIN("Breakag", HEAD) == (
        "ERROR: Unknown issue or grade 'Breakag'. Did you mean 'Breakage'? "  # one issue, once
        "[rule error.unknown-issue, policy AS-2026.1]"
    )
    assert udfs.REFUND_EXPLAIN(None, None) is None


def test_claim_explain_explains_claim_refund_line_by_line(policy):
    version = policy.latest
    for issue in version.issues:
        for grade in (None, "Medium"):
            shown = udfs.CLAIM_EXPLAIN(issue, "Weapon (large)", grade)
            decision = decide(Claim(issue=issue, part="Weapon (large)", grade=grade), policy)
            assert shown.endswith(f"[rule {decision.rule}, policy AS-2026.1]")
            assert decision.explanation in shown
    assert udfs.CLAIM_EXPLAIN("Breakage", "Packaging box", None, None, 12.0) == (
        "High (100%) × value override 12.00 × 1 = 12.00 USD "
        "[rule refund.value-override, policy AS-2026.1]"
    )


def test_policy_lists_spill_as_columns(policy):
    version = policy.latest
    assert udfs.POLICY_GRADES() == [["Low"], ["Medium"], ["High"], ["Depends"]]
    assert udfs.POLICY_PARTS() == [[name] for name in version.parts]
    assert len(udfs.POLICY_PARTS()) == 18
    assert udfs.POLICY_PARTS()[2] == [HEAD]
    assert udfs.POLICY_ISSUES()[0] == ["Electronic function failure"]
    assert len(udfs.POLICY_ISSUES()) == 9
    assert udfs.POLICY_VERSION() == "AS-2026.1"


# --- the policy file ----------------------------------------------------------------------------


def _policy_copy(tmp_path: Path, version_id: str, high_rate: str) -> Path:
    text = default_policy_path().read_text(encoding="utf-8")
    text = text.replace('id = "AS-2026.1"', f'id = "{version_id}"')
    text = text.replace('name = "High"\nrate = "1.00"', f'name = "High"\nrate = "{high_rate}"')
    assert high_rate in text
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_policy_is_loaded_once_per_process(monkeypatch):
    loads = []
    real = udfs.load_policy
    monkeypatch.setattr(udfs, "load_policy", lambda path: loads.append(path) or real(path))
    for _ in range(50):
        udfs.REFUND("High", HEAD)
        udfs.POLICY_VERSION()
    assert loads == [None]


def test_the_environment_variable_picks_another_policy(tmp_path, monkeypatch):
    path = _policy_copy(tmp_path, "TEST-ENV", "0.90")
    monkeypatch.setenv(POLICY_ENV_VAR, str(path))
    assert udfs.POLICY_VERSION() == "TEST-ENV"
    assert udfs.REFUND("High", HEAD) == 36.0


def test_the_xlwings_conf_key_picks_another_policy(tmp_path, monkeypatch):
    path = _policy_copy(tmp_path, "TEST-CONF", "0.80")
    conf = tmp_path / "xlwings.conf"
    conf.write_text(f'"INTERPRETER_WIN","python"\n"XL_CLAIMS_POLICY","{path}"\n')
    monkeypatch.setattr(xlwings, "USER_CONFIG_FILE", str(conf))
    assert udfs.policy_path() == str(path)
    assert udfs.POLICY_VERSION() == "TEST-CONF"
    assert udfs.REFUND("High", HEAD) == 32.0


def test_a_broken_policy_file_shows_in_the_cell_not_as_a_traceback(tmp_path, monkeypatch):
    path = tmp_path / "broken.toml"
    path.write_text("format = 2\n")
    monkeypatch.setenv(POLICY_ENV_VAR, str(path))
    shown = udfs.REFUND("High", HEAD)
    assert shown == f"#ERROR: Policy file {path} has 2 problem(s):"


# --- licence line -------------------------------------------------------------------------------


def test_only_the_open_source_part_of_xlwings_is_active():
    assert xlwings.__pro__ is False
    assert [engine.name for engine in xlwings.engines] == []
    active_pro = {"xlwings.pro._xlremote", "xlwings.pro._xlofficejs", "xlwings.pro._xlcalamine"}
    assert not active_pro & set(sys.modules)
    importing_pro = re.compile(
        r"^\s*(from xlwings\.pro|import xlwings\.pro|from xlwings import pro)"
    )
    for source in Path(udfs.__file__).parent.rglob("*.py"):
        lines = source.read_text(encoding="utf-8").splitlines()
        assert not [line for line in lines if importing_pro.match(line)], source


def test_a_refund_cell_is_the_engines_decimal_as_a_float(policy):
    decision = decide(Claim(grade="Low", part="Weapon (small)", quantity=3), policy)
    assert decision.refund == Decimal("3.75")
    cell = udfs.REFUND("Low", "Weapon (small)", 3)
    assert (type(cell), cell) == (float, float(decision.refund))


def test_a_huge_value_override_is_one_error_cell_not_an_exception_in_every_cell():
    cells_out = udfs.CLAIM_REFUND(
        [["Breakage"], ["Breakage"]],
        [["Packaging box"], ["Weapon (small)"]],
        [["High"], ["High"]],
        None,
        [[1e26], [None]],
    )
    assert cells_out == [
        ["#ERROR: Value override must be at most 1,000,000,000, got 1e+26."],
        [5.0],
    ]
