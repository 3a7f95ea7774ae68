"""Payment exports → refund records: recognise the layout by its headers, read every row.

Processors write refunds differently; reconciliation wants one shape: a positive ``Decimal``
paid out, its currency, date, ids and the keys that can name a claim (``records.Payment``).
Rows that are not money paid out to a customer (charges, fees, payouts, pending refunds) are
counted, not kept. Layouts are data (``layouts``), rows are read per processor (``families``),
files through ``workbook.fastread`` (python-calamine, rows streamed).
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from xl_claims.core.errors import InvalidValueError, PaymentFormatError
from xl_claims.core.values import is_blank
from xl_claims.reconcile.families import generic_columns, generic_parser, parser_for
from xl_claims.reconcile.layouts import (
    GENERIC,
    find_layout,
    fold,
)
from xl_claims.reconcile.records import Payment, PaymentFile, Row, Shared
from xl_claims.workbook.fastread import iter_tables
from xl_claims.workbook.read import is_csv
from xl_claims.workbook.safety import fail

_HEADER_SCAN = 30
_EXPECTED = (
    "expected a Shopify Payments transactions export, a PayPal activity download (business, "
    "personal or French), a Stripe itemised balance change report or Payments export, or a "
    "sheet with an amount column (Amount, Refund amount) and an Order, Claim ID or Refund ID "
    "column"
)


def recognise(headers: Sequence[object]) -> str | None:
    """The name of the payment layout whose signature headers are all in this row, or None."""
    layout = find_layout({fold(h) for h in headers})
    if layout is not None:
        return layout.name
    return GENERIC if generic_columns(list(headers), None) is not None else None


def parse_payments(
    rows: Iterable[Sequence[object]],
    source: str,
    sheet: str | None = None,
    header_map: Mapping[str, list[str]] | None = None,
    default_currency: str | None = None,
) -> PaymentFile:
    """Rows of one payment export (the first is row 1; the header row within the first 30) →
    its refunds. See ``parse_numbered``."""
    numbered = ((number, list(cells)) for number, cells in enumerate(rows, start=1))
    return parse_numbered(numbered, source, sheet, header_map, default_currency)


def parse_numbered(
    rows: Iterator[tuple[int, list[object]]],
    source: str,
    sheet: str | None = None,
    header_map: Mapping[str, list[str]] | None = None,
    default_currency: str | None = None,
) -> PaymentFile:
    """``(row number, cells)`` of one export → its refunds. ``default_currency`` is used for
    generic sheets without a currency column.

    Raises ``PaymentFormatError`` naming the file and the headers found when no row is a known
    layout's header (or the layout cannot carry refunds, saying why); a bad row becomes a problem
    naming its row and column, and the rest goes on. Two rows that are the same payment event
    (the same processor id) count once; rows equal in content but without an id are numbered
    (``…:2``), since one file can hold two equal refunds.
    """
    where = f"{source}, sheet {sheet!r}" if sheet else source
    header, layout, columns, first = _find_header(rows, header_map)
    if header is None:
        names = ", ".join(repr(str(c)) for c in (first or []) if not is_blank(c)) or "none"
        raise PaymentFormatError(
            f"{where}: not a payment export xl-claims knows; found headers: {names}; {_EXPECTED}"
        )
    number, cells = header
    if layout is not None and layout.refused:
        raise PaymentFormatError(f"{where}: {layout.refused}.")
    found = PaymentFile(
        source=source,
        sheet=sheet,
        format=layout.name if layout else GENERIC,
        header_row=number,
        note=layout.note if layout else None,
    )
    parse = parser_for(layout) if layout else generic_parser(columns or {}, default_currency)
    headers = [fold(h) for h in cells]
    original = ["" if is_blank(h) else str(h).strip() for h in cells]
    position = {h: i for i, h in reversed(list(enumerate(headers))) if h}
    shared = Shared()
    seen: Counter = Counter()
    for number, cells in rows:
        if all(is_blank(c) for c in cells):
            continue
        found.rows += 1
        row = Row(cells, position, headers, original, source, sheet, number, shared)
        try:
            parsed = parse(row, found)
        except InvalidValueError as problem:
            found.problems.append(str(problem))
            continue
        if parsed is not None:
            _keep(found, *parsed, seen)
    return found


def _keep(found: PaymentFile, payment: Payment, event: str, seen: Counter) -> None:
    """Add a payment and its event. A repeated processor id is one event (the row is counted
    as skipped); rows equal in content are numbered (``…:2``): one file can hold two equal
    refunds. An id made from the content is numbered with its event. Events are kept as
    16-byte digests (a million of them)."""
    digest = event_digest(event)
    seen[digest] += 1
    count = seen[digest]
    if count > 1:
        if not payment.by_content:
            found.skipped["same id as an earlier row (counted once)"] += 1
            return
        if payment.refund_id.casefold() == event:
            refund_id = f"{payment.refund_id}:{count}"
            payment = replace(payment, refund_id=refund_id)
        digest = event_digest(f"{event}:{count}")
    found.payments.append(payment)
    found.events.append(digest)


def event_digest(event: str) -> bytes:
    """A payment event's identity in 16 bytes (BLAKE2b: equal only for equal events)."""
    return hashlib.blake2b(event.encode(), digest_size=16).digest()


def _find_header(rows: Iterator[tuple[int, list[object]]], header_map):
    """The header row among the first 30: ``(row, layout or None, generic columns, first
    non-empty row)``; ``(None, None, None, first)`` when there is none."""
    first = None
    for number, cells in rows:
        if number > _HEADER_SCAN:
            break
        if first is None and any(not is_blank(c) for c in cells):
            first = cells
        layout = find_layout({fold(c) for c in cells})
        if layout is not None:
            return (number, cells), layout, None, first
        columns = generic_columns(cells, header_map)
        if columns is not None:
            return (number, cells), None, columns, first
    return None, None, None, first


def read_payments(
    path: str | os.PathLike, header_map: Mapping | None = None, currency: str | None = None
) -> PaymentFile:
    """A payment export: a CSV, or the first sheet of a workbook that is a payment table."""
    name = Path(path).name
    first_problem: PaymentFormatError | None = None
    for sheet_name, table in iter_tables(path):
        try:
            return parse_numbered(
                table.rows, name, None if is_csv(path) else sheet_name, header_map, currency
            )
        except PaymentFormatError as problem:
            first_problem = first_problem or problem
    if first_problem is None:
        raise fail(path, "no sheet to read; export the payments again.")
    raise first_problem


__all__ = ["parse_numbered", "parse_payments", "read_payments", "recognise"]
