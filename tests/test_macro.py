"""The "Fill computed columns" button: the plan on plain lists (the batch's table functions), and
the thin xlwings part against a stand-in sheet that records what would be written."""

from __future__ import annotations

import datetime as dt

import pytest

from xl_claims.core.errors import WorkbookError
from xl_claims.core.table import COMPUTED_HEADERS, computed_values, decide_values
from xl_claims.excel import macro

HEAD = "Head sculpt w/ special functions"

ROWS = [
    ["Weekly claims", None, None, None, None, None],
    [None, None, None, None, None, None],
    ["Claim #", "Date", "Issue type", "Accessory", "Qty", "Grade"],
    ["C-1", dt.datetime(2026, 3, 2), "Breakage", HEAD, 1.0, None],
    ["C-2", None, "Painting", "Weapon (small)", None, None],
    [None, None, None, None, None, None],  # a blank line inside the table
    ["C-3", "2026-03-04", "Painting", "Weapon (small)", 2.0, "Medium"],
    ["C-4", None, "Detachment", "Weapon (large)", 3.0, None],
    ["C-5", None, "Brekage", HEAD, None, None],
    ["C-6", "not a date", "Breakage", HEAD, None, None],
    [None, None, None, None, None, None],  # trailing blank lines are not claim lines
    [None, None, None, None, None, None],
]


def test_missing_computed_columns_are_added_right_of_the_headers(policy):
    plan = macro.plan_fill(ROWS, policy)
    assert plan.header_row == 2
    assert plan.new_headers == {6 + i: header for i, header in enumerate(COMPUTED_HEADERS)}
    assert sorted(plan.columns) == list(range(6, 14))
    assert all(len(values) == 7 for values in plan.columns.values())  # trailing blanks dropped
    refund = plan.columns[6 + COMPUTED_HEADERS.index("Refund")]
    assert refund == [40.0, None, None, 5.0, 3.75, None, None]
    status = plan.columns[6 + COMPUTED_HEADERS.index("Status")]
    assert status == ["OK", "REVIEW", None, "OK", "OK", "ERROR", "ERROR"]
    explanation = plan.columns[6 + COMPUTED_HEADERS.index("Explanation")]
    assert explanation[0] == (
        "High (100%) × 'Head sculpt w/ special functions' max value 40.00 × 1 = 40.00 USD "
        "[rule refund.graded]"
    )
    assert explanation[5] == (
        "Unknown issue 'Brekage'. Did you mean 'Breakage'? [rule error.unknown-issue]"
    )
    assert explanation[6] == (
        "Date: expected a date like 2026-03-14, got 'not a date' [rule error.invalid-value]"
    )
    assert plan.summary() == "Filled 6 claim line(s): 2 ERROR, 3 OK, 1 REVIEW."


def test_the_cells_are_the_batch_cells_with_floats_for_money(policy):
    plan = macro.plan_fill(ROWS, policy)
    fields = {"date": 1, "issue": 2, "part": 3, "quantity": 4, "grade": 5}
    for offset, row in enumerate(ROWS[3:10]):
        if not any(row):
            continue
        decision = decide_values({name: row[pos] for name, pos in fields.items()}, policy)
        expected = [float(v) if hasattr(v, "as_tuple") else v for v in computed_values(decision)]
        got = [plan.columns[6 + i][offset] for i in range(8)]
        assert got == expected
        assert all(not hasattr(v, "as_tuple") for v in got)  # no Decimal reaches Excel


def test_an_existing_computed_block_is_reused_and_formula_columns_kept(policy):
    headers = ["Issue", "Part", *COMPUTED_HEADERS]
    refund = 2 + COMPUTED_HEADERS.index("Refund")
    rows = [headers, ["Breakage", HEAD, *["old"] * 8], ["Detachment", HEAD, *[None] * 8]]
    formulas = [list(r) for r in rows]
    formulas[1][refund] = "=CLAIM_REFUND(A2,B2)"
    formulas[2][refund] = "=CLAIM_REFUND(A3,B3)"
    plan = macro.plan_fill(rows, policy, formulas)
    assert plan.new_headers == {}
    assert plan.kept == ["Refund"]
    assert refund not in plan.columns  # the formulas stay
    assert plan.columns[2 + COMPUTED_HEADERS.index("Status")] == ["OK", "OK"]  # filled in place
    assert plan.columns[2 + COMPUTED_HEADERS.index("Part max value")] == [40.0, 5.0]
    assert plan.summary() == (
        "Filled 2 claim line(s): 2 OK. Left formula column(s) as they are: Refund."
    )


def test_a_lone_refund_header_is_not_the_computed_block(policy):
    # As in the batch: only the eight headers in order are the computed block.
    rows = [["Issue", "Part", "Refund"], ["Breakage", HEAD, 12.0]]
    plan = macro.plan_fill(rows, policy)
    assert list(plan.new_headers) == list(range(3, 11))
    assert plan.columns[3 + COMPUTED_HEADERS.index("Refund")] == [40.0]


def test_a_sheet_without_claims_headers_is_refused_with_what_was_found(policy):
    with pytest.raises(WorkbookError) as info:
        macro.plan_fill([["Name", "Amount"], ["x", 1.0]], policy)
    assert str(info.value).startswith(
        "no header row with the needed columns in the first 30 rows; "
        "found headers: 'Name', 'Amount'"
    )


class FakeRange:
    def __init__(self, sheet, first, last=None):
        self.sheet, self.first, self.last = sheet, first, last or first
        self.row, self.column = first

    def _merge(self):
        for top, left, bottom, right in self.sheet.merged:
            if top <= self.row <= bottom and left <= self.column <= right:
                return top, left, bottom, right
        return None

    @property
    def merge_cells(self):
        return self._merge() is not None

    @property
    def merge_area(self):
        top, left, bottom, right = self._merge()
        return FakeRange(self.sheet, (top, left), (bottom, right))

    @property
    def last_cell(self):
        return FakeRange(self.sheet, self.last)

    @property
    def value(self):
        raise AssertionError("the button reads through used_range only")

    @value.setter
    def value(self, data):
        self.sheet.writes.append((self.first, self.last, data))


class FakeUsedRange:
    def __init__(self, rows, row, column):
        self.rows, self.row, self.column = rows, row, column
        self.formula = [["" if v is None else str(v) for v in r] for r in rows]

    def options(self, ndim):
        assert ndim == 2
        return self

    @property
    def value(self):
        return self.rows


class FakeSheet:
    """What fill_sheet uses of an xlwings Sheet: used_range and range((row, col)[, (row, col)])."""

    def __init__(self, rows, row=1, column=1, name="Claims", merged=()):
        self.used_range = FakeUsedRange(rows, row, column)
        self.name = name
        self.writes = []
        self.merged = list(merged)  # (top, left, bottom, right) in sheet coordinates

    def range(self, first, last=None):
        return FakeRange(self, first, last)


def test_fill_sheet_writes_one_block_per_column_at_sheet_positions(policy):
    rows = [["Issue", "Part", "Qty"], ["Breakage", HEAD, 2.0], ["Painting", HEAD, None]]
    sheet = FakeSheet(rows, row=4, column=2)  # the used range starts at B4
    message = macro.fill_sheet(sheet, policy)
    assert message == "Filled 2 claim line(s): 1 OK, 1 REVIEW."
    headers = [w for w in sheet.writes if w[0] == w[1] and isinstance(w[2], str)]
    assert headers[0] == ((4, 5), (4, 5), "Applied grade")  # E4: right of B4:D4
    assert [h[2] for h in headers] == list(COMPUTED_HEADERS)
    blocks = {w[0]: w for w in sheet.writes if isinstance(w[2], list)}
    refund_column = 5 + COMPUTED_HEADERS.index("Refund")
    assert blocks[(5, refund_column)] == ((5, refund_column), (6, refund_column), [[80.0], [None]])
    assert len(blocks) == 8


def test_fill_computed_columns_alerts_the_summary_or_the_problem(policy):
    class App:
        def __init__(self):
            self.alerts = []

        def alert(self, message, title):
            self.alerts.append((title, message))

    class Sheets(list):
        active = None

        def __getitem__(self, key):
            if isinstance(key, str):
                return next(s for s in self if s.name == key)
            return super().__getitem__(key)

    class Book:
        def __init__(self, sheets):
            self.app = App()
            self.sheets = Sheets(sheets)
            self.sheets.active = sheets[0]

    notes = FakeSheet([["Notes"]], name="Notes")
    claims = FakeSheet([["Issue", "Part"], ["Breakage", HEAD]], name="Claims")
    book = Book([notes, claims])
    assert macro.fill_computed_columns(book) == "Filled 1 claim line(s): 1 OK."
    assert book.app.alerts == [("xl-claims", "Filled 1 claim line(s): 1 OK.")]
    assert claims.writes and not notes.writes  # the active sheet had no claims: Claims was used

    lonely = Book([FakeSheet([["Name", "Amount"]], name="Sheet1")])
    message = macro.fill_computed_columns(lonely)
    assert message.startswith("Nothing filled: no header row with the needed columns")


def test_the_button_counts_a_claim_line_exported_twice_once_like_the_batch(policy):
    line = ["C-1", "Breakage", "Weapon (small)"]
    rows = [["Claim ID", "Issue", "Part"], line, list(line)]
    plan = macro.plan_fill(rows, policy)
    refund = plan.columns[3 + COMPUTED_HEADERS.index("Refund")]
    status = plan.columns[3 + COMPUTED_HEADERS.index("Status")]
    explanation = plan.columns[3 + COMPUTED_HEADERS.index("Explanation")]
    assert (refund, status) == ([5.0, None], ["OK", "DUPLICATE"])
    assert explanation[1] == (
        "Duplicate of row 2 (claim C-1, part Weapon (small)): counted once there. [rule duplicate]"
    )
    assert plan.summary() == "Filled 2 claim line(s): 1 DUPLICATE, 1 OK."


def test_the_button_fills_a_merged_claim_id_down_like_the_batch(policy):
    # C2:C3 holds one claim over two part lines; the used range starts at B2 (sheet coordinates).
    rows = [
        ["Issue", "Claim ID", "Part"],
        ["Breakage", "C-7", "Weapon (small)"],
        ["Breakage", None, "Weapon (small)"],
        ["Breakage", None, "Weapon (large)"],
    ]
    sheet = FakeSheet(rows, row=2, column=2, merged=[(3, 3, 5, 3)])
    message = macro.fill_sheet(sheet, policy)
    assert message == "Filled 3 claim line(s): 1 DUPLICATE, 2 OK."
    blocks = {w[0]: w[2] for w in sheet.writes if isinstance(w[2], list)}
    status_column = 5 + COMPUTED_HEADERS.index("Status")
    assert blocks[(3, status_column)] == [["OK"], ["DUPLICATE"], ["OK"]]
