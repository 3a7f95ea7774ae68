"""Matching rules, statuses and allocation, on claim lines decided by the engine."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_claims.reconcile import claim_line, mark_duplicates
from xl_claims.reconcile.layouts import CHARGEBACK, REFUND
from xl_claims.reconcile.match import match
from xl_claims.reconcile.model import (
    MATCHED,
    NEEDS_REVIEW,
    OVER_PAID,
    UNDER_PAID,
    UNPAID,
    WITHIN_TOLERANCE,
)
from xl_claims.reconcile.records import Payment, text_keys

D = Decimal
MARCH = dt.date(2026, 3, 10)
#: part → computed refund under the bundled policy with issue Breakage (High, 100%)
PARTS = {"Weapon (large)": D("15.00"), "Weapon (small)": D("5.00"), "Seamless figure": D("40.00")}


def line(policy, row, claim_id=None, order=None, part="Weapon (large)", issue="Breakage", **more):
    values = {"claim_id": claim_id, "order": order, "date": more.pop("date", MARCH)}
    values.update(issue=issue, part=part, **more)
    return claim_line("claims.xlsx", "Claims", row, values, {}, policy)


def pay(refund_id, amount, order=None, claim=None, date=MARCH, currency="USD", kind=REFUND):
    return Payment(
        source="pay.csv",
        row=2,
        format="generic",
        kind=kind,
        type=kind,
        refund_id=refund_id,
        amount=D(amount),
        currency=currency,
        date=date,
        order=order,
        reference=claim,
        keys=text_keys(claim),
    )


def test_lines_are_decided_by_the_engine(policy):
    lines = [line(policy, 2, "C1", part=p) for p in PARTS]
    assert [x.computed for x in lines] == list(PARTS.values())
    review = line(policy, 3, "C2", issue="Painting")
    assert (review.status, review.computed, review.rule) == ("REVIEW", None, "review.grade-depends")


def test_exact_claim_id_in_a_note_matches(policy):
    lines = [line(policy, 2, "CLM-0042", "#1")]
    result = match(lines, [pay("R1", "15.00", claim="Refund for claim CLM-0042")])
    (only,) = result.lines
    assert (only.status, only.rule, only.paid, only.refund_ids) == (
        MATCHED,
        "exact key: claim id",
        D("15.00"),
        ("R1",),
    )
    assert only.difference == D("0.00")
    assert result.unmatched == []


def test_refund_id_recorded_on_the_claim_wins_over_a_wrong_order_but_is_flagged(policy):
    lines = [line(policy, 2, "C1", "#1", refund_id="re_123; re_999")]
    result = match(lines, [pay("RE_123", "15.00", order="#77")])
    assert (result.lines[0].status, result.lines[0].rule, result.lines[0].paid) == (
        NEEDS_REVIEW,
        "exact key: refund id; order differs: claim #1, refund #77",
        D("15.00"),
    )
    same = match(lines, [pay("RE_123", "15.00", order="1")])
    assert (same.lines[0].status, same.lines[0].rule) == (MATCHED, "exact key: refund id")


@pytest.mark.parametrize(
    ("amount", "status", "rule"),
    [
        ("15.00", MATCHED, "order + amount"),
        ("14.99", WITHIN_TOLERANCE, "order + amount"),
        ("15.01", WITHIN_TOLERANCE, "order + amount"),
        ("14.98", NEEDS_REVIEW, "order only"),  # outside the tolerance: order only, for review
    ],
)
def test_order_and_amount_within_tolerance(policy, amount, status, rule):
    result = match([line(policy, 2, "C1", "#1004")], [pay("R", amount, order="1004")])
    assert (result.lines[0].status, result.lines[0].rule) == (status, rule)
    assert result.lines[0].paid == D(amount)


def test_a_larger_tolerance_settles_more(policy):
    result = match([line(policy, 2, "C1", "#1")], [pay("R", "14.50", order="#1")], D("0.50"))
    assert result.lines[0].status == WITHIN_TOLERANCE
    assert result.lines[0].difference == D("-0.50")


@pytest.mark.parametrize(
    ("amount", "status", "difference"),
    [("20.00", OVER_PAID, "5.00"), ("10.00", UNDER_PAID, "-5.00")],
)
def test_over_and_under_paid_by_claim_key(policy, amount, status, difference):
    result = match([line(policy, 2, "C1", "#1")], [pay("R", amount, claim="C1")])
    assert result.lines[0].status == status
    assert result.lines[0].difference == D(difference)


def test_unpaid_nothing_owed_and_review_lines(policy):
    lines = [
        line(policy, 2, "C1", "#1"),
        line(policy, 3, "C2", "#2", replacement="yes"),
        line(policy, 4, "C3", "#3", issue="Painting"),
    ]
    result = match(lines, [])
    assert [(r.status, r.rule) for r in result.lines] == [
        (UNPAID, "no refund found"),
        (MATCHED, "nothing owed, nothing paid"),
        (NEEDS_REVIEW, "no refund found; REVIEW: no decision"),
    ]
    assert [r.difference for r in result.lines] == [D("-15.00"), D("0.00"), D("0.00")]


def test_a_paid_review_line_needs_review(policy):
    result = match([line(policy, 2, "C3", "#3", issue="Painting")], [pay("R", "3.00", claim="C3")])
    assert result.lines[0].status == NEEDS_REVIEW
    assert result.lines[0].rule == (
        "exact key: claim id; no computed refund (REVIEW or ERROR line)"
    )
    assert result.lines[0].paid == D("3.00")


def test_one_refund_for_two_lines_of_an_order_is_allocated_in_row_order(policy):
    lines = [
        line(policy, 2, "C1", "#10", "Weapon (small)"),
        line(policy, 3, "C2", "#10", "Weapon (large)"),
    ]
    result = match(lines, [pay("R", "20.00", order="#10")])
    assert [(r.status, r.rule, r.paid) for r in result.lines] == [
        (MATCHED, "order + amount (combined)", D("5.00")),
        (MATCHED, "order + amount (combined)", D("15.00")),
    ]


def test_an_over_payment_of_a_group_goes_to_the_last_line(policy):
    lines = [
        line(policy, 2, "C1", "#10", "Weapon (small)"),
        line(policy, 3, "C1", "#10", "Weapon (large)"),
    ]
    result = match(lines, [pay("R", "21.00", claim="C1")])
    assert [(r.status, r.paid, r.difference) for r in result.lines] == [
        (OVER_PAID, D("5.00"), D("0.00")),
        (OVER_PAID, D("16.00"), D("1.00")),
    ]


def test_an_under_payment_of_a_group_fills_lines_in_row_order(policy):
    lines = [
        line(policy, 2, "C1", "#10", "Weapon (large)"),
        line(policy, 3, "C1", "#10", "Weapon (small)"),
    ]
    result = match(lines, [pay("R", "12.00", claim="C1")])
    assert [(r.status, r.paid) for r in result.lines] == [
        (UNDER_PAID, D("12.00")),
        (UNDER_PAID, D("0.00")),
    ]


def test_several_refunds_for_one_claim_add_up(policy):
    lines = [line(policy, 2, "C1", "#11", "Seamless figure")]
    refunds = [pay("B1", "25.00", claim="C1"), pay("B2", "15.00", claim="C1")]
    result = match(lines, refunds)
    assert (result.lines[0].status, result.lines[0].paid) == (MATCHED, D("40.00"))
    assert result.lines[0].refund_ids == ("B1", "B2")


def test_several_refunds_for_one_line_by_order(policy):
    lines = [line(policy, 2, "C1", "#11", "Seamless figure")]
    refunds = [pay("B1", "25.00", order="11"), pay("B2", "15.00", order="11")]
    result = match(lines, refunds)
    assert (result.lines[0].status, result.lines[0].rule) == (MATCHED, "order + amount (combined)")


def test_order_only_is_flagged_for_review(policy):
    result = match([line(policy, 2, "C1", "#12")], [pay("R", "3.00", order="#12")])
    assert (result.lines[0].status, result.lines[0].rule, result.lines[0].paid) == (
        NEEDS_REVIEW,
        "order only",
        D("3.00"),
    )


def test_a_second_refund_for_a_settled_order_reopens_it_for_review(policy):
    lines = [line(policy, 2, "C1", "#12")]
    result = match(lines, [pay("R1", "15.00", claim="C1"), pay("R2", "15.00", order="#12")])
    assert (result.lines[0].status, result.lines[0].paid) == (NEEDS_REVIEW, D("30.00"))
    assert result.lines[0].rule == "exact key: claim id + order only"


def test_the_date_window_limits_order_and_amount(policy):
    late = MARCH + dt.timedelta(days=91)
    result = match([line(policy, 2, "C1", "#1")], [pay("R", "15.00", order="#1", date=late)])
    assert result.lines[0].rule == "order only"
    in_time = MARCH + dt.timedelta(days=90)
    result = match([line(policy, 2, "C1", "#1")], [pay("R", "15.00", order="#1", date=in_time)])
    assert result.lines[0].rule == "order + amount"


def test_a_currency_mismatch_is_a_finding_not_a_conversion(policy):
    result = match([line(policy, 2, "C1", "#1")], [pay("R", "14.00", claim="C1", currency="EUR")])
    only = result.lines[0]
    assert only.status == NEEDS_REVIEW
    assert only.rule == "exact key: claim id; currency mismatch: claim in USD, refund in EUR"
    assert (only.paid, only.refund_currency, only.difference) == (D("14.00"), "EUR", None)


def test_a_refund_in_another_currency_than_the_claims_refunds_stays_unmatched(policy):
    refunds = [pay("R1", "15.00", claim="C1"), pay("R2", "5.00", claim="C1", currency="EUR")]
    result = match([line(policy, 2, "C1", "#1")], refunds)
    assert result.lines[0].status == MATCHED
    (left,) = result.unmatched
    assert left.payment.refund_id == "R2"
    assert left.reason == "its claim lines were paid in USD; this refund is in EUR (not converted)"


def test_refunds_without_claim_lines_say_why(policy):
    refunds = [
        pay("R1", "89.00", order="#1020"),
        pay("R2", "120.00", order="#1021", kind=CHARGEBACK),
        pay("R3", "7.00"),
    ]
    result = match([line(policy, 2, "C1", "#1")], refunds)
    assert [(u.payment.refund_id, u.reason) for u in result.unmatched] == [
        ("R1", "no claim line for order #1020"),
        ("R2", "chargeback: money taken back by the customer's bank, not a policy refund"),
        ("R3", "no claim line with this claim id, refund id or order"),
    ]


def test_chargebacks_are_never_matched_to_claim_lines(policy):
    refunds = [pay("CB", "15.00", order="#1", claim="C1", kind=CHARGEBACK)]
    result = match([line(policy, 2, "C1", "#1")], refunds)
    assert result.lines[0].status == UNPAID
    assert [u.payment.refund_id for u in result.unmatched] == ["CB"]


def test_duplicate_lines_are_listed_but_never_paid(policy):
    lines = [line(policy, 2, "C1", "#1"), line(policy, 3, "C1", "#1")]
    mark_duplicates(lines)
    result = match(lines, [pay("R", "15.00", claim="C1")])
    assert [(r.status, r.rule, r.paid) for r in result.lines] == [
        (MATCHED, "exact key: claim id", D("15.00")),
        ("", "duplicate of row 2: counted once", D("0.00")),
    ]
    assert result.lines[1].line.status == "DUPLICATE"


AMOUNTS = st.decimals(min_value=D("0.01"), max_value=D("60.00"), places=2)


#: Claim lines as (order, part, keyed by claim id) and refunds as (order, amount, currency, keyed).
CLAIM_ROWS = st.tuples(st.integers(0, 5), st.sampled_from(sorted(PARTS)), st.booleans())
REFUND_ROWS = st.tuples(st.integers(0, 7), AMOUNTS, st.sampled_from(["USD", "EUR"]), st.booleans())


def random_case(policy, claims, refunds):
    """Claim lines (duplicates marked) and refunds from the strategies' tuples."""
    lines = [
        line(policy, row, f"C{order}" if keyed else None, f"#{order}", part)
        for row, (order, part, keyed) in enumerate(claims, start=2)
    ]
    mark_duplicates(lines)
    payments = [
        pay(f"R{i}", str(amount), order=f"#{order}", claim=f"C{order}" if keyed else None,
            currency=currency)
        for i, (order, amount, currency, keyed) in enumerate(refunds)
    ]  # fmt: skip
    return lines, payments


@settings(max_examples=60, deadline=None)
@given(claims=st.lists(CLAIM_ROWS, max_size=12), refunds=st.lists(REFUND_ROWS, max_size=12))
def test_every_refund_is_paid_exactly_once(policy, claims, refunds):
    """Whatever the inputs, per-line paid plus unmatched refunds equal the refunds, per currency,
    and every line has one of the seven statuses (or is a duplicate)."""
    lines, payments = random_case(policy, claims, refunds)
    result = match(lines, payments)
    for currency in ("USD", "EUR"):
        paid = sum((r.paid for r in result.lines if r.refund_currency == currency), D(0))
        paid += sum(u.payment.amount for u in result.unmatched if u.payment.currency == currency)
        assert paid == sum((p.amount for p in payments if p.currency == currency), D(0))
    assert all(r.paid >= 0 for r in result.lines)
    statuses = {MATCHED, WITHIN_TOLERANCE, OVER_PAID, UNDER_PAID, UNPAID, NEEDS_REVIEW}
    for r in result.lines:
        assert r.status in statuses or (r.status == "" and r.line.duplicate_of is not None)
