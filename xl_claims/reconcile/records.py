"""What reconciliation reads from payment exports: one ``Payment`` per amount paid out, and the
``Row`` through which a data row's cells are read (problems name file, row and column).

Payments are kept compact (a million of them fit in a few hundred MB): equal amounts, dates,
currencies and type texts of one file share one object, and keys that can be derived (the order's
key, a legacy ``file:row`` id) are derived when needed rather than stored.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from xl_claims.core.errors import ClaimsError, InvalidValueError
from xl_claims.core.money import round_money
from xl_claims.core.values import id_key, is_blank, parse_amount, parse_date

#: Tokens of free text (notes, descriptions) that may be a claim id: a digit and 3+ characters.
_TOKEN = re.compile(r"[\w\-/]*\d[\w\-/]*")
_ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Payment:
    """One amount paid out to a customer, as reconciliation needs it."""

    source: str  # file name
    row: int  # 1-based row in the sheet or CSV file
    format: str
    kind: str  # refund, chargeback, dispute
    type: str  # the export's own type text ("Payment Refund", "refund", "dispute")
    refund_id: str  # the processor's id, or an id made from the row's content
    amount: Decimal  # positive: paid out
    currency: str
    date: dt.date | None
    order: str | None = None  # as written ("#1004")
    reference: str | None = None  # claim reference as written (metadata, invoice, note)
    keys: tuple[str, ...] = ()  # folded claim keys (a claim's Claim ID matches these)
    other_id: str | None = None  # a second id of the processor's (Stripe's balance id), folded
    aliases: tuple[str, ...] = ()  # older ids of this payment that claims recorded (folded)
    by_content: bool = False  # the id was made from the row's content (no processor id)

    @property
    def ids(self) -> tuple[str, ...]:
        """Folded ids of this payment: a claim's recorded Refund ID matches these."""
        own = id_key(self.refund_id)
        return tuple(i for i in (own, self.other_id, *self.aliases) if i)

    @property
    def order_key(self) -> str | None:
        return id_key(self.order)

    @property
    def legacy_id(self) -> str:
        """The id older versions gave a row without a processor id: ``<file>:<row>``."""
        return f"{self.source}:{self.row}".casefold()


@dataclass
class PaymentFile:
    """What one payment export gave: refunds, rows skipped by type, row problems."""

    source: str
    sheet: str | None
    format: str
    header_row: int
    payments: list[Payment] = field(default_factory=list)
    events: list[bytes] = field(default_factory=list)  # each payment's event digest (dedupe)
    skipped: Counter = field(default_factory=Counter)  # type → rows not paid out
    problems: list[str] = field(default_factory=list)
    rows: int = 0  # data rows read
    note: str | None = None  # what the layout cannot say (Stripe Payments: refund dates)


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


class Shared:
    """What the rows of one file share: one object per distinct amount, date or repeated text
    (memory), and columns looked for once."""

    def __init__(self) -> None:
        self.amounts: dict[tuple[object, bool | None], Decimal] = {}
        self.dates: dict[tuple[object, bool], dt.date | None] = {}
        self.texts: dict[str, str] = {}  # row types and statuses, not ids
        self.columns: dict[str, tuple[list[str], list[str]]] = {}  # columns found once a file


class Row:
    """One data row: cells by folded header or position. A cell that cannot be read raises
    ``InvalidValueError`` naming file, row and column (the row becomes a problem)."""

    __slots__ = ("cells", "headers", "number", "original", "position", "shared", "sheet", "source")

    def __init__(self, cells, position, headers, original, source, sheet, number, shared):
        self.cells: Sequence[object] = cells
        self.position: dict[str, int] = position
        self.headers: list[str] = headers
        self.original: list[str] = original
        self.source, self.sheet, self.number = source, sheet, number
        self.shared: Shared = shared

    def where(self, column: str, message: str) -> str:
        place = f"{self.source}, sheet {self.sheet!r}" if self.sheet else self.source
        return f"{place}, row {self.number}, column {column!r}: {message}"

    def get(self, header: str | None) -> object:
        at = self.position.get(header) if header else None
        return self.at(at)

    def at(self, column: int | None) -> object:
        if column is None or column >= len(self.cells):
            return None
        return self.cells[column]

    def text(self, header: str | None) -> str | None:
        return self.text_at(self.position.get(header) if header else None)

    def text_at(self, column: int | None) -> str | None:
        value = self.at(column)
        if is_blank(value):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def word(self, header: str | None) -> str | None:
        """A text that repeats down the file (a row type, a status): one object for all rows."""
        text = self.text(header)
        return None if text is None else self.shared.texts.setdefault(text, text)

    def label(self, header: str) -> str:
        at = self.position.get(header)
        return header if at is None else self.original[at]

    def amount(self, header: str, decimal_comma: bool | None, empty_is_zero=False) -> Decimal:
        at = self.position.get(header)
        return self.amount_at(at, self.label(header), decimal_comma, empty_is_zero)

    def amount_at(self, at, label: str, decimal_comma=None, empty_is_zero=False) -> Decimal:
        value = self.at(at)
        key = (value, decimal_comma)
        try:
            known = self.shared.amounts.get(key)
        except TypeError:  # an unhashable cell value cannot occur; be safe anyway
            known = None
        if known is not None:
            return known
        try:
            amount = parse_amount(value, label, decimal_comma)
        except ClaimsError:
            raise InvalidValueError(
                self.where(label, f"expected an amount such as -40.00, got {value!r}")
            ) from None
        if amount is None:
            if empty_is_zero:
                return _ZERO
            raise InvalidValueError(self.where(label, "the amount is empty"))
        result = self.shared.amounts[key] = round_money(abs(amount))
        return result

    def date(self, header: str, day_first: bool = False) -> dt.date | None:
        return self.date_at(self.position.get(header), self.label(header), day_first)

    def date_at(self, at, label: str, day_first: bool = False) -> dt.date | None:
        value = self.at(at)
        if isinstance(value, str):
            value = value.strip()
            key = (value[:10] if value[:4].isdigit() else value, day_first)
            if key in self.shared.dates:
                return self.shared.dates[key]
        else:
            key = None
        try:
            parsed = parse_date(value, day_first)
        except ClaimsError:
            example = "31/03/2026" if day_first else "2026-03-14"
            raise InvalidValueError(
                self.where(label, f"expected a date such as {example}, got {value!r}")
            ) from None
        if key is not None:
            self.shared.dates[key] = parsed
        return parsed

    def currency(self, header: str) -> str:
        return self.currency_at(self.position.get(header), self.label(header))

    def currency_at(self, at, label: str) -> str:
        value = self.at(at)
        if is_blank(value):
            raise InvalidValueError(
                self.where(label, "the currency is empty; expected a code such as USD")
            )
        return sys.intern(str(value).strip().upper())


__all__ = ["Payment", "PaymentFile", "Row", "Shared", "text_keys"]
