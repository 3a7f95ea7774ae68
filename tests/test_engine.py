"""The engine against business cases kept as data, and properties that must always hold."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xl_claims.core.engine import decide
from xl_claims.core.model import Claim, Resolution, Status
from xl_claims.core.policy import load_policy

CASES = Path(__file__).parent / "cases"


def _rows(name: str) -> list[dict[str, str]]:
    with open(CASES / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _or_none(text: str):
    return text if text != "" else None


@pytest.mark.parametrize("case", _rows("decisions.csv"), ids=lambda c: c["case"])
def test_decision_cases(case, policy):
    claim = Claim(
        issue=_or_none(case["issue"]),
        part=_or_none(case["part"]),
        grade=_or_none(case["grade"]),
        quantity=_or_none(case["quantity"]),
        value_override=_or_none(case["value_override"]),
        replacement_available=_or_none(case["replacement"]),
        choice=_or_none(case["choice"]),
        price=_or_none(case["price"]),
    )
    decision = decide(claim, policy)
    assert decision.status == case["status"], decision.explanation
    assert decision.rule == case["rule"]
    expected_refund = Decimal(case["refund"]) if case["refund"] else None
    assert decision.refund == expected_refund
    if expected_refund is not None:
        assert str(decision.refund) == case["refund"]  # always two decimals
    assert (str(decision.resolution) if decision.resolution else "") == case["resolution"]
    assert (decision.grade or "") == case["applied_grade"]
    expected_value = Decimal(case["max_value"]) if case["max_value"] else None
    assert decision.max_value == expected_value
    assert decision.policy_version == "AS-2026.1"
    assert decision.currency == "USD"


@pytest.mark.parametrize(
    "row", _rows("refund_matrix.csv"), ids=lambda r: f"{r['grade']}-{r['part']}-{r['quantity']}"
)
def test_refund_matrix_snapshot(row, policy):
    """Every grade × part × quantity against the committed, reviewed snapshot."""
    decision = decide(Claim(grade=row["grade"], part=row["part"], quantity=row["quantity"]), policy)
    assert str(decision.status) == row["status"]
    assert ("" if decision.refund is None else str(decision.refund)) == row["refund"]
    assert decision.rule == row["rule"]


def test_refund_matrix_snapshot_is_complete(policy):
    version = policy.latest
    rows = _rows("refund_matrix.csv")
    assert {(r["grade"], r["part"]) for r in rows} == {
        (g, p) for g in version.grades for p in version.parts
    }


@pytest.mark.parametrize(
    "row", _rows("claim_matrix.csv"), ids=lambda r: f"{r['issue']}-{r['part']}-{r['grade']}"
)
def test_claim_matrix_snapshot(row, policy):
    """Every issue × part × grade against the committed, reviewed snapshot."""
    claim = Claim(issue=row["issue"], part=row["part"], grade=row["grade"] or None)
    decision = decide(claim, policy)
    assert str(decision.status) == row["status"]
    assert ("" if decision.refund is None else str(decision.refund)) == row["refund"]
    assert ("" if decision.resolution is None else str(decision.resolution)) == row["resolution"]
    assert decision.rule == row["rule"]


def test_claim_matrix_snapshot_is_complete(policy):
    version = policy.latest
    rows = _rows("claim_matrix.csv")
    assert {(r["issue"], r["part"], r["grade"]) for r in rows} == {
        (i, p, g) for i in version.issues for p in version.parts for g in ["", *version.grades]
    }


def test_explanation_names_every_factor(policy):
    decision = decide(Claim(grade="High", part="Head sculpt w/ special functions"), policy)
    assert decision.explanation == (
        "High (100%) × 'Head sculpt w/ special functions' max value 40.00 × 1 = 40.00 USD"
    )


def test_unknown_part_message_suggests_the_closest_name(policy):
    decision = decide(Claim(issue="Electronics", part="Hed sculpt w/o special functions"), policy)
    assert decision.explanation == (
        "Unknown part 'Hed sculpt w/o special functions'. "
        "Did you mean 'Head sculpt w/o special functions'?"
    )


def test_claim_is_decided_under_the_version_in_force_on_its_date(tmp_path):
    text = (Path(__file__).parent.parent / "xl_claims" / "data" / "policy.toml").read_text()
    second = text.split("\n[[version]]\n", 1)[1]
    second = second.replace('id = "AS-2026.1"', 'id = "AS-2026.7"')
    second = second.replace("effective_from = 2026-01-01", "effective_from = 2026-07-01")
    second = second.replace('name = "Low"\nrate = "0.25"', 'name = "Low"\nrate = "0.30"')
    path = tmp_path / "two-versions.toml"
    path.write_text(text + "\n[[version]]\n" + second)
    policy = load_policy(path)
    claim = Claim(grade="Low", part="Weapon (small)")
    assert decide(claim._replace(date=dt.date(2026, 6, 30)), policy).refund == Decimal("1.25")
    july = decide(claim._replace(date=dt.date(2026, 7, 1)), policy)
    assert (july.refund, july.policy_version) == (Decimal("1.50"), "AS-2026.7")
    assert decide(claim, policy).policy_version == "AS-2026.7"  # no date: the latest
    early = decide(claim._replace(date=dt.date(2020, 1, 1)), policy)
    assert early.policy_version == "AS-2026.1"


def test_a_claim_dated_before_the_first_version_says_so(policy):
    claim = Claim(grade="Low", part="Weapon (small)", date=dt.date(2019, 5, 1))
    early = decide(claim, policy)
    assert (early.refund, early.policy_version, early.before_policy) == (
        Decimal("1.25"),
        "AS-2026.1",
        True,
    )
    assert early.explanation == (
        "Low (25%) × 'Weapon (small)' max value 5.00 × 1 = 1.25 USD (The claim is dated before "
        "the first policy version, AS-2026.1 in force from 2026-01-01: decided under it.)"
    )
    in_force = decide(claim._replace(date=dt.date(2026, 1, 1)), policy)
    assert (in_force.before_policy, in_force.explanation.endswith("= 1.25 USD")) == (False, True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("value_override", "1e30", "Value override must be at most 1,000,000,000, got '1e30'."),
        ("value_override", 1e26, "Value override must be at most 1,000,000,000, got 1e+26."),
        ("value_override", Decimal("1E+26"), "Value override must be at most 1,000,000,000"),
        (
            "value_override",
            "0.1234567890123456789012345678901234567",
            "has too many digits to be computed exactly",
        ),
    ],
)
def test_a_huge_or_overlong_amount_is_an_error_line_not_an_exception(policy, field, value, message):
    claim = Claim(issue="Breakage", part="Packaging box", grade="High", **{field: value})
    decision = decide(claim, policy)
    assert (decision.status, decision.refund, decision.rule) == (
        Status.ERROR,
        None,
        "error.invalid-value",
    )
    assert message in decision.explanation


def test_a_huge_price_paid_is_an_error_line(tmp_path):
    text = (Path(__file__).parent.parent / "xl_claims" / "data" / "policy.toml").read_text()
    path = tmp_path / "discount.toml"
    path.write_text(text.replace('discount_rate = "Depends"', 'discount_rate = "0.10"'))
    decision = decide(Claim(issue="Mis-shipment", price="1e26"), load_policy(path))
    assert (decision.status, decision.rule, decision.explanation) == (
        Status.ERROR,
        "error.invalid-price",
        "Price paid must be at most 1,000,000,000, got '1e26'.",
    )


def test_the_depends_message_names_the_policy_grades(tmp_path):
    text = (Path(__file__).parent.parent / "xl_claims" / "data" / "policy.toml").read_text()
    path = tmp_path / "grades.toml"
    renamed = text.replace('name = "High"', 'name = "Full"')
    renamed = renamed.replace('grade = "High"', 'grade = "Full"')
    path.write_text(renamed)
    decision = decide(Claim(issue="Painting", part="Weapon (small)"), load_policy(path))
    assert decision.explanation == (
        "Grade depends on staff judgment: give a grade (Low, Medium or Full) for "
        "'Wrong/omission painting for accessories'."
    )


def test_mis_shipment_discount_when_the_policy_file_sets_a_rate(tmp_path):
    text = (Path(__file__).parent.parent / "xl_claims" / "data" / "policy.toml").read_text()
    path = tmp_path / "discount.toml"
    path.write_text(text.replace('discount_rate = "Depends"', 'discount_rate = "0.15"'))
    policy = load_policy(path)
    decision = decide(Claim(issue="Mis-shipment", price="$89.90"), policy)
    assert (decision.status, decision.refund, decision.resolution) == (
        Status.OK,
        Decimal("13.49"),
        Resolution.DISCOUNT,
    )
    assert decision.rule == "discount.keep"
    no_price = decide(Claim(issue="Mis-shipment"), policy)
    assert (no_price.status, no_price.rule) == (Status.REVIEW, "review.price-missing")


# --- properties -----------------------------------------------------------------------------

_POLICY = load_policy()
_VERSION = _POLICY.latest
_PARTS = list(_VERSION.parts)
_NUMERIC_GRADES = [g.name for g in _VERSION.grades.values() if g.rate is not None]
_NUMERIC_GRADES.sort(key=lambda name: _VERSION.grades[name].rate)

quantities = st.integers(min_value=1, max_value=10_000)
overrides = st.one_of(
    st.none(), st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False)
)


@given(part=st.sampled_from(_PARTS), grade=st.sampled_from(list(_VERSION.grades)), q=quantities)
def test_refund_never_exceeds_max_value_times_quantity(part, grade, q):
    decision = decide(Claim(grade=grade, part=part, quantity=q), _POLICY)
    max_value = _VERSION.parts[part].max_value
    if decision.refund is not None:
        assert decision.refund <= max_value * q


@given(part=st.sampled_from(_PARTS), q=quantities, override=overrides)
def test_refund_never_falls_as_the_grade_rises(part, q, override):
    refunds = [
        decide(Claim(grade=g, part=part, quantity=q, value_override=override), _POLICY).refund
        for g in _NUMERIC_GRADES
    ]
    if refunds[0] is not None:
        assert refunds == sorted(refunds)
    else:
        assert refunds == [None] * len(refunds)


@given(
    issue=st.sampled_from(list(_VERSION.issues)),
    part=st.sampled_from(_PARTS),
    grade=st.one_of(st.none(), st.sampled_from(list(_VERSION.grades))),
    q=quantities,
)
def test_a_depends_never_yields_a_number(issue, part, grade, q):
    decision = decide(Claim(issue=issue, part=part, grade=grade, quantity=q), _POLICY)
    entry = _VERSION.issues[issue]
    if entry.outcome == "discount":  # the shipped discount rate is Depends
        assert (decision.status, decision.refund) == (Status.REVIEW, None)
    elif entry.outcome == "refund":
        rate = _VERSION.grades[grade or entry.grade].rate
        value = _VERSION.parts[entry.value_part or part].max_value
        if rate is None or value is None:
            assert (decision.status, decision.refund) == (Status.REVIEW, None)
        else:
            assert decision.status is Status.OK and decision.refund > 0


@given(part=st.sampled_from(_PARTS), grade=st.sampled_from(_NUMERIC_GRADES), q=quantities)
def test_refund_is_rate_times_value_times_quantity_in_cents(part, grade, q):
    decision = decide(Claim(grade=grade, part=part, quantity=float(q)), _POLICY)
    value = _VERSION.parts[part].max_value
    if value is None:
        assert decision.status is Status.REVIEW
    else:
        exact = _VERSION.grades[grade].rate * value * q
        cents = (exact * 100).to_integral_value(rounding="ROUND_HALF_UP") / 100
        assert decision.refund == cents
        assert decision.refund.as_tuple().exponent == -2
