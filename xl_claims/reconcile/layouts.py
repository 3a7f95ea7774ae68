"""The payment export layouts xl-claims recognises, as data: headers, row types, dates, decimals.

A layout is recognised when all its ``signature`` headers are in a row (compared case- and
space-insensitively) and none of its ``without`` headers is. Each says which column holds what,
which row types are money paid out to a customer (and what kind), how its dates are ordered and
its decimals written, and which columns identify a row: the processor's own id where the export
has one, otherwise the row's content (``content``), so that the same refund read from two
overlapping downloads is one payment event. A layout that cannot carry refunds at all is
recognised only to say so (``refused``). The rows themselves are read in ``families``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Layout:
    """One export layout. Column names are folded: lower case, single spaces."""

    name: str  # shown as the input's format
    family: str  # the processor: ids of one family name the same events
    signature: frozenset[str]
    date: str
    amount: str
    currency: str
    type: str | None = None
    status: str | None = None
    time: str | None = None
    ids: tuple[str, ...] = ()  # the processor's ids, the refund's own first
    order: tuple[str, ...] = ()
    claim_keys: tuple[str, ...] = ()  # free text that may name a claim
    out: Mapping[str, str] = field(default_factory=dict)  # folded type → kind paid out
    done: frozenset[str] = frozenset()  # statuses of money that has left (empty: any)
    content: tuple[str, ...] = ()  # the row's identity when it has no id ("*": every column)
    without: frozenset[str] = frozenset()
    day_first: bool = False
    decimal_comma: bool | None = None  # None: guessed per value (see core.values.parse_amount)
    refused: str | None = None  # why this layout cannot give refunds
    note: str | None = None  # said about every file of this layout (a limit of the export)


_PAYPAL_OUT = {
    "payment refund": REFUND,
    "refund": REFUND,
    "chargeback": CHARGEBACK,
    "payment reversal": CHARGEBACK,
}

LAYOUTS: tuple[Layout, ...] = (
    Layout(
        name=STRIPE,
        family="stripe",
        signature=frozenset(
            {"balance_transaction_id", "created_utc", "currency", "gross", "reporting_category"}
        ),
        date="created_utc",
        amount="gross",
        currency="currency",
        type="reporting_category",
        ids=("source_id", "balance_transaction_id"),
        claim_keys=("description",),
        out={"refund": REFUND, "dispute": DISPUTE},
    ),
    Layout(
        name=STRIPE_PAYMENTS,
        family="stripe",
        signature=frozenset({"id", "created", "amount", "amount_refunded", "currency", "status"}),
        date="created",
        amount="amount_refunded",
        currency="currency",
        ids=("id",),
        claim_keys=("description", "invoice_id"),
        note=(
            "a Stripe Payments export gives each charge's refunded amount, not the refunds: "
            "a refund is dated by its charge and named by the charge id (export the itemised "
            "balance change report for refund dates and ids)"
        ),
    ),
    Layout(
        name=STRIPE_PAYOUTS,
        family="stripe",
        signature=frozenset({"payout_id", "effective_at_utc", "gross", "reporting_category"}),
        date="effective_at_utc",
        amount="gross",
        currency="currency",
        refused=(
            "a Stripe itemised payouts report: it lists the payouts to your bank, which never "
            "carry refunds one by one; export Reports > Balance > 'Itemised balance change from "
            "activity' instead"
        ),
    ),
    Layout(
        name=PAYPAL,
        family="paypal",
        signature=frozenset({"date", "type", "status", "currency", "gross", "transaction id"}),
        date="date",
        time="time",
        amount="gross",
        currency="currency",
        type="type",
        status="status",
        ids=("transaction id",),
        order=("invoice number",),
        claim_keys=("invoice number", "custom number", "note", "subject"),
        out=_PAYPAL_OUT,
        done=frozenset({"completed"}),
    ),
    Layout(
        name=PAYPAL_FRENCH,
        family="paypal",
        signature=frozenset(
            {"date", "type", "état", "devise", "avant commission", "numéro de transaction"}
        ),
        date="date",
        time="heure",
        amount="avant commission",
        currency="devise",
        type="type",
        status="état",
        ids=("numéro de transaction",),
        order=("numéro de facture",),
        claim_keys=("numéro de facture", "numéro de client", "remarque", "objet"),
        out={
            "remboursement de paiement": REFUND,
            "remboursement": REFUND,
            "rétrofacturation": CHARGEBACK,
            "annulation de paiement": CHARGEBACK,
            "contrepassation de paiement": CHARGEBACK,
        },
        done=frozenset({"terminé", "termine"}),
        day_first=True,
        decimal_comma=True,
    ),
    Layout(
        name=PAYPAL_PERSONAL,
        family="paypal",
        signature=frozenset({"date", "type", "status", "currency", "amount", "receipt id"}),
        without=frozenset({"gross", "transaction id"}),
        date="date",
        time="time",
        amount="amount",
        currency="currency",
        type="type",
        status="status",
        claim_keys=("name",),
        out=_PAYPAL_OUT,
        done=frozenset({"completed"}),
        content=("*",),
    ),
    Layout(
        name=SHOPIFY,
        family="shopify",
        signature=frozenset({"transaction date", "type", "order", "amount", "currency"}),
        date="transaction date",
        amount="amount",
        currency="currency",
        type="type",
        order=("order",),
        out={"refund": REFUND, "chargeback": CHARGEBACK},
        content=("order", "transaction date", "type", "amount", "currency", "payout id"),
    ),
)


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
]
