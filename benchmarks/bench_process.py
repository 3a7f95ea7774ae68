"""Time ``xl-claims process`` end to end against floors measured in the same run.

For each size it generates a weekly export (14 columns, formatted like a real one: bold header,
date and money formats, column widths, an autofilter) and runs, each in a fresh subprocess that
reports its own wall time and peak memory (ru_maxrss):

    (a) openpyxl: load the workbook and save it again — the floor for any openpyxl-based batch;
    (b) python-calamine: read the sheet's values — the floor for reading alone;
    process: ``xl-claims process EXPORT -o OUT --quiet``.

Then, for the largest size, it times the phases of one in-process run (where the time goes) and
prints the top functions of a cProfile run.

    python benchmarks/bench_process.py --rows 10000 100000 [--no-profile]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import io
import json
import pstats
import random
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
HEADERS = ["Claim ID", "Order #", "Claim date", "Customer", "Issue type", "Part", "Grade", "Qty",
           "Max value override", "Replacement available", "Customer choice", "Price paid",
           "Refund paid", "Notes"]  # fmt: skip
ISSUES = ["Breakage", "Electronics", "Missing accessory", "Detachment", "Painting", "Cracking",
          "Minor packaging damage", "Wrong item"]  # fmt: skip
PARTS = ["Head sculpt w/ special functions", "Head sculpt w/o special functions", "Weapon (small)",
         "Weapon (large)", "Joined figure", "Seamless figure", "Other scene props",
         "Clothes piece w/ special design (middle)", "Clothes piece w/o special design (large)",
         "Figure stand w/o special design", "Figure stand w/ special design"]  # fmt: skip


def generate(path: Path, rows: int, seed: int = 11) -> None:
    """A formatted export written with openpyxl's streaming writer (fast, same file format)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    rng = random.Random(seed)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Claims")
    for index, width in enumerate([10, 10, 12, 16, 22, 40, 8, 6, 10, 12, 12, 11, 11, 24]):
        sheet.column_dimensions[chr(65 + index)].width = width
    sheet.auto_filter.ref = f"A1:N{rows + 1}"
    header = []
    for text in HEADERS:
        cell = WriteOnlyCell(sheet, text)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    start = dt.date(2026, 3, 9)

    def styled(value, number_format):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = number_format
        return cell

    for n in range(rows):
        price = round(rng.uniform(80, 400), 2)
        sheet.append(
            [
                f"C-{100000 + n}",
                f"SO-{500000 + n // 2}",
                styled(start + dt.timedelta(days=n % 7), "yyyy-mm-dd"),
                f"Customer {rng.randrange(5000)}",
                rng.choice(ISSUES),
                rng.choice(PARTS),
                rng.choice([None, None, None, "Low", "Medium", "High"]),
                rng.choice([1, 1, 1, 2, 3]),
                rng.choice([None] * 9 + [round(rng.uniform(5, 30), 2)]),
                rng.choice([None, "no", "no", "yes"]),
                rng.choice([None] * 8 + ["refund", "return"]),
                styled(price, '"$"#,##0.00'),
                styled(rng.choice([None, None, round(price / 10, 2)]), '"$"#,##0.00'),
                rng.choice([None, None, "photos sent", "asked for replacement"]),
            ]
        )
    workbook.save(path)


_MEASURE = """
import json, resource, sys, time
start = time.perf_counter()
{body}
elapsed = time.perf_counter() - start
print(json.dumps({{"seconds": elapsed,
                   "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

STEPS = {
    "openpyxl load+save (a)": (
        "from openpyxl import load_workbook\nwb = load_workbook(sys.argv[1])\nwb.save(sys.argv[2])"
    ),
    "calamine read (b)": (
        "from python_calamine import CalamineWorkbook\n"
        "rows = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python()"
    ),
    "xl-claims process": (
        "from xl_claims.cli import main\n"
        "try:\n    main(['process', sys.argv[1], '-o', sys.argv[2], '--quiet'])\n"
        "except SystemExit as exit:\n    assert not exit.code, exit.code"
    ),
}


def measure(step: str, source: Path, target: Path) -> dict:
    """Run one step in a fresh interpreter; its own peak RSS, not the parent's."""
    code = _MEASURE.format(body=STEPS[step])
    done = subprocess.run(
        [sys.executable, "-c", code, str(source), str(target)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def phases(source: Path, target: Path) -> list[tuple[str, float]]:
    """Time each phase of one in-process run (the same calls the batch makes)."""
    from xl_claims.batch import DuplicateTracker, FileResult, _decide_rows, file_sha256
    from xl_claims.core.policy import load_policy
    from xl_claims.workbook.read import claim_sheet_from_workbook, open_workbook
    from xl_claims.workbook.summary import (
        FileInfo,
        RunInfo,
        replace_summary_sheet,
        write_summary,
    )
    from xl_claims.workbook.write import detect_losses, save_atomic, write_computed

    policy = load_policy()
    timings = []
    clock = time.perf_counter()

    def lap(name):
        nonlocal clock
        now = time.perf_counter()
        timings.append((name, now - clock))
        clock = now

    result = FileResult(input=source, sha256=file_sha256(source))
    detect_losses(source)
    lap("sha-256 + zip checks for losses")
    workbook = open_workbook(source)
    lap("openpyxl load (with safety checks)")
    claims = claim_sheet_from_workbook(workbook, source)
    lap("find header, read rows")
    values = _decide_rows(claims, policy, DuplicateTracker(), source.name, result)
    lap("decide rows + duplicates")
    write_computed(workbook[claims.sheet], claims, values, policy.latest.currency)
    lap("write computed cells")
    run = RunInfo(dt.datetime.now(dt.UTC), "bench", ("AS",), policy.latest.currency)
    info = FileInfo(name=source.name, sha256=result.sha256, sheet=claims.sheet)
    write_summary(replace_summary_sheet(workbook), run=run, files=[info], lines=result.lines)
    lap("summary sheet")
    save_atomic(workbook, target)
    lap("openpyxl save")
    return timings


def profile(source: Path, target: Path, top: int = 15) -> str:
    from xl_claims.cli import main

    profiler = cProfile.Profile()
    profiler.enable()
    with contextlib.suppress(SystemExit):  # click exits; the exit code was checked above
        main(["process", str(source), "-o", str(target), "--quiet"])
    profiler.disable()
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(top)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    for rows in args.rows:
        source = OUT / f"export-{rows}.xlsx"
        if not source.exists():
            began = time.perf_counter()
            generate(source, rows)
            print(f"generated {source.name} in {time.perf_counter() - began:.1f} s")
        results = {step: measure(step, source, OUT / "step-output.xlsx") for step in STEPS}
        floor = results["openpyxl load+save (a)"]
        mine = results["xl-claims process"]
        print(f"\n{rows:,} rows ({source.stat().st_size / 1e6:.1f} MB):")
        for step, found in results.items():
            print(
                f"  {step:<24} {found['seconds']:7.2f} s  {found['peak_mb']:7.0f} MB peak  "
                f"{rows / found['seconds']:9,.0f} rows/s"
            )
        print(
            f"  process / (a): time {mine['seconds'] / floor['seconds']:.2f}×, "
            f"peak memory {mine['peak_mb'] / floor['peak_mb']:.2f}× "
            "(target ≤ 1.3× time, ≤ 1.5× memory)"
        )
        calamine = results["calamine read (b)"]
        print(f"  process / (b): time {mine['seconds'] / calamine['seconds']:.1f}×")
    if not args.no_profile:
        source = OUT / f"export-{max(args.rows)}.xlsx"
        print(f"\nPhases of one run on {source.name}:")
        timings = phases(source, OUT / "phases-output.xlsx")
        total = sum(seconds for _, seconds in timings)
        for name, seconds in timings:
            print(f"  {name:<36} {seconds:7.2f} s  {100 * seconds / total:5.1f} %")
        print(f"\nTop functions (cProfile, tottime) on {source.name}:")
        print(profile(source, OUT / "profile-output.xlsx"))


if __name__ == "__main__":
    main()
