"""Claim rows: one rule for reading them (merges, blanks, stored cells) and for deciding them."""

from __future__ import annotations

from decimal import Decimal

from xl_claims.core.rows import (
    DuplicateTracker,
    LineRef,
    RowDecider,
    claim_rows,
    duplicate_reason,
    duplicate_values,
)
from xl_claims.core.table import COMPUTED_HEADERS, computed_values, decide_values, match_headers

HEADERS = ["Claim ID", "Order", "Date", "Issue", "Part", *COMPUTED_HEADERS]


def test_merged_claim_id_order_and_date_are_filled_down_from_the_top_cell():
    match = match_headers(HEADERS)
    rows = [
        (2, ["C-1", "#1004", "2026-03-02", "Breakage", "Weapon (small)"]),
        (3, [None, None, None, "Breakage", "Weapon (large)"]),
        (4, [None, None, None, "Painting", "Weapon (large)"]),  # below the merges: not filled
    ]
    merges = [(2, 1, 3, 1), (2, 2, 3, 2), (2, 3, 3, 3)]  # A2:A3, B2:B3, C2:C3
    found = list(claim_rows(rows, match, merges))
    assert [r.values["claim_id"] for r in found] == ["C-1", "C-1", None]
    assert [r.values["order"] for r in found] == ["#1004", "#1004", None]
    assert [r.values["date"] for r in found] == ["2026-03-02", "2026-03-02", None]
    assert [r.values["part"] for r in found] == [
        "Weapon (small)",
        "Weapon (large)",
        "Weapon (large)",
    ]


def test_a_row_is_blank_when_only_its_computed_cells_hold_something():
    match = match_headers(HEADERS)
    stale = [None] * 5 + ["High", 1, 15, 15, "Partial refund", "OK", "old", "AS-2026.1"]
    found = list(claim_rows([(5, stale), (6, ["C-2", None, None, None, "Weapon (small)"])], match))
    assert (found[0].row, found[0].blank, found[0].stored["Status"]) == (5, True, "OK")
    assert (found[1].blank, found[1].stored["Refund"]) == (False, None)


def test_the_duplicate_tracker_counts_the_first_line_of_a_claim_and_part():
    tracker = DuplicateTracker()
    first, again = LineRef("week-10.xlsx", "Claims", 2), LineRef("week-10.xlsx", "Claims", 9)
    other_file = LineRef("week-11.xlsx", "Claims", 4)
    assert tracker.first_of("C-1", "Weapon (small)", first) is None
    assert tracker.first_of("c-1 ", "weapon small", again) == first
    assert tracker.first_of("C-1", "Weapon (small)", other_file) == first
    assert tracker.first_of("C-1", "Weapon (large)", other_file) is None
    assert tracker.first_of(None, "Weapon (small)", other_file) is None  # no id: never a duplicate
    assert first.seen_from(again) == "row 2"
    assert first.seen_from(other_file) == "week-10.xlsx row 2"


def test_a_duplicate_line_keeps_grade_and_values_but_has_no_refund(policy):
    decision = decide_values({"issue": "Breakage", "part": "Weapon (large)"}, policy)
    first, ref = LineRef("a.xlsx", "Claims", 2), LineRef("b.xlsx", "Claims", 5)
    reason = duplicate_reason(first, ref, 1004.0, "Weapon (large)")
    assert reason == (
        "Duplicate of a.xlsx row 2 (claim 1004, part Weapon (large)): counted once there. "
        "[rule duplicate]"
    )
    assert duplicate_values(computed_values(decision), reason) == (
        "High",
        Decimal("1.00"),
        Decimal("15"),
        None,
        None,
        "DUPLICATE",
        reason,
        "AS-2026.1",
    )


def test_the_row_decider_gives_the_batch_cells_and_marks_a_second_line_duplicate(policy):
    decider = RowDecider(policy)
    match = match_headers(HEADERS)
    line = ["C-9", None, None, "Breakage", "Weapon (large)"]
    first, second = claim_rows([(2, line), (3, list(line))], match)
    one = decider.decide(first, LineRef("w.xlsx", "Claims", 2))
    two = decider.decide(second, LineRef("w.xlsx", "Claims", 3))
    expected = computed_values(decide_values(first.values, policy))
    assert (one.status, one.refund, one.values) == ("OK", Decimal("15.00"), expected)
    assert (two.status, two.refund, two.duplicate_of) == (
        "DUPLICATE",
        None,
        LineRef("w.xlsx", "Claims", 2),
    )
    assert two.values[3:6] == (None, None, "DUPLICATE")


def test_row_stream_reads_rows_cut_by_its_chunks_and_names_a_sheet_cut_inside_a_row():
    import io

    import pytest

    from xl_claims.workbook.rows import RowStream, SheetSyntaxError

    row1 = b'<row r="1"><c r="A1" t="inlineStr"><is><t>Claim ID</t></is></c></row>'
    row3 = b'<row r="3"><c r="A3"><v>7</v></c></row>'
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + row1
        + b'<row r="2"/>'
        + row3
        + b"</sheetData></worksheet>"
    )
    rows = RowStream(io.BytesIO(sheet), chunk=7)  # every row is cut by a chunk's end
    assert list(rows) == [(1, row1), (2, b'<row r="2"/>'), (3, row3)]
    assert rows.tail == b"</sheetData></worksheet>"
    for cut, inside in ((sheet.index(b'<row r="3">') + 4, "its rows"), (-30, "a row")):
        with pytest.raises(SheetSyntaxError, match=f"^the sheet ends inside {inside}$"):
            list(RowStream(io.BytesIO(sheet[:cut]), chunk=7))
