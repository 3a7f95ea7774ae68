"""Payment exports: format recognition, sign normalisation, ids and keys, row problems."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xl_claims.core.errors import PaymentFormatError
from xl_claims.core.values import id_key
from xl_claims.reconcile import read_payments
from xl_claims.reconcile.layouts import (
    CHARGEBACK,
    DISPUTE,
    GENERIC,
    PAYPAL,
    REFUND,
    SHOPIFY,
    STRIPE,
)
from xl_claims.reconcile.payments import parse_payments, recognise
from xl_claims.reconcile.records import text_keys
from xl_claims.workbook.read import read_sheet_rows

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks" / "payments"
D = Decimal
SHOPIFY_HEADERS = [
    "Transaction Date", "Type", "Order", "Card Brand", "Card Source", "Payout Status",
    "Payout Date", "Payout ID", "Available On", "Amount", "Fee", "Net", "Checkout",
    "Payment Method Name", "Presentment Amount", "Presentment Currency", "Currency",
]  # fmt: skip


def shopify_row(when, kind, order, amount, currency="USD"):
    row = dict.fromkeys(SHOPIFY_HEADERS)
    row.update({"Transaction Date": when, "Type": kind, "Order": order, "Amount": amount})
    row.update({"Currency": currency, "Fee": "0.00", "Net": amount})
    return [row[h] for h in SHOPIFY_HEADERS]


def read(name):
    sheet, rows = read_sheet_rows(SAMPLES / name)
    return parse_payments(rows, name, sheet=None if name.endswith(".csv") else sheet)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("shopify-payments.csv", SHOPIFY),
        ("paypal-activity.csv", PAYPAL),
        ("stripe-balance-change.csv", STRIPE),
        ("generic-refunds.xlsx", GENERIC),
    ],
)
def test_samples_are_recognised_by_their_headers(name, fmt):
    _sheet, rows = read_sheet_rows(SAMPLES / name)
    assert recognise(rows[0]) == fmt


def test_shopify_refunds_are_negative_amounts_made_positive():
    found = read("shopify-payments.csv")
    assert (found.format, found.header_row, found.rows) == (SHOPIFY, 1, 10)
    first = found.payments[0]
    assert (first.kind, first.amount, first.currency, first.date) == (
        REFUND,
        D("1.25"),
        "USD",
        dt.date(2026, 3, 5),
    )
    assert (first.order, first.order_key, first.refund_id) == (
        "#1004",
        "1004",
        "shopify:#1004:2026-03-05T14:02:11:refund:1.25:USD:87654321",
    )
    kinds = [(p.order, p.kind, p.amount) for p in found.payments]
    assert ("#1021", CHARGEBACK, D("120.00")) in kinds
    assert len(found.payments) == 8
    assert dict(found.skipped) == {"charge": 2}
    assert found.problems == []


def test_paypal_refunds_chargebacks_and_what_is_skipped():
    found = read("paypal-activity.csv")
    assert found.format == PAYPAL
    refund = found.payments[0]
    assert (refund.refund_id, refund.amount, refund.type, refund.date) == (
        "2KD98765CD4321098",
        D("15.00"),
        "Payment Refund",
        dt.date(2026, 3, 4),
    )
    assert "clm-1002" in refund.keys
    noted = found.payments[1]
    assert noted.reference == "1006 Refund for claim CLM-1006"
    assert "clm-1006" in noted.keys
    assert [p.currency for p in found.payments] == ["USD", "USD", "EUR", "USD"]
    assert found.payments[3].kind == CHARGEBACK
    assert dict(found.skipped) == {
        "Express Checkout Payment": 1,
        "General Withdrawal": 1,
        "Payment Refund (pending)": 1,
    }


def test_stripe_refund_metadata_ids_and_lower_case_currency():
    found = read("stripe-balance-change.csv")
    assert found.format == STRIPE
    refund = found.payments[0]
    assert (refund.refund_id, refund.amount, refund.currency, refund.order) == (
        "re_3PqA1001",
        D("40.00"),
        "USD",
        "#1001",
    )
    assert refund.ids == ("re_3pqa1001", "txn_3pqa1001refund01")
    assert refund.reference == "CLM-1001"
    assert "clm-1001" in refund.keys
    assert found.payments[-1].kind == DISPUTE
    assert dict(found.skipped) == {"charge": 1, "fee": 1, "payout": 1}


def test_generic_sheet_from_a_workbook_keeps_exact_amounts():
    found = read("generic-refunds.xlsx")
    assert (found.format, found.sheet) == (GENERIC, "Refunds")
    assert [(p.refund_id, p.amount, p.date) for p in found.payments] == [
        ("BANK-2026-0311", D("25.00"), dt.date(2026, 3, 13)),
        ("BANK-2026-0312", D("15.00"), dt.date(2026, 3, 20)),
    ]
    assert found.payments[0].keys[0] == "clm-1011"


def test_generic_sheet_below_title_rows_with_a_default_currency_and_negative_amounts():
    rows = [
        ["Refunds paid by bank transfer"],
        [],
        ["Order #", "Refund amount", "Paid on", "Memo"],
        ["1004", "-21.83", "2026-03-05", "claim CLM-7"],
        [1005.0, 1441.2, dt.datetime(2026, 3, 6, 10, 0), None],
    ]
    found = parse_payments(rows, "bank.xlsx", sheet="March", default_currency="USD")
    assert found.header_row == 3
    assert [(p.order_key, p.amount, p.currency, p.date) for p in found.payments] == [
        ("1004", D("21.83"), "USD", dt.date(2026, 3, 5)),
        ("1005", D("1441.20"), "USD", dt.date(2026, 3, 6)),
    ]
    assert found.payments[0].refund_id == "bank.xlsx:4"
    assert found.payments[0].keys == ("claim clm-7", "clm-7")


def test_map_option_names_generic_columns():
    rows = [["Claim ID", "Betrag", "Währung"], ["CLM-1", "-5.00", "eur"]]
    with pytest.raises(PaymentFormatError):
        parse_payments(rows, "x.csv")
    header_map = {"refund_paid": ["Betrag"], "currency": ["Währung"]}
    (payment,) = parse_payments(rows, "x.csv", header_map=header_map).payments
    assert (payment.amount, payment.currency, payment.keys) == (D("5.00"), "EUR", ("clm-1",))


def test_a_bad_row_is_a_problem_naming_row_and_column_and_the_rest_goes_on():
    rows = [
        SHOPIFY_HEADERS,
        shopify_row("2026-03-05 10:00:00 -0500", "refund", "#1", "-5.00"),
        shopify_row("2026-03-05 10:00:00 -0500", "refund", "#2", "minus five"),
        shopify_row("someday", "refund", "#3", "-5.00"),
        shopify_row("2026-03-06 10:00:00 -0500", "refund", "#4", "-7.50", currency=None),
        shopify_row("2026-03-07 10:00:00 -0500", "refund", "#5", "-1.00"),
    ]
    found = parse_payments(rows, "shop.csv")
    assert [p.order for p in found.payments] == ["#1", "#5"]
    assert found.problems == [
        "shop.csv, row 3, column 'Amount': expected an amount such as -40.00, got 'minus five'",
        "shop.csv, row 4, column 'Transaction Date': expected a date such as 2026-03-14, "
        "got 'someday'",
        "shop.csv, row 5, column 'Currency': the currency is empty; expected a code such as USD",
    ]


def test_an_unknown_table_names_the_headers_it_found():
    with pytest.raises(PaymentFormatError) as error:
        parse_payments([["Name", "Total"], ["a", "1"]], "orders.csv")
    assert str(error.value).startswith(
        "orders.csv: not a payment export xl-claims knows; found headers: 'Name', 'Total'; "
        "expected a Shopify Payments transactions export"
    )


def test_generic_sheet_without_currency_needs_a_default():
    found = parse_payments([["Refund ID", "Amount"], ["R1", "5"]], "r.csv")
    assert found.problems == ["r.csv, row 2, column 'Currency': no currency; expected a code "
                              "such as USD"]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "key"),
    [("#1004", "1004"), (" 1004 ", "1004"), (1004.0, "1004"), ("CLM-7", "clm-7"), ("", None)],
)
def test_fold_key(value, key):
    assert id_key(value) == key


def test_text_keys_take_tokens_with_digits_only():
    assert text_keys("Refund for claim CLM-0042, box 2") == (
        "refund for claim clm-0042, box 2",
        "clm-0042",
    )


@given(st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2))
def test_any_refund_amount_is_normalised_to_the_positive_amount(amount):
    rows = [SHOPIFY_HEADERS, shopify_row("2026-03-05", "refund", "#1", f"-{amount}")]
    (payment,) = parse_payments(rows, "s.csv").payments
    assert payment.amount == amount


def test_a_payment_table_on_a_later_sheet_is_found(tmp_path, monkeypatch):
    import openpyxl

    from xl_claims.workbook import fastread

    opened = []
    real_open = fastread._open
    monkeypatch.setattr(fastread, "_open", lambda *a, **k: opened.append(a) or real_open(*a, **k))

    workbook = openpyxl.Workbook()
    workbook.active.title = "Notes"
    workbook.active.append(["Refunds for March, see next sheet"])
    sheet = workbook.create_sheet("Refunds")
    sheet.append(["Refund ID", "Order", "Amount", "Currency"])
    sheet.append(["R1", "#1", 12.5, "USD"])
    workbook.save(tmp_path / "bank.xlsx")
    found = read_payments(tmp_path / "bank.xlsx")
    assert (found.sheet, [p.amount for p in found.payments]) == ("Refunds", [D("12.50")])
    assert len(opened) == 1  # the workbook is opened once, whichever sheet holds the table
    (tmp_path / "none.xlsx").write_bytes((tmp_path / "bank.xlsx").read_bytes())
    workbook.remove(sheet)
    workbook.save(tmp_path / "none.xlsx")
    with pytest.raises(PaymentFormatError, match=r"^none\.xlsx, sheet 'Notes': not a payment"):
        read_payments(tmp_path / "none.xlsx")


def test_the_layouts_data_file_names_every_layout_the_code_refers_to_and_only_known_kinds():
    from xl_claims.reconcile import layouts

    names = [layout.name for layout in layouts.LAYOUTS]  # in the order they are tried
    assert names == [
        "Stripe",
        "Stripe Payments",
        "Stripe itemised payouts",
        "PayPal",
        "PayPal (French)",
        "PayPal (personal account)",
        "Shopify Payments",
    ]  # fmt: skip
    constants = (layouts.STRIPE, layouts.STRIPE_PAYMENTS, layouts.STRIPE_PAYOUTS, layouts.PAYPAL,
                 layouts.PAYPAL_FRENCH, layouts.PAYPAL_PERSONAL, layouts.SHOPIFY)  # fmt: skip
    assert set(constants) == set(names)
    kinds = {kind for layout in layouts.LAYOUTS for kind in layout.out.values()}
    assert kinds == {layouts.REFUND, layouts.CHARGEBACK, layouts.DISPUTE}
    french = layouts.LAYOUTS[4]
    assert (french.day_first, french.decimal_comma, french.done) == (
        True, True, frozenset({"terminé", "termine"})
    )  # fmt: skip
    assert layouts.LAYOUTS[2].refused.startswith("a Stripe itemised payouts report: it lists")
    assert "never carry refunds one by one" in layouts.LAYOUTS[2].refused


def test_a_layouts_file_with_a_field_the_code_does_not_know_is_refused():
    from xl_claims.reconcile.layouts import load_layouts

    text = '[[layout]]\nname = "X"\nfamily = "x"\nsignature = ["a"]\ndate = "a"\namount = "a"\n'
    assert load_layouts(text + 'currency = "c"\n')[0].signature == frozenset({"a"})
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        load_layouts(text + 'currency = "c"\ncolour = "red"\n')
