"""``ledger export``: the recorded lines of a period as .xlsx (``workbook.tables``, the one table
writer: streamed, text always text, money as numbers in the currency's format) or .csv (the
standard library: every value as recorded, money as its exact text), written atomically.

A CSV is data, not a workbook: its values are written as they are, so that a program reading it
gets exactly what the ledger holds. A spreadsheet that opens a CSV directly may take text
starting with ``=`` for a formula; import it as text, or use the .xlsx export.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from xl_claims.core.errors import LedgerError
from xl_claims.core.files import write_atomic
from xl_claims.core.model import RecordedLine
from xl_claims.ledger.queries import EXPORT_HEADERS, iter_rows
from xl_claims.ledger.store import Ledger
from xl_claims.workbook.tables import Cell, Money, Sheet, write_tables

EXPORT_SUFFIXES = (".xlsx", ".csv")
SHEET_TITLE = "Ledger"
_WIDTHS = (6, 21, 30, 22, 16, 12, 6, 12, 10, 11, 20, 28, 9, 18, 12, 11, 9, 24, 12, 80, 8, 28)


def export_ledger(
    ledger: Ledger,
    target: str | os.PathLike,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> int:
    """Write the lines whose date is in the period; returns how many were written."""
    target = Path(target)
    suffix = target.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise LedgerError(f"Export to .xlsx or .csv, got {target.name!r}.")
    counted = _Counted(iter_rows(ledger, date_from, date_to))
    if suffix == ".xlsx":
        cells = (_cells(row) for row in counted)
        write_tables(target, [Sheet(SHEET_TITLE, cells, EXPORT_HEADERS, _WIDTHS)])
    else:
        write_atomic(target, lambda path: _write_csv(path, counted))
    return counted.count


def _cells(row: RecordedLine) -> Sequence[Cell]:
    """The row's cells: the refund a number in its currency's format, the rest as recorded."""
    refund = None if row.refund is None else Money(row.refund, row.currency)
    return [*row[:15], refund, *row[16:]]


class _Counted:
    """The rows, counted as they are written."""

    def __init__(self, rows: Iterable[RecordedLine]):
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[RecordedLine]:
        for row in self.rows:
            self.count += 1
            yield row


def _write_csv(path: Path, rows: Iterable[RecordedLine]) -> None:
    """UTF-8 with a BOM, so that Excel reads the accents; an empty cell for no value."""
    with open(path, "w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(EXPORT_HEADERS)
        for row in rows:
            writer.writerow(["" if value is None else value for value in row])


__all__ = ["EXPORT_SUFFIXES", "SHEET_TITLE", "export_ledger"]
