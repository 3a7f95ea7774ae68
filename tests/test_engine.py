"""The engine against business cases kept as data, and properties that must always hold."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xl_claims.core.engine import (
    DECISION_FIELDS,
    MAX_QUANTITY,
    decide,
    parse_amount,
    parse_flag,
    parse_quantity,
    round_money,
)
from xl_claims.core.errors import InvalidValueError
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
        resolution=_or_none(case["resolution"]),
        price=_or_none(case["price"]),
    )
    decision = decide(claim, policy)
    assert decision.status == case["status"], decision.explanation
    assert decision.rule == case["rule"]
    expected_refund = Decimal(case["refund"]) if case["refund"] else None
    assert decision.refund == expected_refund
    if expected_refund is not None:
        assert str(decision.refund) == case["refund"]  # always two decimals
    assert (str(decision.resolution) if decision.resolution else "") == case["resolution_out"]
    assert (decision.grade or "") == case["applied_grade"]
    expected_value = Decimal(case["max_value"]) if case["max_value"] else None
    assert decision.max_value == expected_value
    assert decision.policy_version == "AS-2026.1"
    assert decision.currency == "USD"


@pytest.mark.parametrize(
    "row", _rows("refund_matrix.csv"), ids=lambda r: f"{r['grade']}-{r['part']}"
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


def test_memo_key_is_every_claim_field_but_date_and_price():
    assert Claim._fields[DECISION_FIELDS:] == ("date", "price")


def test_memo_ignores_the_price_except_for_discounts(tmp_path):
    text = (Path(__file__).parent.parent / "xl_claims" / "data" / "policy.toml").read_text()
    path = tmp_path / "discount.toml"
    path.write_text(text.replace('discount_rate = "Depends"', 'discount_rate = "0.10"'))
    policy = load_policy(path)
    for price in ("10.00", "20.00", "30.00"):
        assert decide(Claim(grade="High", part="Weapon (small)", price=price), policy).refund == 5
    assert len(policy.latest.decision_memo) == 1  # one decision served three lines
    refunds = [
        decide(Claim(issue="Mis-shipment", price=price), policy).refund
        for price in ("10.00", "25.50", None, "abc", "30")
    ]
    assert refunds == [Decimal("1.00"), Decimal("2.55"), None, None, Decimal("3.00")]
    bad = decide(Claim(issue="Mis-shipment", price="abc"), policy)
    assert (bad.status, bad.rule, bad.explanation) == (
        Status.ERROR,
        "error.invalid-price",
        "Price paid must be a number, got 'abc'.",
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, 1), ("", 1), (1, 1), (2.0, 2), ("3", 3), (" 4 ", 4), (Decimal("5.00"), 5)],
)
def test_parse_quantity_accepts_whole_numbers(value, expected):
    assert parse_quantity(value) == expected


@pytest.mark.parametrize("value", [2.5, 0, -1, "two", True, float("nan"), float("inf"), "1e400"])
def test_parse_quantity_refuses_everything_else(value):
    with pytest.raises(InvalidValueError, match="Quantity must be a positive whole number"):
        parse_quantity(value)


def test_parse_quantity_refuses_absurd_counts():
    assert parse_quantity(MAX_QUANTITY) == MAX_QUANTITY
    with pytest.raises(InvalidValueError, match="at most 100000"):
        parse_quantity(MAX_QUANTITY + 1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("$21.83", Decimal("21.83")),
        ("1,441.20", Decimal("1441.20")),
        (21.83, Decimal("21.83")),
        ("(5.00)", Decimal("-5.00")),
        ("USD 12", Decimal("12")),
        ("5,00 EUR", Decimal("5.00")),
        ("1.441,20 €", Decimal("1441.20")),
        ("1,441", Decimal("1441")),
        ("12,5", Decimal("12.5")),
        ("-1,000,000.50", Decimal("-1000000.50")),
        ("", None),
        (None, None),
    ],
)
def test_parse_amount(value, expected):
    assert parse_amount(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("yes", True), ("Y", True), ("TRUE", True), (1, True), (1.0, True), ("no", False), (0, False)],
)
def test_parse_flag(value, expected):
    assert parse_flag(value) is expected


def test_round_money_is_half_up():
    assert round_money(Decimal("0.125")) == Decimal("0.13")
    assert round_money(Decimal("0.135")) == Decimal("0.14")
    assert round_money(Decimal("2.675")) == Decimal("2.68")


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
        assert decision.refund == round_money(_VERSION.grades[grade].rate * value * q)
        assert decision.refund.as_tuple().exponent == -2
