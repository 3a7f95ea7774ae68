"""A CSV export as a fresh workbook, written by XlsxWriter in constant-memory mode.

Every field is written as a string (``write_string``: never a formula, number or link, whatever it
looks like), so the claims sheet is the CSV's text cell for cell; the batch then processes it like
any workbook. A field longer than Excel's cell limit cannot be kept whole: its line is reported as
an ERROR naming the cell instead of being cut silently.
"""

from __future__ import annotations

import os

import xlsxwriter

from xl_claims.workbook.read import iter_csv_rows
from xl_claims.workbook.rows import LETTERS_OF
from xl_claims.workbook.xmlsafe import clean_text

#: Characters an Excel cell holds.
CELL_LIMIT = 32_767


def csv_workbook(
    source: str | os.PathLike, target: str | os.PathLike, sheet: str
) -> dict[int, str]:
    """Write ``source``'s records into ``target`` (one sheet named ``sheet``).

    Returns the problems of rows that could not be written whole: ``{sheet row: message}``.
    """
    problems: dict[int, str] = {}
    book = xlsxwriter.Workbook(
        str(target),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    try:
        worksheet = book.add_worksheet(sheet)
        for index, record in enumerate(iter_csv_rows(source, max_columns=None)):
            for column, value in enumerate(record):
                if value is None:
                    continue
                if column >= len(LETTERS_OF) - 1:
                    problems.setdefault(index + 1, _too_wide(index + 1))
                    break
                text = clean_text(str(value))
                if len(text) > CELL_LIMIT:
                    cell = f"{LETTERS_OF[column + 1].decode()}{index + 1}"
                    problems.setdefault(
                        index + 1,
                        f"Cell {cell} holds {len(text):,} characters; an Excel cell holds at most "
                        f"{CELL_LIMIT:,}, so it was cut in the output: shorten it in the CSV.",
                    )
                    text = text[:CELL_LIMIT]
                worksheet.write_string(index, column, text)
    finally:
        book.close()
    return problems


def _too_wide(row: int) -> str:
    return (
        f"Row {row} has more than 16,384 fields (Excel's last column is XFD): the rest were "
        "left out."
    )


__all__ = ["CELL_LIMIT", "csv_workbook"]
