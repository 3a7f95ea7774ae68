"""Header matching and row decisions shared by the batch, the macro and reconciliation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xl_claims.core.errors import InvalidValueError
from xl_claims.core.table import (
    COMPUTED_HEADERS,
    HEADER_ALIASES,
    computed_values,
    decide_values,
    duplicate_key,
    field_name,
    find_header_row,
    match_headers,
    missing_headers_message,
    normalize_header,
    parse_header_map,
)


@pytest.mark.parametrize(
    ("field", "header"), [(f, h) for f, spellings in HEADER_ALIASES.items() for h in spellings]
)
def test_every_documented_alias_matches_its_field(field, header):
    assert match_headers([header]).columns == {field: 0}


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("CLAIM  NUMBER", "claim_id"),
        ("Claim No.", "claim_id"),
        ("claim\nid", "claim_id"),
        ("Order\u00a0#", "order"),
        ("Qty?", "quantity"),
        ("Part name:", "part"),
        (" Customer choice ", "choice"),
    ],
)
def test_header_spelling_variants(header, field):
    assert match_headers([header]).columns == {field: 0}


def test_computed_headers_are_recognised_not_taken_as_input():
    found = match_headers(["Part", "Grade", *COMPUTED_HEADERS])
    assert found.columns == {"part": 0, "grade": 1}
    assert found.computed == {h: 2 + i for i, h in enumerate(COMPUTED_HEADERS)}


def test_an_input_resolution_column_beside_the_computed_block_stays_input():
    found = match_headers(["Part", "Grade", "Resolution", *COMPUTED_HEADERS])
    assert found.columns == {"part": 0, "grade": 1, "choice": 2}
    assert found.computed["Resolution"] == 7


def test_header_row_below_title_and_blank_rows():
    rows = [
        ["Weekly claims export", None],
        [None, None],
        ["Generated 2026-03-02", None],
        ["Claim #", "Accessory", "Severity"],
        ["C-1", "Weapon (small)", "Low"],
    ]
    index, found = find_header_row(rows)
    assert index == 3
    assert found.columns == {"claim_id": 0, "part": 1, "grade": 2}


def test_missing_required_headers_names_found_and_expected():
    index, best = find_header_row([["Claim ID", "Customer", "Part"]])
    assert index is None
    assert missing_headers_message(best) == (
        "no header row with the needed columns in the first 30 rows; "
        "found headers: 'Claim ID', 'Customer', 'Part'; expected a part column (Part, Accessory, "
        "Component, Part name) and an issue column (Issue, Issue type, Quality issue, Problem, "
        "Defect, Reason) "
        "or a grade column (Grade, Severity, Quality grade)"
    )


def test_map_adds_header_spellings():
    extra = parse_header_map(["part=Figure piece", "claim-id=Case ref"])
    assert match_headers(["Case ref", "Figure piece", "Grade"], extra).columns == {
        "claim_id": 0,
        "part": 1,
        "grade": 2,
    }
    with pytest.raises(InvalidValueError, match="--map expects FIELD=HEADER"):
        parse_header_map(["part"])
    with pytest.raises(InvalidValueError, match="Unknown field 'colour'"):
        field_name("colour")


def test_normalize_header():
    assert normalize_header("Order #") == normalize_header("order no.") == "order"


def test_row_values_to_computed_cells(policy):
    decision = decide_values(
        {"issue": "Breakage", "part": "Weapon (large)", "quantity": 2.0}, policy
    )
    assert computed_values(decision) == (
        "High",
        Decimal("1.00"),
        Decimal("15"),
        Decimal("30.00"),
        "Partial refund",
        "OK",
        "High (100%) × 'Weapon (large)' max value 15.00 × 2 = 30.00 USD [rule refund.graded]",
        "AS-2026.1",
    )


def test_a_bad_date_is_an_error_row(policy):
    decision = decide_values({"grade": "Low", "part": "Weapon (small)", "date": "soon"}, policy)
    assert computed_values(decision)[3:] == (
        None,
        None,
        "ERROR",
        "Date: expected a date like 2026-03-14, got 'soon' [rule error.invalid-value]",
        "AS-2026.1",
    )


def test_duplicate_key_is_claim_id_and_part_name():
    assert duplicate_key("C-1", "Weapon (small)") == duplicate_key(" c-1", "weapon  small")
    assert duplicate_key("#1004", "Weapon (small)") == duplicate_key(1004.0, "Weapon (small)")
    assert duplicate_key("C-1", "Weapon (small)") != duplicate_key("C-1", "Weapon (large)")
    assert duplicate_key(None, "Weapon (small)") is None


def test_map_accepts_resolution_as_the_old_name_of_the_choice_field():
    assert field_name("Resolution") == "choice"
    assert parse_header_map(["resolution=Kunde will"]) == {"choice": ["Kunde will"]}
