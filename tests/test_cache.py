"""The decision cache: the same decisions as the engine, whatever was decided before."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from xl_claims.core.cache import DECISION_FIELDS, DecisionCache
from xl_claims.core.engine import decide
from xl_claims.core.model import Claim, Status
from xl_claims.core.policy import load_policy

_POLICY = load_policy()
_VERSION = _POLICY.latest


def test_the_key_is_every_claim_field_but_date_and_price():
    assert Claim._fields[DECISION_FIELDS:] == ("date", "price")


def test_quantity_true_stays_an_error_after_quantity_1(policy):
    cache = DecisionCache(policy)
    assert cache.decide(Claim(grade="High", part="Weapon (small)", quantity=1)).refund == 5
    after = cache.decide(Claim(grade="High", part="Weapon (small)", quantity=True))
    assert (after.status, after.explanation) == (
        Status.ERROR,
        "Quantity must be a positive whole number, got True.",
    )


def test_value_override_true_stays_an_error_after_override_1(policy):
    cache = DecisionCache(policy)
    line = Claim(issue="Breakage", part="Packaging box", grade="High")
    assert cache.decide(line._replace(value_override=1)).refund == Decimal("1.00")
    after = cache.decide(line._replace(value_override=True))
    assert (after.status, after.refund) == (Status.ERROR, None)
    assert after.explanation == "Value override must be a number, got True."


def test_minus_zero_and_zero_quantities_keep_their_own_messages(policy):
    cache = DecisionCache(policy)
    zero = cache.decide(Claim(grade="High", part="Weapon (small)", quantity=0.0))
    minus = cache.decide(Claim(grade="High", part="Weapon (small)", quantity=-0.0))
    assert zero.explanation.endswith("got 0.0.")
    assert minus.explanation.endswith("got -0.0.")


def test_one_decision_serves_lines_that_differ_only_in_price(tmp_path):
    text = (Path(__file__).parent.parent / "xl_claims" / "data" / "policy.toml").read_text()
    path = tmp_path / "discount.toml"
    path.write_text(text.replace('discount_rate = "Depends"', 'discount_rate = "0.10"'))
    cache = DecisionCache(load_policy(path))
    for price in ("10.00", "20.00", "30.00"):
        assert cache.decide(Claim(grade="High", part="Weapon (small)", price=price)).refund == 5
    assert len(cache) == 1
    refunds = [
        cache.decide(Claim(issue="Mis-shipment", price=price)).refund
        for price in ("10.00", "25.50", None, "abc", "30")
    ]
    assert refunds == [Decimal("1.00"), Decimal("2.55"), None, None, Decimal("3.00")]
    assert len(cache) == 1  # discounts depend on the price: never kept


def test_a_line_dated_before_the_policy_is_not_served_a_later_lines_decision(policy):
    cache = DecisionCache(policy)
    line = Claim(grade="Low", part="Weapon (small)")
    assert not cache.decide(line._replace(date=dt.date(2026, 2, 1))).before_policy
    early = cache.decide(line._replace(date=dt.date(2020, 2, 1)))
    assert early.before_policy and "before the first policy version" in early.explanation


def test_the_cache_starts_over_at_its_limit(policy):
    cache = DecisionCache(policy, limit=2)
    for quantity in (1, 2, 3):
        cache.decide(Claim(grade="High", part="Weapon (small)", quantity=quantity))
    assert len(cache) == 1


# Values that are equal in Python but are different inputs, and text/number spellings.
_TRICKY = st.sampled_from(
    [None, "", True, False, 1, 1.0, -0.0, 0.0, 0, Decimal("1"), Decimal("1.0"), "1", "1.0",
     2, 2.0, 2.5, "two", "yes", 1e30, "1e30", Decimal("1E+26"), 100_000, 100_001]
)  # fmt: skip
_NAMES = st.sampled_from(
    [None, "High", "high", "L", "Depends", "Breakage", "Painting", "Detachment", "Mis-shipment",
     "Weapon (small)", "weapon small", "Packaging box", "Wepon", "Refund", "return"]
)  # fmt: skip
_LINES = st.builds(
    Claim,
    issue=st.one_of(_NAMES, _TRICKY),
    part=st.one_of(_NAMES, _TRICKY),
    grade=st.one_of(_NAMES, _TRICKY),
    quantity=_TRICKY,
    value_override=_TRICKY,
    replacement_available=_TRICKY,
    choice=st.one_of(_NAMES, _TRICKY),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINES, min_size=1, max_size=12))
def test_deciding_a_line_gives_the_same_decision_whatever_was_decided_before(lines):
    cache = DecisionCache(_POLICY)
    for line in lines:
        assert cache.decide(line) == decide(line, _POLICY)
