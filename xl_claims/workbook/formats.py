"""Number formats of every workbook xl-claims writes: one money format, one rate, one date; and
the cell formats of the batch's computed columns and Summary sheet, and valid sheet names.

Money shows its currency code (``USD 1,234.50``) so that amounts in two currencies on one sheet
(a refund in EUR beside claims in USD) can never be mistaken for each other; Excel and
LibreOffice both display the ``[$CODE]`` form.
"""

from __future__ import annotations

import re

from xl_claims.workbook.styles import Format

RATE_FORMAT = "0%"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
_INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")

BOLD = Format(bold=True)
TITLE = Format(bold=True, size=14)
HEADING = Format(bold=True, size=12)
TABLE_HEADER = Format(bold=True, fill="FFDDEBF7")
LINK = Format(color="FF0563C1", underline=True)
LEFT = Format(horizontal="left")
UNDETERMINED = Format(horizontal="right")
#: What a total shows when no line of it has an amount (REVIEW, ERROR): never $0.00.
NO_AMOUNT = "—"


def money_format(currency: str) -> str:
    """The Excel number format for amounts in ``currency`` (a 3-letter code)."""
    code = "".join(c for c in currency if c.isalnum()).upper() or "XXX"
    return f"[${code}] #,##0.00;-[${code}] #,##0.00;[${code}] 0.00"


def money(currency: str, *, bold: bool = False) -> Format:
    return Format(number_format=money_format(currency), bold=bold)


def rate() -> Format:
    return Format(number_format=RATE_FORMAT)


def sheet_title(text: str) -> str:
    """A valid worksheet name from any text (Excel: 31 characters, no ``[]:*?/\\``)."""
    title = _INVALID_SHEET_CHARS.sub("_", text).strip("'") or "Claims"
    return title[:31]


def sheet_reference(sheet: str, cell: str) -> str:
    """``'Bob''s claims'!A5``: a sheet name quoted (apostrophes doubled) for a link or a formula."""
    return "'" + sheet.replace("'", "''") + "'!" + cell


__all__ = [
    "BOLD",
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "HEADING",
    "LEFT",
    "LINK",
    "NO_AMOUNT",
    "RATE_FORMAT",
    "TABLE_HEADER",
    "TITLE",
    "UNDETERMINED",
    "money",
    "money_format",
    "rate",
    "sheet_reference",
    "sheet_title",
]
