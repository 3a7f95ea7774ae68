"""The processed workbook is the input package, whole: every part the batch has no reason to change
is byte-identical (its compressed bytes copied), every byte of the claims sheet is still there,
and the package is valid as Excel checks it (element order, relationships, content types)."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from openpyxl import load_workbook
from PIL import Image
from python_calamine import CalamineWorkbook

from tests import libreoffice
from tests.ooxml import add_claims_sheet, package_problems, without_block
from tests.test_corpus import corpus_files, kind_of
from xl_claims.batch import process_files

HEADERS = ["Claim ID", "Order", "Part", "Issue", "Qty", "Notes"]
#: (claim id, order, part, issue, qty) and the refund a person works out from the policy table.
ROWS = [
    ("C-1", "SO-1", "Weapon (small)", "Breakage", 2, Decimal("10")),  # High 100% x 5 x 2
    ("C-2", "SO-2", "Weapon (large)", "Detachment", 1, Decimal("1.25")),  # Low 25% x 5 (detach)
    ("C-3", "SO-3", "Head sculpt w/ special functions", "Electronics", 1, Decimal("20")),
    ("C-4", "SO-4", "Weapon (small)", "Painting", 1, None),  # REVIEW: grade depends
]
#: openpyxl, one of the two readers that check the output, warns that it would drop these.
pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
CHANGED = {
    "[Content_Types].xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    "docProps/app.xml",
}


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "red").save(buffer, "PNG")
    return buffer.getvalue()


def feature_workbook(path: Path) -> Path:
    """A claims sheet carrying what openpyxl used to drop or change, made by XlsxWriter."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Claims")
    bold = book.add_format({"bold": True, "bg_color": "#FFF2CC"})
    sheet.write_row(0, 0, HEADERS, bold)
    for index, (claim, order, part, issue, qty, _) in enumerate(ROWS, start=1):
        sheet.write_row(index, 0, [claim, order, part, issue])
        sheet.write_formula(index, 4, f"={qty}*1", None, qty)  # Qty as a formula, cached value
    sheet.write_rich_string(1, 5, "photos ", book.add_format({"bold": True}), "sent")
    sheet.write_comment("A2", "A visible note", {"visible": True, "x_scale": 2})
    sheet.write_url(2, 5, "https://example.com", string="link")
    sheet.conditional_format("E2:E5", {"type": "data_bar", "data_bar_2010": True})
    sheet.add_sparkline("G2", {"range": "Claims!E2:E5"})
    sheet.data_validation("D2:D5", {"validate": "list", "source": ["Breakage", "Painting"]})
    sheet.insert_image("H2", "pic.png", {"image_data": io.BytesIO(png())})
    sheet.insert_textbox("H8", "A text box", {"width": 200, "height": 40})
    chart = book.add_chart({"type": "column"})
    chart.add_series({"values": "=Claims!$E$2:$E$5"})
    sheet.insert_chart("H12", chart)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(ROWS), len(HEADERS) - 1)
    sheet.set_column(0, 5, 14)
    other = book.add_worksheet("Notes")
    other.write("A1", "kept as it was")
    book.add_worksheet("Hidden").hide()
    book.define_name("Parts", "=Claims!$C$2:$C$5")
    book.set_custom_property("Checked by", "A. Rivera")
    book.close()
    with zipfile.ZipFile(path, "a") as archive:  # parts no library writes: they travel as blobs
        archive.writestr("xl/threadedComments/threadedComment1.xml", b"<ThreadedComments/>")
        archive.writestr("customXml/item1.xml", b"<data>custom</data>")
    return path


def raw_entries(path: Path) -> dict[str, tuple[int, int, int]]:
    with zipfile.ZipFile(path) as archive:
        return {i.filename: (i.CRC, i.compress_size, i.compress_type) for i in archive.infolist()}


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture(scope="module")
def feature_run(tmp_path_factory, policy):
    folder = tmp_path_factory.mktemp("lossless")
    source = feature_workbook(folder / "features.xlsx")
    result = process_files([source], policy=policy, output=folder / "out.xlsx")
    assert result.errors == []
    return source, folder / "out.xlsx", result


def test_every_part_outside_the_edited_ones_is_copied_byte_for_byte(feature_run):
    source, output, _ = feature_run
    before, after = parts(source), parts(output)
    raw_before, raw_after = raw_entries(source), raw_entries(output)
    assert set(before) <= set(after)
    kept = [name for name in before if name not in CHANGED and name != "xl/worksheets/sheet1.xml"]
    assert len(kept) >= 15  # drawings, vml, comments, media, chart, other sheets, custom parts
    for name in kept:
        assert after[name] == before[name], name
        assert raw_after[name] == raw_before[name], name  # the compressed bytes were copied


def test_every_byte_of_the_claims_sheet_is_kept(feature_run):
    source, output, _ = feature_run
    sheet = "xl/worksheets/sheet1.xml"
    block = {"G", "H", "I", "J", "K", "L", "M", "N"}
    assert without_block(parts(output)[sheet], parts(source)[sheet], block) == parts(source)[sheet]


def test_the_output_is_valid_as_excel_checks_it(feature_run):
    _, output, _ = feature_run
    assert package_problems(output) == []


def test_computed_values_and_what_was_kept_read_back_by_openpyxl_and_calamine(feature_run):
    _, output, result = feature_run
    sheet = load_workbook(output)["Claims"]
    assert [c.value for c in sheet[1]][6:14] == [
        "Applied grade",
        "Refund rate",
        "Part max value",
        "Refund",
        "Resolution",
        "Status",
        "Explanation",
        "Policy version",
    ]
    refunds = [sheet.cell(r, 10).value for r in range(2, 6)]
    assert [None if v is None else Decimal(str(v)) for v in refunds] == [r[5] for r in ROWS]
    assert sheet["E2"].value == "=2*1"  # the formula stays, its cached value was decided
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:N5"
    assert result.total == Decimal("31.25")
    calamine = CalamineWorkbook.from_path(output)
    assert calamine.sheet_names == ["Claims", "Notes", "Hidden", "Summary"]
    values = calamine.get_sheet_by_name("Claims").to_python()
    assert [row[11] for row in values[1:5]] == ["OK", "OK", "OK", "REVIEW"]
    assert values[1][4] == 2  # cached formula value still read


def test_the_output_opens_in_libreoffice_with_the_computed_values(feature_run, soffice, tmp_path):
    _, output, _ = feature_run
    converted = libreoffice.convert(output, tmp_path / "lo")
    sheet = load_workbook(converted, data_only=True)["Claims"]
    assert [sheet.cell(r, 12).value for r in range(2, 6)] == ["OK", "OK", "OK", "REVIEW"]
    assert sheet.cell(2, 10).value == 10


def test_a_second_run_changes_only_the_claims_sheet_and_the_summary(feature_run, tmp_path, policy):
    _, output, _ = feature_run
    again = process_files([output], policy=policy, output=tmp_path / "again.xlsx")
    assert again.errors == []
    first, second = parts(output), parts(tmp_path / "again.xlsx")
    assert set(first) == set(second)
    changed = {name for name in first if first[name] != second[name]}
    assert changed <= {"xl/worksheets/sheet1.xml", "xl/worksheets/sheet4.xml"}  # claims, Summary
    assert package_problems(tmp_path / "again.xlsx") == []
    assert first["xl/worksheets/sheet1.xml"] == second["xl/worksheets/sheet1.xml"]


def test_real_workbooks_with_a_claims_sheet_added_come_back_whole(corpus, tmp_path, policy):
    """Every corpus workbook under 1 MB that is a sane package: a claims sheet is added, the file
    processed; no part but the edited ones changes, the output adds no problem Excel would
    repair, and calamine reads the computed refund."""
    checked, failures = 0, []
    for name in corpus_files(corpus):
        path = corpus / name
        if path.stat().st_size > 1_000_000 or not zipfile.is_zipfile(path):
            continue
        try:
            with_claims = add_claims_sheet(
                path,
                tmp_path / f"{checked}-in{path.suffix}",
                [["Claim ID", "Part", "Issue"], ["C-1", "Weapon (small)", "Breakage"]],
            )
        except (
            KeyError,
            AttributeError,
            StopIteration,
            zipfile.BadZipFile,
            ValueError,
            UnicodeDecodeError,
        ):
            continue  # not a package a sheet can be added to (no workbook part, broken zip)
        out = (
            tmp_path
            / f"{checked}-out{'.xlsm' if path.suffix.lower() in ('.xlsm', '.xltm') else '.xlsx'}"
        )
        result = process_files([with_claims], policy=policy, output=out, sheet="Claims (test)")
        if result.errors:
            if kind_of(result.errors[0][1]) in ("XML entities refused", "damaged or truncated"):
                continue  # hostile or broken: refused with its own message (see test_corpus)
            failures.append(f"{name}: {result.errors[0][1]}")
            continue
        before, after = parts(with_claims), parts(out)
        table_parts = {n for n in after if n.startswith("xl/tables/")}
        for part, data in before.items():
            edited = part in CHANGED or "claimstest" in part or part in table_parts
            if not edited and after.get(part) != data:
                failures.append(f"{name}: part {part} changed")
        new = set(package_problems(out)) - set(package_problems(with_claims))
        if new:
            failures.append(f"{name}: {sorted(new)[:3]}")
        claims = next(data for part, data in after.items() if "claimstest" in part)
        refund = re.search(rb'<c r="G2"[^>]*><v>([^<]*)</v>', claims)
        if refund is None or refund.group(1) != b"5":
            failures.append(f"{name}: refund {refund and refund.group(1)!r}")
        checked += 1
    assert failures == []
    assert checked >= 100
