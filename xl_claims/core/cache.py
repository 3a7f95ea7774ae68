"""Deciding many lines: each distinct line once, remembered in an explicit cache object.

A weekly export repeats a few hundred combinations of issue, part, grade and quantity across
thousands of lines. The cache keys on the values a decision depends on, each tagged with its type
and, for floats and Decimals, its exact text: ``True``, ``1``, ``1.0`` and ``Decimal('1.0')``
hash alike in Python but are different inputs (``quantity=True`` is an ERROR, ``1`` is not; an
error message quotes the value as given), so a decision never depends on what was decided before.
"""

from __future__ import annotations

from xl_claims.core.engine import PRICE_RULES, decide_under, noted_before_policy
from xl_claims.core.model import Claim, Decision
from xl_claims.core.policy import Policy

#: The leading Claim fields a decision depends on besides the version: all but date and price.
DECISION_FIELDS = 7
#: Types whose values are their own exact key (the type tag separates True from 1).
_EXACT_TYPES = frozenset({str, int, bool, type(None)})


def _tagged(value: object) -> tuple[type, object]:
    kind = type(value)
    return (kind, value) if kind in _EXACT_TYPES else (kind, repr(value))


class DecisionCache:
    """``decide`` with a memory: the same decisions as ``engine.decide``, each distinct line once.

    Kept per policy version; the date only picks the version (and whether the claim predates
    the first one). Decisions that depend on the price
    paid (mis-shipment discounts, ``PRICE_RULES``) are not kept, since exports carry a price on
    nearly every line. At ``limit`` entries per version the memory starts over.
    """

    def __init__(self, policy: Policy, limit: int = 100_000):
        self.policy = policy
        self.limit = limit
        self._memo: dict[str, dict[tuple, Decision]] = {v.id: {} for v in policy.versions}

    def decide(self, claim: Claim) -> Decision:
        version = self.policy.for_date(claim.date)
        memo = self._memo[version.id]
        before = self.policy.predates(claim.date)
        key = (before, *map(_tagged, claim[:DECISION_FIELDS]))
        decision = memo.get(key)
        if decision is None:
            decision = decide_under(claim, version)
            if before:
                decision = noted_before_policy(decision, self.policy)
            if decision.rule not in PRICE_RULES:
                if len(memo) >= self.limit:
                    memo.clear()
                memo[key] = decision
        return decision

    def __len__(self) -> int:
        return sum(len(memo) for memo in self._memo.values())
