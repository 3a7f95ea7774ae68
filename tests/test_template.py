"""The claims templates: the committed files equal a fresh generation (by cell content), the
Policy sheet comes from the policy file, and the native flavour's formulas, recalculated by
LibreOffice, give the engine's numbers cent for cent for every grade × part and issue case."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from openpyxl.worksheet.formula import ArrayFormula

from tests import libreoffice
from xl_claims.cli import main
from xl_claims.core.engine import decide
from xl_claims.core.model import Claim, Status
from xl_claims.core.policy import default_policy_path, load_policy
from xl_claims.core.table import COMPUTED_HEADERS, find_header_row
from xl_claims.excel import cells
from xl_claims.workbook import template

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
NATIVE = TEMPLATES / "claims-template.xlsx"
XLSM = TEMPLATES / "claims-template-xlwings.xlsm"
HEAD = "Head sculpt w/ special functions"
FIRST = template.HEADER_ROW + 1


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
    assert "XLOOKUP" not in text and "_xlfn" not in text and "LET(" not in text
    assert "INDEX(xlc_part_values,MATCH(" in text


def test_the_claims_sheet_is_a_table_the_batch_recognises():
    sheet = load_workbook(NATIVE)["Claims"]
    (table,) = sheet.tables.values()
    assert table.displayName == "Claims" and table.ref == "A5:V505"
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
    assert claims["H1"].value == "=POLICY_VERSION()"
    assert claims["E3"].value == '=SUMPRODUCT(--ISERROR(H6:H505))+COUNTIF(H6:H505,"#*")'
    quickstart = template.quickstart_path()
    with zipfile.ZipFile(XLSM) as ours, zipfile.ZipFile(quickstart) as theirs:
        assert ours.read("xl/vbaProject.bin") == theirs.read("xl/vbaProject.bin")
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(XLSM))
    modules = {name for _, _, name, _ in parser.extract_macros()}
    parser.close()
    assert {"xlwings.bas", "Module1.bas"} <= modules


# --- LibreOffice recalculates the native template -----------------------------------------------

EXTRA_CASES = [
    {"Grade": "l", "Part": "weapon small", "Qty": 3},
    {"Grade": "H", "Part": "head sculpt without special functions"},
    {"Issue": "electronics", "Part": "Joined figure"},
    {"Issue": "Detachment", "Part": "Weapon (large)", "Qty": 2},
    {"Issue": "Breakage", "Part": "Packaging box", "Max value override": 12.34},
    {"Issue": "Detachment", "Part": HEAD, "Max value override": 12.34},  # 3.085 → 3.09
    {"Issue": "Painting", "Part": "Weapon (small)", "Grade": "Medium", "Qty": 4},
    {"Issue": "Severe packaging damage", "Part": HEAD, "Grade": "Low", "Max value override": 30},
    {"Issue": "Breakage", "Part": HEAD, "Replacement available": "yes"},
    {"Issue": "Breakage", "Part": HEAD, "Replacement available": "Y", "Customer choice": "refund"},
    {"Issue": "Breakage", "Part": HEAD, "Replacement available": "no"},
    {"Issue": "Breakage", "Part": HEAD, "Customer choice": "Return"},
    {"Issue": "Minor packaging damage", "Part": HEAD, "Qty": 2},
    {"Issue": "Brekage", "Part": HEAD},
    {"Issue": "Breakage", "Part": "Weapon*"},  # a wildcard is not a match
    {"Issue": "Breakage", "Part": "Hed sculpt"},
    {"Issue": "Breakage", "Part": HEAD, "Grade": "Huge"},
    {"Issue": "Breakage", "Part": HEAD, "Qty": 2.5},
    {"Issue": "Breakage", "Part": HEAD, "Qty": 0},
    {"Issue": "Breakage", "Part": HEAD, "Max value override": -1},
    {"Issue": "Breakage", "Part": HEAD, "Replacement available": "maybe"},
    {"Issue": "Breakage", "Part": HEAD, "Customer choice": "dunno"},
    {"Part": HEAD},  # neither issue nor grade
    {"Issue": "Breakage"},  # no part
    {"Claim ID": "C-blank"},  # a line without issue, part or grade stays empty
]

FIELDS = {
    "Issue": "issue",
    "Part": "part",
    "Grade": "grade",
    "Qty": "quantity",
    "Max value override": "value_override",
    "Replacement available": "replacement_available",
    "Customer choice": "choice",
    "Price paid": "price",
}


def all_cases(policy) -> list[dict]:
    version = policy.latest
    cases = [{"Grade": g, "Part": p} for g in version.grades for p in version.parts]
    cases += [{"Issue": i, "Part": p} for i in version.issues for p in version.parts]
    return cases + EXTRA_CASES


def recalculate(source: Path, cases: list[dict], out_dir: Path) -> list[dict]:
    """Fill the cases into a copy of ``source``, let LibreOffice recalculate, read back."""
    book = load_workbook(source)
    sheet = book["Claims"]
    columns = {h: i for i, h in enumerate(template.NATIVE_HEADERS, start=1)}
    for offset, case in enumerate(cases):
        for header, value in case.items():
            sheet.cell(FIRST + offset, columns[header], value)
    filled = out_dir / "filled.xlsx"
    book.save(filled)
    converted = libreoffice.convert(filled, out_dir / "recalculated")
    result = load_workbook(converted, data_only=True)["Claims"]
    return [
        {h: result.cell(FIRST + offset, c).value for h, c in columns.items()}
        for offset in range(len(cases) + 1)
    ] + [{"summary": [[c.value for c in row] for row in result["D1:H3"]]}]


@pytest.fixture(scope="module")
def native_results(soffice, tmp_path_factory, policy):
    cases = all_cases(policy)
    rows = recalculate(NATIVE, cases, tmp_path_factory.mktemp("native"))
    return cases, rows


def engine_decision(case, policy):
    return decide(Claim(**{FIELDS[h]: v for h, v in case.items() if h in FIELDS}), policy)


def test_every_grade_part_and_issue_case_computes_like_the_engine(native_results, policy):
    cases, rows = native_results
    assert len(cases) == 4 * 18 + 9 * 18 + len(EXTRA_CASES)
    checked = 0
    for case, row in zip(cases, rows, strict=False):
        if not any(case.get(h) for h in ("Issue", "Part", "Grade")):
            assert row["Refund"] is None and row["Status"] is None, case
            continue
        decision = engine_decision(case, policy)
        assert row["Status"] == str(decision.status), case
        if decision.refund is None:
            assert isinstance(row["Refund"], str), case
            assert row["Refund"].startswith(("#REVIEW: ", "#ERROR: ")), case
        else:
            assert isinstance(row["Refund"], int | float), case
            assert Decimal(str(row["Refund"])) == decision.refund, case  # cent for cent
        if decision.status is not Status.ERROR:
            assert row["Resolution"] == str(decision.resolution), case
            assert row["Policy version"] == decision.policy_version
        checked += 1
    assert checked == len(cases) - 1


def test_explanations_match_the_engine(native_results, policy):
    cases, rows = native_results
    for case, row in zip(cases, rows, strict=False):
        if not any(case.get(h) for h in ("Issue", "Part", "Grade")):
            continue
        decision = engine_decision(case, policy)
        if decision.status in (Status.OK, Status.NOT_COVERED):
            assert row["Explanation"] == f"{decision.explanation} [rule {decision.rule}]", case
        elif decision.status is Status.REVIEW:
            assert row["Explanation"] == cells.REVIEW_TEXTS[decision.rule], case
            assert row["Refund"] == cells.cell_value(decision), case  # same text as the UDF
        else:  # the native reason names the same problem, without suggestions
            assert row["Explanation"].split()[:2] == decision.explanation.split()[:2], case


def test_graded_lines_show_grade_rate_and_value(native_results, policy):
    cases, rows = native_results
    shown = 0
    for case, row in zip(cases, rows, strict=False):
        decision = engine_decision(case, policy) if any(case.values()) else None
        if decision and decision.rule.startswith("refund."):
            assert row["Applied grade"] == decision.grade, case
            assert Decimal(str(row["Refund rate"])) == decision.rate, case
            assert Decimal(str(row["Part max value"])) == decision.max_value, case
            shown += 1
    assert shown == 3 * 16 + 66 + 10  # REFUND-style, issue × part, extras


def test_specific_cells_a_user_sees(native_results):
    cases, rows = native_results
    by_case = {tuple(sorted(c.items())): r for c, r in zip(cases, rows, strict=False)}

    def row(**case):
        return by_case[tuple(sorted(case.items()))]

    assert row(Grade="High", Part=HEAD)["Refund"] == 40
    assert row(Issue="Detachment", Part=HEAD, **{"Max value override": 12.34})["Refund"] == 3.09
    painting = row(Issue="Wrong/omission painting for accessories", Part="Weapon (small)")
    assert painting["Refund"] == "#REVIEW: grade depends on staff judgment"
    assert row(Issue="Brekage", Part=HEAD)["Refund"] == "#ERROR: Unknown issue 'Brekage'."
    assert row(Issue="Breakage", Part="Weapon*")["Refund"] == "#ERROR: Unknown part 'Weapon*'."
    detachment = row(Issue="Detachment", Part="Weapon (large)", Qty=2)
    assert detachment["Priced part"] == "No broken accessories (detachment issue)"
    assert detachment["Refund"] == 2.5


def test_the_summary_counts_problem_cells_left_out_of_the_total(native_results, policy):
    cases, rows = native_results
    summary = rows[-1]["summary"]
    decisions = [engine_decision(c, policy) for c in cases if any(c.get(h) for h in FIELDS)]
    total = sum((d.refund for d in decisions if d.refund is not None), Decimal(0))
    problems = sum(d.refund is None for d in decisions)
    assert summary[0][0] == "Total refund" and Decimal(str(round(summary[0][1], 2))) == total
    assert summary[2][0] == "Problem cells (not in the total)" and summary[2][1] == problems
    assert summary[0][3] == "Lines to review"
    assert summary[0][4] == sum(d.status is Status.REVIEW for d in decisions)
    assert summary[1][4] == sum(d.status is Status.ERROR for d in decisions)


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
    ]
    rows = recalculate(source, cases, tmp_path)
    for case, row in zip(cases, rows, strict=False):
        decision = engine_decision(case, policy)
        assert row["Status"] == str(decision.status), case
        if decision.refund is not None:
            assert Decimal(str(row["Refund"])) == decision.refund
            assert row["Explanation"] == f"{decision.explanation} [rule {decision.rule}]"
    assert [r["Refund"] for r in rows[:2]] == [6, 2.19]  # 5.999 → 6.00, 2.185 → 2.19


# --- the command --------------------------------------------------------------------------------


def test_template_command_writes_both_flavours(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["template", str(tmp_path / "c.xlsx"), "--rows", "20"])
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {tmp_path / 'c.xlsx'} (policy AS-2026.1, 20 claim lines)\n"
    sheet = load_workbook(tmp_path / "c.xlsx")["Claims"]
    assert next(iter(sheet.tables.values())).ref == "A5:V25"
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
    assert result.exit_code == 1
    assert result.output.startswith(message)
    assert not list(tmp_path.iterdir())  # nothing half-written
