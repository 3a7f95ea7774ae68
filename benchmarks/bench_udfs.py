"""REFUND over 100,000 rows: one range call against 100,000 single-cell calls.

Both forms get the same generated lines (a few hundred distinct grade × part × quantity
combinations, as weekly claims repeat): the range form as 2-D columns, the way xlwings passes a
range with ``ndim=2``; the single-cell form one call per line with 1×1 arguments, as xlwings
passes each of 100,000 ``=REFUND(A2,B2,C2)`` cells (``ndim=2`` applies to single cells too). The
baseline is the single-cell form, measured in the same run; plain scalar calls (REFUND used from
Python) are printed too.

What this measures is the Python side only. In Excel every call also pays xlwings' COM round
trip (a few milliseconds per call), so the real gap between one range formula and 100,000 cell
formulas is far larger than the ratio printed here.

    python benchmarks/bench_udfs.py [--rows 100000] [--seed 7] [--repeat 9]
"""

from __future__ import annotations

import argparse
import random
import time

from xl_claims.excel import udfs


def generate(rows: int, seed: int) -> tuple[list, list, list]:
    policy = udfs.current_policy()
    version = policy.latest
    rng = random.Random(seed)
    grades = [*version.grades, "l", "high", "M"]
    parts = list(version.parts)
    combos = [
        (rng.choice(grades), rng.choice(parts), float(rng.choice((1, 1, 1, 2, 3))))
        for _ in range(400)
    ]
    lines = [rng.choice(combos) for _ in range(rows)]
    return [g for g, _, _ in lines], [p for _, p, _ in lines], [q for _, _, q in lines]


def range_call(grades, parts, quantities) -> tuple[float, list]:
    columns = [[g] for g in grades], [[p] for p in parts], [[q] for q in quantities]
    start = time.perf_counter()
    result = udfs.REFUND(*columns)
    return time.perf_counter() - start, result


def single_calls(grades, parts, quantities) -> tuple[float, list]:
    """One call per cell, each argument a 1×1 range: what xlwings passes with ndim=2."""
    cells = [([[g]], [[p]], [[q]]) for g, p, q in zip(grades, parts, quantities, strict=True)]
    refund = udfs.REFUND
    start = time.perf_counter()
    result = [refund(*args)[0][0] for args in cells]
    return time.perf_counter() - start, result


def scalar_calls(grades, parts, quantities) -> tuple[float, list]:
    """One call per line with plain values: the cost of REFUND used from Python."""
    refund = udfs.REFUND
    start = time.perf_counter()
    result = [refund(g, p, q) for g, p, q in zip(grades, parts, quantities, strict=True)]
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=9, help="Best of N runs.")
    args = parser.parse_args()
    udfs.current_policy()  # loaded once per process, as in the UDF server
    grades, parts, quantities = generate(args.rows, args.seed)
    udfs.REFUND("High", "Weapon (small)")  # warm the engine's decision cache alike for both
    ranged = single = scalar = float("inf")
    for _ in range(args.repeat):  # interleaved, so that a busy machine slows all forms alike
        ranged = min(ranged, range_call(grades, parts, quantities)[0])
        single = min(single, single_calls(grades, parts, quantities)[0])
        scalar = min(scalar, scalar_calls(grades, parts, quantities)[0])
    _, by_range = range_call(grades, parts, quantities)
    _, by_cell = single_calls(grades, parts, quantities)
    _, by_value = scalar_calls(grades, parts, quantities)
    assert [row[0] for row in by_range] == by_cell == by_value, "the forms disagree"
    rows = args.rows
    print(f"REFUND over {rows:,} rows (best of {args.repeat}; Python side only, no Excel)")
    print(
        f"  single-cell form (baseline): {rows:,} calls, {single:.3f} s in all, "
        f"{single / rows * 1e6:.2f} µs per call = per row"
    )
    print(
        f"  range form:                  1 call, {ranged:.3f} s per call, "
        f"{ranged / rows * 1e6:.3f} µs per row"
    )
    print(
        f"  scalar calls from Python:    {rows:,} calls, {scalar:.3f} s in all, "
        f"{scalar / rows * 1e6:.2f} µs per call"
    )
    print(f"  per row, the range form is {single / ranged:.1f}× faster (target ≥ 20×)")
    print(f"  (against plain scalar calls from Python: {scalar / ranged:.1f}×)")


if __name__ == "__main__":
    main()
