"""The reconciliation workbook: sheets, labels, exact totals across sheets, formats, LibreOffice."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import libreoffice
from tests.test_match import CLAIM_ROWS, REFUND_ROWS, random_case
from xl_claims.core.table import COMPUTED_HEADERS
from xl_claims.reconcile import Reconciliation, reconcile
from xl_claims.reconcile.match import match
from xl_claims.reconcile.report import CLAIM_COLUMNS, SHEETS, pivot_rows, write_report

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks" / "payments"
GOLDEN = Path(__file__).resolve().parent / "data" / "reconcile" / "march-claims-sheet.csv"
PAYMENTS = [
    SAMPLES / "shopify-payments.csv",
    SAMPLES / "paypal-activity.csv",
    SAMPLES / "stripe-balance-change.csv",
    SAMPLES / "generic-refunds.xlsx",
]
MARCH = {"period_from": dt.date(2026, 3, 1), "period_to": dt.date(2026, 3, 31)}
D = Decimal
CENT = D("0.01")
MONEY_COLUMNS = {"Computed", "Paid", "Difference", "Amount", "Open amount"}


@pytest.fixture(scope="module")
def march(policy):
    return reconcile([SAMPLES / "claims-2026-03.xlsx"], PAYMENTS, policy, **MARCH)


@pytest.fixture(scope="module")
def report(march, tmp_path_factory):
    return write_report(march, tmp_path_factory.mktemp("report") / "march.xlsx")


def money(value) -> Decimal:
    return D(str(value)).quantize(CENT)


def table(workbook, title):
    """A detail sheet as dicts by header."""
    rows = list(workbook[title].iter_rows(values_only=True))
    headers = rows[0]
    return [dict(zip(headers, row, strict=True)) for row in rows[1:] if any(row)]


def labelled(workbook):
    """Summary column A label → the cell to its right."""
    return {
        row[0].value: row[1].value
        for row in workbook["Summary"].iter_rows(max_col=2)
        if isinstance(row[0].value, str)
    }


def status_table(workbook):
    rows = list(workbook["Summary"].iter_rows(values_only=True, max_col=5))
    start = next(i for i, r in enumerate(rows) if r[0] == "Match status")
    end = next(i for i, r in enumerate(rows) if i > start and r[0] == "Total")
    return {r[0]: r[1:] for r in rows[start + 1 : end + 1]}


def pivot(workbook, title):
    rows = list(workbook[title].iter_rows(values_only=True))[1:]
    return {r[0]: (r[1], money(r[2]), money(r[3]), money(r[4])) for r in rows}


def check_totals(workbook) -> None:
    """Every total in the report equals the sum of the rows it covers, exactly."""
    summary = labelled(workbook)
    computed, paid = money(summary["Total computed"]), money(summary["Total paid"])
    assert money(summary["Difference"]) == paid - computed
    claims = table(workbook, "Claims")
    unmatched = table(workbook, "Unmatched payments")
    assert sum(money(r["Computed"]) for r in claims if r["Computed"] is not None) == computed
    in_usd = [r for r in claims if r["Refund currency"] in (None, "USD") and r["Paid"] is not None]
    usd_unmatched = [r for r in unmatched if r["Currency"] == "USD"]
    assert (
        sum(money(r["Paid"]) for r in in_usd) + sum(money(r["Amount"]) for r in usd_unmatched)
        == paid
    )
    for row in claims:
        if row["Difference"] is not None:
            computed_cell = money(row["Computed"] or 0)
            assert money(row["Difference"]) == money(row["Paid"]) - computed_cell
    eur = [r for r in claims if r["Refund currency"] == "EUR"]
    eur_total = sum(money(r["Paid"]) for r in eur) + sum(
        money(r["Amount"]) for r in unmatched if r["Currency"] == "EUR"
    )
    assert money(summary.get("Total paid in EUR (not converted)", 0)) == eur_total
    opened = table(workbook, "Open at period end")
    assert sum(money(r["Open amount"]) for r in opened if r["Open amount"] is not None) == money(
        summary["Open at period end"]
    )
    statuses = status_table(workbook)
    for status, (count, s_computed, s_paid, s_difference) in statuses.items():
        if status == "Total":
            assert (money(s_computed), money(s_paid)) == (computed, paid)
            assert money(s_difference) == paid - computed
            continue
        if status == "paid without claim":
            assert count == len(unmatched)
            assert money(s_paid) == sum(money(r["Amount"]) for r in usd_unmatched)
            continue
        rows = [r for r in claims if r["Match status"] == status]
        assert count == len(rows), status
        assert money(s_computed) == sum(money(r["Computed"] or 0) for r in rows)
        assert money(s_paid) == sum(
            money(r["Paid"]) for r in rows if r["Refund currency"] in (None, "USD")
        )
        assert money(s_difference) == money(s_paid) - money(s_computed)
    assert sum(c for s, (c, *_rest) in statuses.items() if s != "Total") == statuses["Total"][0]
    for title in ("By grade", "By part"):
        rows = pivot(workbook, title)
        total = rows.pop("Total")
        assert total[1:3] == (computed, paid), title
        assert total[0] == sum(r[0] for r in rows.values())
        assert total[1] == sum(r[1] for r in rows.values())
        assert total[2] == sum(r[2] for r in rows.values())
        assert all(r[3] == r[2] - r[1] for r in rows.values())


def test_sheets_are_the_six_named_ones(report):
    assert openpyxl.load_workbook(report).sheetnames == [
        "Summary",
        "Claims",
        "Unmatched payments",
        "Open at period end",
        "By grade",
        "By part",
    ]


def test_summary_labels_totals_inputs_and_sign_off(report):
    workbook = openpyxl.load_workbook(report)
    summary = labelled(workbook)
    assert money(summary["Total computed"]) == D("268.75")
    assert money(summary["Total paid"]) == D("532.24")
    assert money(summary["Difference"]) == D("263.49")
    assert money(summary["Total paid in EUR (not converted)"]) == D("14.00")
    assert money(summary["Open at period end"]) == D("40.50")
    assert summary["Period"] == "2026-03-01 to 2026-03-31 (inclusive)"
    assert money(summary["Tolerance"]) == D("0.01")
    assert summary["Policy version(s)"] == "AS-2026.1"
    assert summary["Claim lines outside the period"] == 1  # CLM-0990, February
    assert summary["Refunds outside the period"] == 1  # #1008, April 2
    assert summary["Duplicate claim lines (counted once)"] == 1
    assert summary["Lines whose stored computed values changed"] == 0
    assert summary["Problems (unreadable files and rows)"] == 0
    ignored = next(
        r
        for r in workbook["Summary"].iter_rows(values_only=True)
        if str(r[0]).startswith("Payment rows")
    )
    assert ignored[1:3] == (
        8,
        "Express Checkout Payment: 1, General Withdrawal: 1, Payment Refund (pending): 1, "
        "charge: 3, fee: 1, payout: 1",
    )
    for name in ("Prepared by", "Reviewed by", "Date"):
        assert name in summary and summary[name] is None
    rows = list(workbook["Summary"].iter_rows(values_only=True))
    inputs = {Path(r[1]).name: r for r in rows if r[0] in ("claims", "payments")}
    for path in [SAMPLES / "claims-2026-03.xlsx", *PAYMENTS]:
        _role, _name, _fmt, _read, _used, problem, digest = inputs[path.name]
        assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
        assert problem is None
    assert [inputs[p.name][2] for p in PAYMENTS] == ["Shopify Payments", "PayPal", "Stripe",
                                                     "generic"]  # fmt: skip
    assert inputs["claims-2026-03.xlsx"][3:5] == (18, 17)
    assert {s: v[0] for s, v in status_table(workbook).items()} == {
        "matched": 9,
        "within tolerance": 1,
        "over-paid": 1,
        "under-paid": 1,
        "unpaid": 1,
        "paid without claim": 4,
        "needs review": 3,
        "Total": 20,
    }


def test_every_total_adds_up_across_sheets(report):
    check_totals(openpyxl.load_workbook(report))


def claims_sheet_csv(workbook) -> str:
    """The Claims sheet as CSV text: dates ISO, money with two decimals."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for index, row in enumerate(workbook["Claims"].iter_rows(values_only=True)):
        out = []
        for header, value in zip(CLAIM_COLUMNS, row, strict=True):
            if isinstance(value, dt.datetime):
                value = value.date().isoformat()
            elif index and header in MONEY_COLUMNS and value is not None:
                value = f"{money(value)}"
            out.append("" if value is None else value)
        writer.writerow(out)
    return buffer.getvalue()


def test_claims_sheet_matches_the_reviewed_golden(report):
    """tests/data/reconcile/march-claims-sheet.csv was reviewed line by line; a change in
    matching shows up as a readable diff. Regenerate: XLC_UPDATE_GOLDEN=1 pytest this test."""
    text = claims_sheet_csv(openpyxl.load_workbook(report))
    if os.environ.get("XLC_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_unmatched_and_open_sheets(report):
    workbook = openpyxl.load_workbook(report)
    unmatched = table(workbook, "Unmatched payments")
    assert [(r["Refund ID"], money(r["Amount"]), r["Type"]) for r in unmatched] == [
        ("shopify:#1020:2026-03-15T13:00:00:refund:89.00:USD:87654321", D("89.00"), "refund"),
        (
            "shopify:#1021:2026-03-19T08:30:00:chargeback:120.00:USD:87654321",
            D("120.00"),
            "chargeback",
        ),
        ("1ST11223IJ4455667", D("45.00"), "Chargeback"),
        ("dp_3PqA9999", D("60.00"), "dispute"),
    ]
    assert unmatched[0]["Reason"] == "no claim line for order #1020"
    opened = table(workbook, "Open at period end")
    assert [(r["Claim ID"], r["Match status"], r["Open amount"], r["Reason"]) for r in opened] == [
        ("CLM-1007", "under-paid", 2.5, "paid in part"),
        ("CLM-1008", "unpaid", 10, "computed, not paid"),
        ("CLM-1009", "needs review", None, "REVIEW: no decision (review.grade-depends)"),
        ("CLM-1012", "needs review", 28, "paid in part, for review (order only)"),
    ]


def test_by_grade_pivot_in_policy_order(march):
    rows = pivot_rows(march, lambda r: r.line.grade, march.grade_order)
    assert rows == [
        ("Low", 1, D("1.25"), D("1.25")),
        ("Medium", 3, D("52.50"), D("50.00")),
        ("High", 10, D("215.00"), D("166.99")),
        ("Depends", 1, D("0.00"), D("0.00")),
        ("(none)", 1, D("0.00"), D("0.00")),
        ("(paid without claim)", 0, D("0.00"), D("314.00")),
    ]
    assert all(isinstance(value, Decimal) for row in rows for value in row[2:])


def test_money_cells_have_a_currency_format(report):
    workbook = openpyxl.load_workbook(report)
    claims = workbook["Claims"]
    headers = [c.value for c in claims[1]]
    computed, paid = headers.index("Computed") + 1, headers.index("Paid") + 1
    assert claims.cell(2, computed).number_format == (
        "[$USD] #,##0.00;-[$USD] #,##0.00;[$USD] 0.00"
    )
    eur_row = next(r for r in range(2, claims.max_row + 1) if claims.cell(r, 16).value == "EUR")
    assert claims.cell(eur_row, paid).number_format.startswith("[$EUR] ")
    summary = workbook["Summary"]
    total = next(r for r in summary.iter_rows(max_col=2) if r[0].value == "Total paid")
    assert total[1].number_format.startswith("[$USD] ")


def write_claims(path, rows, headers=("Claim ID", "Order", "Date", "Issue", "Part")):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Claims"
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def write_refunds(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Refund ID", "Claim ID", "Order", "Amount", "Date", "Currency"])
        writer.writerows(rows)
    return path


def test_text_from_inputs_never_becomes_a_formula(policy, tmp_path):
    claims = tmp_path / "c.csv"  # in a CSV export, "=..." is text
    claims.write_text(
        'Claim ID,Order,Date,Issue,Part\n"=HYPERLINK(""http://x"",""C1"")",=1+1,2026-03-02,'
        "Breakage,Weapon (large)\n",
        encoding="utf-8",
    )
    refunds = write_refunds(
        tmp_path / "r.csv", [["=2+2", "C9", "=1+1", "15.00", "2026-03-03", "USD"]]
    )
    rec = reconcile([claims], [refunds], policy)
    out = write_report(rec, tmp_path / "out.xlsx")
    workbook = openpyxl.load_workbook(out)
    row = next(workbook["Claims"].iter_rows(min_row=2, max_row=2))
    assert (row[3].value, row[3].data_type) == ('=HYPERLINK("http://x","C1")', "s")
    assert (row[4].value, row[4].data_type) == ("=1+1", "s")
    assert row[18].value == "=2+2"  # matched by order only: the refund id, as text
    assert row[18].data_type == "s"


def processed(path, stored_refund, stored_version="AS-2026.1"):
    headers = ("Claim ID", "Order", "Date", "Issue", "Part", *COMPUTED_HEADERS)
    computed = ("High", 1, 15, stored_refund, "Partial refund", "OK", "…", stored_version)
    row = ("C1", "#1", dt.date(2026, 3, 2), "Breakage", "Weapon (large)", *computed)
    return write_claims(path, [row], headers)


def test_stored_computed_values_that_changed_are_reported(policy, tmp_path):
    refunds = write_refunds(tmp_path / "r.csv", [["R1", "C1", "#1", "15.00", "2026-03-03", "USD"]])
    same = reconcile([processed(tmp_path / "same.xlsx", 15)], [refunds], policy)
    assert (same.changed, same.findings, same.inputs[0].kind) == (0, 0, "claims (processed)")
    changed = reconcile([processed(tmp_path / "old.xlsx", 20, "AS-2025.1")], [refunds], policy)
    assert changed.lines[0].line.changed == (
        "Refund stored 20.00, recomputed 15.00; Policy version stored AS-2025.1, "
        "recomputed AS-2026.1"
    )
    assert (changed.changed, changed.findings) == (1, 1)
    assert changed.lines[0].status == "matched"
    workbook = openpyxl.load_workbook(write_report(changed, tmp_path / "out.xlsx"))
    assert labelled(workbook)["Lines whose stored computed values changed"] == 1
    assert table(workbook, "Claims")[0]["Stored vs recomputed"] == changed.lines[0].line.changed


def test_the_report_is_written_atomically(march, tmp_path):
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"old")
    write_report(march, target)
    assert openpyxl.load_workbook(target).sheetnames[0] == "Summary"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.xlsx"]


def test_report_opens_in_libreoffice_with_the_same_totals(soffice, report, tmp_path, policy):
    """LibreOffice loads the report (soffice writes nothing for a file it cannot load) and the
    totals it reads back are the same; a report with an unreadable input converts too."""
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    other = reconcile([broken, SAMPLES / "claims-2026-03.xlsx"], PAYMENTS[:2], policy, **MARCH)
    second = write_report(other, tmp_path / "partial.xlsx")
    out = tmp_path / "lo"
    converted = [libreoffice.convert(report, out), libreoffice.convert(second, out)]
    for path, original in zip(converted, (report, second), strict=True):
        workbook = openpyxl.load_workbook(path, data_only=True)
        assert workbook.sheetnames == list(SHEETS)
        check_totals(workbook)
        before = labelled(openpyxl.load_workbook(original))
        after = labelled(workbook)
        for name in ("Total computed", "Total paid", "Difference", "Open at period end"):
            assert money(after[name]) == money(before[name])
        summary = workbook["Summary"]
        total = next(r for r in summary.iter_rows(max_col=2) if r[0].value == "Total paid")
        assert "USD" in total[1].number_format
    problems = labelled(openpyxl.load_workbook(converted[1]))
    assert problems["Problems (unreadable files and rows)"] == 1


def test_report_renders_in_libreoffice_landscape_with_frozen_headers(soffice, report, tmp_path):
    """Issue 12: every table sheet keeps its header in view, and the report prints landscape,
    one page wide (the pages rendered by LibreOffice, looked at when this test was written)."""
    from PIL import Image

    workbook = openpyxl.load_workbook(report)
    for name in SHEETS[1:]:
        assert workbook[name].freeze_panes == "A2", name
        assert workbook[name]["A1"].font.b, name
    pages = libreoffice.render_pages(report, tmp_path / "png")
    assert len(pages) >= len(SHEETS)
    for page in pages:
        with Image.open(page) as image:
            assert image.width > image.height, page.name  # landscape
    with Image.open(pages[0]) as first:
        ink = sum(first.convert("L").point(lambda value: value < 128 and 255).histogram()[255:])
    assert ink > 200  # the Summary is printed, not a blank page (about 460 dark pixels at 50 dpi)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(claims=st.lists(CLAIM_ROWS, max_size=10), refunds=st.lists(REFUND_ROWS, max_size=10))
def test_totals_add_up_whatever_the_matching(policy, tmp_path_factory, claims, refunds):
    lines, payments = random_case(policy, claims, refunds)
    rec = Reconciliation(
        matching=match(lines, payments),
        currency="USD",
        period_from=None,
        period_to=None,
        policy_versions=["AS-2026.1"],
        inputs=[],
        payments=payments,
        grade_order=["Low", "Medium", "High", "Depends"],
    )
    out = write_report(rec, tmp_path_factory.mktemp("prop") / "r.xlsx")
    check_totals(openpyxl.load_workbook(out))
