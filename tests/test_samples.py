"""The sample exports against reviewed text goldens, and their outputs opened by LibreOffice.

Goldens live in ``tests/data/samples/`` as CSV (one line per sheet row: the computed columns; the
Summary sheet's first six columns). After a reviewed change, regenerate them with
``XLC_UPDATE_GOLDENS=1 pytest tests/test_samples.py`` and read the diff.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image

from tests import libreoffice
from xl_claims.batch import process_files
from xl_claims.core.table import COMPUTED_HEADERS

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks"
GOLDENS = Path(__file__).resolve().parent / "data" / "samples"
NOW = dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC)
UPDATE = os.environ.get("XLC_UPDATE_GOLDENS") == "1"
VOLATILE = {"SHA-256", "Tool version"}  # checked separately; they change with the tool


@pytest.fixture(scope="module")
def processed(tmp_path_factory, policy):
    out = tmp_path_factory.mktemp("processed")
    result = process_files([SAMPLES], policy=policy, output_dir=out, now=NOW)
    assert result.errors == []
    return result


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def computed_table(path: Path, sheet: str) -> str:
    ws = load_workbook(path)[sheet]
    header_row = next(
        row[0].row for row in ws.iter_rows() if "Applied grade" in [c.value for c in row]
    )
    headers = [c.value for c in ws[header_row]]
    start = headers.index("Applied grade") + 1
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["row", *COMPUTED_HEADERS])
    for row in ws.iter_rows(min_row=header_row + 1, min_col=start, max_col=start + 7):
        writer.writerow([row[0].row, *(text(c.value) for c in row)])
    return buffer.getvalue()


def summary_table(path: Path) -> str:
    ws = load_workbook(path)["Summary"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in ws.iter_rows(max_col=6):
        values = [text(c.value) for c in row]
        while values and not values[-1]:
            values.pop()
        if values and any(values[0].endswith(label) for label in VOLATILE):
            values[1] = "<" + values[0].split(": ")[-1] + ">"
        writer.writerow(values)
    return buffer.getvalue()


def check_golden(name: str, actual: str) -> None:
    golden = GOLDENS / name
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert actual == golden.read_text(encoding="utf-8"), f"{name} differs from its golden"


@pytest.mark.parametrize(
    ("output", "sheet"),
    [
        ("weekly-export.xlsx", "Claims"),
        ("weekly-export-messy.xlsx", "Export 2026-W11"),
        ("weekly-export.csv.xlsx", "weekly-export"),
    ],
)
def test_computed_columns_and_summary_match_the_goldens(processed, output, sheet):
    path = processed.summary.parent / output
    check_golden(f"{output}.computed.csv", computed_table(path, sheet))
    check_golden(f"{output}.summary.csv", summary_table(path))


def test_run_summary_matches_its_golden(processed):
    check_golden("summary.xlsx.summary.csv", summary_table(processed.summary))


def test_totals_equal_the_sum_of_the_refund_cells(processed):
    grand = Decimal("0.00")
    for item in processed.files:
        ws = load_workbook(item.output)[item.sheet]
        refunds = []
        statuses = []
        for row in ws.iter_rows(values_only=True):
            if "Refund" in row and "Status" in row:
                refund_at, status_at = row.index("Refund"), row.index("Status")
                continue
            if statuses is not None and len(row) > 8 and row[-3] is not None:
                refunds.append(row[refund_at])
                statuses.append(row[status_at])
        total = sum((Decimal(str(r)) for r in refunds if r is not None), Decimal("0.00"))
        assert total == item.total
        assert len(statuses) == item.line_count
        summary = load_workbook(item.output)["Summary"]
        labelled = {r[0]: r[1] for r in summary.iter_rows(max_col=2, values_only=True)}
        assert Decimal(str(labelled["Total refund"])) == total
        grand += total
    assert grand == processed.total == Decimal("322.33")


def test_messy_sample_keeps_formula_merges_blank_row_and_filter(processed):
    ws = load_workbook(processed.summary.parent / "weekly-export-messy.xlsx")["Export 2026-W11"]
    assert ws["G14"].value == "=3-2"  # the formula stays
    assert ws["S14"].value == "REVIEW"  # and its cached value 1 was decided
    assert {str(r) for r in ws.merged_cells.ranges} == {"A5:A7", "B5:B7", "C5:C7"}
    assert [ws.cell(9, c).value for c in range(1, 22)] == [None] * 21  # blank row stays blank
    assert ws.auto_filter.ref == "A4:U15"
    assert ws["E12"].data_type == "s"


def test_clean_sample_table_grows_over_the_computed_columns(processed):
    ws = load_workbook(processed.summary.parent / "weekly-export.xlsx")["Claims"]
    table = ws.tables["Claims"]
    assert table.ref == "A1:V17"
    assert [c.name for c in table.tableColumns][-8:] == list(COMPUTED_HEADERS)
    assert processed.files[2].warnings == []


def test_outputs_open_in_libreoffice_and_the_summary_renders(processed, soffice, tmp_path):
    outputs = [item.output for item in processed.files] + [processed.summary]
    for path in outputs:
        converted = libreoffice.convert(path, tmp_path / "lo")
        workbook = load_workbook(converted, data_only=True)
        assert "Summary" in workbook.sheetnames
        labelled = {r[0]: r[1] for r in workbook["Summary"].iter_rows(max_col=2, values_only=True)}
        expected = processed.total if path == processed.summary else None
        if expected is None:
            expected = next(i.total for i in processed.files if i.output == path)
        assert Decimal(str(labelled["Total refund"])) == expected
    png = libreoffice.render_png(processed.summary, tmp_path / "png")
    with Image.open(png) as image:
        assert image.width > 400 and image.height > 300
        dark = sum(image.convert("L").histogram()[:128])
        assert dark > 2000  # text and the chart's bars were drawn


def test_the_processed_sample_its_summary_and_the_run_summary_render(processed, soffice, tmp_path):
    """LibreOffice prints them to PNG pages (kept in $XLC_RENDER_DIR when set, to look at): the
    claims sheet with its computed columns, the Summary with its chart, the run summary."""
    keep = os.environ.get("XLC_RENDER_DIR")
    folder = Path(keep) if keep else tmp_path
    sample = processed.summary.parent / "weekly-export.xlsx"
    pages = libreoffice.render_pages(sample, folder / "sample", dpi=70)
    summary_pages = libreoffice.render_pages(processed.summary, folder / "run", dpi=70)
    assert len(pages) >= 2 and summary_pages
    for png in [*pages, *summary_pages]:
        with Image.open(png) as image:
            assert image.width > 400 and image.height > 300
            assert sum(image.convert("L").histogram()[:128]) > 300  # text was drawn
    with Image.open(summary_pages[0]) as image:
        assert sum(image.convert("L").histogram()[:128]) > 2000  # the tables and the chart's bars


def test_the_run_summary_gives_each_files_refund_and_they_add_up_to_the_total(processed):
    summary = load_workbook(processed.summary)["Summary"]
    labelled = {r[0]: r[1] for r in summary.iter_rows(max_col=2, values_only=True) if r[0]}
    per_file = [Decimal(str(labelled[f"File {n}: Refund"])) for n in (1, 2, 3)]
    assert per_file == [item.total for item in processed.files]
    assert sum(per_file) == Decimal(str(labelled["Total refund"])) == Decimal("322.33")
    assert labelled["File 3: Lines per status"] == (
        "OK 9, REVIEW 4, NOT COVERED 1, ERROR 1, DUPLICATE 1"
    )


def test_every_output_is_valid_as_excel_checks_it(processed):
    from tests.ooxml import package_problems

    for path in [item.output for item in processed.files] + [processed.summary]:
        assert package_problems(path) == [], path
