"""The DataFrame API: the batch's decisions as pandas columns, money exact."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from xl_claims.batch import process_files
from xl_claims.core.errors import UsageError
from xl_claims.core.table import COMPUTED_HEADERS
from xl_claims.frame import decide_frame, lines_frame, reconciliation_frame, records_frame
from xl_claims.reconcile import run_reconciliation

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"


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


def test_to_frame_of_the_sample_run_has_each_line_and_the_exact_total(tmp_path, policy):
    result = process_files(
        [SAMPLES / "weekly-export.xlsx"], policy=policy, output=tmp_path / "out.xlsx"
    )
    frame = result.to_frame()
    assert frame.equals(lines_frame(result.iter_lines()))
    assert list(frame.columns) == [
        "file", "sheet", "row", "claim_id", "part", "issue", "grade", "resolution", "status",
        "refund", "reason", "policy_version", "output",
    ]  # fmt: skip
    assert len(frame) == 16  # the README's "16 lines (OK 9, REVIEW 4, … DUPLICATE 1)"
    assert frame["status"].value_counts().to_dict() == {
        "OK": 9, "REVIEW": 4, "NOT COVERED": 1, "ERROR": 1, "DUPLICATE": 1
    }  # fmt: skip
    assert frame["refund"].dropna().sum() == Decimal("154.25")
    assert all(type(v) is Decimal for v in frame["refund"].dropna())


def test_to_frame_of_the_march_reconciliation_adds_up_to_the_reports_totals(tmp_path, policy):
    folder = SAMPLES / "payments"
    payments = ["shopify-payments.csv", "paypal-activity.csv", "stripe-balance-change.csv",
                "generic-refunds.xlsx"]  # fmt: skip
    rec, _report = run_reconciliation(
        [folder / "claims-2026-03.xlsx"],
        [folder / name for name in payments],
        tmp_path / "march.xlsx",
        policy,
        period_from=dt.date(2026, 3, 1),
        period_to=dt.date(2026, 3, 31),
    )
    frame = rec.to_frame()
    assert frame.equals(reconciliation_frame(rec))
    claims = load_workbook(folder / "claims-2026-03.xlsx", read_only=True).worksheets[0]
    in_march = [r for r in claims.iter_rows(min_row=2, values_only=True) if r[2].month == 3]
    assert len(frame) == len(in_march) == 17  # CLM-0990 of February is outside the period
    assert frame["computed"].dropna().sum() == Decimal("268.75")  # the README's Total computed
    by_claim = frame.set_index("claim_id")
    assert by_claim.loc["CLM-1008", "match_status"] == "unpaid"
    assert by_claim.loc["CLM-1005", "match_status"] == "within tolerance"
