"""Payment exports written by other programs (../shared/real-exports, read in place): every
recognised file read as counted by hand, and the ways accountants give them (issue 10): the same
file twice, overlapping downloads, downloads that share a name, an export saved as .xlsx."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xl_claims.cli import main
from xl_claims.core.errors import PaymentFormatError
from xl_claims.core.policy import load_policy
from xl_claims.reconcile import reconcile
from xl_claims.reconcile.payments import read_payments

D = Decimal
SHOPIFY_JUNE = "DaveSprague_shopifyAPIv6__payment_transactions_export_1.csv"
SHOPIFY_NOV = "buffmasterbran_pirani-connector__payment_transactions_export_1.trimmed.csv"
STRIPE_GBP = (
    "IORoot_stripe_to_freeagent__STRIPE_BALANCE_Itemised_balance_change_from_activity_GBP_"
    "2024-05-01_to_2025-04-30_Europe-London.csv"
)
STRIPE_PAYOUTS = (
    "IORoot_stripe_to_freeagent__STRIPE_PAYOUTS_Itemised_payouts_GBP_2024-05-01_to_2025-04-30_"
    "Europe-London.csv"
)

#: The 17 refund rows of the June Shopify export (grep ',refund,'), newest first: order, amount
#: (the negative Amount made positive), date of Transaction Date.
SHOPIFY_JUNE_REFUNDS = [
    ("#41973", "179.55", "2025-06-28"), ("#42819", "14.00", "2025-06-28"),
    ("#41728", "9.95", "2025-06-28"), ("#41728", "179.55", "2025-06-28"),
    ("#42710", "1.00", "2025-06-27"), ("#42614", "36.93", "2025-06-25"),
    ("#42572", "31.65", "2025-06-24"), ("#42311", "9.28", "2025-06-20"),
    ("#41846", "7.50", "2025-06-14"), ("#41696", "192.00", "2025-06-14"),
    ("#41654", "58.00", "2025-06-13"), ("#41563", "56.50", "2025-06-13"),
    ("#40418", "84.05", "2025-06-11"), ("#41144", "10.00", "2025-06-07"),
    ("#41475", "0.99", "2025-06-07"), ("#41387", "222.50", "2025-06-06"),
    ("#40575", "16.43", "2025-06-01"),
]  # fmt: skip
#: The 14 refund rows of the Stripe GBP report (reporting_category refund): source_id, gross
#: made positive, date of created_utc.
STRIPE_GBP_REFUNDS = [
    ("re_3PDRDGGtEGgLrOja0p7Xf9RD", "15.00", "2024-05-06"),
    ("re_3PWLoZGtEGgLrOja0wy7syc3", "30.00", "2024-06-29"),
    ("re_3PWuywGtEGgLrOja15bWDYyw", "10.00", "2024-06-29"),
    ("re_3PX18tGtEGgLrOja1Ah5moFK", "10.00", "2024-07-01"),
    ("re_3Pc0xHGtEGgLrOja0cBlVHfd", "15.00", "2024-07-13"),
    ("re_3PlAF4GtEGgLrOja0qIxucMK", "15.00", "2024-08-13"),
    ("re_3Q2A6ZGtEGgLrOja0HHnEtiK", "30.00", "2024-10-09"),
    ("re_3Q52GCGtEGgLrOja0nvlGcWe", "15.00", "2024-10-14"),
    ("re_3Q7KUSGtEGgLrOja0eafONF0", "50.00", "2024-11-05"),
    ("re_3QH2i2GtEGgLrOja0ketLBzb", "15.00", "2024-11-05"),
    ("re_3QIv3uGtEGgLrOja0y1vqfhN", "15.00", "2024-11-08"),
    ("re_3QSIMjGtEGgLrOja1fUichVQ", "20.00", "2024-12-09"),
    ("re_3QdEwyGtEGgLrOja0TCFCaMw", "10.00", "2025-01-03"),
    ("re_3RATtrGtEGgLrOja17fpUvef", "15.00", "2025-04-06"),
]


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.fixture(scope="module")
def gbp_policy(tmp_path_factory):
    """The bundled policy with the shop's currency set to GBP (the Stripe report's)."""
    bundled = Path(load_policy().path).read_text(encoding="utf-8")
    path = tmp_path_factory.mktemp("policy") / "gbp.toml"
    path.write_text(bundled.replace('currency = "USD"', 'currency = "GBP"'), encoding="utf-8")
    return load_policy(path)


# --- every recognised file, as counted by hand -----------------------------------------------


def test_shopify_june_export_17_refunds_as_counted(real_exports):
    found = read_payments(real_exports / SHOPIFY_JUNE)
    assert (found.format, found.rows, dict(found.skipped)) == (
        "Shopify Payments",
        1593,
        {"charge": 1576},
    )
    assert [(p.order, p.amount, p.currency, p.date) for p in found.payments] == [
        (order, D(amount), "USD", day(date)) for order, amount, date in SHOPIFY_JUNE_REFUNDS
    ]
    assert sum(p.amount for p in found.payments) == D("1109.88")
    assert found.payments[4].refund_id == "shopify:#42710:2025-06-27T09:01:41:refund:1.00:USD"


def test_shopify_november_export_with_unknown_row_types(real_exports):
    found = read_payments(real_exports / SHOPIFY_NOV)
    assert [(p.order, p.amount, p.currency, p.date) for p in found.payments] == [
        ("#40476", D("30.05"), "USD", day("2025-11-05")),
        ("#40375", D("67.90"), "USD", day("2025-11-05")),
    ]
    assert dict(found.skipped) == {
        "charge": 10,
        "shop_cash_credit": 3,
        "marketplace sales tax": 3,
        "shop_cash_campaign_billing_debit": 2,
    }


def test_stripe_gbp_report_14_refunds_as_counted(real_exports):
    found = read_payments(real_exports / STRIPE_GBP)
    assert (found.format, found.rows, dict(found.skipped)) == ("Stripe", 906, {"charge": 892})
    assert [(p.refund_id, p.amount, p.currency, p.date) for p in found.payments] == [
        (refund, D(amount), "GBP", day(date)) for refund, amount, date in STRIPE_GBP_REFUNDS
    ]
    assert sum(p.amount for p in found.payments) == D("265.00")


@pytest.mark.parametrize(
    ("name", "fmt", "rows", "refunds", "skipped"),
    [
        ("simonmichael_hledger__stripe.csv", "Stripe", 2,
         [("txn_14G11HjHgubIH9ZvbPgYO7", D("0.77"), "USD", day("2020-01-23"))], {"charge": 1}),
        ("simonmichael_hledger__paypal-custom.csv", "PayPal", 7, [],
         {"Subscription Payment": 3, "Bank Deposit to PP Account": 3,
          "PreApproved Payment Bill User Payment": 1}),
        ("plutov_paypal__Download.CSV", "PayPal", 0, [], {}),
        ("ejbest_python-paypal-summary__Download.CSV", "PayPal (personal account)", 9, [],
         {"Express Checkout Payment": 2, "General Card Deposit": 4, "Website Payment": 2,
          "PreApproved Payment Bill User Payment": 1}),
        ("amouhzi_paypal-csv-parser__example1.csv", "PayPal (French)", 1, [],
         {"Virement par carte bancaire standard": 1}),
        ("reubano_csv2ofx__stripe-default.csv", "Stripe Payments", 5, [],
         {"charge (not refunded)": 5}),
    ],
)  # fmt: skip
def test_small_real_exports_are_recognised(real_exports, name, fmt, rows, refunds, skipped):
    found = read_payments(real_exports / name)
    assert (found.format, found.rows) == (fmt, rows)
    assert [(p.refund_id, p.amount, p.currency, p.date) for p in found.payments] == refunds
    assert dict(found.skipped) == skipped
    assert found.problems == []


def test_layouts_that_carry_no_refunds_say_so(real_exports):
    with pytest.raises(PaymentFormatError) as payouts:
        read_payments(real_exports / STRIPE_PAYOUTS)
    assert str(payouts.value) == (
        f"{STRIPE_PAYOUTS}: a Stripe itemised payouts report: it lists the payouts to your bank, "
        "which never carry refunds one by one; export Reports > Balance > 'Itemised balance "
        "change from activity' instead."
    )
    tickets = "rvyas27_Customer_Tickets__customer_support_tickets.first30.csv"
    with pytest.raises(PaymentFormatError, match="not a payment export xl-claims knows; found "
                       "headers: 'TicketID', 'CustomerName'"):  # fmt: skip
        read_payments(real_exports / tickets)
    stripe_payments = read_payments(real_exports / "reubano_csv2ofx__stripe-default.csv")
    assert stripe_payments.note is not None and stripe_payments.note.startswith(
        "a Stripe Payments export gives each charge's refunded amount, not the refunds"
    )


def test_french_paypal_refund_row_day_first_and_decimal_comma(real_exports, tmp_path):
    """The French download's header with a refund row in its own conventions."""
    lines = (real_exports / "amouhzi_paypal-csv-parser__example1.csv").read_text("utf-8")
    header = next(csv.reader([lines.splitlines()[0]]))
    row = dict.fromkeys(header, "")
    row.update({"Date": "03/02/2014", "Heure": "10:15:00", "Type": "Remboursement de paiement",
                "État": "Terminé", "Devise": "EUR", "Avant commission": "-1 234,50",
                "Numéro de transaction": "8AB12345CD678901E"})  # fmt: skip
    path = tmp_path / "Télécharger.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(lines)
        csv.writer(handle, quoting=csv.QUOTE_ALL).writerow(list(row.values()))
    (refund,) = read_payments(path).payments
    assert (refund.refund_id, refund.amount, refund.currency, refund.date) == (
        "8AB12345CD678901E",
        D("1234.50"),
        "EUR",
        dt.date(2014, 2, 3),
    )


def test_stripe_payments_export_reads_a_refunded_charge(real_exports, tmp_path):
    text = (real_exports / "reubano_csv2ofx__stripe-default.csv").read_text("utf-8")
    path = tmp_path / "unified_payments.csv"
    path.write_text(text.replace("2021-03-16 11:51,10.00,0.00,", "2021-03-16 11:51,10.00,4.50,"))
    (refund,) = read_payments(path).payments
    assert (refund.refund_id, refund.amount, refund.currency, refund.date) == (
        "ch_1IVbR2BI9JK85yVZUofVdX4R",
        D("4.50"),
        "CAD",
        dt.date(2021, 3, 16),
    )


# --- money counted once ----------------------------------------------------------------------


def stripe_claim(tmp_path) -> Path:
    """One claim line whose 15.00 refund (re_3QH2i2…, 5 November 2024) is recorded on it."""
    claims = tmp_path / "claims.csv"
    claims.write_text(
        "Claim ID,Order,Date,Issue,Part,Refund ID\n"
        "C-15,,2024-11-04,Breakage,Weapon (large),re_3QH2i2GtEGgLrOja0ketLBzb\n",
        encoding="utf-8",
    )
    return claims


def test_the_same_stripe_report_twice_is_read_once(real_exports, tmp_path, gbp_policy):
    report = real_exports / STRIPE_GBP
    rec = reconcile([stripe_claim(tmp_path)], [report, report], gbp_policy)
    assert rec.total_paid == D("265.00")  # was 530.00
    (line,) = rec.lines
    assert (line.paid, line.status) == (D("15.00"), "matched")  # was 30.00
    assert len(rec.matching.unmatched) == 13
    assert [(e.path, e.rows) for e in rec.inputs if e.role == "payments"] == [(str(report), 906)]
    assert rec.warnings == [
        f"{report} has the same content (SHA-256) as {report}, given before: read once."
    ]


def split_stripe(real_exports, tmp_path) -> tuple[Path, Path]:
    """Two period downloads of the GBP report that both hold 1-5 November 2024."""
    lines = (real_exports / STRIPE_GBP).read_text("utf-8").splitlines(keepends=True)
    created = [next(csv.reader([line]))[1][:10] for line in lines[1:]]
    first = [line for line, c in zip(lines[1:], created, strict=True) if c <= "2024-11-05"]
    second = [line for line, c in zip(lines[1:], created, strict=True) if c >= "2024-11-01"]
    paths = tmp_path / "to-nov-5.csv", tmp_path / "from-nov-1.csv"
    for path, body in zip(paths, (first, second), strict=True):
        path.write_text(lines[0] + "".join(body), encoding="utf-8")
    return paths


def test_overlapping_stripe_downloads_count_each_refund_once(real_exports, tmp_path, gbp_policy):
    first, second = split_stripe(real_exports, tmp_path)
    out = tmp_path / "report.xlsx"
    policy_file = str(gbp_policy.path)
    result = CliRunner().invoke(main, ["reconcile", str(stripe_claim(tmp_path)), "--payments",
                                       str(first), "--payments", str(second), "-o", str(out),
                                       "--policy", policy_file, "--json"])  # fmt: skip
    summary = json.loads(result.output)
    assert summary["total_paid"] == "265.00"  # was 330.00
    assert summary["duplicate_payment_rows"] == {"from-nov-1.csv": 2}
    assert summary["statuses"]["paid without claim"] == 13  # re_3QH2i2… was listed twice
    workbook = openpyxl.load_workbook(out)
    labels = {r[0]: r[1:3] for r in workbook["Summary"].iter_rows(values_only=True) if r[0]}
    assert labels["Duplicate payment rows dropped (counted once)"] == (2, "from-nov-1.csv: 2")
    unmatched = [
        r[4] for r in workbook["Unmatched payments"].iter_rows(min_row=2, values_only=True)
    ]
    assert len(unmatched) == len(set(unmatched)) == 13
    assert "re_3QH2i2GtEGgLrOja0ketLBzb" not in unmatched


def test_the_shopify_export_twice_and_saved_as_xlsx_counts_once(real_exports, tmp_path, policy):
    original = real_exports / SHOPIFY_JUNE
    copy = tmp_path / "payment_transactions_export_1.xlsx"
    workbook = openpyxl.Workbook()
    with original.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.reader(handle)):
            # as Excel saves it: amounts become numbers, the dates with a zone stay text
            workbook.active.append([float(v) if number and i in (8, 9, 10) else v
                                    for i, v in enumerate(row)])  # fmt: skip
    workbook.save(copy)
    claims = tmp_path / "claims.csv"
    claims.write_text("Claim ID,Order,Issue,Part\nX,#1,Breakage,Weapon (large)\n", "utf-8")
    assert reconcile([claims], [original, original], policy).total_paid == D("1109.88")
    both = reconcile([claims], [original, copy], policy)
    assert both.total_paid == D("1109.88")  # was 2219.76
    assert both.duplicate_payment_rows == {"payment_transactions_export_1.xlsx": 17}


def test_two_downloads_with_the_same_name_do_not_pay_another_order(real_exports, tmp_path, policy):
    """Shopify names every download payment_transactions_export_1.csv. Split the June export
    so that row 210 of the second download is #41387's 222.50 refund; a claim that recorded
    `payment_transactions_export_1.csv:210` (#42710's 1.00 refund) was paid 223.50."""
    lines = (real_exports / SHOPIFY_JUNE).read_text("utf-8").splitlines(keepends=True)
    assert lines[1493].split(",")[2] == "#41387"  # original row 1494
    parts = [lines[1:1285], lines[1285:]]  # the second download's row 210 is original row 1494
    paths = []
    for folder, body in zip(("may", "june"), parts, strict=True):
        (tmp_path / folder).mkdir()
        path = tmp_path / folder / "payment_transactions_export_1.csv"
        path.write_text(lines[0] + "".join(body), encoding="utf-8")
        paths.append(path)
    claims = tmp_path / "claims.csv"
    claims.write_text(
        "Claim ID,Order,Date,Issue,Part,Max value override,Refund ID\n"
        "C-42710,#42710,2025-06-26,Breakage,Weapon (large),1,"
        "payment_transactions_export_1.csv:210\n",
        encoding="utf-8",
    )
    rec = reconcile([claims], paths, policy)
    (line,) = rec.lines
    assert (line.paid, line.status, line.rule) == (D("1.00"), "matched", "order + amount")
    assert rec.warnings == [
        "The recorded refund id 'payment_transactions_export_1.csv:210' names a row of 2 payment "
        "inputs of that name: it is not used as an exact key (the claim line is matched by "
        "order and amount instead); record the refund's own id."
    ]
    single = reconcile([claims], [paths[0]], policy)  # unambiguous: the recorded id still works
    assert (single.lines[0].paid, single.lines[0].rule) == (D("1.00"), "exact key: refund id")


def test_claims_dated_before_the_first_policy_version_are_said(real_exports, tmp_path, policy):
    claims = tmp_path / "claims.csv"
    claims.write_text(
        "Claim ID,Order,Date,Issue,Part\nC1,#41973,2025-06-27,Breakage,Weapon (large)\n", "utf-8"
    )
    out = tmp_path / "r.xlsx"
    payments = str(real_exports / SHOPIFY_JUNE)
    result = CliRunner().invoke(main, ["reconcile", str(claims), "--payments", payments, "-o", out])
    warning = (
        "1 claim line(s) are dated before the first policy version (AS-2026.1, in force from "
        "2026-01-01): decided under it."
    )
    assert f"Warning: {warning}" in result.output.splitlines()
    rows = list(openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True))
    assert ("Warning", warning) in [r[:2] for r in rows]
    counted = next(r for r in rows if r[0] == "Claim lines dated before the first policy version")
    assert counted[1:3] == (1, "decided under AS-2026.1, in force from 2026-01-01")
