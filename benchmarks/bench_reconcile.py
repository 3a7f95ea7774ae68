"""Reconciliation at scale: matching must stay close to linear.

    python benchmarks/bench_reconcile.py            # 10k and 100k claim lines and payments
    python benchmarks/bench_reconcile.py --report   # also time writing the report workbook

Claim lines are recomputed by the engine from raw values (as ``reconcile`` does), then matched
against as many payments; the mix exercises every rule: claim id keys, refund ids recorded on the
claim, order + amount (one and several lines), order only, unpaid lines and refunds without a
claim. Rounds alternate the two sizes; prints the best of five rounds per step and size and the
100k / 10k ratio (10× the data; ≤ 12× is near-linear; the exit code is 1 when matching is not).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from xl_claims.core.policy import load_policy
from xl_claims.core.values import id_key
from xl_claims.reconcile import Reconciliation, claim_line, mark_duplicates
from xl_claims.reconcile.match import match
from xl_claims.reconcile.payments import REFUND, Payment, text_keys
from xl_claims.workbook.report import write_report

PARTS = {
    "Weapon (large)": Decimal("15.00"),
    "Weapon (small)": Decimal("5.00"),
    "Head sculpt w/ special functions": Decimal("40.00"),
    "Seamless figure": Decimal("40.00"),
}
START = dt.date(2026, 3, 1)


def generate(n: int, seed: int = 7):
    """``n`` claim rows (raw values) and about ``n`` refunds whose keys line up."""
    rng = random.Random(seed)
    parts = list(PARTS)
    rows, payments = [], []
    order = 0
    while len(rows) < n:
        order += 1
        day = START + dt.timedelta(days=rng.randrange(28))
        claim_id = f"CLM-{order:07d}"
        kind = rng.random()
        lines = 2 if kind > 0.85 else 1
        chosen = [rng.choice(parts) for _ in range(lines)]
        refund_id = f"re_{order:09d}"
        for part in chosen:
            rows.append(
                {
                    "claim_id": claim_id,
                    "order": f"#{order}",
                    "date": day,
                    "issue": "Breakage",
                    "part": part,
                    "refund_id": refund_id if 0.40 <= kind < 0.50 else None,
                }
            )
        owed = sum((PARTS[p] for p in chosen), Decimal("0.00"))
        paid_on = day + dt.timedelta(days=rng.randrange(1, 10))

        def pay(amount, claim=None, ref=refund_id, order_no=order, paid_on=paid_on):
            payments.append(
                Payment(
                    source="bench.csv",
                    row=len(payments) + 2,
                    format="generic",
                    kind=REFUND,
                    type="refund",
                    refund_id=ref,
                    amount=amount,
                    currency="USD",
                    date=paid_on,
                    order=f"#{order_no}",
                    reference=claim,
                    ids=(id_key(ref),),
                    keys=text_keys(claim),
                )
            )

        if kind < 0.40:
            pay(owed, claim=claim_id)  # exact key: claim id
        elif kind < 0.50:
            pay(owed)  # exact key: refund id recorded on the claim
        elif kind < 0.75:
            pay(owed - Decimal("0.01") * rng.randrange(2), ref=f"ord-{order}")  # order + amount
        elif kind < 0.80:
            pay(owed / 2, ref=f"a-{order}")  # two refunds, one line (combined)
            pay(owed - owed / 2, ref=f"b-{order}")
        elif kind < 0.85:
            pay(Decimal("3.00"), ref=f"x-{order}")  # order only
        elif kind < 0.95:
            pay(owed, ref=f"g-{order}")  # one refund, two lines (combined)
        # else: unpaid
        if rng.random() < 0.05:
            pay(Decimal("89.00"), ref=f"cancel-{order}", order_no=order + 10_000_000)
    return rows[:n], payments


def timed(step):
    """Seconds for ``step()`` after a full collection, and its result."""
    gc.collect()
    started = time.perf_counter()
    result = step()
    return time.perf_counter() - started, result


def one_round(rows, payments, policy, report_to: Path | None) -> tuple[dict, Reconciliation]:
    """Recompute, match, total (and write the report) once; seconds per step."""
    seconds = {}

    def recompute():
        policy.forget_decisions()  # each round decides from scratch
        lines = [
            claim_line("bench.xlsx", "Claims", i + 2, v, {}, policy) for i, v in enumerate(rows)
        ]
        mark_duplicates(lines)
        return lines

    seconds["recompute"], lines = timed(recompute)
    seconds["match"], matching = timed(lambda: match(lines, payments))
    rec = Reconciliation(
        matching=matching,
        currency="USD",
        period_from=None,
        period_to=None,
        policy_versions=[policy.latest.id],
        inputs=[],
        payments=payments,
    )
    seconds["totals"], _ = timed(
        lambda: (rec.total_computed, rec.total_paid, rec.by_status(), rec.open_total, rec.findings)
    )
    if report_to is not None:
        seconds["report"], _ = timed(lambda: write_report(rec, report_to))
    return seconds, rec


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--report", action="store_true", help="also time write_report (once)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds; the best time counts")
    args = parser.parse_args()
    policy = load_policy()
    sizes = (args.small, args.large)
    data = {n: generate(n) for n in sizes}
    best: dict[int, dict[str, float]] = {n: {} for n in sizes}
    recs = {}
    with tempfile.TemporaryDirectory() as scratch:
        # Rounds alternate the sizes, so load from other processes hits both alike.
        for round_no in range(args.repeat):
            for n in sizes:
                report_to = (
                    Path(scratch) / f"bench-{n}.xlsx" if args.report and not round_no else None
                )
                seconds, recs[n] = one_round(*data[n], policy, report_to)
                for step, value in seconds.items():
                    best[n][step] = min(best[n].get(step, value), value)
    small, large = best[args.small], best[args.large]
    lines = {n: len(recs[n].lines) for n in sizes}
    payments = {n: len(data[n][1]) for n in sizes}
    print(f"claim lines: {lines[args.small]:,} / {lines[args.large]:,}; "
          f"payments: {payments[args.small]:,} / {payments[args.large]:,}")  # fmt: skip
    counts = {s: t.count for s, t in recs[args.large].by_status().items()}
    print(f"statuses at {args.large:,}: {counts}")
    print(f"best of {args.repeat} rounds")
    print(
        f"{'step':<10} {args.small:>10,} {args.large:>10,}   ratio (x{args.large / args.small:g})"
    )
    for step in ("recompute", "match", "totals", "report"):
        if step in small:
            ratio = large[step] / small[step]
            print(f"{step:<10} {small[step]:>9.3f}s {large[step]:>9.3f}s   {ratio:.1f}x")
    worst = large["match"] / small["match"]
    limit = 1.2 * args.large / args.small
    verdict = "near-linear" if worst <= limit else "NOT near-linear"
    print(f"matching: {worst:.1f}x for {args.large / args.small:g}x the data ({verdict})")
    return 0 if worst <= limit else 1


if __name__ == "__main__":
    sys.exit(main())
