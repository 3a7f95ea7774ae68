"""Number formats of every workbook xl-claims writes: one money format, one rate, one date.

Money shows its currency code (``USD 1,234.50``) so that amounts in two currencies on one sheet
(a refund in EUR beside claims in USD) can never be mistaken for each other; Excel and
LibreOffice both display the ``[$CODE]`` form.
"""

from __future__ import annotations

RATE_FORMAT = "0%"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def money_format(currency: str) -> str:
    """The Excel number format for amounts in ``currency`` (a 3-letter code)."""
    code = "".join(c for c in currency if c.isalnum()).upper() or "XXX"
    return f"[${code}] #,##0.00;-[${code}] #,##0.00;[${code}] 0.00"
