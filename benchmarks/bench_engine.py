"""Decide 1,000,000 generated claim lines and print lines per second.

Weekly lines repeat a few hundred distinct issue × part × grade × quantity combinations, so the
generator draws from such a set. The baseline, measured in the same run, is a plain Python loop
doing only the Decimal arithmetic (rate × value × quantity, rounded) from dict lookups: the floor
any engine with the same money rules pays.

    python benchmarks/bench_engine.py [--lines 1000000] [--seed 7] [--rounds 5]

Each figure is the best of ``--rounds`` runs, the rounds interleaved, so that a busy machine
slows the baseline and the engine alike.
"""

from __future__ import annotations

import argparse
import random
import time
from decimal import ROUND_HALF_UP, Decimal

from xl_claims.core.engine import decide, decide_under
from xl_claims.core.model import Claim
from xl_claims.core.policy import load_policy


def generate(policy, lines: int, seed: int) -> list[Claim]:
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


def baseline(policy, claims: list[Claim]) -> float:
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


def run_engine(policy, claims: list[Claim]) -> float:
    start = time.perf_counter()
    for claim in claims:
        decide(claim, policy)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    policy = load_policy()
    claims = generate(policy, args.lines, args.seed)
    distinct = set(claims)
    start = time.perf_counter()
    for claim in distinct:
        decide_under(claim, policy.latest)
    cold = (time.perf_counter() - start) / len(distinct)
    # Exports carry a price paid on nearly every row: no two lines are equal, and the memo by
    # decision fields (not by whole line) is what serves them.
    rng = random.Random(args.seed)
    priced = [c._replace(price=f"{rng.randint(1000, 40000) / 100:.2f}") for c in claims]
    base = engine = engine_priced = float("inf")
    for _ in range(args.rounds):
        base = min(base, baseline(policy, claims))
        policy.forget_decisions()
        engine = min(engine, run_engine(policy, claims))
        policy.forget_decisions()
        engine_priced = min(engine_priced, run_engine(policy, priced))
    print(
        f"lines: {args.lines:,}  distinct combinations: {len(distinct)}  "
        f"best of {args.rounds} rounds"
    )
    print(f"baseline (Decimal arithmetic loop): {args.lines / base:,.0f} lines/s ({base:.2f} s)")
    print(
        f"engine decide():                    {args.lines / engine:,.0f} lines/s ({engine:.2f} s)"
    )
    print(f"engine / baseline speed:            {base / engine:.2f}x")
    print(
        f"engine, a price on every line:      {args.lines / engine_priced:,.0f} lines/s "
        f"({engine_priced:.2f} s, {base / engine_priced:.2f}x baseline)"
    )
    print(f"uncached decision (first sight):    {cold * 1e6:.1f} us per combination")


if __name__ == "__main__":
    main()
