"""The claims templates: the committed files equal a fresh generation (by cell content), the
Policy sheet comes from the policy file, the sheets are laid out to be read and printed, and
LibreOffice computes the totals and a discount policy's lines like the engine (the full
engine comparison is tests/test_template_parity.py)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.formula import ArrayFormula

from tests import libreoffice
from xl_claims.cli import main
from xl_claims.core.engine import decide
from xl_claims.core.model import Claim
from xl_claims.core.policy import default_policy_path, load_policy
from xl_claims.core.table import COMPUTED_HEADERS, find_header_row
from xl_claims.workbook import template
from xl_claims.workbook.template_formulas import NATIVE_HIDDEN
from xl_claims.workbook.template_sheets import problem_cells

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
NATIVE = TEMPLATES / "claims-template.xlsx"
XLSM = TEMPLATES / "claims-template-xlwings.xlsm"
HEAD = "Head sculpt w/ special functions"
FIRST = template.HEADER_ROW + 1
USD = "[$USD] #,##0.00;-[$USD] #,##0.00;[$USD] 0.00"


def workbook_content(path: Path) -> dict:
    """What a user sees and what Excel uses: cells (values and formulas), number formats of
    computed cells, validations, names, tables; not timestamps, styles ids or zip layout."""
    book = load_workbook(path, keep_vba=path.suffix == ".xlsm")
    content = {"sheets": book.sheetnames, "names": {}}
    for name, defined in book.defined_names.items():
        content["names"][name] = defined.attr_text
    for sheet in book.worksheets:
        cells_ = {}
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, ArrayFormula):
                    value = ("array", value.ref, value.text)
                if value is not None:
                    cells_[cell.coordinate] = (value, cell.number_format)
        content[sheet.title] = {
            "cells": cells_,
            "validations": sorted(
                (str(v.sqref), v.type, v.formula1) for v in sheet.data_validations.dataValidation
            ),
            "tables": sorted(
                (t.displayName, t.ref, tuple(c.name for c in t.tableColumns))
                for t in sheet.tables.values()
            ),
            "freeze": sheet.freeze_panes,
            "print": (sheet.print_area, sheet.print_title_rows, sheet.page_setup.orientation),
        }
    return content


# --- committed files ----------------------------------------------------------------------------


@pytest.mark.parametrize("flavour", template.FLAVOURS)
def test_the_committed_template_is_a_fresh_generation(flavour, policy, tmp_path):
    committed = TEMPLATES / template.TEMPLATE_FILES[flavour]
    fresh = template.write_template(tmp_path / committed.name, policy, flavour)
    assert workbook_content(committed) == workbook_content(fresh), (
        f"{committed.name} is stale: run python scripts/regenerate_excel_artifacts.py"
    )


def test_the_policy_sheet_is_generated_from_the_policy_file(policy):
    sheet = load_workbook(NATIVE)["Policy"]
    version = policy.latest
    assert sheet["B1"].value == "AS-2026.1"
    assert sheet["B4"].value == "USD"
    grades = [(sheet.cell(r, 1).value, sheet.cell(r, 2).value) for r in range(8, 12)]
    assert grades == [("Low", 0.25), ("Medium", 0.5), ("High", 1), ("Depends", "Depends")]
    parts = {sheet.cell(r, 10).value: sheet.cell(r, 11).value for r in range(8, 8 + 18)}
    assert parts == {
        p.name: ("Depends" if p.max_value is None else float(p.max_value))
        for p in version.parts.values()
    }
    assert parts[HEAD] == 40
    issues = {sheet.cell(r, 4).value: sheet.cell(r, 7).value for r in range(8, 8 + 9)}
    assert issues["The detachment between accessories"] == (
        "No broken accessories (detachment issue)"
    )
    assert sheet.cell(8 + 9, 4).value is None  # exactly the policy's nine issues


def test_dropdowns_are_fed_by_policy_ranges_not_inline_lists():
    book = load_workbook(NATIVE)
    names = {name: d.attr_text for name, d in book.defined_names.items()}
    assert names["xlc_part_names"] == "Policy!$J$8:$J$25"
    assert names["xlc_part_keys"].startswith("Policy!$S$8:$S$")
    assert names["xlc_issue_names"] == "Policy!$D$8:$D$16"
    assert names["xlc_grade_names"] == "Policy!$A$8:$A$11"
    validations = {v.formula1: str(v.sqref) for v in book["Claims"].data_validations.dataValidation}
    assert validations == {
        "xlc_issue_names": f"C{FIRST}:C505",
        "xlc_part_names": f"D{FIRST}:D505",
        "xlc_grade_names": f"E{FIRST}:E505",
    }


def test_native_formulas_use_only_functions_every_engine_has():
    book = load_workbook(NATIVE)
    formulas = [
        c.value
        for row in book["Claims"].iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=")
    ]
    assert len(formulas) > 12 * 500
    text = " ".join(formulas)
    assert "XLOOKUP" not in text and "LET(" not in text
    # the only function newer than Excel 2010: UNICHAR (Excel 2013+, LibreOffice 7.4)
    assert set(re.findall(r"_xlfn\.(\w+)", text)) == {"UNICHAR"}
    assert "INDEX(xlc_part_values,MATCH(" in text


def test_the_claims_sheet_is_a_table_the_batch_recognises():
    sheet = load_workbook(NATIVE)["Claims"]
    (table,) = sheet.tables.values()
    assert table.displayName == "Claims" and table.ref == "A5:AG505"
    rows = [[c.value for c in row] for row in sheet.iter_rows(max_row=8)]
    index, match = find_header_row(rows)
    assert index == template.HEADER_ROW - 1
    assert list(match.computed) == list(COMPUTED_HEADERS)  # the batch's block, in order
    assert match.columns["issue"] == 2 and match.columns["choice"] == 8


def test_the_xlwings_template_is_the_quickstart_workbook_with_its_vba(tmp_path):
    book = load_workbook(XLSM, keep_vba=True)
    assert book.sheetnames == ["Claims", "Policy", "xlwings.conf"]
    conf = book["xlwings.conf"]
    settings = {conf.cell(r, 1).value: conf.cell(r, 2).value for r in range(1, 10)}
    assert settings["UDF Modules"] == "xl_claims.udfs"
    claims = book["Claims"]
    assert claims["H5"].value == "Live refund" and claims["I5"].value == "Live explanation"
    refund = claims["H6"].value
    assert isinstance(refund, ArrayFormula) and refund.ref == "H6:H505"
    assert refund.text == "=CLAIM_REFUND(C6:C505,D6:D505,E6:E505,F6:F505,G6:G505)"
    assert claims["I6"].value.text == "=CLAIM_EXPLAIN(C6:C505,D6:D505,E6:E505,F6:F505,G6:G505)"
    assert (claims["H1"].value, claims["I1"].value) == ("Python policy", "=POLICY_VERSION()")
    assert claims["I2"].value.startswith("=IF(I1=xlc_policy_version,")
    assert claims["D3"].value == problem_cells("H6:H505")
    from oletools.olevba import VBA_Parser

    def modules(path):
        parser = VBA_Parser(str(path))
        found = {stream: code for _, stream, _, code in parser.extract_macros()}
        parser.close()
        return found

    ours, theirs = modules(XLSM), modules(template.quickstart_path())
    assert "Sub SampleCall()" in theirs["VBA/Module1"]
    assert {k: v for k, v in ours.items() if k != "VBA/Module1"} == {
        k: v for k, v in theirs.items() if k != "VBA/Module1"
    }  # xlwings' own module and the others byte for byte
    assert ours["VBA/Module1"].startswith(
        'Attribute VB_Name = "Module1"\r\n'
        "' xl-claims removed the xlwings quickstart sample here; delete this module if you like."
        "\r\n' SHA-256 of the code removed: "
    )
    assert "Sub " not in ours["VBA/Module1"]
    notes = [conf.cell(r, 1).value for r in range(10, conf.max_row + 1)]
    assert not [n for n in notes if n and "Rename this sheet" in n]  # xlwings' quickstart note
    assert [n for n in notes if n] == list(template.CONF_NOTES)


# --- the command --------------------------------------------------------------------------------


def test_template_command_writes_both_flavours(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["template", str(tmp_path / "c.xlsx"), "--rows", "20"])
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {tmp_path / 'c.xlsx'} (policy AS-2026.1, 20 claim lines)\n"
    sheet = load_workbook(tmp_path / "c.xlsx")["Claims"]
    assert next(iter(sheet.tables.values())).ref == "A5:AG25"
    result = runner.invoke(main, ["template", str(tmp_path / "c.xlsm")])
    assert result.exit_code == 0, result.output
    assert load_workbook(tmp_path / "c.xlsm", keep_vba=True).sheetnames[-1] == "xlwings.conf"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x.xlsx", "--flavour", "xlwings"], "Error: The xlwings template is an .xlsm file"),
        (["x.xlsm", "--flavour", "native"], "Error: The native template is an .xlsx file"),
        (["x.xlsx", "--rows", "0"], "Error: A template needs at least one claim line, got 0."),
    ],
)
def test_template_command_refuses_what_excel_would_not_open(args, message, tmp_path):
    args[0] = str(tmp_path / args[0])
    result = CliRunner().invoke(main, ["template", *args])
    assert result.exit_code == 2  # a usage error
    assert result.output.splitlines()[-1].startswith(message)
    assert not list(tmp_path.iterdir())  # nothing half-written


# --- what a user sees and prints ----------------------------------------------------------------


def test_the_policy_sheet_shows_spellings_as_the_engine_matches_them(policy):
    sheet = load_workbook(NATIVE)["Policy"]
    keys = {sheet.cell(r, 19).value: sheet.cell(r, 20).value for r in range(8, sheet.max_row + 1)}
    assert keys["head sculpt without special functions"] == "Head sculpt w/o special functions"
    assert keys["weapon small"] == "Weapon (small)"
    outcomes = {sheet.cell(r, 4).value: sheet.cell(r, 6).value for r in range(8, 17)}
    assert outcomes["Packaging damage (minor)"] == "Not covered"  # a label, not not_covered
    assert outcomes["Mis-shipment"] == "Keep with discount"
    assert sheet["B2"].number_format == "yyyy-mm-dd"
    assert sheet.column_dimensions["B"].width >= 11  # the date, not ###


def test_the_native_claims_sheet_reads_and_prints_well():
    sheet = load_workbook(NATIVE)["Claims"]
    columns = {sheet.cell(5, c).value: sheet.cell(5, c).column_letter for c in range(1, 34)}
    assert sheet.freeze_panes == f"{columns['Policy issue']}6"  # inputs stay while scrolling
    assert sheet.row_dimensions[5].height == 30  # the wrapped headers do not overlap row 6
    for header in ("Refund", "Part max value", "Max value override", "Price paid"):
        assert sheet[f"{columns[header]}6"].number_format == USD, header
    assert sheet["D1"].number_format == USD  # Total refund
    assert sheet[f"{columns['Refund rate']}6"].number_format == "0%"
    assert [sheet.column_dimensions[columns[h]].hidden for h in NATIVE_HIDDEN] == [True] * 9
    assert sheet.print_area == f"'Claims'!$A$1:${columns['Policy version']}$505"
    assert sheet.print_title_rows == "$5:$5"
    assert sheet.page_setup.orientation == "landscape"
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    labels = {sheet[ref].value: sheet.column_dimensions[ref[0]].width for ref in ("A3", "C3")}
    assert all(width >= len(label) + 1 for label, width in labels.items()), labels


# --- LibreOffice computes what the engine does --------------------------------------------------


def test_problem_cells_count_each_error_value_and_text_once(soffice, tmp_path):
    book = Workbook()
    sheet = book.active
    values = [40, "=NA()", "#REVIEW: grade depends on staff judgment", "=1/0", "", None, 0]
    values += ["#ERROR: Unknown part 'x'.", '=""', "text"]
    for row, value in enumerate(values, start=1):
        sheet.cell(row, 1, value)
    sheet["C1"] = problem_cells("A1:A10")
    book.save(tmp_path / "problems.xlsx")
    result = load_workbook(
        libreoffice.convert(tmp_path / "problems.xlsx", tmp_path / "out"), data_only=True
    )
    assert result.active["C1"].value == 4  # #N/A, #DIV/0!, and the two # texts


def recalculate(source: Path, cases: list[dict], out_dir: Path) -> list[dict]:
    """Fill the cases into a copy of ``source``, let LibreOffice recalculate, read back."""
    book = load_workbook(source)
    sheet = book["Claims"]
    columns = {h: i for i, h in enumerate(template.NATIVE_HEADERS, start=1)}
    for offset, case in enumerate(cases):
        for header, value in case.items():
            sheet.cell(FIRST + offset, columns[header], value)
    book.save(out_dir / "filled.xlsx")
    converted = libreoffice.convert(out_dir / "filled.xlsx", out_dir / "recalculated")
    result = load_workbook(converted, data_only=True)["Claims"]
    rows = [
        {h: result.cell(FIRST + offset, c).value for h, c in columns.items()}
        for offset in range(len(cases))
    ]
    totals = {
        result[f"{c}{r}"].value: result[f"{c}{r}"].offset(column=1).value
        for c in "AC"
        for r in range(1, 5)
        if result[f"{c}{r}"].value
    }
    return [*rows, totals]


def test_a_policy_with_a_discount_rate_computes_the_discount_natively(soffice, tmp_path):
    text = default_policy_path().read_text(encoding="utf-8")
    text = text.replace('discount_rate = "Depends"', 'discount_rate = "0.10"')
    path = tmp_path / "discount.toml"
    path.write_text(text, encoding="utf-8")
    policy = load_policy(path)
    source = template.write_template(tmp_path / "discount.xlsx", policy, rows=10)
    cases = [
        {"Issue": "Mis-shipment", "Part": HEAD, "Price paid": 59.99},
        {"Issue": "Mis-shipment", "Part": HEAD, "Price paid": 21.85},
        {"Issue": "Mis-shipment", "Part": HEAD},
        {"Issue": "Mis-shipment", "Part": HEAD, "Price paid": "abc"},
        {"Issue": "Mis-shipment", "Part": HEAD, "Price paid": 10, "Customer choice": "return"},
        {"Issue": "Mis-shipment", "Part": HEAD, "Price paid": 1e10},
    ]
    *rows, totals = recalculate(source, cases, tmp_path)
    fields = {"Issue": "issue", "Part": "part", "Price paid": "price", "Customer choice": "choice"}
    decisions = [decide(Claim(**{fields[h]: v for h, v in c.items()}), policy) for c in cases]
    assert [r["Status"] for r in rows] == ["OK", "OK", "REVIEW", "ERROR", "REVIEW", "ERROR"]
    assert [str(d.status) for d in decisions] == [r["Status"] for r in rows]
    assert [r["Refund"] for r in rows[:2]] == [6, 2.19]  # 5.999 → 6.00, 2.185 → 2.19
    assert rows[0]["Explanation"] == f"{decisions[0].explanation} [rule discount.keep]"
    assert rows[0]["Refund rate"] == 0.1 and rows[0]["Resolution"] == "Keep with discount"
    assert totals["Total refund"] == pytest.approx(8.19)
    assert Decimal(str(totals["Total refund"])) == sum(d.refund for d in decisions[:2])
    assert totals["Problem cells (not in the total)"] == 4
    assert (totals["Lines to review"], totals["Lines in error"]) == (2, 2)


def test_template_command_replaces_an_existing_file_only_with_force(tmp_path):
    target = tmp_path / "claims.xlsx"
    target.write_bytes(b"mine")
    result = CliRunner().invoke(main, ["template", str(target)])
    assert result.exit_code == 2  # a usage error: the command as given cannot run
    assert result.output.endswith(
        f"\nError: {target}: the file exists; give --force to replace it.\n"
    )
    assert target.read_bytes() == b"mine"
    result = CliRunner().invoke(main, ["template", str(target), "--force", "--rows", "3"])
    assert result.exit_code == 0, result.output
    assert load_workbook(target)["Claims"]["A5"].value == "Claim ID"
