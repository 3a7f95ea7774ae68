"""The Claims sheet of both templates: the table, its totals, formats, panes and print setup."""

from __future__ import annotations

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from xl_claims.core.policy import PolicyVersion
from xl_claims.workbook.formats import DATE_FORMAT, RATE_FORMAT, money_format
from xl_claims.workbook.template_formulas import (
    NATIVE_HEADERS,
    NATIVE_HIDDEN,
    NATIVE_LOOKUPS,
    exact_digits,
    native_formulas,
)
from xl_claims.workbook.template_policy import BOLD, FONT_NAME, NOTE

HEADER_ROW = 5  # the table's header row on the Claims sheet; claim lines start below it
XLWINGS_INPUTS = ("Claim ID", "Order", "Issue", "Part", "Grade", "Qty", "Max value override")
XLWINGS_LIVE = ("Live refund", "Live explanation")
_TITLE = Font(name=FONT_NAME, bold=True, size=14)
_LOOKUP_FILL = PatternFill("solid", fgColor="F2F2F2")
#: The header row's own fill: LibreOffice does not draw Excel's table styles.
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WIDTHS = {
    "Claim ID": 16,
    "Order": 11,
    "Issue": 36,
    "Part": 36,
    "Grade": 9,
    "Qty": 6,
    "Max value override": 13,
    "Replacement available": 13,
    "Customer choice": 12,
    "Price paid": 12,
    "Claim date": 11,
    "Policy issue": 30,
    "Policy part": 30,
    "Policy grade": 10,
    "Outcome": 12,
    "Priced part": 30,
    "Applied grade": 10,
    "Refund rate": 10,
    "Part max value": 12,
    "Refund": 18,
    "Resolution": 17,
    "Status": 12,
    "Explanation": 80,
    "Policy version": 11,
    "Live refund": 13,
    "Live explanation": 90,
}


def problem_cells(refunds: str) -> str:
    """Cells that are an error value or a ``#…`` text, each counted once (in LibreOffice too,
    where ``COUNTIF(range, "#*")`` also counts error values)."""
    return f'=SUMPRODUCT(ISERROR({refunds})+ISNUMBER(FIND("#",LEFT({refunds},1))))'


def _table(sheet: Worksheet, headers, last: int) -> dict[str, str]:
    columns = {h: get_column_letter(i) for i, h in enumerate(headers, start=1)}
    for header, letter in columns.items():
        cell = sheet[f"{letter}{HEADER_ROW}"]
        cell.value = header
        cell.font = BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[letter].width = _WIDTHS.get(header, 12)
    sheet.row_dimensions[HEADER_ROW].height = 30  # two lines: the wrapped headers fit
    ref = f"A{HEADER_ROW}:{get_column_letter(len(headers))}{last}"
    table = Table(displayName="Claims", ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    sheet.add_table(table)
    return columns


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


def _summary(sheet: Worksheet, refunds: str, statuses: str | None, currency: str) -> None:
    """Title and totals above the table, label and value side by side in wide columns."""
    sheet["A1"] = "Claims"
    sheet["A1"].font = _TITLE
    cells = [
        ("A2", "Policy version", "=xlc_policy_version", None),
        ("C1", "Total refund", f"=SUM({refunds})", money_format(currency)),
        ("C2", "Total of computed lines", f'=SUMIF({refunds},">=0")', money_format(currency)),
        ("C3", "Problem cells (not in the total)", problem_cells(refunds), "0"),
    ]
    if statuses:
        cells.append(("A3", "Lines to review", f'=COUNTIF({statuses},"REVIEW")', "0"))
        cells.append(("A4", "Lines in error", f'=COUNTIF({statuses},"ERROR")', "0"))
    for ref, label, formula, fmt in cells:
        sheet[ref] = label
        sheet[ref].font = BOLD
        target = sheet[ref].offset(column=1)
        target.value = formula
        target.alignment = Alignment(horizontal="left")
        if fmt:
            target.number_format = fmt


def _formats(sheet: Worksheet, columns: dict[str, str], first: int, last: int, formats) -> None:
    for header, fmt in formats.items():
        if header in columns:
            for row in range(first, last + 1):
                sheet[f"{columns[header]}{row}"].number_format = fmt


def _print_setup(sheet: Worksheet, last_column: str, last: int) -> None:
    """Landscape, one page wide, the header row on every page, only the claims area."""
    sheet.print_area = f"A1:{last_column}{last}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def native_claims(sheet: Worksheet, version: PolicyVersion, rows: int) -> None:
    first, last = HEADER_ROW + 1, HEADER_ROW + rows
    exact_digits(version)  # refuses a policy the formulas cannot compute exactly, before writing
    columns = _table(sheet, NATIVE_HEADERS, last)
    for row in range(first, last + 1):
        for header, formula in native_formulas(row, version).items():
            sheet[f"{columns[header]}{row}"] = formula
    money = money_format(version.currency)
    formats = {h: money for h in ("Part max value", "Refund", "Max value override", "Price paid")}
    formats |= {"Refund rate": RATE_FORMAT, "Claim date": DATE_FORMAT}
    _formats(sheet, columns, first, last, formats)
    for header in NATIVE_LOOKUPS:
        for row in range(first, last + 1):
            sheet[f"{columns[header]}{row}"].fill = _LOOKUP_FILL
    for header in NATIVE_HIDDEN:
        sheet.column_dimensions[columns[header]].hidden = True
    _dropdowns(sheet, columns, first, last)
    refunds, statuses = (f"{columns[h]}{first}:{columns[h]}{last}" for h in ("Refund", "Status"))
    _summary(sheet, refunds, statuses, version.currency)
    sheet["E1"] = (
        "Type or pick Issue, Part, Grade (for 'Depends' issues) and Qty; the grey and later "
        "columns are computed from the Policy sheet."
    )
    sheet["E1"].font = NOTE
    sheet.freeze_panes = f"{columns[NATIVE_LOOKUPS[0]]}{first}"
    _print_setup(sheet, columns["Policy version"], last)


def xlwings_claims(sheet: Worksheet, version: PolicyVersion, rows: int) -> None:
    first, last = HEADER_ROW + 1, HEADER_ROW + rows
    columns = _table(sheet, XLWINGS_INPUTS, last)
    args = ",".join(
        f"{columns[h]}{first}:{columns[h]}{last}"
        for h in ("Issue", "Part", "Grade", "Qty", "Max value override")
    )
    for offset, (header, function) in enumerate(
        zip(XLWINGS_LIVE, ("CLAIM_REFUND", "CLAIM_EXPLAIN"), strict=True)
    ):
        letter = get_column_letter(len(XLWINGS_INPUTS) + 1 + offset)
        columns[header] = letter
        sheet[f"{letter}{HEADER_ROW}"] = header
        sheet[f"{letter}{HEADER_ROW}"].font = BOLD
        sheet[f"{letter}{HEADER_ROW}"].fill = _HEADER_FILL
        sheet[f"{letter}{HEADER_ROW}"].alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[letter].width = _WIDTHS[header]
        ref = f"{letter}{first}:{letter}{last}"
        sheet[f"{letter}{first}"] = ArrayFormula(ref, f"={function}({args})")
    money = money_format(version.currency)
    _formats(sheet, columns, first, last, {"Live refund": money, "Max value override": money})
    _dropdowns(sheet, columns, first, last)
    live = columns["Live refund"]
    _summary(sheet, f"{live}{first}:{live}{last}", None, version.currency)
    label, check = f"{live}1", f"{live}2"  # beside the Live columns: labels short enough
    sheet[label], sheet[check] = "Python policy", "Up to date"
    sheet[label].font = sheet[check].font = BOLD
    explain = columns["Live explanation"]
    sheet[f"{explain}1"] = "=POLICY_VERSION()"
    sheet[f"{explain}2"] = (
        f'=IF({explain}1=xlc_policy_version,"yes","no: run xl-claims template again")'
    )
    for ref in (f"{explain}1", f"{explain}2"):
        sheet[ref].alignment = Alignment(horizontal="left")
    sheet["A4"] = (
        "Live refund and Live explanation are one CLAIM_REFUND / CLAIM_EXPLAIN call each over "
        f"rows {first}-{last} (xlwings, Python); see the README to install."
    )
    sheet["A4"].font = NOTE
    sheet.freeze_panes = f"{live}{first}"
    _print_setup(sheet, columns["Live explanation"], last)
