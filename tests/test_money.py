"""Money: one half-up rounding to cents, exact products or a clear refusal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xl_claims.core.errors import InvalidValueError
from xl_claims.core.money import exact_product, format_money, format_rate, round_money


@pytest.mark.parametrize(
    ("amount", "cents"),
    [("0.125", "0.13"), ("0.135", "0.14"), ("2.675", "2.68"), ("-0.125", "-0.13"), ("7", "7.00")],
)
def test_round_money_is_half_up_to_cents(amount, cents):
    assert str(round_money(Decimal(amount))) == cents


def test_round_money_refuses_an_amount_it_cannot_hold():
    with pytest.raises(InvalidValueError, match=r"^The amount 1E\+40 is too large to be a refund"):
        round_money(Decimal("1e40"))


def test_exact_product_keeps_every_digit():
    assert exact_product(Decimal("0.25"), Decimal("3.33"), 3) == Decimal("2.4975")


def test_exact_product_refuses_to_round_silently():
    with pytest.raises(InvalidValueError, match="too many digits to be computed exactly"):
        exact_product(Decimal("0.25"), Decimal("0.1234567890123456789012345678901234567"), 3)


def test_money_and_rates_as_text():
    assert format_money(Decimal("40"), "USD") == "40.00 USD"
    assert format_money(None, "USD") == "-"
    assert format_rate(Decimal("0.25")) == "25%"
    assert format_rate(Decimal("1.00")) == "100%"
