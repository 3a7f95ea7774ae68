"""The DataFrame API: the batch's decisions as pandas columns, money exact."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from xl_claims.core.errors import UsageError
from xl_claims.core.table import COMPUTED_HEADERS
from xl_claims.frame import decide_frame, records_frame


def test_decide_frame_adds_the_eight_columns_and_keeps_the_rows():
    frame = pd.DataFrame(
        {
            "Claim #": ["C-1", "C-1", "C-2", None],
            "Issue": ["Breakage", "Breakage", "Painting", None],
            "Part": ["Weapon (small)", "Weapon (small)", "Weapon (large)", None],
            "Qty": [1, 1, 2, None],  # NaN in a float column is an empty cell
        },
        index=[10, 11, 12, 13],
    )
    out = decide_frame(frame)
    assert list(out.columns) == ["Claim #", "Issue", "Part", "Qty", *COMPUTED_HEADERS]
    assert list(out.index) == [10, 11, 12, 13]
    assert list(out["Status"]) == ["OK", "DUPLICATE", "REVIEW", None]
    assert list(out["Refund"]) == [Decimal("5.00"), None, None, None]
    assert out["Refund"].sum() == Decimal("5.00")
    assert out.loc[11, "Explanation"] == (
        "Duplicate of row 2 (claim C-1, part Weapon (small)): counted once there. [rule duplicate]"
    )
    assert out.loc[12, "Explanation"].startswith("Grade depends on staff judgment")


def test_decide_frame_reads_numpy_numbers_and_timestamps():
    frame = pd.DataFrame(
        {
            "Grade": ["Low", "High"],
            "Part": ["Weapon (large)", "Head sculpt w/ special functions"],
            "Quantity": pd.Series([3, 2], dtype="int64"),
            "Claim date": pd.to_datetime(["2026-03-02", "2026-03-03"]),
        }
    )
    out = decide_frame(frame)
    assert list(out["Refund"]) == [Decimal("11.25"), Decimal("80.00")]
    assert list(out["Policy version"]) == ["AS-2026.1", "AS-2026.1"]


def test_decide_frame_replaces_computed_columns_read_back_from_a_processed_workbook():
    frame = pd.DataFrame({"Issue": ["Breakage"], "Part": ["Weapon (large)"]})
    once = decide_frame(frame)
    once.loc[0, "Refund"] = Decimal("999")
    again = decide_frame(once)
    assert list(again.columns) == list(once.columns)
    assert again.loc[0, "Refund"] == Decimal("15.00")


def test_decide_frame_without_claim_columns_says_what_it_found():
    with pytest.raises(UsageError) as error:
        decide_frame(pd.DataFrame({"Name": ["x"], "Amount": [1]}))
    assert str(error.value) == (
        "the DataFrame has no claim columns; found headers: 'Name', 'Amount'; expected a part "
        "column (Part, Accessory, Component, Part name) and an issue column (Issue, Issue type, "
        "Quality issue, Problem, Defect, Reason) or a grade column (Grade, Severity, "
        "Quality grade)."
    )


def test_records_frame_keeps_decimals_exact():
    frame = records_frame([{"a": Decimal("0.10")}, {"a": Decimal("0.20")}], ["a"])
    assert frame["a"].sum() == Decimal("0.30")
