"""Values as staff, exports and spreadsheets write them → the exact values the engine decides on.

One rule per kind of value, used by every adapter: a quantity, an amount, a yes/no, a customer's
choice, a date, an id to match on, and a cell shown as text.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal, InvalidOperation

from xl_claims.core.errors import InvalidValueError, UnknownNameError
from xl_claims.core.model import Resolution
from xl_claims.core.names import normalize_name, suggest

#: A sanity bound, not policy: a quantity above it is a typo (an order number in the Qty column).
MAX_QUANTITY = 100_000
#: A sanity bound, not policy: no part, price or refund of this shop comes near it, and every
#: product of such amounts stays exact in ``Decimal`` arithmetic.
MAX_AMOUNT = Decimal(1_000_000_000)
#: The spellings of yes/no that claim lines may use.
TRUE_WORDS = frozenset({"yes", "y", "true", "1", "x", "available", "in stock"})
FALSE_WORDS = frozenset({"no", "n", "false", "0", "unavailable", "not available", "out of stock"})
#: The customer's choice: the spellings of each resolution a customer may ask for.
CHOICE_WORDS: dict[Resolution, tuple[str, ...]] = {
    Resolution.REPLACEMENT: ("replacement", "replace", "replacement part", "send replacement"),
    Resolution.REFUND: ("partial refund", "refund", "refund instead"),
    Resolution.DISCOUNT: ("keep with discount", "keep", "discount"),
    Resolution.RETURN: ("return", "return requested", "request a return"),
}
_CHOICE_LOOKUP = {alias: res for res, names in CHOICE_WORDS.items() for alias in names}
#: Said after an unknown resolution: a helpdesk's Resolution column often holds agents' notes.
CHOICE_HINT = (
    "If that column holds notes, not the customer's choice, switch it off with "
    "--map resolution= (process, reconcile)."
)
_AMOUNT_NOISE = re.compile(r"[\s\u00a0\u202f'$€£¥]|\b(?:usd|eur|gbp)\b", re.IGNORECASE)
_THOUSANDS_COMMAS = re.compile(r"^[-+(]?\d{1,3}(?:,\d{3})+(?:\.\d*)?\)?$")
#: Text dates as exports write them (month first, as US shops and their tools do).
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y/%m/%d", "%d.%m.%Y", "%d %b %Y", "%b %d %Y")
#: The same for exports that write the day first (a French PayPal download: 31/01/2014).
DAY_FIRST_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%Y/%m/%d", "%d.%m.%Y", "%d %b %Y")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?![\d])")


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: object) -> str | None:
    """A cell as text: None when blank, ``1004`` for the 1004.0 a spreadsheet gives, ISO dates,
    surrounding spaces dropped. The one way every output shows an input cell as text."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def id_key(value: object) -> str | None:
    """The matching key of a claim id, order number or refund id: case, spaces and a leading
    ``#`` do not matter, and a whole number read from a spreadsheet as 1004.0 is ``1004``."""
    if type(value) is str:  # the usual case, on every line of a batch: the same rule, shorter
        return " ".join(value.split()).casefold().lstrip("#").strip() or None
    text = cell_text(value)
    if text is None:
        return None
    return " ".join(text.split()).casefold().lstrip("#").strip() or None


def parse_quantity(value: object) -> int:
    """A positive whole number; empty means 1. Excel's 2.0 is 2; 2.5, 0, -1 and 'two' are errors."""
    if is_blank(value):
        return 1
    number: Decimal | None = None
    if isinstance(value, int | float | Decimal | str) and not isinstance(value, bool):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            number = None
    if (
        number is None
        or not number.is_finite()
        or number < 1
        or number.adjusted() > 20
        or number != number.to_integral()
    ):
        raise InvalidValueError(f"Quantity must be a positive whole number, got {value!r}.")
    if number > MAX_QUANTITY:
        raise InvalidValueError(f"Quantity must be at most {MAX_QUANTITY}, got {value!r}.")
    return int(number)


def parse_amount(
    value: object, what: str = "amount", decimal_comma: bool | None = None
) -> Decimal | None:
    """An exact amount from a number or text as exports write it ($21.83, 1,441.20, (5.00)).

    Empty means None. Floats go through ``str`` so that 21.83 stays 21.83. Separators: with both
    ``,`` and ``.`` the last one is the decimal point (``1.441,20`` is 1441.20); a lone comma is
    a thousands separator only in groups of three (``1,441``), else a decimal comma (``5,00``).
    ``decimal_comma`` says it for a file whose layout fixes it (True: ``1.234`` is 1234, ``1,234``
    is 1.234; False: commas only separate thousands). Amounts beyond ``MAX_AMOUNT`` are refused:
    they are typos, and exactness ends there.
    """
    if is_blank(value):
        return None
    label = what[:1].upper() + what[1:]
    if isinstance(value, bool):
        raise InvalidValueError(f"{label} must be a number, got {value!r}.")
    if isinstance(value, int | float | Decimal):
        text = str(value)
    elif isinstance(value, str):
        text = _decimal_point(_AMOUNT_NOISE.sub("", value.strip()), decimal_comma)
        if text.startswith("(") and text.endswith(")"):
            text = "-" + text[1:-1]
    else:
        raise InvalidValueError(f"{label} must be a number, got {value!r}.")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise InvalidValueError(f"{label} must be a number, got {value!r}.")
    if abs(amount) > MAX_AMOUNT:
        raise InvalidValueError(f"{label} must be at most {MAX_AMOUNT:,}, got {value!r}.")
    return amount


def _decimal_point(text: str, decimal_comma: bool | None = None) -> str:
    if decimal_comma is not None:
        if decimal_comma:
            return text.replace(".", "").replace(",", ".")
        return text.replace(",", "")
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            return text.replace(".", "").replace(",", ".")
        return text.replace(",", "")
    if "," in text:
        return text.replace(",", "") if _THOUSANDS_COMMAS.match(text) else text.replace(",", ".")
    return text


def parse_flag(value: object, what: str = "replacement available") -> bool | None:
    """yes/y/true/1/x → True, no/n/false/0 → False, empty → None (not known)."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    key = normalize_name(value)
    if isinstance(value, int | float | Decimal):
        key = "1" if value == 1 else "0" if value == 0 else key
    if key in TRUE_WORDS:
        return True
    if key in FALSE_WORDS:
        return False
    raise InvalidValueError(f"{what[:1].upper() + what[1:]} must be yes or no, got {value!r}.")


def parse_choice(value: object) -> Resolution | None:
    """The customer's choice (replacement, refund, return, keep); empty → None (not said)."""
    if is_blank(value):
        return None
    choice = _CHOICE_LOOKUP.get(normalize_name(value))
    if choice is None:
        names = [str(r) for r in CHOICE_WORDS]
        raise UnknownNameError("resolution", value, suggest(value, names) or names, CHOICE_HINT)
    return choice


def parse_date(value: object, day_first: bool = False) -> dt.date | None:
    """A claim date from a cell: a date, a datetime, or text as exports write it (US order, or
    the day first for exports that write it so: ``day_first``). ISO dates, with or without a
    time after them (``2025-06-28 15:15:52 -0400``), are read first and fast."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        found = _date_from_text(value.strip(), day_first)
        if found is not None:
            return found
    raise InvalidValueError(f"expected a date like 2026-03-14, got {value!r}")


@functools.lru_cache(maxsize=8192)
def _date_from_text(value: str, day_first: bool = False) -> dt.date | None:
    """Text dates repeat down an export (one per day): each distinct text is parsed once. An ISO
    date, alone or before a time (a payment export's ``2025-06-28 15:15:52 -0400``), is read
    first, without trying the other formats."""
    if _ISO_DATE.match(value):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    text = " ".join(value.replace(",", " ").split())
    for candidate in (text, text[:10]):
        for fmt in DAY_FIRST_FORMATS if day_first else DATE_FORMATS:
            try:
                return dt.datetime.strptime(candidate, fmt).date()
            except ValueError:
                continue
    return None
