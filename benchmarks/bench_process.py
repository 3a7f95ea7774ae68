"""Time ``xl-claims process`` end to end against baselines measured in the same run.

For each size it generates two weekly exports of the same claim lines (14 columns, formatted like
a real one: bold header, date and money formats, widths, an autofilter), one with inline strings
(as XlsxWriter and the streaming writers save) and one with a shared-strings table and ``spans``
(as Excel saves), and runs, each in a fresh interpreter that reports its own wall time and peak
memory (``ru_maxrss``):

    openpyxl   load the workbook and save it again: what any openpyxl-based batch costs at least;
    floor      unzip every part, find every row of the sheet, zip every part again (deflate level
               1, as ``process`` writes): what any edit of the package costs at least;
    process    ``xl-claims process EXPORT -o OUT --quiet --force``.

    python benchmarks/bench_process.py --rows 100000 1000000 [--openpyxl-up-to 100000]
        [--repeat 3] [--profile]

openpyxl needs about 8 KB of memory and 0.3 ms per row (1,000,000 rows: ~5 minutes, ~8 GB), so by
default it runs only up to 100,000 rows; ``--openpyxl-up-to`` changes that.
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
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
HEADERS = [
    "Claim ID",
    "Order #",
    "Claim date",
    "Customer",
    "Issue type",
    "Part",
    "Grade",
    "Qty",
    "Max value override",
    "Replacement available",
    "Customer choice",
    "Price paid",
    "Refund paid",
    "Notes",
]
ISSUES = [
    "Breakage",
    "Electronics",
    "Missing accessory",
    "Detachment",
    "Painting",
    "Cracking",
    "Minor packaging damage",
    "Wrong item",
]
PARTS = [
    "Head sculpt w/ special functions",
    "Head sculpt w/o special functions",
    "Weapon (small)",
    "Weapon (large)",
    "Joined figure",
    "Seamless figure",
    "Other scene props",
    "Clothes piece w/ special design (middle)",
    "Clothes piece w/o special design (large)",
    "Figure stand w/o special design",
    "Figure stand w/ special design",
]


def generate_inline(path: Path, rows: int, seed: int = 11, first_id: int = 100000) -> None:
    """The export with inline strings, written by XlsxWriter in constant-memory mode; claim ids
    count up from ``first_id``."""
    import xlsxwriter

    rng = random.Random(seed)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Claims")
    bold = book.add_format({"bold": True})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    money = book.add_format({"num_format": '"$"#,##0.00'})
    for index, width in enumerate([10, 10, 12, 16, 22, 40, 8, 6, 10, 12, 12, 11, 11, 24]):
        sheet.set_column(index, index, width)
    sheet.autofilter(0, 0, rows, len(HEADERS) - 1)
    sheet.write_row(0, 0, HEADERS, bold)
    start = dt.datetime(2026, 3, 9)
    for n in range(rows):
        price = round(rng.uniform(80, 400), 2)
        texts = [
            f"C-{first_id + n}",
            f"SO-{500000 + n // 2}",
            None,
            f"Customer {rng.randrange(5000)}",
            rng.choice(ISSUES),
            rng.choice(PARTS),
            rng.choice([None, None, None, "Low", "Medium", "High"]),
        ]
        for column, text in enumerate(texts):
            if text is not None:
                sheet.write_string(n + 1, column, text)
        sheet.write_datetime(n + 1, 2, start + dt.timedelta(days=n % 7), date)
        sheet.write_number(n + 1, 7, rng.choice([1, 1, 1, 2, 3]))
        override = rng.choice([None] * 9 + [round(rng.uniform(5, 30), 2)])
        if override is not None:
            sheet.write_number(n + 1, 8, override)
        for column, text in (
            (9, rng.choice([None, "no", "no", "yes"])),
            (10, rng.choice([None] * 8 + ["refund", "return"])),
        ):
            if text is not None:
                sheet.write_string(n + 1, column, text)
        sheet.write_number(n + 1, 11, price, money)
        paid = rng.choice([None, None, round(price / 10, 2)])
        if paid is not None:
            sheet.write_number(n + 1, 12, paid, money)
        note = rng.choice([None, None, "photos sent", "asked for replacement"])
        if note is not None:
            sheet.write_string(n + 1, 13, note)
    book.close()


_INLINE = re.compile(rb' t="inlineStr"><is><t(?: xml:space="preserve")?>([^<]*)</t></is>')
_ROW = re.compile(rb'<row r="(\d+)"')


def to_shared_strings(source: Path, target: Path) -> None:
    """The same workbook as Excel saves it: strings in a shared-strings table, rows with spans."""
    index: dict[bytes, int] = {}
    count = 0

    def shared(match: re.Match) -> bytes:
        nonlocal count
        count += 1
        text = match.group(1)
        number = index.get(text)
        if number is None:
            number = index[text] = len(index)
        return b' t="s"><v>%d</v>' % number

    with (
        zipfile.ZipFile(source) as archive,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for info in archive.infolist():
            data = archive.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = _INLINE.sub(shared, data)
                data = _ROW.sub(lambda m: m.group(0) + b' spans="1:14"', data)
            elif info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" '
                    b'ContentType="application/vnd.openxmlformats-officedocument.'
                    b'spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdSST" Type="http://'
                    b"schemas.openxmlformats.org/officeDocument/2006/relationships/"
                    b'sharedStrings" Target="sharedStrings.xml"/></Relationships>',
                )
            out.writestr(info, data)
            del data
        items = b"".join(b"<si><t>%s</t></si>" % text for text in index)
        out.writestr(
            "xl/sharedStrings.xml",
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.'
            b'openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">%s</sst>'
            % (count, len(index), items),
        )


_MEASURE = """
import json, resource, sys, time
start = time.perf_counter()
{body}
elapsed = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"seconds": elapsed, "cpu": usage.ru_utime + usage.ru_stime,
                   "peak_mb": usage.ru_maxrss / 1024}}))
"""

STEPS = {
    "openpyxl": (
        "from openpyxl import load_workbook\nwb = load_workbook(sys.argv[1])\nwb.save(sys.argv[2])"
    ),
    "floor": """
import zipfile, zlib
from xl_claims.workbook.rows import RowStream
rows = 0
with zipfile.ZipFile(sys.argv[1]) as source, zipfile.ZipFile(sys.argv[2], "w") as target:
    for info in source.infolist():
        with source.open(info) as part, target.open(zipfile.ZipInfo(info.filename), "w") as out:
            if info.filename.startswith("xl/worksheets/"):
                stream = RowStream(part)
                out.write(stream.parts.head)
                for _number, row in stream:
                    rows += 1
                    out.write(row)
                out.write(stream.tail)
            else:
                while block := part.read(1 << 20):
                    out.write(block)
""",
    "process": (
        "from xl_claims.cli import main\n"
        "try:\n    main(['process', sys.argv[1], '-o', sys.argv[2], '--quiet', '--force'])\n"
        "except SystemExit as exit:\n    assert not exit.code, exit.code"
    ),
}


def measure(step: str, source: Path, target: Path, repeat: int = 1) -> dict:
    """The best of ``repeat`` runs of one step, each in a fresh interpreter (its own peak RSS
    and CPU time, not the parent's): on a shared machine the best run is the one least slowed
    by others."""
    runs = [_measure_once(step, source, target) for _ in range(repeat)]
    return min(runs, key=lambda run: run["seconds"])


def _measure_once(step: str, source: Path, target: Path) -> dict:
    code = _MEASURE.format(body=STEPS[step])
    if step == "floor":  # zipfile's writer, at the level process uses
        code = code.replace(
            'zipfile.ZipFile(sys.argv[2], "w")',
            'zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED, compresslevel=1)',
        )
    done = subprocess.run(
        [sys.executable, "-c", code, str(source), str(target)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def profile(source: Path, target: Path, top: int = 20) -> str:
    from xl_claims.cli import main

    profiler = cProfile.Profile()
    profiler.enable()
    with contextlib.suppress(SystemExit):  # click exits; the exit code was checked above
        main(["process", str(source), "-o", str(target), "--quiet", "--force"])
    profiler.disable()
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(top)
    return buffer.getvalue()


def exports(rows: int) -> dict[str, Path]:
    """The two exports of ``rows`` lines, generated once (in a child process, so that this one
    stays small: a child's peak memory counts the parent it was forked from)."""
    OUT.mkdir(exist_ok=True)
    inline, shared = OUT / f"export-{rows}-inline.xlsx", OUT / f"export-{rows}-shared.xlsx"
    if not (inline.exists() and shared.exists()):
        began = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--generate", str(rows)], check=True)
        print(f"generated {inline.name}, {shared.name} in {time.perf_counter() - began:.1f} s")
    return {"inline strings": inline, "shared strings": shared}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--openpyxl-up-to", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs of each step")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--generate", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        inline = OUT / f"export-{args.generate}-inline.xlsx"
        generate_inline(inline, args.generate)
        to_shared_strings(inline, OUT / f"export-{args.generate}-shared.xlsx")
        return
    table = []
    for rows in args.rows:
        for kind, source in exports(rows).items():
            steps = [s for s in STEPS if s != "openpyxl" or rows <= args.openpyxl_up_to]
            found = {s: measure(s, source, OUT / f"step-{s}.xlsx", args.repeat) for s in steps}
            mine = found["process"]
            line = {
                "rows": rows,
                "input": kind,
                "MB": source.stat().st_size / 1e6,
                "process s": mine["seconds"],
                "process cpu s": mine["cpu"],
                "rows/s": rows / mine["seconds"],
                "peak MB": mine["peak_mb"],
                "floor s": found["floor"]["seconds"],
                "process/floor": mine["seconds"] / found["floor"]["seconds"],
                "openpyxl s": found.get("openpyxl", {}).get("seconds"),
                "openpyxl peak MB": found.get("openpyxl", {}).get("peak_mb"),
            }
            if line["openpyxl s"]:
                line["openpyxl/process"] = line["openpyxl s"] / mine["seconds"]
            table.append(line)
            print(json.dumps(line), flush=True)
    print(
        "\n| rows | input | process (CPU) | rows/s | peak MB | floor | process / floor | "
        "openpyxl load+save | openpyxl / process |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for t in table:
        openpyxl = (
            f"{t['openpyxl s']:.1f} s, {t['openpyxl peak MB']:.0f} MB"
            if t["openpyxl s"]
            else "not run"
        )
        ratio = f"{t['openpyxl/process']:.1f}×" if t.get("openpyxl/process") else "–"
        print(
            f"| {t['rows']:,} | {t['input']} | {t['process s']:.2f} s "
            f"({t['process cpu s']:.1f} s) | {t['rows/s']:,.0f} | "
            f"{t['peak MB']:.0f} | {t['floor s']:.2f} s | {t['process/floor']:.2f}× | "
            f"{openpyxl} | {ratio} |"
        )
    if args.profile:
        source = exports(max(args.rows))["inline strings"]
        print(f"\nTop functions (cProfile, tottime) on {source.name}:")
        print(profile(source, OUT / "profile-output.xlsx"))


if __name__ == "__main__":
    main()
