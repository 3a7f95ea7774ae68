"""Decide generated claim lines, cached and uncached, against fair floors measured in the same run.

Weekly lines repeat a few hundred distinct issue × part × grade × quantity combinations, so the
generator draws from such a set. Two floors, each the least any engine of the kind must pay:

- for the cached engine (``DecisionCache.decide``): a loop that only builds a key from the
  line's fields and looks it up in a dict of ready answers;
- for the uncached engine (``engine.decide`` on every line): a loop that only does the Decimal
  arithmetic of a refund (rate × value × quantity, rounded half-up) from dict look-ups.

    python benchmarks/bench_engine.py [--lines 1000000] [--uncached-lines 200000] [--rounds 5]

Each figure is the best of ``--rounds`` runs, the rounds interleaved, so that a busy machine
slows the floors and the engine alike.
"""

from __future__ import annotations

import argparse
import random
import time
from decimal import ROUND_HALF_UP, Decimal

from xl_claims.core.cache import DECISION_FIELDS, DecisionCache
from xl_claims.core.engine import decide
from xl_claims.core.model import Claim
from xl_claims.core.policy import Policy, load_policy


def generate(policy: Policy, lines: int, seed: int) -> list[Claim]:
    version = policy.latest
    rng = random.Random(seed)
    issues = [*version.issues, None]
    parts = list(version.parts)
    grades = [None, "Low", "Medium", "High", "l", "high"]
    combos = [
        Claim(
            issue=rng.choice(issues),
            part=rng.choice(parts),
            grade=rng.choice(grades),
            quantity=float(rng.choice((1, 1, 1, 2, 3))),
        )
        for _ in range(400)
    ]
    combos = [c if c.issue or c.grade else c._replace(grade="Medium") for c in combos]
    return [rng.choice(combos) for _ in range(lines)]


def dict_floor(claims: list[Claim]) -> float:
    """Key each line by its decision fields and look the answer up: the cached engine's floor."""
    answers = {claim[:DECISION_FIELDS]: claim for claim in set(claims)}
    start = time.perf_counter()
    for claim in claims:
        answers.get(claim[:DECISION_FIELDS])
    return time.perf_counter() - start


def decimal_floor(policy: Policy, claims: list[Claim]) -> float:
    """Only the refund arithmetic, from dict look-ups: the uncached engine's floor."""
    version = policy.latest
    rates = {g.name: g.rate or Decimal(0) for g in version.grades.values()}
    rates |= {"l": rates["Low"], "high": rates["High"], None: rates["Medium"]}
    values = {p.name: p.max_value or Decimal(0) for p in version.parts.values()}
    cent = Decimal("0.01")
    start = time.perf_counter()
    total = Decimal(0)
    for claim in claims:
        amount = rates[claim.grade] * values[claim.part] * int(claim.quantity)
        total += amount.quantize(cent, rounding=ROUND_HALF_UP)
    return time.perf_counter() - start


def cached(policy: Policy, claims: list[Claim]) -> float:
    cache = DecisionCache(policy)  # a fresh cache each round: first sights are paid for
    start = time.perf_counter()
    for claim in claims:
        cache.decide(claim)
    return time.perf_counter() - start


def uncached(policy: Policy, claims: list[Claim]) -> float:
    start = time.perf_counter()
    for claim in claims:
        decide(claim, policy)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--uncached-lines", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    policy = load_policy()
    claims = generate(policy, args.lines, args.seed)
    few = claims[: args.uncached_lines]
    # Exports carry a price paid on nearly every row: no two lines are equal, and the cache by
    # decision fields (not by whole line) is what serves them.
    rng = random.Random(args.seed)
    priced = [c._replace(price=f"{rng.randint(1000, 40000) / 100:.2f}") for c in claims]
    best = dict.fromkeys(("dict", "cached", "priced", "decimal", "uncached"), float("inf"))
    for _ in range(args.rounds):
        best["dict"] = min(best["dict"], dict_floor(claims))
        best["cached"] = min(best["cached"], cached(policy, claims))
        best["priced"] = min(best["priced"], cached(policy, priced))
        best["decimal"] = min(best["decimal"], decimal_floor(policy, few))
        best["uncached"] = min(best["uncached"], uncached(policy, few))
    rate = {
        k: (len(few) if k in ("decimal", "uncached") else len(claims)) / v for k, v in best.items()
    }
    print(
        f"lines: {args.lines:,} (uncached: {len(few):,}), distinct combinations: "
        f"{len(set(claims))}, best of {args.rounds} rounds"
    )
    print(f"floor: dict look-up loop           {rate['dict']:>12,.0f} lines/s")
    print(
        f"cached DecisionCache.decide        {rate['cached']:>12,.0f} lines/s  "
        f"({best['cached'] / best['dict']:.1f}x the dict floor's time)"
    )
    print(
        f"cached, a price on every line      {rate['priced']:>12,.0f} lines/s  "
        f"({best['priced'] / best['dict']:.1f}x the dict floor's time)"
    )
    print(f"floor: Decimal arithmetic loop     {rate['decimal']:>12,.0f} lines/s")
    print(
        f"uncached engine.decide             {rate['uncached']:>12,.0f} lines/s  "
        f"({best['uncached'] / best['decimal']:.1f}x the Decimal floor's time)"
    )


if __name__ == "__main__":
    main()
