"""Generated workbooks (shared strings or inline strings, title rows, columns in any order): the
computed columns read back by openpyxl and by python-calamine agree cell for cell with the engine
deciding the same values directly, and the duplicate rule counts each claim line once."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from xl_claims.batch import process_files
from xl_claims.core.engine import decide
from xl_claims.core.model import Claim
from xl_claims.core.names import normalize_name
from xl_claims.core.policy import load_policy

POLICY = load_policy()
VERSION = POLICY.latest
ISSUES = [*VERSION.issues, "Breakage", "Electronics", "Wrong item", "Bent"]
PARTS = [*VERSION.parts, "weapon small", "Cape (sparkly)", '=HYPERLINK("x","y")']
GRADES = [None, *VERSION.grades, "M", "Meduim"]
QUANTITIES = [None, 1, 2, 3, "2", 2.5, 0]
FIELDS = ("Claim ID", "Part", "Issue", "Grade", "Qty")

lines = st.lists(
    st.tuples(
        st.sampled_from(["C-1", "C-2", "C-3", "C-4", "C-5", "C-6"]),
        st.sampled_from(PARTS),
        st.sampled_from(ISSUES),
        st.sampled_from(GRADES),
        st.sampled_from(QUANTITIES),
    ),
    min_size=1,
    max_size=25,
)


def write_export(path: Path, rows, *, inline: bool, title_rows: int, order: list[int]) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": inline})
    sheet = book.add_worksheet("Claims")
    for title in range(title_rows):
        sheet.write_string(title, 0, f"Export title {title}")
    sheet.write_row(title_rows, 0, [FIELDS[i] for i in order])
    for number, row in enumerate(rows, start=title_rows + 1):
        for column, field in enumerate(order):
            value = row[field]
            if isinstance(value, str):
                sheet.write_string(number, column, value)
            elif value is not None:
                sheet.write_number(number, column, value)
    book.close()


def expected(rows) -> list[tuple[str, Decimal | None]]:
    """Status and refund of each line: the engine on the values, then the duplicate rule."""
    seen = set()
    found = []
    for claim_id, part, issue, grade, quantity in rows:
        decision = decide(Claim(issue=issue, part=part, grade=grade, quantity=quantity), POLICY)
        key = (claim_id.casefold(), normalize_name(decision.part or part))
        if key in seen:
            found.append(("DUPLICATE", None))
            continue
        seen.add(key)
        found.append((str(decision.status), decision.refund))
    return found


def as_decimal(value) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=lines,
    inline=st.booleans(),
    title_rows=st.integers(0, 2),
    order=st.permutations(range(5)),
)
def test_computed_columns_agree_with_the_engine_read_back_by_two_readers(
    rows, inline, title_rows, order
):
    with tempfile.TemporaryDirectory() as scratch:
        source, out = Path(scratch) / "in.xlsx", Path(scratch) / "out.xlsx"
        write_export(source, rows, inline=inline, title_rows=title_rows, order=list(order))
        result = process_files([source], policy=POLICY, output=out)
        assert result.errors == []
        want = expected(rows)
        header = title_rows + 1
        status_col, refund_col = 5 + 6, 5 + 4  # Status and Refund: 6th and 4th computed columns
        sheet = load_workbook(out, read_only=True)["Claims"]
        by_openpyxl = [
            (row[status_col - 1], as_decimal(row[refund_col - 1]))
            for row in sheet.iter_rows(
                min_row=header + 1, max_row=header + len(rows), values_only=True
            )
        ]
        grid = CalamineWorkbook.from_path(out).get_sheet_by_name("Claims").to_python()
        by_calamine = [
            (row[status_col - 1], as_decimal(row[refund_col - 1]))
            for row in grid[header : header + len(rows)]
        ]
        assert by_openpyxl == want
        assert by_calamine == want
        refunds = sum((r for s, r in want if r is not None and s != "DUPLICATE"), Decimal("0.00"))
        assert result.total == refunds
