"""What the claims ledger adds to ``xl-claims process``, measured against ``process`` without it on
the same input in the same run; and whether the cross-run look-up stays indexed.

Inputs: week A is ``bench_process``'s weekly export (inline strings, ROWS lines, generated once);
week B is the same kind of export whose first OVERLAP share of claim ids are week A's last ones
(a ticket still open is exported again; its part is drawn afresh, so most of those lines are new
lines of a known claim, and about one in eleven is the same claim and part). Each run is a fresh
interpreter reporting its own wall time, CPU time (user + system, both threads) and peak memory
(ru_maxrss); the four runs alternate, ROUNDS times, and the best of each is kept:

    A            ``xl-claims process A.xlsx -o OUT --quiet --force``
    A + ledger   the same with ``--ledger NEW.sqlite``: every line recorded (ROWS lines in one
                 transaction); a new ledger has nothing to look up
    B            ``process`` on week B
    B + ledger   the same with ``--ledger`` holding week A: every claim id is looked up (the
                 standing lines of 1,024 lines' claim ids in one query), every line recorded

Then, on the ledger holding week A, SQLite's plan for the look-ups (one claim and part; 2,000
claim ids at once), and their cost on it and on a ledger of 1,000 lines (an indexed look-up costs
about the same at any size).

    python benchmarks/bench_ledger.py [--rows 1000000] [--rounds 3] [--overlap 0.1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_process import OUT, exports

LEDGER_OUT = OUT / "ledger"
_MEASURE = """
import json, resource, sys, time
from xl_claims.cli import main
start = time.perf_counter()
try:
    main(["process", *sys.argv[1:], "--quiet", "--force"])
except SystemExit as exit:
    assert not exit.code, exit.code
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": time.perf_counter() - start, "cpu": usage.ru_utime + usage.ru_stime,
                  "peak_mb": usage.ru_maxrss / 1024}))
"""
_GENERATE = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from bench_process import generate_inline
generate_inline(Path(sys.argv[2]), int(sys.argv[3]), first_id=int(sys.argv[4]))
"""


def measure(source: Path, ledger: Path | None) -> dict:
    target = LEDGER_OUT / "processed.xlsx"
    extra = [] if ledger is None else ["--ledger", str(ledger)]
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(source), "-o", str(target), *extra],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def week_b(rows: int, overlap: float) -> Path:
    """Week B, generated once (in a child process: this one stays small)."""
    first = 100000 + rows - int(rows * overlap)
    path = LEDGER_OUT / f"week-b-{rows}-from-{first}.xlsx"
    if not path.exists():
        began = time.perf_counter()
        folder = str(Path(__file__).resolve().parent)
        subprocess.run(
            [sys.executable, "-c", _GENERATE, folder, str(path), str(rows), str(first)], check=True
        )
        print(f"generated {path.name} in {time.perf_counter() - began:.1f} s")
    return path


def fresh(path: Path, copy_of: Path | None = None) -> Path:
    """``path`` without its ledger files (or as a copy of ``copy_of``'s)."""
    for leftover in path.parent.glob(f"{path.name}*"):
        leftover.unlink()
    if copy_of is not None:
        shutil.copyfile(copy_of, path)
    return path


def timed_runs(week_a: Path, week_b_path: Path, rounds: int) -> tuple[dict, Path]:
    """The four runs, alternating ``rounds`` times; returns each one's runs and the ledger that
    holds week A."""
    ledger = LEDGER_OUT / "ledger.sqlite"
    holding_a = LEDGER_OUT / "ledger-week-a.sqlite"
    found: dict[str, list[dict]] = {"A": [], "A + ledger": [], "B": [], "B + ledger": []}
    for _ in range(rounds):
        for name in found:
            source = week_a if name.startswith("A") else week_b_path
            target = None
            if name == "A + ledger":
                target = fresh(ledger)
            elif name == "B + ledger":
                target = fresh(ledger, copy_of=holding_a)
            run = measure(source, target)
            if name == "A + ledger":
                shutil.copyfile(ledger, fresh(holding_a))
            found[name].append(run)
            print(
                f"  {name:<11} {run['seconds']:7.2f} s wall  {run['cpu']:7.2f} s CPU  "
                f"{run['peak_mb']:5.0f} MB peak  (load {load():.2f})",
                flush=True,
            )
    return found, holding_a


def load() -> float:
    with open("/proc/loadavg") as handle:
        return float(handle.read().split()[0])


def report(found: dict, rows: int, holding_a: Path) -> None:
    best = {name: _best(runs) for name, runs in found.items()}
    print(f"\n{rows:,} lines a run, best of {len(found['A'])} (wall and CPU separately):")
    print("| run | wall | CPU | peak memory | wall vs process | CPU vs process |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, run in best.items():
        base = best[name.split(" ")[0]]
        print(
            f"| {name} | {run['seconds']:.2f} s | {run['cpu']:.2f} s | {run['peak_mb']:.0f} MB | "
            f"{_ratio(run['seconds'], base['seconds'])} | {_ratio(run['cpu'], base['cpu'])} |"
        )
    print(f"\nledger holding week A: {holding_a.stat().st_size / 1e6:.0f} MB; target: the ledger "
          "adds at most +20 % to process, peak memory <= 200 MB")  # fmt: skip


def _best(runs: list[dict]) -> dict:
    return {key: min(run[key] for run in runs) for key in ("seconds", "cpu", "peak_mb")}


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.3f}× ({100 * (value / base - 1):+.1f} %)"


def small_ledger(path: Path, lines: int = 1000) -> None:
    from xl_claims.batch import process_files
    from xl_claims.core.policy import load_policy

    source = path.parent / "small.csv"
    rows = [f"C-{100000 + n},SO-1,2026-03-09,Breakage,Weapon (small),,1" for n in range(lines)]
    source.write_text("Claim ID,Order,Date,Issue,Part,Grade,Qty\n" + "\n".join(rows) + "\n")
    fresh(path)
    result = process_files(
        [source], policy=load_policy(), output=path.parent / "small.xlsx", ledger=path, force=True
    )
    result.close()


def time_lookups(path: Path, keys: list[tuple[str, str]]) -> tuple[float, float]:
    """µs per look-up: one claim and part at a time, and 1,000 claim ids at once (best of 3)."""
    from xl_claims.ledger import Ledger

    with Ledger(path) as ledger:
        run = ledger.begin_run(started_at=dt.datetime.now(dt.UTC), tool_version="b", options={})
        record = run.start_file("bench", "bench")
        one = many = float("inf")
        for _ in range(3):
            began = time.perf_counter()
            for key in keys:
                record.covered = set()
                record.standing_line(key)
            one = min(one, time.perf_counter() - began)
            began = time.perf_counter()
            for start in range(0, len(keys), 1000):
                record.prefetch(key for key, _ in keys[start : start + 1000])
            many = min(many, time.perf_counter() - began)
        run.abort()
    return one / len(keys) * 1e6, many / len(keys) * 1e6


def lookups(big: Path) -> None:
    from xl_claims.ledger import Ledger, standing_query_plan

    with Ledger(big) as ledger:
        print("\nQuery plan of the look-up of one claim and part (EXPLAIN QUERY PLAN):")
        for step in standing_query_plan(ledger):
            print(f"  {step}")
        print("... and of 2,000 claim ids at once, as the batch reads them:")
        for step in standing_query_plan(ledger, keys=2000):
            print(f"  {step}")
        count = ledger.connection.execute("SELECT COUNT(*) FROM lines").fetchone()[0]
        present = ledger.connection.execute(
            "SELECT l.claim_key, d.part_key FROM lines AS l JOIN decisions AS d "
            "ON d.id = l.decision_id ORDER BY random() LIMIT 20000"
        ).fetchall()
    small = big.with_name("small-ledger.sqlite")
    small_ledger(small)
    absent = [(f"x-{n}", "weapon (small)") for n in range(20000)]
    near = [(f"c-{100000 + n % 1000}", "weapon (small)") for n in range(20000)]
    size = big.stat().st_size / 1e6
    print("\nLook-ups, µs each (best of 3 × 20,000): one at a time | 1,000 claim ids at once")
    for label, path, keys in (
        (f"present, {count:,}-line ledger ({size:.0f} MB)", big, present),
        (f"absent, {count:,}-line ledger", big, absent),
        ("present, 1,000-line ledger", small, near),
        ("absent, 1,000-line ledger", small, absent),
    ):
        one, many = time_lookups(path, keys)
        print(f"  {label:<44} {one:6.1f} | {many:6.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--overlap", type=float, default=0.1)
    parser.add_argument("--skip-lookups", action="store_true")
    args = parser.parse_args()
    LEDGER_OUT.mkdir(parents=True, exist_ok=True)
    week_a = exports(args.rows)["inline strings"]
    week_b_path = week_b(args.rows, args.overlap)
    print(f"load average before: {load():.2f}")
    found, holding_a = timed_runs(week_a, week_b_path, args.rounds)
    report(found, args.rows, holding_a)
    if not args.skip_lookups:
        lookups(holding_a)


if __name__ == "__main__":
    main()
