"""The claims-entry templates written by ``xl-claims template OUT``.

Two flavours share a Policy sheet generated from the policy file (lookup ranges with defined
names, which also feed the dropdowns: Excel caps inline lists at 255 characters):

* ``native`` (.xlsx): every computed column is a plain Excel formula (INDEX/MATCH on the Policy
  sheet; no XLOOKUP, which Excel 2016/2019 and LibreOffice 7.4 lack), so it works without Python.
* ``xlwings`` (.xlsm): built from the quickstart workbook inside the pinned xlwings wheel (its
  VBA kept); its ``xlwings.conf`` sheet names ``xl_claims.udfs`` and two columns call
  ``CLAIM_REFUND``/``CLAIM_EXPLAIN`` once each over the whole table (one Python call per column).

The native formulas follow the engine's order of checks; what they do not do (fuzzy names,
suggestions, text numbers such as "$21.83", several policy versions) is listed in the README.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from xl_claims.core.errors import UsageError
from xl_claims.core.files import write_atomic
from xl_claims.core.model import Resolution
from xl_claims.core.names import normalize_name
from xl_claims.core.policy import Policy, PolicyVersion
from xl_claims.core.table import COMPUTED_HEADERS
from xl_claims.core.values import CHOICE_WORDS, FALSE_WORDS, TRUE_WORDS

FLAVOURS = ("native", "xlwings")
TEMPLATE_FILES = {"native": "claims-template.xlsx", "xlwings": "claims-template-xlwings.xlsm"}
DEFAULT_ROWS = 500
CLAIMS_SHEET, POLICY_SHEET, CONF_SHEET = "Claims", "Policy", "xlwings.conf"
HEADER_ROW = 5  # the table's header row on the Claims sheet; claim lines start below it
POLICY_HEADER_ROW = 7

NATIVE_INPUTS = (
    "Claim ID",
    "Order",
    "Issue",
    "Part",
    "Grade",
    "Qty",
    "Max value override",
    "Replacement available",
    "Customer choice",
    "Price paid",
)
NATIVE_LOOKUPS = ("Policy issue", "Policy part", "Outcome", "Priced part")
NATIVE_HEADERS = NATIVE_INPUTS + NATIVE_LOOKUPS + COMPUTED_HEADERS
XLWINGS_INPUTS = ("Claim ID", "Order", "Issue", "Part", "Grade", "Qty", "Max value override")
XLWINGS_LIVE = ("Live refund", "Live explanation")

_TITLE = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_NOTE = Font(italic=True, color="666666")
_LOOKUP_FILL = PatternFill("solid", fgColor="F2F2F2")


def write_template(
    target: str | os.PathLike,
    policy: Policy,
    flavour: str | None = None,
    rows: int = DEFAULT_ROWS,
) -> Path:
    """Write a claims-entry template for the policy's latest version; return the path.

    The flavour follows the suffix when not given (.xlsm → xlwings, else native). The file is
    written next to the target and moved into place, so a half-written template never exists.
    """
    target = Path(target)
    suffix = target.suffix.lower()
    if flavour is None:
        flavour = "xlwings" if suffix == ".xlsm" else "native"
    if flavour not in FLAVOURS:
        raise UsageError(f"Unknown template flavour {flavour!r}; use native or xlwings.")
    wanted = ".xlsm" if flavour == "xlwings" else ".xlsx"
    if suffix != wanted:
        raise UsageError(f"The {flavour} template is an {wanted} file, got {target.name!r}.")
    if rows < 1:
        raise UsageError(f"A template needs at least one claim line, got {rows}.")
    version = policy.latest
    if flavour == "native":
        book = Workbook()
        claims = book.active
        claims.title = CLAIMS_SHEET
        policy_sheet = book.create_sheet(POLICY_SHEET)
        names = write_policy_sheet(policy_sheet, version)
        _native_claims(claims, version, rows)
    else:
        book = load_workbook(quickstart_path(), keep_vba=True)
        claims = book["Sheet1"]  # keeps its VBA code name
        claims.title = CLAIMS_SHEET
        conf = book["_xlwings.conf"]
        conf.title = CONF_SHEET
        _configure_xlwings(conf)
        policy_sheet = book.create_sheet(POLICY_SHEET)
        names = write_policy_sheet(policy_sheet, version)
        _xlwings_claims(claims, version, rows)
        book.move_sheet(CONF_SHEET, offset=len(book.sheetnames))
    for name, ref in names.items():
        book.defined_names[name] = DefinedName(name, attr_text=ref)
    book.active = 0
    return write_atomic(target, book.save)


def quickstart_path() -> Path:
    """The standalone quickstart workbook inside the installed (pinned) xlwings wheel.

    The standalone one carries xlwings' VBA module, so the template needs no add-in; that VBA
    names the DLL of exactly this xlwings version, hence the pin in pyproject.toml.
    """
    return Path(str(resources.files("xlwings") / "quickstart_standalone.xlsm"))


# --- the Policy sheet ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    name: str  # defined-name stem
    column: int
    headers: tuple[str, ...]
    keys: tuple[str, ...]  # defined-name suffix per column


def _alias_rows(version: PolicyVersion, kind: str) -> list[tuple[str, str]]:
    """Every spelling the native formulas accept for ``kind`` → the canonical name.

    Canonical names, the policy's aliases and issue wordings, and their normalised form
    (``head sculpt without special functions``); MATCH ignores case, so one row per spelling.
    """
    table = {"grade": version.grades, "issue": version.issues, "part": version.parts}[kind]
    rows: dict[str, tuple[str, str]] = {}
    for name in table:
        spellings = [name, *version.aliases[kind].get(name, [])]
        if kind == "issue":
            spellings.append(table[name].wording)
        for spelling in spellings:
            for text in (spelling, normalize_name(spelling)):
                rows.setdefault(text.casefold(), (text, name))
    return list(rows.values())


def write_policy_sheet(sheet: Worksheet, version: PolicyVersion) -> dict[str, str]:
    """Fill the Policy sheet; return defined name → absolute reference."""
    sheet["A1"], sheet["B1"] = "Policy version", version.id
    sheet["A2"], sheet["B2"] = "In force from", version.effective_from
    sheet["B2"].number_format = "yyyy-mm-dd"
    sheet["A3"], sheet["B3"] = "Source", version.source
    sheet["A4"], sheet["B4"] = "Currency", version.currency
    sheet["A5"] = (
        "Generated from the policy file by `xl-claims template`: do not edit here; edit the "
        "policy file and generate the template again."
    )
    sheet["A5"].font = _NOTE
    for cell in ("A1", "A2", "A3", "A4"):
        sheet[cell].font = _BOLD
    grades = [(g.name, _number_or_depends(g.rate)) for g in version.grades.values()]
    issues = [
        (
            i.name,
            i.grade,
            i.outcome,
            i.value_part,
            _number_or_depends(i.discount_rate) if i.outcome == "discount" else None,
        )
        for i in version.issues.values()
    ]
    parts = [(p.name, _number_or_depends(p.max_value)) for p in version.parts.values()]
    blocks = [
        (_Block("grade", 1, ("Grade", "Rate"), ("names", "rates")), grades),
        (
            _Block(
                "issue",
                4,
                ("Issue", "Grade", "Outcome", "Value part", "Discount rate"),
                ("names", "grades", "outcomes", "value_parts", "discount_rates"),
            ),
            issues,
        ),
        (_Block("part", 10, ("Part", "Max value"), ("names", "values")), parts),
        (_Block("grade", 13, ("Grade spelling", "Means"), ("keys", "means")), []),
        (_Block("issue", 16, ("Issue spelling", "Means"), ("keys", "means")), []),
        (_Block("part", 19, ("Part spelling", "Means"), ("keys", "means")), []),
    ]
    names = {
        "xlc_policy_version": f"{sheet.title}!$B$1",
        "xlc_currency": f"{sheet.title}!$B$4",
    }
    for block, data in blocks:
        if block.keys == ("keys", "means"):
            data = _alias_rows(version, block.name)
        for offset, header in enumerate(block.headers):
            cell = sheet.cell(POLICY_HEADER_ROW, block.column + offset, header)
            cell.font = _BOLD
        for row_offset, values in enumerate(data, start=1):
            for offset, value in enumerate(values):
                cell = sheet.cell(POLICY_HEADER_ROW + row_offset, block.column + offset, value)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever the policy text says
        first, last = POLICY_HEADER_ROW + 1, POLICY_HEADER_ROW + len(data)
        for offset, key in enumerate(block.keys):
            column = get_column_letter(block.column + offset)
            ref = f"{sheet.title}!${column}${first}:${column}${last}"
            names[f"xlc_{block.name}_{key}"] = ref
        sheet.column_dimensions[get_column_letter(block.column)].width = 44
    return names


def _number_or_depends(value):
    return "Depends" if value is None else float(value)


# --- the native flavour -------------------------------------------------------------------------


def _esc(ref: str) -> str:
    """A MATCH key from a cell: trimmed, with Excel's wildcards (~ * ?) taken literally."""
    return f'SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(TRIM({ref}),"~","~~"),"*","~*"),"?","~?")'


def _ok(ref: str) -> str:
    return f'AND({ref}<>"",LEFT({ref},1)<>"#")'


def _one_of(ref: str, words) -> str:
    items = ",".join(f'"{w}"' for w in sorted(words))
    return f"OR(LOWER(TRIM({ref}))={{{items}}})"


def native_formulas(row: int) -> dict[str, str]:
    """The formulas of one claim line of the native template, by column header."""
    col = {h: f"{get_column_letter(i)}{row}" for i, h in enumerate(NATIVE_HEADERS, start=1)}
    issue, part, grade, qty = col["Issue"], col["Part"], col["Grade"], col["Qty"]
    override, flag = col["Max value override"], col["Replacement available"]
    choice, price = col["Customer choice"], col["Price paid"]
    k, lp, outcome, priced = (col[h] for h in NATIVE_LOOKUPS)
    applied, rate, value = col["Applied grade"], col["Refund rate"], col["Part max value"]
    refund, resolution = col["Refund"], col["Resolution"]

    def attr(key: str) -> str:
        return f"INDEX(xlc_issue_{key},MATCH({_esc(k)},xlc_issue_names,0))"

    def canonical(kind: str, ref: str) -> str:
        found = f"INDEX(xlc_{kind}_means,MATCH({_esc(ref)},xlc_{kind}_keys,0))"
        unknown = f'"#ERROR: Unknown {kind} \'"&TRIM({ref})&"\'."'
        return f'IF(TRIM({ref})="","",IFERROR({found},{unknown}))'

    words = dict(CHOICE_WORDS)
    every_choice = [w for names in words.values() for w in names]
    blank = f'AND(TRIM({issue})="",TRIM({part})="",TRIM({grade})="")'
    qty_ok = f'OR(TRIM({qty})="",IF(ISNUMBER({qty}),AND({qty}={_int(qty)},{qty}>=1),FALSE))'
    quantity = f'IF(TRIM({qty})="",1,{qty})'
    override_given = f'AND(TRIM({override})<>"",ISNUMBER({override}))'
    override_ok = f'OR(TRIM({override})="",IF(ISNUMBER({override}),{override}>=0,FALSE))'
    flag_true = _one_of(flag, TRUE_WORDS)
    flag_ok = f'OR(TRIM({flag})="",{flag_true},{_one_of(flag, FALSE_WORDS)})'
    choice_ok = f'OR(TRIM({choice})="",{_one_of(choice, every_choice)})'
    wants_return = _one_of(choice, words[Resolution.RETURN])
    wants_refund = _one_of(choice, words[Resolution.REFUND])
    replacement = f"AND({flag_true},NOT({wants_refund}))"
    discount = attr("discount_rates")
    value_part = f'{attr("value_parts")}&""'
    part_or_blank = f'IF({_ok(lp)},{lp},"")'
    discounted = (
        f"IF(ISNUMBER({discount}),"
        f"IF(ISNUMBER({price}),IF({price}>=0,ROUND(ROUND({discount}*{price},10),2),"
        f'"#REVIEW: price paid missing"),IF(TRIM({price})="","#REVIEW: price paid missing",'
        f'"#ERROR: Price paid must be a number.")),'
        f'"#REVIEW: discount depends on staff judgment")'
    )
    checks = [
        (blank, '""'),
        (f"NOT({qty_ok})", '"#ERROR: Quantity must be a positive whole number."'),
        (f'LEFT({k},1)="#"', k),
        (f'LEFT({lp},1)="#"', lp),
        (f'LEFT({applied},1)="#"', applied),
        (f"NOT({override_ok})", '"#ERROR: Value override must be a number of 0 or more."'),
        (f"NOT({flag_ok})", '"#ERROR: Replacement available must be yes or no."'),
        (f"NOT({choice_ok})", f'"#ERROR: Unknown resolution \'"&TRIM({choice})&"\'."'),
        (f'AND({k}="",TRIM({grade})="")', '"#ERROR: A claim line needs an issue or a grade."'),
        (f'{outcome}="not_covered"', "0"),
        (wants_return, '"#REVIEW: return requested"'),
        (f'{outcome}="discount"', discounted),
        (f'{priced}=""', '"#ERROR: A claim line needs a part."'),
        (replacement, "0"),
        (f'{rate}="Depends"', '"#REVIEW: grade depends on staff judgment"'),
        (f'{value}="Depends"', '"#REVIEW: part value depends on the item"'),
    ]
    refund_formula = f"ROUND(ROUND({rate}*{value}*{quantity},10),2)"
    for condition, result in reversed(checks):
        refund_formula = f"IF({condition},{result},{refund_formula})"

    money = f"FIXED({value},2,TRUE)"
    priced_by = (
        f'IF({override_given},"value override "&{money},"\'"&{priced}&"\' max value "&{money})'
    )
    rule = (
        f'IF({override_given},"refund.value-override",'
        f'IF({priced}<>{lp},"refund.value-part","refund.graded"))'
    )
    graded = (
        f'{applied}&" ("&{rate}*100&"%) × "&{priced_by}&" × "&{quantity}&" = "'
        f'&FIXED({refund},2,TRUE)&" "&xlc_currency&" [rule "&{rule}&"]"'
    )
    explanation = (
        f'IF({refund}="","",IF(ISNUMBER({refund}),'
        f'IF({outcome}="not_covered",{k}&" is not covered by the policy: no refund."'
        '&" [rule not-covered]",'
        f'IF({outcome}="discount",{k}&": discount "&{discount}*100&"% × price paid "'
        f'&FIXED({price},2,TRUE)&" = "&FIXED({refund},2,TRUE)&" [rule discount.keep]",'
        f'IF({resolution}="{Resolution.REPLACEMENT}","A replacement "&IF({_ok(lp)},{lp},{priced})'
        f'&" is available: it is sent, no refund. [rule replacement]",{graded}))),'
        f'MID({refund},FIND(" ",{refund})+1,1000)))'
    )
    return {
        "Policy issue": "=" + canonical("issue", issue),
        "Policy part": "=" + canonical("part", part),
        "Outcome": f'=IF({blank},"",IF({_ok(k)},{attr("outcomes")},IF({k}="","refund","")))',
        "Priced part": f'=IF({_ok(k)},IF({value_part}<>"",{value_part},{part_or_blank}),'
        f"{part_or_blank})",
        "Applied grade": "=" + _applied_grade(grade, k, attr("grades")),
        "Refund rate": f"=IF({_ok(applied)},INDEX(xlc_grade_rates,MATCH({_esc(applied)},"
        f'xlc_grade_names,0)),"")',
        "Part max value": f'=IF({override_given},{override},IF({priced}<>"",'
        f'INDEX(xlc_part_values,MATCH({_esc(priced)},xlc_part_names,0)),""))',
        "Refund": "=" + refund_formula,
        "Resolution": f'=IF(OR({refund}="",LEFT({refund},6)="#ERROR"),"",'
        f'IF({outcome}="not_covered","{Resolution.NONE}",IF({wants_return},"{Resolution.RETURN}",'
        f'IF({outcome}="discount","{Resolution.DISCOUNT}",'
        f'IF({replacement},"{Resolution.REPLACEMENT}","{Resolution.REFUND}")))))',
        "Status": f'=IF({refund}="","",IF(ISNUMBER({refund}),'
        f'IF({outcome}="not_covered","NOT COVERED","OK"),'
        f'IF(LEFT({refund},7)="#REVIEW","REVIEW","ERROR")))',
        "Explanation": "=" + explanation,
        "Policy version": f'=IF({refund}="","",xlc_policy_version)',
    }


def _int(ref: str) -> str:
    return f"INT({ref})"


def _applied_grade(grade: str, issue: str, issue_grade: str) -> str:
    found = f"INDEX(xlc_grade_means,MATCH({_esc(grade)},xlc_grade_keys,0))"
    unknown = f'"#ERROR: Unknown grade \'"&TRIM({grade})&"\'."'
    return f'IF(TRIM({grade})<>"",IFERROR({found},{unknown}),IF({_ok(issue)},{issue_grade}&"",""))'


def _summary(sheet: Worksheet, refund_col: str, status_col: str | None, first: int, last: int):
    refunds = f"{refund_col}{first}:{refund_col}{last}"
    sheet["A1"] = "Claims"
    sheet["A1"].font = _TITLE
    labels = [
        ("D1", "Total refund", f"=SUM({refunds})"),
        ("D2", "Total of computed lines", f'=SUMIF({refunds},">=0")'),
        (
            "D3",
            "Problem cells (not in the total)",
            f'=SUMPRODUCT(--ISERROR({refunds}))+COUNTIF({refunds},"#*")',
        ),
    ]
    if status_col:
        statuses = f"{status_col}{first}:{status_col}{last}"
        labels.append(("G1", "Lines to review", f'=COUNTIF({statuses},"REVIEW")'))
        labels.append(("G2", "Lines in error", f'=COUNTIF({statuses},"ERROR")'))
    for ref, label, formula in labels:
        sheet[ref] = label
        sheet[ref].font = _BOLD
        target = sheet[ref].offset(column=1)
        target.value = formula
        target.number_format = "0.00" if "Total" in label else "0"
    sheet["A2"] = "Policy version"
    sheet["B2"] = "=xlc_policy_version"


def _dropdowns(sheet: Worksheet, columns: dict[str, str], first: int, last: int) -> None:
    lists = {"Issue": "xlc_issue_names", "Part": "xlc_part_names", "Grade": "xlc_grade_names"}
    for header, name in lists.items():
        validation = DataValidation(
            type="list",
            formula1=name,
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle="Not a policy name",
            error="Not in the policy's list: the line shows #ERROR unless it is a known alias.",
        )
        validation.add(f"{columns[header]}{first}:{columns[header]}{last}")
        sheet.add_data_validation(validation)


def _table(sheet: Worksheet, headers, first: int, last: int, name: str = "Claims") -> None:
    for offset, header in enumerate(headers, start=1):
        cell = sheet.cell(HEADER_ROW, offset, header)
        cell.font = _BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ref = f"A{HEADER_ROW}:{get_column_letter(len(headers))}{last}"
    table = Table(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    sheet.add_table(table)
    sheet.freeze_panes = f"A{first}"


def _native_claims(sheet: Worksheet, version: PolicyVersion, rows: int) -> None:
    first, last = HEADER_ROW + 1, HEADER_ROW + rows
    columns = {h: get_column_letter(i) for i, h in enumerate(NATIVE_HEADERS, start=1)}
    _table(sheet, NATIVE_HEADERS, first, last)
    for row in range(first, last + 1):
        for header, formula in native_formulas(row).items():
            sheet[f"{columns[header]}{row}"] = formula
    for header in ("Part max value", "Refund", "Max value override", "Price paid"):
        _number_format(sheet, columns[header], first, last, "0.00")
    _number_format(sheet, columns["Refund rate"], first, last, "0%")
    for header in NATIVE_LOOKUPS:
        for row in range(first, last + 1):
            sheet[f"{columns[header]}{row}"].fill = _LOOKUP_FILL
    _dropdowns(sheet, columns, first, last)
    _summary(sheet, columns["Refund"], columns["Status"], first, last)
    widths = {"Issue": 30, "Part": 36, "Explanation": 60, "Policy issue": 30, "Priced part": 30}
    for header, letter in columns.items():
        sheet.column_dimensions[letter].width = widths.get(header, 14)
    sheet["A4"] = (
        "Type or pick Issue, Part, Grade (for 'Depends' issues), Qty; grey and later columns "
        "are computed from the Policy sheet."
    )
    sheet["A4"].font = _NOTE


def _number_format(sheet, letter, first, last, fmt) -> None:
    for row in range(first, last + 1):
        sheet[f"{letter}{row}"].number_format = fmt


# --- the xlwings flavour ------------------------------------------------------------------------


def _configure_xlwings(conf: Worksheet) -> None:
    """The quickstart's settings sheet, activated: UDF Modules = xl_claims.udfs."""
    for row in range(1, conf.max_row + 1):
        if conf.cell(row, 1).value == "UDF Modules":
            conf.cell(row, 2, "xl_claims.udfs")
            return
    raise UsageError("The xlwings quickstart workbook has no 'UDF Modules' setting.")


def _xlwings_claims(sheet: Worksheet, version: PolicyVersion, rows: int) -> None:
    first, last = HEADER_ROW + 1, HEADER_ROW + rows
    columns = {h: get_column_letter(i) for i, h in enumerate(XLWINGS_INPUTS, start=1)}
    _table(sheet, XLWINGS_INPUTS, first, last)
    args = ",".join(
        f"{columns[h]}{first}:{columns[h]}{last}"
        for h in ("Issue", "Part", "Grade", "Qty", "Max value override")
    )
    live = {}
    for offset, (header, function) in enumerate(
        zip(XLWINGS_LIVE, ("CLAIM_REFUND", "CLAIM_EXPLAIN"), strict=True)
    ):
        letter = get_column_letter(len(XLWINGS_INPUTS) + 1 + offset)
        live[header] = letter
        sheet[f"{letter}{HEADER_ROW}"] = header
        sheet[f"{letter}{HEADER_ROW}"].font = _BOLD
        ref = f"{letter}{first}:{letter}{last}"
        sheet[f"{letter}{first}"] = ArrayFormula(ref, f"={function}({args})")
    _number_format(sheet, live["Live refund"], first, last, "0.00")
    _number_format(sheet, columns["Max value override"], first, last, "0.00")
    _dropdowns(sheet, columns, first, last)
    _summary(sheet, live["Live refund"], None, first, last)
    sheet["G1"], sheet["H1"] = "Policy version (Python)", "=POLICY_VERSION()"
    sheet["G2"] = "Policy sheet up to date"
    sheet["H2"] = '=IF(H1=xlc_policy_version,"yes","no: run xl-claims template again")'
    sheet["G1"].font = sheet["G2"].font = _BOLD
    sheet["A4"] = (
        "Live refund and Live explanation are one CLAIM_REFUND / CLAIM_EXPLAIN call each over "
        f"rows {first}-{last} (xlwings, Python); see the README to install."
    )
    sheet["A4"].font = _NOTE
    widths = {"Issue": 30, "Part": 36, "Live explanation": 90}
    for header, letter in {**columns, **live}.items():
        sheet.column_dimensions[letter].width = widths.get(header, 14)
