"""One data row of a recognised payment export → a ``Payment``, per processor family.

Processors write refunds differently (Shopify and PayPal as negative amounts of a refund type,
Stripe as a ``refund`` reporting category, Stripe's Payments export as a refunded amount on a
charge, a bank's sheet as plain amounts); each function here reads one row of one family into the
same shape, with the row's identity for deduplication (``Payment.event``): the processor's id,
or for rows without one the row's content, so that two downloads that overlap agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from xl_claims.core.errors import InvalidValueError
from xl_claims.core.table import HEADER_ALIASES, SWITCHED_OFF, normalize_header
from xl_claims.core.values import id_key, is_blank
from xl_claims.reconcile.layouts import GENERIC, REFUND, Layout
from xl_claims.reconcile.records import Payment, PaymentFile, Row, text_keys

#: Generic refund sheets: field → header spellings (besides the claim table's own aliases).
GENERIC_ALIASES: dict[str, tuple[str, ...]] = {
    "refund_id": (*HEADER_ALIASES["refund_id"], "Transaction ID"),
    "claim_id": HEADER_ALIASES["claim_id"],
    "order": HEADER_ALIASES["order"],
    "amount": ("Amount", "Refund amount", "Refunded", *HEADER_ALIASES["refund_paid"]),
    "date": ("Date", "Paid date", "Payment date", "Refund date", "Paid on", "Created"),
    "currency": HEADER_ALIASES["currency"],
    "note": ("Note", "Memo", "Description", "Comment"),
}

#: A row read: the payment and the payment event it is (equal events are one refund), or None.
Parsed = tuple[Payment, str] | None
RowParser = Callable[[Row, PaymentFile], Parsed]


def parser_for(layout: Layout) -> RowParser:
    """The row reader of a recognised layout."""
    if layout.family == "stripe" and layout.amount == "amount_refunded":
        return lambda row, found: _stripe_payments(layout, row, found)
    if layout.family == "stripe":
        return lambda row, found: _stripe(layout, row, found)
    return lambda row, found: _typed(layout, row, found)


def _kind(layout: Layout, row: Row, found: PaymentFile) -> str | None:
    """The kind of money paid out (refund, chargeback, dispute), or None for a row that is not
    (counted by its type: charges, fees, payouts, pending refunds)."""
    type_text = row.word(layout.type) if layout.type else None
    kind = layout.out.get((type_text or "").casefold())
    status = (row.text(layout.status) or "").casefold() if layout.status else ""
    if kind is None or (layout.done and status not in layout.done):
        label = type_text or "(no type)"
        found.skipped[label if kind is None else f"{label} ({status or 'no status'})"] += 1
        return None
    return kind


def _typed(layout: Layout, row: Row, found: PaymentFile) -> Parsed:
    """Shopify and PayPal (each language and account kind): a row type says what it is."""
    kind = _kind(layout, row, found)
    if kind is None:
        return None
    amount = row.amount(layout.amount, layout.decimal_comma)
    currency = row.currency(layout.currency)
    moment = _moment(row, layout)
    own_id = next((v for h in layout.ids if (v := row.text(h))), None)
    order = next((v for h in layout.order if (v := row.text(h))), None)
    notes = [row.text(h) for h in layout.claim_keys]
    if own_id is not None:
        refund_id, event = own_id, f"{layout.family}:{id_key(own_id)}"
    else:
        refund_id = f"{layout.family}:{_content(row, layout, amount, currency, moment)}"
        event = refund_id.casefold()
    payment = _typed_payment(
        layout,
        row,
        kind,
        refund_id,
        amount=amount,
        currency=currency,
        date=moment.date() if isinstance(moment, dt.datetime) else moment,
        order=order,
        reference=" ".join(v for v in notes if v) or None,
        keys=text_keys(*notes),
        by_content=own_id is None,
    )
    return payment, event


def _stripe(layout: Layout, row: Row, found: PaymentFile) -> Parsed:
    """Stripe's itemised balance change: refund and dispute rows; claim and order in metadata."""
    kind = _kind(layout, row, found)
    if kind is None:
        return None
    balance_id, source_id = row.text("balance_transaction_id"), row.text("source_id")
    refund_id = source_id or balance_id or f"{row.source}:{row.number}"
    claim_headers, order_headers = _metadata_headers(row)
    claim_values = [row.text(h) for h in claim_headers]
    order = next((v for h in order_headers if (v := row.text(h))), None)
    other = id_key(balance_id) if source_id and balance_id else None
    payment = _typed_payment(
        layout,
        row,
        kind,
        refund_id,
        amount=row.amount(layout.amount, layout.decimal_comma),
        currency=row.currency(layout.currency),
        date=row.date(layout.date, layout.day_first),
        order=order,
        reference=next((v for v in claim_values if v), None),
        keys=text_keys(*claim_values, row.text("description")),
        other_id=other,
    )
    return payment, f"stripe:{id_key(balance_id or refund_id)}"


def _stripe_payments(layout: Layout, row: Row, found: PaymentFile) -> Parsed:
    """Stripe's Payments export: a charge with a refunded amount is a refund of that amount."""
    refunded = row.amount(layout.amount, layout.decimal_comma, empty_is_zero=True)
    if refunded == 0:
        found.skipped["charge (not refunded)"] += 1
        return None
    charge = row.text("id") or f"{row.source}:{row.number}"
    notes = [row.text(h) for h in layout.claim_keys]
    payment = _payment(
        row,
        layout.name,
        REFUND,
        type=f"refunded charge ({row.text('status') or 'no status'})",
        refund_id=charge,
        amount=refunded,
        currency=row.currency(layout.currency),
        date=row.date(layout.date, layout.day_first),
        reference=" ".join(v for v in notes if v) or None,
        keys=text_keys(*notes),
    )
    return payment, f"stripe-charge:{id_key(charge)}"


def _payment(row: Row, format_name: str, kind: str, **fields: Any) -> Payment:
    """The payment of a row: where it is (file, row), its layout's name and its kind."""
    return Payment(source=row.source, row=row.number, format=format_name, kind=kind, **fields)


def _typed_payment(layout: Layout, row: Row, kind: str, refund_id: str, **fields: Any) -> Payment:
    """The payment of a layout whose rows name their own type (Shopify, PayPal, Stripe)."""
    kind_text = row.word(layout.type) or ""
    return _payment(row, layout.name, kind, type=kind_text, refund_id=refund_id, **fields)


def _metadata(header: str, word: str) -> bool:
    """``refund_metadata[claim_id]``, ``payment_metadata[order_id]`` and the like."""
    return "metadata[" in header and word in header.partition("[")[2]


def _metadata_headers(row: Row) -> tuple[list[str], list[str]]:
    """The file's metadata columns that may hold a claim id and an order (found once a file)."""
    found = row.shared.columns.get("metadata")
    if found is None:
        claims = [h for h in row.headers if _metadata(h, "claim")]
        orders = [h for h in row.headers if _metadata(h, "order")]
        found = row.shared.columns["metadata"] = (claims, orders)
    return found


def _moment(row: Row, layout: Layout) -> dt.date | dt.datetime | None:
    """The row's date, with its time where the export gives one (for the content identity)."""
    date = row.date(layout.date, layout.day_first)
    if date is None:
        return None
    value = row.get(layout.date)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None, microsecond=0)
    time_text = row.text(layout.time) if layout.time else None
    text = time_text or (value.strip()[10:].strip() if isinstance(value, str) else "")
    clock = text[:8] if len(text) >= 8 and text[2] == ":" and text[5] == ":" else None
    if clock is None:
        return date
    try:
        return dt.datetime.combine(date, dt.time.fromisoformat(clock))
    except ValueError:
        return date


def _content(row: Row, layout: Layout, amount: Decimal, currency: str, moment) -> str:
    """The row's identity from its content: what it is, when, how much (the same whether the
    export was saved as CSV or as a workbook), then any other identifying columns."""
    when = moment.isoformat() if moment is not None else ""
    parts = [row.text(h) or "" for h in layout.order]
    parts += [when, (row.text(layout.type) or "").casefold(), f"{amount}", currency]
    extra = row.headers if layout.content == ("*",) else layout.content
    used = {layout.date, layout.time, layout.type, layout.amount, layout.currency, *layout.order}
    parts += [id_key(row.get(h)) or "" for h in extra if h and h not in used]
    while parts and parts[-1] == "":
        parts.pop()
    return ":".join(parts)


def generic_columns(
    headers: list[object], extra: Mapping[str, list[str]] | None
) -> dict[str, int] | None:
    """A generic refund sheet's columns, or None unless there is an amount and an id of some
    kind. ``extra`` is ``--map``: extra spellings (``refund_paid`` names the amount)."""
    extra = {name: list(spellings) for name, spellings in (extra or {}).items()}
    if "refund_paid" in extra:
        extra.setdefault("amount", []).extend(extra["refund_paid"])
    lookup: dict[str, str] = {}
    for name, spellings in GENERIC_ALIASES.items():
        if SWITCHED_OFF in extra.get(name, ()):
            continue
        for spelling in [*extra.get(name, ()), *spellings]:
            if spelling:
                lookup.setdefault(normalize_header(spelling), name)
    columns: dict[str, int] = {}
    for position, header in enumerate(headers):
        field_name = None if is_blank(header) else lookup.get(normalize_header(header))
        if field_name is not None:
            columns.setdefault(field_name, position)
    if "amount" in columns and {"refund_id", "claim_id", "order"} & set(columns):
        return columns
    return None


def generic_parser(columns: dict[str, int], default_currency: str | None) -> RowParser:
    """Rows of a generic sheet: every row is a refund (sign ignored)."""

    def parse(row: Row, found: PaymentFile) -> Parsed:
        original = row.original
        amount = row.amount_at(columns["amount"], original[columns["amount"]])
        if "currency" in columns and not is_blank(row.at(columns["currency"])):
            currency = row.currency_at(columns["currency"], original[columns["currency"]])
        elif default_currency:
            currency = default_currency
        else:
            raise InvalidValueError(
                row.where("Currency", "no currency; expected a code such as USD")
            )
        paid_on = None
        if "date" in columns:
            paid_on = row.date_at(columns["date"], original[columns["date"]])
        own_id, claim_id, note, order = (
            row.text_at(columns.get(name)) for name in ("refund_id", "claim_id", "note", "order")
        )
        refund_id = own_id or f"{row.source}:{row.number}"
        content = ":".join(id_key(v) or "" for v in (own_id, claim_id, order, note))
        when = paid_on.isoformat() if paid_on else ""
        payment = _payment(
            row,
            GENERIC,
            REFUND,
            type="refund",
            refund_id=refund_id,
            amount=amount,
            currency=currency,
            date=paid_on,
            order=order,
            reference=claim_id or note,
            keys=text_keys(claim_id, note),
            by_content=True,
        )
        return payment, f"generic:{content}:{when}:{amount}:{currency}".casefold()

    return parse


__all__ = ["GENERIC_ALIASES", "generic_columns", "generic_parser", "parser_for"]
