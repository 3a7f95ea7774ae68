# ruff: noqa: E501  (the sample rows are tables: one line per row reads best)
"""Regenerate sample_workbooks/payments/: three processor exports, a generic refund sheet and the
claims of March 2026 whose ids and orders line up with them, so a reconciliation shows every
match status.

    python scripts/make_payment_samples.py            # writes sample_workbooks/payments/
    python scripts/make_payment_samples.py --out DIR  # elsewhere (the tests compare the two)

The exports follow the processors' own column lists (Shopify Payments transactions, PayPal
activity download, Stripe itemized balance change report); the data is invented. Output is
reproducible byte for byte for the CSV files and cell for cell for the workbooks.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "sample_workbooks" / "payments"
FIXED_TIME = dt.datetime(2026, 4, 1, 9, 0, 0)

CLAIM_HEADERS = (
    "Claim ID",
    "Order",
    "Date",
    "Customer",
    "Issue",
    "Part",
    "Grade",
    "Qty",
    "Replacement available",
    "Resolution",
    "Refund ID",
)
# Claim ID, Order, Date, Customer, Issue, Part, Grade, Qty, Replacement, Resolution, Refund ID
CLAIMS = (
    ("CLM-0990", "#0990", "2026-02-20", "Mia Chen", "Breakage", "Weapon (large)", "", 1, "no", "", ""),
    ("CLM-1001", "#1001", "2026-03-02", "Ava Moore", "Breakage", "Head sculpt w/ special functions", "", 1, "no", "refund", ""),
    ("CLM-1002", "#1002", "2026-03-03", "Liam Park", "Missing accessory", "Weapon (large)", "", 1, "no", "", ""),
    ("CLM-1003", "#1003", "2026-03-04", "Noah Diaz", "Electronics", "Head sculpt w/ special functions", "", 1, "", "", "re_3PqA1003"),
    ("CLM-1004", "#1004", "2026-03-05", "Emma Rossi", "Detachment", "Weapon (small)", "", 1, "", "", ""),
    ("CLM-1005", "#1005", "2026-03-06", "Lucas Weber", "Breakage", "Clothes piece w/ special design (middle)", "", 1, "no", "", ""),
    ("CLM-1006", "#1006", "2026-03-07", "Sofia Lopez", "Missing accessory", "Head sculpt w/o special functions", "", 1, "no", "", ""),
    ("CLM-1007", "#1007", "2026-03-08", "Ethan Brown", "Electronics", "Weapon (large)", "", 1, "", "", ""),
    ("CLM-1008", "#1008", "2026-03-09", "Olivia King", "Breakage", "Figure stand w/o special design", "", 1, "no", "", ""),
    ("CLM-1009", "#1009", "2026-03-10", "James Wu", "Painting", "Weapon (small)", "", 1, "", "", ""),
    ("CLM-1010", "#1010", "2026-03-11", "Amelia Scott", "Breakage", "Weapon (small)", "", 1, "no", "", ""),
    ("CLM-1010", "#1010", "2026-03-11", "Amelia Scott", "Missing accessory", "Other scene props", "", 1, "no", "", ""),
    ("CLM-1011", "#1011", "2026-03-12", "Henry Adams", "Breakage", "Seamless figure", "", 1, "no", "", ""),
    ("CLM-1012", "#1012", "2026-03-13", "Isla Turner", "Missing accessory", "Body w/ special design", "", 1, "no", "", ""),
    ("CLM-1013", "#1013", "2026-03-16", "Leo Martin", "Breakage", "Clothes piece w/o special design (large)", "", 1, "no", "", ""),
    ("CLM-1014", "#1014", "2026-03-17", "Chloe Hall", "Breakage", "Weapon (large)", "", 1, "yes", "", ""),
    ("CLM-1015", "#1015", "2026-03-18", "Jack Young", "Electronics", "Head sculpt w/o special functions", "", 2, "", "", ""),
    ("CLM-1001", "#1001", "2026-03-02", "Ava Moore", "Breakage", "Head sculpt w/ special functions", "", 1, "no", "refund", ""),
)  # fmt: skip

SHOPIFY_HEADERS = (
    "Transaction Date", "Type", "Order", "Card Brand", "Card Source", "Payout Status",
    "Payout Date", "Payout ID", "Available On", "Amount", "Fee", "Net", "Checkout",
    "Payment Method Name", "Presentment Amount", "Presentment Currency", "Currency",
)  # fmt: skip
# date-time, type, order, amount, fee
SHOPIFY = (
    ("2026-03-01 09:12:44 -0500", "charge", "#1020", "89.00", "-2.88"),
    ("2026-03-05 14:02:11 -0500", "refund", "#1004", "-1.25", "0.00"),
    ("2026-03-07 10:40:02 -0500", "refund", "#1005", "-19.99", "0.00"),
    ("2026-03-12 16:05:30 -0500", "refund", "#1010", "-10.00", "0.00"),
    ("2026-03-14 11:20:00 -0500", "refund", "#1012", "-12.00", "0.00"),
    ("2026-03-15 13:00:00 -0500", "refund", "#1020", "-89.00", "0.00"),
    ("2026-03-19 08:30:00 -0500", "chargeback", "#1021", "-120.00", "-15.00"),
    ("2026-03-20 12:00:00 -0500", "charge", "#1022", "45.00", "-1.61"),
    ("2026-03-20 12:05:00 -0500", "refund", "#1015", "-25.00", "0.00"),
    ("2026-04-02 10:00:00 -0400", "refund", "#1008", "-10.00", "0.00"),
)

PAYPAL_HEADERS = (
    "Date", "Time", "TimeZone", "Name", "Type", "Status", "Currency", "Gross", "Fee", "Net",
    "From Email Address", "To Email Address", "Transaction ID", "Shipping Address",
    "Address Status", "Item Title", "Item ID", "Shipping and Handling Amount", "Insurance Amount",
    "Sales Tax", "Option 1 Name", "Option 1 Value", "Option 2 Name", "Option 2 Value",
    "Reference Txn ID", "Invoice Number", "Custom Number", "Quantity", "Receipt ID", "Balance",
    "Address Line 1", "Address Line 2/District/Neighborhood", "Town/City",
    "State/Province/Region/County/Territory/Prefecture/Republic", "Zip/Postal Code", "Country",
    "Contact Phone Number", "Subject", "Note", "Country Code", "Balance Impact",
)  # fmt: skip
# date, time, name, type, status, currency, gross, fee, transaction id, reference, invoice, note
PAYPAL = (
    ("03/02/2026", "08:15:02", "Liam Park", "Express Checkout Payment", "Completed", "USD", "129.00", "-4.25", "7HX01234AB5678901", "", "1002", ""),
    ("03/04/2026", "10:01:40", "Liam Park", "Payment Refund", "Completed", "USD", "-15.00", "0.45", "2KD98765CD4321098", "7HX01234AB5678901", "CLM-1002", ""),
    ("03/09/2026", "17:22:10", "Sofia Lopez", "Payment Refund", "Completed", "USD", "-30.00", "0.90", "5LM24680EF1357913", "3AB55555GH6666777", "1006", "Refund for claim CLM-1006"),
    ("03/17/2026", "09:45:00", "Leo Martin", "Payment Refund", "Completed", "EUR", "-14.00", "0.41", "9QR13579GH2468024", "4CD77777IJ8888999", "CLM-1013", ""),
    ("03/21/2026", "15:10:33", "Grace Lee", "Chargeback", "Completed", "USD", "-45.00", "-20.00", "1ST11223IJ4455667", "8EF99999KL0000111", "1022", ""),
    ("03/22/2026", "11:00:00", "Grace Lee", "Payment Refund", "Pending", "USD", "-5.00", "0.00", "6UV99887KL6655443", "8EF99999KL0000111", "1022", ""),
    ("03/31/2026", "23:00:00", "", "General Withdrawal", "Completed", "USD", "-500.00", "0.00", "0WX55443MN2211009", "", "", ""),
)  # fmt: skip

STRIPE_HEADERS = (
    "balance_transaction_id", "created_utc", "created", "available_on_utc", "available_on",
    "currency", "gross", "fee", "net", "reporting_category", "source_id", "description",
    "customer_facing_amount", "customer_facing_currency", "automatic_payout_id",
    "automatic_payout_effective_at_utc", "automatic_payout_effective_at", "customer_id",
    "customer_email", "customer_name", "customer_description", "charge_id", "payment_intent_id",
    "charge_created_utc", "charge_created", "invoice_id", "subscription_id",
    "payment_method_type", "card_brand", "card_funding", "card_country", "statement_descriptor",
    "dispute_reason", "connected_account_id", "connected_account_name",
    "connected_account_country", "payment_metadata[order_id]", "refund_metadata[claim_id]",
)  # fmt: skip
# txn id, created_utc, gross, fee, category, source id, description, charge id, order, claim id
STRIPE = (
    ("txn_3PqA0000charge01", "2026-03-01 15:00:00", "149.00", "-4.62", "charge", "ch_3PqA0001", "Order #1001", "ch_3PqA0001", "#1001", ""),
    ("txn_3PqA1001refund01", "2026-03-03 16:20:05", "-40.00", "0.00", "refund", "re_3PqA1001", "REFUND FOR CHARGE (Order #1001)", "ch_3PqA0001", "#1001", "CLM-1001"),
    ("txn_3PqA1003refund01", "2026-03-06 09:30:00", "-20.00", "0.00", "refund", "re_3PqA1003", "REFUND FOR CHARGE (Order #1003)", "ch_3PqA0003", "#1003", ""),
    ("txn_3PqA1007refund01", "2026-03-10 12:00:00", "-5.00", "0.00", "refund", "re_3PqA1007", "REFUND FOR CHARGE (Order #1007)", "ch_3PqA0007", "#1007", "CLM-1007"),
    ("txn_3PqA9999dispute1", "2026-03-23 18:45:00", "-60.00", "-15.00", "dispute", "dp_3PqA9999", "Dispute (fraudulent)", "ch_3PqA0999", "#1023", ""),
    ("txn_3PqA0000fee00001", "2026-03-31 00:00:00", "-2.00", "0.00", "fee", "", "Radar fees", "", "", ""),
    ("txn_3PqA0000payout01", "2026-03-31 01:00:00", "-300.00", "0.00", "payout", "po_3PqA0001", "STRIPE PAYOUT", "", "", ""),
)  # fmt: skip

GENERIC_HEADERS = ("Refund ID", "Claim ID", "Order", "Amount", "Date", "Currency", "Note")
GENERIC = (
    ("BANK-2026-0311", "CLM-1011", "#1011", "25.00", "2026-03-13", "USD", "bank transfer 1 of 2"),
    ("BANK-2026-0312", "CLM-1011", "#1011", "15.00", "2026-03-20", "USD", "bank transfer 2 of 2"),
)


def write_csv(path: Path, headers, rows, quote_all: bool = False) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(
            handle, lineterminator="\r\n", quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
        )
        writer.writerow(headers)
        writer.writerows(rows)


def shopify_rows():
    for when, kind, order, amount, fee in SHOPIFY:
        net = f"{float(amount) + float(fee):.2f}"
        payout = when[:10]
        yield (
            when, kind, order, "visa", "online", "paid", payout, "87654321", payout, amount, fee,
            net, "", "card", amount, "USD", "USD",
        )  # fmt: skip


def paypal_rows():
    for date, time, name, kind, status, currency, gross, fee, txn, ref, invoice, note in PAYPAL:
        net = f"{float(gross) + float(fee):.2f}"
        row = dict.fromkeys(PAYPAL_HEADERS, "")
        row.update(
            {
                "Date": date, "Time": time, "TimeZone": "PST", "Name": name, "Type": kind,
                "Status": status, "Currency": currency, "Gross": gross, "Fee": fee, "Net": net,
                "From Email Address": "shop@example.com", "Transaction ID": txn,
                "Reference Txn ID": ref, "Invoice Number": invoice, "Note": note,
                "Balance Impact": "Debit" if gross.startswith("-") else "Credit",
            }
        )  # fmt: skip
        yield [row[h] for h in PAYPAL_HEADERS]


def stripe_rows():
    for txn, created, gross, fee, category, source, desc, charge, order, claim in STRIPE:
        net = f"{float(gross) + float(fee):.2f}"
        row = dict.fromkeys(STRIPE_HEADERS, "")
        row.update(
            {
                "balance_transaction_id": txn, "created_utc": created, "created": created,
                "available_on_utc": created[:10] + " 00:00:00", "currency": "usd", "gross": gross,
                "fee": fee, "net": net, "reporting_category": category, "source_id": source,
                "description": desc, "charge_id": charge, "payment_method_type": "card",
                "payment_metadata[order_id]": order, "refund_metadata[claim_id]": claim,
            }
        )  # fmt: skip
        yield [row[h] for h in STRIPE_HEADERS]


def _workbook() -> Workbook:
    workbook = Workbook()
    workbook.properties.creator = "xl-claims samples"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    return workbook


def write_claims(path: Path) -> None:
    workbook = _workbook()
    sheet = workbook.active
    sheet.title = "Claims"
    sheet.append(CLAIM_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in CLAIMS:
        values = list(row)
        values[2] = dt.date.fromisoformat(values[2])
        sheet.append([None if v == "" else v for v in values])
        sheet.cell(sheet.max_row, 3).number_format = "yyyy-mm-dd"
    for column, width in zip("ABCDEFGHIJK", (11, 8, 11, 14, 18, 40, 7, 5, 12, 11, 14), strict=True):
        sheet.column_dimensions[column].width = width
    workbook.save(path)


def write_generic(path: Path) -> None:
    workbook = _workbook()
    sheet = workbook.active
    sheet.title = "Refunds"
    sheet.append(GENERIC_HEADERS)
    for refund_id, claim, order, amount, date, currency, note in GENERIC:
        sheet.append(
            [refund_id, claim, order, float(amount), dt.date.fromisoformat(date), currency, note]
        )
        sheet.cell(sheet.max_row, 4).number_format = "#,##0.00"
        sheet.cell(sheet.max_row, 5).number_format = "yyyy-mm-dd"
    workbook.save(path)


def build(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "shopify-payments.csv": lambda p: write_csv(p, SHOPIFY_HEADERS, shopify_rows()),
        "paypal-activity.csv": lambda p: write_csv(p, PAYPAL_HEADERS, paypal_rows(), True),
        "stripe-balance-change.csv": lambda p: write_csv(p, STRIPE_HEADERS, stripe_rows()),
        "generic-refunds.xlsx": write_generic,
        "claims-2026-03.xlsx": write_claims,
    }
    written = []
    for name, write in files.items():
        write(out / name)
        written.append(out / name)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder (default {OUT})")
    args = parser.parse_args()
    for path in build(args.out):
        print(path)


if __name__ == "__main__":
    main()
