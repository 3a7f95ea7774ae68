"""Payment exports → refund records: recognise the processor by its headers, normalise the rest.

Processors write refunds differently (Shopify and PayPal as negative amounts, Stripe as a
``refund`` reporting category with a negative gross); reconciliation wants one shape: a positive
``Decimal`` paid out, its currency, date, ids and the keys that can name a claim. Rows that are
not money paid out to a customer (charges, fees, payouts, pending refunds) are counted, not kept.
The file itself is read by ``xl_claims.workbook.read.read_sheet_rows``; this module sees rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from xl_claims.core.errors import ClaimsError, InvalidValueError, PaymentFormatError
from xl_claims.core.money import round_money
from xl_claims.core.table import HEADER_ALIASES, normalize_header
from xl_claims.core.values import id_key, is_blank, parse_amount, parse_date

SHOPIFY = "Shopify Payments"
PAYPAL = "PayPal"
STRIPE = "Stripe"
GENERIC = "generic"

#: What each kind of payment row means for the shop (the Unmatched payments sheet's "Kind").
REFUND = "refund"
CHARGEBACK = "chargeback"
DISPUTE = "dispute"

#: Row types that are money paid out to a customer, per format (folded to lower case).
SHOPIFY_OUT = {"refund": REFUND, "chargeback": CHARGEBACK}
PAYPAL_OUT = {
    "payment refund": REFUND,
    "refund": REFUND,
    "chargeback": CHARGEBACK,
    "payment reversal": CHARGEBACK,
}
#: PayPal statuses of money that has left the account.
PAYPAL_DONE = {"completed"}
STRIPE_OUT = {"refund": REFUND, "dispute": DISPUTE}

#: Headers that identify a format (folded with ``_fold``); all must be present.
_SIGNATURES = (
    (STRIPE, {"balance_transaction_id", "created_utc", "currency", "gross", "reporting_category"}),
    (PAYPAL, {"date", "type", "status", "currency", "gross", "transaction id"}),
    (SHOPIFY, {"transaction date", "type", "order", "amount", "currency"}),
)

#: Generic refund sheets: field → header spellings (besides the claim table's own aliases).
GENERIC_ALIASES: dict[str, tuple[str, ...]] = {
    "refund_id": (*HEADER_ALIASES["refund_id"], "Transaction ID"),
    "claim_id": HEADER_ALIASES["claim_id"],
    "order": HEADER_ALIASES["order"],
    "amount": (
        "Amount",
        "Refund amount",
        "Refunded",
        *HEADER_ALIASES["refund_paid"],
    ),
    "date": ("Date", "Paid date", "Payment date", "Refund date", "Paid on", "Created"),
    "currency": HEADER_ALIASES["currency"],
    "note": ("Note", "Memo", "Description", "Comment"),
}
_HEADER_SCAN = 30
#: Tokens of free text (notes, descriptions) that may be a claim id: a digit and 3+ characters.
_TOKEN = re.compile(r"[\w\-/]*\d[\w\-/]*")


@dataclass(frozen=True, slots=True)
class Payment:
    """One amount paid out to a customer, as reconciliation needs it."""

    source: str  # file name
    row: int  # 1-based row in the sheet or CSV file
    format: str
    kind: str  # refund, chargeback, dispute
    type: str  # the export's own type text ("Payment Refund", "refund", "dispute")
    refund_id: str  # the processor's id, or "<file>:<row>" where the export has none
    amount: Decimal  # positive: paid out
    currency: str
    date: dt.date | None
    order: str | None = None  # as written ("#1004")
    reference: str | None = None  # claim reference as written (metadata, invoice, note)
    ids: tuple[str, ...] = ()  # folded ids of this payment (a claim's Refund ID matches these)
    keys: tuple[str, ...] = ()  # folded claim keys (a claim's Claim ID matches these)
    order_key: str | None = field(init=False, default=None)  # folded once, here

    def __post_init__(self) -> None:
        object.__setattr__(self, "order_key", id_key(self.order))


@dataclass
class PaymentFile:
    """What one payment export gave: refunds, rows skipped by type, row problems."""

    source: str
    sheet: str | None
    format: str
    header_row: int
    payments: list[Payment] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)  # type → rows not paid out
    problems: list[str] = field(default_factory=list)
    rows: int = 0  # data rows read


def text_keys(*values: object) -> tuple[str, ...]:
    """Claim keys in fields that may hold a claim id: each whole value, and each token with a
    digit and at least three characters of free text ("Refund for claim CLM-0042")."""
    keys: dict[str, None] = {}
    for value in values:
        whole = id_key(value)
        if whole is None:
            continue
        keys[whole] = None
        for token in _TOKEN.findall(whole):
            if len(token) >= 3:
                keys[token.lstrip("#")] = None
    return tuple(keys)


def _fold(value: object) -> str:
    return "" if is_blank(value) else " ".join(str(value).split()).casefold()


def recognise(headers: Sequence[object]) -> str | None:
    """The payment format whose signature headers are all in this row, or None."""
    folded = {_fold(h) for h in headers}
    for name, needed in _SIGNATURES:
        if needed <= folded:
            return name
    if _generic_columns(headers, None) is not None:
        return GENERIC
    return None


def _generic_columns(
    headers: Sequence[object], extra: Mapping[str, Sequence[str]] | None
) -> dict[str, int] | None:
    """Generic sheet columns, or None unless there is an amount and an id of some kind."""
    lookup: dict[str, str] = {}
    extra = dict(extra or {})
    if "refund_paid" in extra:
        extra.setdefault("amount", []).extend(extra["refund_paid"])
    for name, spellings in GENERIC_ALIASES.items():
        for spelling in [*extra.get(name, ()), *spellings]:
            lookup.setdefault(normalize_header(spelling), name)
    columns: dict[str, int] = {}
    for position, header in enumerate(headers):
        if is_blank(header):
            continue
        name = lookup.get(normalize_header(header))
        if name is not None:
            columns.setdefault(name, position)
    if "amount" in columns and {"refund_id", "claim_id", "order"} & set(columns):
        return columns
    return None


def parse_payments(
    rows: Sequence[Sequence[object]],
    source: str,
    sheet: str | None = None,
    header_map: Mapping[str, Sequence[str]] | None = None,
    default_currency: str | None = None,
) -> PaymentFile:
    """Rows of one payment export (header row within the first 30) → its refunds.

    ``default_currency`` is used for generic sheets without a currency column.
    Raises ``PaymentFormatError`` naming the file and the headers found when no row is a known
    format's header; a bad row becomes a problem naming its row and column, the rest goes on.
    """
    found = _find_header(rows, header_map)
    if found is None:
        first = next((r for r in rows[:_HEADER_SCAN] if any(not is_blank(c) for c in r)), [])
        names = ", ".join(repr(str(c)) for c in first if not is_blank(c)) or "none"
        raise PaymentFormatError(
            f"{_where(source, sheet)}: not a payment export xl-claims knows; found headers: "
            f"{names}; expected a Shopify Payments transactions export, a PayPal activity "
            "download, a Stripe itemized balance change report, or a sheet with an amount column "
            "(Amount, Refund amount) and an Order, Claim ID or Refund ID column"
        )
    index, fmt = found
    result = PaymentFile(source=source, sheet=sheet, format=fmt, header_row=index + 1)
    headers = [_fold(h) for h in rows[index]]
    original = ["" if is_blank(h) else str(h).strip() for h in rows[index]]
    parse_row = {SHOPIFY: _shopify, PAYPAL: _paypal, STRIPE: _stripe}.get(fmt)
    if parse_row is None:
        columns = _generic_columns(rows[index], header_map) or {}
        parse_row = _generic_parser(columns, default_currency)
    position = {h: i for i, h in reversed(list(enumerate(headers))) if h}
    for offset, cells in enumerate(rows[index + 1 :], start=index + 2):
        if all(is_blank(c) for c in cells):
            continue
        result.rows += 1
        record = _Row(cells, position, headers, original, source, sheet, offset)
        try:
            payment = parse_row(record, result)
        except InvalidValueError as problem:
            result.problems.append(str(problem))
            continue
        if payment is not None:
            result.payments.append(payment)
    return result


def _find_header(rows, header_map) -> tuple[int, str] | None:
    """The first of the first 30 rows that is a known format's header row, and the format."""
    for index, cells in enumerate(rows[:_HEADER_SCAN]):
        fmt = recognise(cells)
        if fmt in (None, GENERIC):
            fmt = GENERIC if _generic_columns(cells, header_map) else None
        if fmt is not None:
            return index, fmt
    return None


def _where(source: str, sheet: str | None) -> str:
    return f"{source}, sheet {sheet!r}" if sheet else source


class _Row:
    """One data row with lookups by folded header, and problems that name row and column."""

    __slots__ = ("cells", "headers", "original", "position", "row", "sheet", "source")

    def __init__(self, cells, position, headers, original, source, sheet, row):
        self.cells, self.position, self.headers = cells, position, headers
        self.original = original
        self.source, self.sheet, self.row = source, sheet, row

    def get(self, header: str) -> object:
        at = self.position.get(header)
        if at is None or at >= len(self.cells):
            return None
        return self.cells[at]

    def at(self, column: int | None) -> object:
        if column is None or column >= len(self.cells):
            return None
        return self.cells[column]

    def text(self, header: str) -> str | None:
        value = self.get(header)
        if is_blank(value):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def problem(self, column: str, message: str) -> InvalidValueError:
        return InvalidValueError(
            f"{_where(self.source, self.sheet)}, row {self.row}, column {column!r}: {message}"
        )

    def amount(self, value: object, column: str) -> Decimal:
        try:
            amount = parse_amount(value, column)
        except ClaimsError as exc:
            raise self.problem(column, f"expected an amount such as -40.00, got {value!r}") from (
                exc
            )
        if amount is None:
            raise self.problem(column, "the amount is empty")
        return round_money(abs(amount))

    def date(self, value: object, column: str) -> dt.date | None:
        try:
            return parse_date(value)
        except ClaimsError:
            raise self.problem(column, f"expected a date such as 2026-03-14, got {value!r}") from (
                None
            )

    def currency(self, value: object, column: str) -> str:
        if is_blank(value):
            raise self.problem(column, "the currency is empty; expected a code such as USD")
        return str(value).strip().upper()


def _no_id(record: _Row) -> str:
    return f"{record.source}:{record.row}"


def _shopify(record: _Row, result: PaymentFile) -> Payment | None:
    kind_text = record.text("type") or ""
    kind = SHOPIFY_OUT.get(kind_text.casefold())
    if kind is None:
        result.skipped[kind_text or "(no type)"] += 1
        return None
    return Payment(
        source=record.source,
        row=record.row,
        format=SHOPIFY,
        kind=kind,
        type=kind_text,
        refund_id=_no_id(record),
        amount=record.amount(record.get("amount"), "Amount"),
        currency=record.currency(record.get("currency"), "Currency"),
        date=record.date(record.get("transaction date"), "Transaction Date"),
        order=record.text("order"),
        ids=(id_key(_no_id(record)),),
    )


def _paypal(record: _Row, result: PaymentFile) -> Payment | None:
    kind_text = record.text("type") or ""
    kind = PAYPAL_OUT.get(kind_text.casefold())
    status = (record.text("status") or "").casefold()
    if kind is None or status not in PAYPAL_DONE:
        label = kind_text or "(no type)"
        result.skipped[label if kind is None else f"{label} ({status or 'no status'})"] += 1
        return None
    transaction = record.text("transaction id")
    invoice = record.text("invoice number")
    refund_id = transaction or _no_id(record)
    return Payment(
        source=record.source,
        row=record.row,
        format=PAYPAL,
        kind=kind,
        type=kind_text,
        refund_id=refund_id,
        amount=record.amount(record.get("gross"), "Gross"),
        currency=record.currency(record.get("currency"), "Currency"),
        date=record.date(record.get("date"), "Date"),
        order=invoice,
        reference=" ".join(
            v for v in (invoice, record.text("custom number"), record.text("note")) if v
        )
        or None,
        ids=(id_key(refund_id),),
        keys=text_keys(
            invoice, record.text("custom number"), record.text("note"), record.text("subject")
        ),
    )


def _stripe(record: _Row, result: PaymentFile) -> Payment | None:
    category = record.text("reporting_category") or ""
    kind = STRIPE_OUT.get(category.casefold())
    if kind is None:
        result.skipped[category or "(no category)"] += 1
        return None
    balance_id = record.text("balance_transaction_id")
    source_id = record.text("source_id")
    refund_id = source_id or balance_id or _no_id(record)
    claim_values = [record.text(h) for h in record.headers if _metadata(h, "claim")]
    order_values = [record.text(h) for h in record.headers if _metadata(h, "order")]
    order = next((v for v in order_values if v), None)
    reference = next((v for v in claim_values if v), None)
    return Payment(
        source=record.source,
        row=record.row,
        format=STRIPE,
        kind=kind,
        type=category,
        refund_id=refund_id,
        amount=record.amount(record.get("gross"), "gross"),
        currency=record.currency(record.get("currency"), "currency"),
        date=record.date(record.get("created_utc"), "created_utc"),
        order=order,
        reference=reference,
        ids=tuple(id_key(v) for v in dict.fromkeys((source_id, balance_id)) if v)
        or (id_key(refund_id),),
        keys=text_keys(*claim_values, record.text("description")),
    )


def _metadata(header: str, word: str) -> bool:
    """``refund_metadata[claim_id]``, ``payment_metadata[order_id]`` and the like."""
    return "metadata[" in header and word in header.partition("[")[2]


def _generic_parser(columns: dict[str, int], default_currency: str | None):
    def parse(record: _Row, result: PaymentFile) -> Payment | None:
        def text(name: str) -> str | None:
            value = record.at(columns.get(name))
            if is_blank(value):
                return None
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            return str(value).strip()

        def label(name: str) -> str:
            return record.original[columns[name]]

        amount = record.amount(record.at(columns["amount"]), label("amount"))
        if "currency" in columns and not is_blank(record.at(columns["currency"])):
            currency = record.currency(record.at(columns["currency"]), label("currency"))
        elif default_currency:
            currency = default_currency
        else:
            raise record.problem("Currency", "no currency; expected a code such as USD")
        refund_id = text("refund_id") or _no_id(record)
        claim_id, note = text("claim_id"), text("note")
        paid_on = (
            record.date(record.at(columns["date"]), label("date")) if "date" in columns else None
        )
        return Payment(
            source=record.source,
            row=record.row,
            format=GENERIC,
            kind=REFUND,
            type="refund",
            refund_id=refund_id,
            amount=amount,
            currency=currency,
            date=paid_on,
            order=text("order"),
            reference=claim_id or note,
            ids=(id_key(refund_id),),
            keys=text_keys(claim_id, note),
        )

    return parse


__all__ = [
    "CHARGEBACK",
    "DISPUTE",
    "GENERIC",
    "PAYPAL",
    "REFUND",
    "SHOPIFY",
    "STRIPE",
    "Payment",
    "PaymentFile",
    "PaymentFormatError",
    "id_key",
    "parse_payments",
    "recognise",
    "text_keys",
]
