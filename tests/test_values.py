"""Values as staff and exports write them: quantities, amounts, yes/no, choices, dates, ids."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from xl_claims.core.errors import InvalidValueError, UnknownNameError
from xl_claims.core.model import Resolution
from xl_claims.core.values import (
    MAX_QUANTITY,
    cell_text,
    id_key,
    parse_amount,
    parse_choice,
    parse_date,
    parse_flag,
    parse_quantity,
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


def test_parse_quantity_refuses_counts_above_100000():
    assert parse_quantity(100_000) == 100_000 == MAX_QUANTITY
    with pytest.raises(InvalidValueError, match=r"^Quantity must be at most 100000, got 100001\.$"):
        parse_quantity(100_001)


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
        ("1000000000", Decimal("1000000000")),
        ("", None),
        (None, None),
    ],
)
def test_parse_amount_reads_what_exports_write(value, expected):
    assert parse_amount(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "Price paid must be a number, got 'abc'."),
        (True, "Price paid must be a number, got True."),
        (float("inf"), "Price paid must be a number, got inf."),
        ("1000000000.01", "Price paid must be at most 1,000,000,000, got '1000000000.01'."),
        (1e30, "Price paid must be at most 1,000,000,000, got 1e+30."),
    ],
)
def test_parse_amount_refuses_what_is_not_an_amount(value, message):
    with pytest.raises(InvalidValueError) as error:
        parse_amount(value, "price paid")
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("value", "expected"),
    [("yes", True), ("Y", True), ("TRUE", True), (1, True), (1.0, True), ("no", False), (0, False)],
)
def test_parse_flag_reads_yes_and_no(value, expected):
    assert parse_flag(value) is expected


def test_parse_flag_refuses_maybe():
    with pytest.raises(InvalidValueError, match=r"^Replacement available must be yes or no, got"):
        parse_flag("maybe")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Refund", Resolution.REFUND), (" keep ", Resolution.DISCOUNT), ("RETURN", Resolution.RETURN)],
)
def test_parse_choice_reads_the_customers_words(value, expected):
    assert parse_choice(value) is expected


def test_parse_choice_names_the_choices_for_an_unknown_word():
    with pytest.raises(UnknownNameError) as error:
        parse_choice("cash back")
    assert str(error.value).startswith("Unknown resolution 'cash back'. Did you mean ")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-14", dt.date(2026, 3, 14)),
        ("03/14/2026", dt.date(2026, 3, 14)),
        ("Mar 14, 2026", dt.date(2026, 3, 14)),
        ("2026-03-14 10:22:01", dt.date(2026, 3, 14)),
        (dt.datetime(2026, 3, 14, 9, 0), dt.date(2026, 3, 14)),
        ("", None),
    ],
)
def test_parse_date_reads_export_dates(value, expected):
    assert parse_date(value) == expected


def test_parse_date_refuses_text_that_is_no_date():
    with pytest.raises(InvalidValueError, match=r"expected a date like 2026-03-14, got 'soon'"):
        parse_date("soon")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1004.0, "1004"),
        ("  C-1 ", "C-1"),
        (dt.date(2026, 3, 1), "2026-03-01"),
        ("", None),
        (None, None),
    ],
)
def test_cell_text_shows_a_cell_as_text(value, expected):
    assert cell_text(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [("#1004", "1004"), (1004.0, "1004"), (" CLM  9 ", "clm 9"), ("#", None)]
)
def test_id_key_ignores_case_spaces_and_a_leading_hash(value, expected):
    assert id_key(value) == expected
