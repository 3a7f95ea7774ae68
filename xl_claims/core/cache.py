"""Deciding many lines: each distinct line once, remembered in an explicit cache object.

A weekly export repeats a few hundred combinations of issue, part, grade and quantity across
thousands of lines. The cache keys on the ``repr`` of each value a decision depends on: ``True``,
``1``, ``1.0``, ``-0.0`` and ``Decimal('1.0')`` are equal in Python but are different inputs
(``quantity=True`` is an ERROR, ``1`` is not; an error message quotes the value as given), and
their reprs, which carry type and exact digits, differ — so a decision never depends on what was
decided before.
"""

from __future__ import annotations

from xl_claims.core.engine import PRICE_RULES, decide_under, noted_before_policy
from xl_claims.core.model import Claim, Decision
from xl_claims.core.policy import Policy, PolicyVersion

#: The leading Claim fields a decision depends on besides the version: all but date and price.
DECISION_FIELDS = 7


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
        self._dates: dict[object, tuple[PolicyVersion, bool]] = {}  # date → (version, before)

    def decide(self, claim: Claim) -> Decision:
        found = self._dates.get(claim.date)
        if found is None:
            found = self._dates[claim.date] = (
                self.policy.for_date(claim.date),
                self.policy.predates(claim.date),
            )
        version, before = found
        memo = self._memo[version.id]
        key = (before, *map(repr, claim[:DECISION_FIELDS]))
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
