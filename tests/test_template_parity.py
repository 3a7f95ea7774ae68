"""The native template never shows a number the engine would not.

Thousands of generated claim lines (every issue × part × grade, quantities at and past the
bounds, numbers typed as text, the spellings the engine's name rule folds, aliases, value
overrides, replacement and customer's choice) are typed into one template, LibreOffice
recalculates it once, and every line is compared with the engine: the same rule id, status,
refund (cent for cent), grade, rate, max value and resolution, or, only where the template says
so with its own ``error.template-*`` rule, an #ERROR text instead of a number.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests import libreoffice
from xl_claims.core.engine import decide
from xl_claims.core.model import Resolution, Status
from xl_claims.core.table import claim_from_values
from xl_claims.workbook import template

HEAD = "Head sculpt w/ special functions"
FIELDS = {
    "Issue": "issue",
    "Part": "part",
    "Grade": "grade",
    "Qty": "quantity",
    "Max value override": "value_override",
    "Replacement available": "replacement",
    "Customer choice": "choice",
    "Price paid": "price",
    "Claim date": "date",
}
#: Marks a line the template errs on where the engine may compute (README: what the native
#: template does not do): numbers typed as text, more than 2 decimals, products too large for
#: exact double arithmetic, more than 3 trailing punctuation marks.
LIMITED = "limited"


def spellings(name: str) -> list[str]:
    """How staff and exports write a policy name: what normalize_name folds."""
    variants = [
        name.upper(),
        name.lower(),
        f"  {name}  ",
        name.replace(" ", "\u00a0"),
        name.replace(" ", "  "),
        name + "\n",
        name.replace(" ", "\r\n", 1),
        name + ".",
        name + " !",
        name + "?!",
        name.replace(" (", "("),
        name.replace("(", "[").replace(")", "]"),
        name.replace("(", "").replace(")", ""),
        "\t" + name,
    ]
    if "w/o" in name:
        variants += [name.replace("w/o", "w / o"), name.replace("w/o", "without")]
        variants += [name.replace("w/o", "W/O"), name.replace("w/o", "w/ o")]
    elif "w/" in name:
        variants += [
            name.replace("w/", "with"),
            name.replace("w/ ", "w/"),
            name.replace("w/", "w /"),
        ]
    return variants


def generated_cases(version) -> list[dict]:
    cases: list[dict] = []
    grades = [None, *version.grades]
    for issue in version.issues:
        for part in version.parts:
            cases += [{"Issue": issue, "Part": part, "Grade": g} for g in grades]
            cases.append({"Issue": issue, "Part": part, "Qty": 3})
            cases.append({"Issue": issue, "Part": part, "Max value override": 12.34})
    cases += [{"Grade": g, "Part": p} for g in version.grades for p in version.parts]
    for part in version.parts:
        cases += [{"Issue": "Breakage", "Part": v} for v in spellings(part)]
    for name, issue in version.issues.items():
        for text in {name, issue.wording, *version.aliases["issue"].get(name, [])}:
            cases += [{"Issue": v, "Part": "Weapon (large)", "Grade": "M"} for v in spellings(text)]
    for name in version.grades:
        for text in (name, *version.aliases["grade"].get(name, [])):
            cases += [{"Grade": v, "Part": "Weapon (large)"} for v in spellings(text)]
    for aliases in version.aliases["part"].values():
        cases += [{"Issue": "Detachment", "Part": v} for a in aliases for v in spellings(a)]
    return cases + value_cases()


def value_cases() -> list[dict]:
    lines = [{"Issue": "Breakage", "Part": HEAD}, {"Grade": "Low", "Part": "Weapon (small)"}]
    cases: list[dict] = []
    for quantity in (1, 1.0, 2, 99_999, 100_000, 100_001, 1e6, 0, -1, 2.5, 1e-9, True):
        cases += [{**line, "Qty": quantity} for line in lines]
    for quantity in ("2", " 3 ", "two", "2,000"):
        cases += [{**line, "Qty": quantity, LIMITED: True} for line in lines]
    cases += [{**line, "Qty": blank} for line in lines for blank in ("", "  ", "\u00a0")]
    overridden = [
        {"Issue": "Breakage", "Part": "Packaging box"},
        {"Issue": "Severe packaging damage", "Part": HEAD, "Grade": "Low"},
        {"Issue": "Detachment", "Part": HEAD},
    ]
    for value in (0, 12.34, 0.01, 0.3, 999_999_999.99, 1e9, 1e9 + 1, -1, -0.01):
        cases += [{**line, "Max value override": value} for line in overridden]
    for value in (12.345, 0.005, 1 / 3):
        cases += [{**line, "Max value override": value, LIMITED: True} for line in overridden]
    for value in ("$21.83", "12", "abc"):
        cases += [{**line, "Max value override": value, LIMITED: True} for line in overridden]
    cases.append({**overridden[0], "Max value override": 1e9, "Qty": 100_000, LIMITED: True})
    cases.append({**overridden[0], "Max value override": 123_456.78, "Qty": 99_999, LIMITED: True})
    flags = ("yes", "Y", "no", "in stock", "Out of stock.", "1", 1, 0, 2, True, False, "maybe")
    choices = (None, "refund", "Refund.", "return", "keep", "replacement", "dunno")
    for flag in flags:
        for choice in choices:
            case = {"Issue": "Breakage", "Part": HEAD, "Replacement available": flag}
            cases.append({**case, "Customer choice": choice})
    dated = {"Issue": "Detachment", "Part": HEAD, "Qty": 2}
    cases += [{**dated, "Claim date": dt.datetime(2026, 1, d)} for d in (1, 2, 31)]
    cases.append({**dated, "Claim date": dt.datetime(2025, 12, 31), LIMITED: True})
    cases.append({**dated, "Claim date": "2026-03-14", LIMITED: True})
    for price in (None, 59.99, "abc", -5):
        cases.append({"Issue": "Mis-shipment", "Part": HEAD, "Price paid": price})
    cases += [
        {"Issue": "\u00a0", "Grade": "High", "Part": "Weapon (small)"},
        {"Issue": "\u200b", "Grade": "High", "Part": "Weapon (small)"},
        {"Issue": "()", "Grade": "High", "Part": "Weapon (small)"},
        {"Issue": "Breakage", "Part": "Weapon*"},
        {"Issue": "Breakage", "Part": "Weapon (small)..."},
        {"Issue": "Breakage", "Part": "Weapon (small)....", LIMITED: True},
        {"Issue": "Breakage", "Part": "Weapon (small) . ."},
        {"Issue": "Breakage", "Part": "Head sculpt w/o w/o special functions"},
        {"Issue": "Breakage", "Part": "Head sculpt w/(o) special functions"},
        {"Issue": "Breakage", "Part": "Head sculptw/o special functions"},
        {"Issue": "Brekage", "Part": HEAD},
        {"Part": HEAD},
        {"Issue": "Breakage"},
        {"Grade": "Huge", "Part": HEAD},
    ]
    return cases


def engine_decision(case: dict, policy):
    """The batch's decision for the line: its own row → claim (text dates parsed), then decide."""
    return decide(claim_from_values({FIELDS[h]: v for h, v in case.items() if h in FIELDS}), policy)


def shown_resolution(decision) -> str | None:
    """What the Resolution column shows: a decided line's resolution, a return request; a line
    still to review or in error has none."""
    if decision.status is Status.ERROR:
        return None
    if decision.status is Status.REVIEW and decision.resolution is not Resolution.RETURN:
        return None
    return str(decision.resolution)


def same_number(shown, expected: Decimal | None) -> bool:
    if expected is None:
        return shown is None
    return isinstance(shown, int | float) and Decimal(str(shown)) == expected


@pytest.fixture(scope="module")
def recalculated(soffice, tmp_path_factory, policy):
    cases = generated_cases(policy.latest)
    folder = tmp_path_factory.mktemp("parity")
    source = template.write_template(folder / "parity.xlsx", policy, rows=len(cases))
    book = load_workbook(source)
    sheet = book["Claims"]
    columns = {h: i for i, h in enumerate(template.NATIVE_HEADERS, start=1)}
    for offset, case in enumerate(cases):
        for header, value in case.items():
            if header in columns and value is not None:
                sheet.cell(template.HEADER_ROW + 1 + offset, columns[header], value)
    book.save(folder / "filled.xlsx")
    result = load_workbook(
        libreoffice.convert(folder / "filled.xlsx", folder / "out"), data_only=True
    )
    rows = result["Claims"].iter_rows(
        min_row=template.HEADER_ROW + 1, max_row=template.HEADER_ROW + len(cases), values_only=True
    )
    return cases, [dict(zip(template.NATIVE_HEADERS, row, strict=False)) for row in rows]


def test_thousands_of_lines_are_generated(recalculated, policy):
    cases, rows = recalculated
    version = policy.latest
    assert len(cases) > 2000
    assert len(rows) == len(cases)
    combos = {(c.get("Issue"), c.get("Part"), c.get("Grade")) for c in cases}
    assert all(
        (i, p, g) in combos for i in version.issues for p in version.parts for g in version.grades
    )


def test_every_line_shows_the_engine_result_or_says_the_template_cannot(recalculated, policy):
    cases, rows = recalculated
    for case, row in zip(cases, rows, strict=True):
        decision = engine_decision(case, policy)
        rule = row["Rule"] or ""
        if case.get(LIMITED):  # an #ERROR text, never a number
            assert row["Status"] == "ERROR" and str(row["Refund"]).startswith("#ERROR: "), case
            continue
        if rule == "":  # no issue, part or grade: an empty line, as the functions show it
            assert decision.status is Status.ERROR and row["Refund"] is None, case
            continue
        assert rule.split(":")[0] == decision.rule, case
        assert row["Status"] == str(decision.status), case
        if decision.refund is None:
            assert str(row["Refund"]).startswith(("#REVIEW: ", "#ERROR: ")), case
        else:
            assert same_number(row["Refund"], decision.refund), (case, row["Refund"])
        assert row["Applied grade"] == decision.grade, case
        assert same_number(row["Refund rate"], decision.rate), case
        assert same_number(row["Part max value"], decision.max_value), case
        assert row["Resolution"] == shown_resolution(decision), case
        assert row["Policy version"] == decision.policy_version, case
        if decision.status in (Status.OK, Status.NOT_COVERED):
            assert row["Explanation"] == f"{decision.explanation} [rule {decision.rule}]", case


def test_the_template_refuses_only_what_it_cannot_compute_exactly(recalculated):
    cases, rows = recalculated
    refused = [
        c
        for c, r in zip(cases, rows, strict=True)
        if (r["Rule"] or "").startswith("error.template-")
    ]
    assert refused == [c for c in cases if c.get(LIMITED) and "...." not in str(c.get("Part"))]
    # text Qty, decimals, text values, sizes, dates (before the version, as text)
    assert len(refused) == 4 * 2 + 3 * 3 + 3 * 3 + 2 + 2


def test_the_spellings_the_engine_folds_compute_in_the_template(recalculated, policy):
    cases, rows = recalculated
    by_part = {
        case.get("Part"): row
        for case, row in zip(cases, rows, strict=True)
        if case.get("Issue") == "Breakage"
    }
    for part in (
        "Clothes piece without special design (small)",
        "Weapon(small)",
        "Weapon (small).",
        "Weapon\u00a0(small)",
        "Weapon (small)\n",
        "Head sculpt w / o special functions",
        "Clothes piece with special design (middle)",
    ):
        assert by_part[part]["Status"] == "OK", part
        assert isinstance(by_part[part]["Refund"], int | float), part
    assert by_part["Weapon(small)"]["Refund"] == 5
    assert by_part["Clothes piece with special design (middle)"]["Refund"] == 20


def test_quantities_past_the_bound_are_errors_like_the_engine(recalculated):
    cases, rows = recalculated
    shown = {
        case["Qty"]: row["Refund"]
        for case, row in zip(cases, rows, strict=True)
        if set(case) == {"Issue", "Part", "Qty"} and case["Part"] == HEAD
    }
    assert shown[100_000] == 4_000_000  # High × 40 × 100,000
    assert shown[100_001] == "#ERROR: Quantity must be a whole number from 1 to 100000, got 100001."
