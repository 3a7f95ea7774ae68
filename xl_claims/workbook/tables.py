"""Fresh workbooks of plain tables (the reconciliation report, the ledger export), written fast.

The caller describes sheets as rows of typed cells; this module owns how they look in Excel, so
every table workbook xl-claims writes looks the same and is safe:

- ``str`` cells are always written as text (``write_string``): ``=HYPERLINK(...)`` from an input
  stays text, never a formula; ``Text(value, bold=True)`` for a bold label.
- ``Money(amount, currency)`` is a number with ``formats.money_format(currency)``; a ``Decimal`` is
  written as its exact digits.
- ``datetime.date`` gets ``DATE_FORMAT``, ``datetime.datetime`` ``DATETIME_FORMAT``; ``None`` is an
  empty cell; ``int``/``float``/``Decimal`` are plain numbers.
- A table sheet (``Sheet.header`` given) has a bold header row, frozen (and repeated on every
  printed page), and an autofilter over its rows; every sheet has its column widths and prints
  landscape, one page wide.

Rows may be a generator: XlsxWriter's constant-memory mode writes each row out as the next one
starts, so a 1,000,000-row sheet costs no more memory than a 10-row one. The file is written by
``core.files.write_atomic`` (a temporary file in the target folder, then renamed).

    write_tables("report.xlsx", [
        Sheet("Summary", [[Text("Totals", bold=True)], ["Total paid", Money(D("5"), "USD")]]),
        Sheet("Claims", ([c.id, Money(c.paid, "USD")] for c in lines), ("Claim ID", "Paid")),
    ])
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from xl_claims.core.files import write_atomic
from xl_claims.workbook.formats import DATE_FORMAT, DATETIME_FORMAT, money_format

#: Excel's limit of characters in one cell: longer text is cut, with a visible mark.
MAX_CELL_CHARS = 32_767
_CUT_MARK = "… (cut: longer than Excel allows in a cell)"


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in a currency: a number cell with the currency's money format."""

    amount: Decimal
    currency: str
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Text:
    """Text with a style (a bold label); plain ``str`` cells need no wrapper."""

    value: str
    bold: bool = False


Cell = None | str | int | float | Decimal | dt.date | Money | Text


@dataclass
class Sheet:
    """One sheet: an optional table header (bold, frozen, filtered), rows, column widths."""

    title: str
    rows: Iterable[Sequence[Cell]]
    header: Sequence[str] | None = None
    widths: Sequence[float] = field(default_factory=tuple)
    filtered: bool = True  # an autofilter over a table sheet's header and rows


def write_tables(path: str | os.PathLike, sheets: Iterable[Sheet]) -> Path:
    """Write ``sheets`` in order to a new .xlsx at ``path`` (atomically); return the path."""
    return write_atomic(Path(path), lambda temporary: _write(temporary, sheets))


def _write(temporary: Path, sheets: Iterable[Sheet]) -> None:
    workbook = xlsxwriter.Workbook(
        str(temporary),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    try:
        styles = _Styles(workbook)
        for sheet in sheets:
            _write_sheet(workbook, styles, sheet)
    finally:
        workbook.close()


class _Styles:
    """One XlsxWriter format per (number format, bold), made when first needed."""

    def __init__(self, workbook: xlsxwriter.Workbook):
        self.workbook = workbook
        self.made: dict[tuple[str | None, bool], object] = {}

    def get(self, number_format: str | None = None, bold: bool = False) -> object:
        key = (number_format, bold)
        style = self.made.get(key)
        if style is None:
            options: dict[str, object] = {"bold": True} if bold else {}
            if number_format:
                options["num_format"] = number_format
            style = self.made[key] = self.workbook.add_format(options) if options else None
        return style


def _write_sheet(workbook: xlsxwriter.Workbook, styles: _Styles, sheet: Sheet) -> None:
    worksheet = workbook.add_worksheet(sheet.title)
    for column, width in enumerate(sheet.widths):
        worksheet.set_column(column, column, width)
    worksheet.set_landscape()
    worksheet.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed
    row = 0
    if sheet.header is not None:
        bold = styles.get(bold=True)
        for column, name in enumerate(sheet.header):
            worksheet.write_string(0, column, name, bold)
        worksheet.freeze_panes(1, 0)
        worksheet.repeat_rows(0)  # printed: the header on every page
        row = 1
    write_cell = _CellWriter(worksheet, styles)
    for cells in sheet.rows:
        for column, value in enumerate(cells):
            if value is not None:
                write_cell(row, column, value)
        row += 1
    if sheet.header is not None and sheet.filtered and sheet.header:
        worksheet.autofilter(0, 0, max(row - 1, 1), len(sheet.header) - 1)


class _CellWriter:
    """Writes one typed cell; strings never become formulas or links."""

    def __init__(self, worksheet, styles: _Styles):
        self.worksheet = worksheet
        self.styles = styles
        self.date = styles.get(DATE_FORMAT)
        self.datetime = styles.get(DATETIME_FORMAT)
        self.money: dict[str, object] = {}

    def __call__(self, row: int, column: int, value: Cell) -> None:
        worksheet = self.worksheet
        if isinstance(value, str):
            worksheet.write_string(row, column, _fit(value))
        elif isinstance(value, Money):
            self._money(row, column, value)
        elif isinstance(value, bool):
            worksheet.write_boolean(row, column, value)
        elif isinstance(value, int | float | Decimal):
            worksheet.write_number(row, column, value)
        elif isinstance(value, dt.datetime):
            worksheet.write_datetime(row, column, value, self.datetime)
        elif isinstance(value, dt.date):
            worksheet.write_datetime(row, column, value, self.date)
        elif isinstance(value, Text):
            style = self.styles.get(bold=value.bold)
            worksheet.write_string(row, column, _fit(value.value), style)
        else:
            raise TypeError(f"no cell kind for {type(value).__name__} values")

    def _money(self, row: int, column: int, money: Money) -> None:
        key = f"{money.currency}:{money.bold}"
        style = self.money.get(key)
        if style is None:
            style = self.money[key] = self.styles.get(money_format(money.currency), money.bold)
        self.worksheet.write_number(row, column, money.amount, style)


def _fit(text: str) -> str:
    if len(text) <= MAX_CELL_CHARS:
        return text
    return text[: MAX_CELL_CHARS - len(_CUT_MARK)] + _CUT_MARK


__all__ = ["MAX_CELL_CHARS", "Cell", "Money", "Sheet", "Text", "write_tables"]
