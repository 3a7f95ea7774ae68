"""The payment export layouts xl-claims recognises, as data: headers, row types, dates, decimals.

A layout is recognised when all its ``signature`` headers are in a row (compared case- and
space-insensitively) and none of its ``without`` headers is. Each says which column holds what,
which row types are money paid out to a customer (and what kind), how its dates are ordered and
its decimals written, and which columns identify a row: the processor's own id where the export
has one, otherwise the row's content (``content``), so that the same refund read from two
overlapping downloads is one payment event. A layout that cannot carry refunds at all is
recognised only to say so (``refused``). The layouts themselves are data, in
``xl_claims/data/payment_layouts.toml``; the rows are read in ``families``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources

SHOPIFY = "Shopify Payments"
PAYPAL = "PayPal"
PAYPAL_PERSONAL = "PayPal (personal account)"
PAYPAL_FRENCH = "PayPal (French)"
STRIPE = "Stripe"
STRIPE_PAYMENTS = "Stripe Payments"
STRIPE_PAYOUTS = "Stripe itemised payouts"
GENERIC = "generic"

#: What each kind of payment row means for the shop (the Unmatched payments sheet's "Kind").
REFUND = "refund"
CHARGEBACK = "chargeback"
DISPUTE = "dispute"


@dataclass(frozen=True, kw_only=True)
class Layout:
    """One export layout (fields as in ``data/payment_layouts.toml``). Column names are folded:
    lower case, single spaces."""

    name: str  # shown as the input's format
    family: str  # the processor: ids of one family name the same events
    signature: frozenset[str]
    without: frozenset[str] = frozenset()
    # the columns, and how their dates and amounts are written
    date: str
    time: str | None = None
    day_first: bool = False
    amount: str
    decimal_comma: bool | None = None  # None: guessed per value (see core.values.parse_amount)
    currency: str
    # which rows are money paid out, and of what kind
    type: str | None = None
    out: Mapping[str, str] = field(default_factory=dict)  # folded type → kind paid out
    status: str | None = None
    done: frozenset[str] = frozenset()  # statuses of money that has left (empty: any)
    # what identifies a row and what may name its claim
    ids: tuple[str, ...] = ()  # the processor's ids, the refund's own first
    content: tuple[str, ...] = ()  # the row's identity when it has no id ("*": every column)
    order: tuple[str, ...] = ()
    claim_keys: tuple[str, ...] = ()  # free text that may name a claim
    refused: str | None = None  # why this layout cannot give refunds
    note: str | None = None  # said about every file of this layout (a limit of the export)


#: The layouts as data, in the order they are tried.
LAYOUTS_FILE = "payment_layouts.toml"
_SETS = ("signature", "done", "without")
_LISTS = ("ids", "order", "claim_keys", "content")


def load_layouts(text: str | None = None) -> tuple[Layout, ...]:
    """The layouts of ``xl_claims/data/payment_layouts.toml`` (or of ``text`` in that form)."""
    if text is None:
        text = (resources.files("xl_claims") / "data" / LAYOUTS_FILE).read_text(encoding="utf-8")
    found = []
    for entry in tomllib.loads(text)["layout"]:
        values = dict(entry)
        values.update({name: frozenset(values[name]) for name in _SETS if name in values})
        values.update({name: tuple(values[name]) for name in _LISTS if name in values})
        found.append(Layout(**values))
    return tuple(found)


LAYOUTS: tuple[Layout, ...] = load_layouts()


def fold(value: object) -> str:
    """A header as layouts name it: lower case, single spaces, '' for an empty cell."""
    if value is None:
        return ""
    return " ".join(str(value).split()).casefold()


def find_layout(headers: set[str]) -> Layout | None:
    """The first layout whose signature is in these folded headers (and none of its
    ``without`` headers), or None."""
    for layout in LAYOUTS:
        if layout.signature <= headers and not layout.without & headers:
            return layout
    return None


__all__ = [
    "CHARGEBACK",
    "DISPUTE",
    "GENERIC",
    "LAYOUTS",
    "PAYPAL",
    "PAYPAL_FRENCH",
    "PAYPAL_PERSONAL",
    "REFUND",
    "SHOPIFY",
    "STRIPE",
    "STRIPE_PAYMENTS",
    "STRIPE_PAYOUTS",
    "Layout",
    "find_layout",
    "fold",
    "load_layouts",
]
