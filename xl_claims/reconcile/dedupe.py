"""Money counted once: one payment event however many exports show it.

Accountants give every download they have: the same file twice, or two period downloads that
overlap. A refund is one event: the first export that shows it keeps it, every later row that is
the same event is dropped and counted against its file. Events are the processor's own ids
(a Stripe balance transaction, a PayPal transaction id) or, where an export has none (Shopify's
transactions export), the row's content numbered within its file, so that two overlapping
downloads agree and two equal refunds in one file stay two (``payments.parse_numbered``).

Older reports named a Shopify refund ``<file>:<row>``, and claims may have recorded such ids.
They still match, where they are unambiguous: when exactly one payment event was read from a row
of that name and number.
"""

from __future__ import annotations

import re
from dataclasses import replace

from xl_claims.reconcile.records import Payment, PaymentFile

#: A refund id of the older ``<file>:<row>`` form, as recorded on a claim line (folded).
_LEGACY = re.compile(r"^(?P<file>.+\.[a-z0-9]{2,5}):(?P<row>\d+)$")


class PaymentEvents:
    """The events read so far, the rows dropped per file, and where legacy ids point."""

    def __init__(self, recorded_ids: set[str] | None = None):
        self.seen: dict[bytes, int] = {}  # event digest → index of its payment in ``payments``
        self.payments: list[Payment] = []
        self.dropped: dict[str, int] = {}  # file → rows dropped as repeated events
        self.wanted = {i for i in (recorded_ids or ()) if _LEGACY.match(i)}
        self.legacy: dict[str, set[int]] = {}  # legacy id → indexes of the events it names

    def add(self, found: PaymentFile, label: str) -> int:
        """Keep ``found``'s payments that are new events; return the rows dropped."""
        dropped = 0
        for payment, event in zip(found.payments, found.events, strict=True):
            index = self.seen.get(event)
            if index is None:
                index = self.seen[event] = len(self.payments)
                self.payments.append(payment)
            else:
                dropped += 1
            if self.wanted:
                legacy = payment.legacy_id
                if legacy in self.wanted:
                    self.legacy.setdefault(legacy, set()).add(index)
        found.payments, found.events = [], []  # held once, here
        if dropped:
            self.dropped[label] = self.dropped.get(label, 0) + dropped
        return dropped

    def finish(self) -> tuple[list[Payment], list[str]]:
        """The payments, each legacy id a claim recorded added to its event's ids where it
        names one event, and a note for each legacy id that names several."""
        notes = []
        for legacy, indexes in sorted(self.legacy.items()):
            if len(indexes) == 1:
                (index,) = indexes
                payment = self.payments[index]
                self.payments[index] = replace(payment, aliases=(*payment.aliases, legacy))
            else:
                notes.append(
                    f"The recorded refund id {legacy!r} names a row of {len(indexes)} payment "
                    "inputs of that name: it is not used as an exact key (the claim line is "
                    "matched by order and amount instead); record the refund's own id."
                )
        self.seen.clear()
        return self.payments, notes


__all__ = ["PaymentEvents"]
