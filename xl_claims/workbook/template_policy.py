"""The templates' Policy sheet: the policy version as lookup tables, with defined names.

Both flavours' dropdowns read these ranges (Excel caps an inline list at 255 characters), and
the native template's formulas look every name up here. The spellings tables hold each name,
alias and issue wording as ``normalize_name`` folds it (the engine's lookup keys), so that the
formulas accept exactly the spellings the engine accepts.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from xl_claims.core.names import normalize_name
from xl_claims.core.policy import PolicyVersion
from xl_claims.workbook.formats import DATE_FORMAT, RATE_FORMAT, money_format

HEADER_ROW = 7
#: How the Outcome column and the Policy sheet name an issue's outcome.
OUTCOME_LABELS = {
    "refund": "Refund",
    "discount": "Keep with discount",
    "not_covered": "Not covered",
}
#: Fonts name their face: a bold font without one is drawn in a wider fallback by LibreOffice.
FONT_NAME = "Calibri"
BOLD = Font(name=FONT_NAME, bold=True)
NOTE = Font(name=FONT_NAME, italic=True, color="666666")


@dataclass(frozen=True)
class _Block:
    kind: str  # defined-name stem
    column: int
    headers: tuple[str, ...]
    keys: tuple[str, ...]  # defined-name suffix per column
    widths: tuple[int, ...]
    formats: tuple[str | None, ...]


def spelling_rows(version: PolicyVersion, kind: str) -> list[tuple[str, str]]:
    """(lookup key, canonical name) for every spelling the engine accepts for ``kind``."""
    rows: dict[str, str] = {}
    for name in version.names(kind):
        spellings = [name, *version.aliases[kind].get(name, [])]
        if kind == "issue":
            spellings.append(version.issues[name].wording)
        for spelling in spellings:
            rows.setdefault(normalize_name(spelling), name)
    return list(rows.items())


def _depends_or(value):
    return "Depends" if value is None else float(value)


def _blocks(version: PolicyVersion) -> list[tuple[_Block, list[tuple]]]:
    money = money_format(version.currency)
    grades = [(g.name, _depends_or(g.rate)) for g in version.grades.values()]
    issues = [
        (
            i.name,
            i.grade,
            OUTCOME_LABELS[i.outcome],
            i.value_part,
            _depends_or(i.discount_rate) if i.outcome == "discount" else None,
        )
        for i in version.issues.values()
    ]
    parts = [(p.name, _depends_or(p.max_value)) for p in version.parts.values()]
    spelled = ("keys", "means")
    return [
        (
            _Block(
                "grade", 1, ("Grade", "Rate"), ("names", "rates"), (16, 12), (None, RATE_FORMAT)
            ),
            grades,
        ),
        (
            _Block(
                "issue",
                4,
                ("Issue", "Grade", "Outcome", "Value part", "Discount rate"),
                ("names", "grades", "outcomes", "value_parts", "discount_rates"),
                (44, 10, 18, 36, 10),
                (None, None, None, None, RATE_FORMAT),
            ),
            issues,
        ),
        (
            _Block("part", 10, ("Part", "Max value"), ("names", "values"), (44, 12), (None, money)),
            parts,
        ),
        (
            _Block("grade", 13, ("Grade spelling", "Means"), spelled, (18, 10), (None, None)),
            spelling_rows(version, "grade"),
        ),
        (
            _Block("issue", 16, ("Issue spelling", "Means"), spelled, (50, 40), (None, None)),
            spelling_rows(version, "issue"),
        ),
        (
            _Block("part", 19, ("Part spelling", "Means"), spelled, (48, 40), (None, None)),
            spelling_rows(version, "part"),
        ),
    ]


def _header(sheet: Worksheet, version: PolicyVersion) -> None:
    rows = [
        ("Policy version", version.id),
        ("In force from", version.effective_from),
        ("Source", version.source),
        ("Currency", version.currency),
    ]
    for row, (label, value) in enumerate(rows, start=1):
        sheet.cell(row, 1, label).font = BOLD
        cell = sheet.cell(row, 2, value)
        if isinstance(value, str):
            cell.data_type = "s"
        cell.alignment = Alignment(horizontal="left")
    sheet["B2"].number_format = DATE_FORMAT
    sheet["A5"] = (
        "Generated from the policy file by `xl-claims template`: do not edit here; edit the "
        "policy file and generate the template again. The spelling tables hold each name as "
        "the engine matches it (case, spaces, brackets, w/o and trailing punctuation folded)."
    )
    sheet["A5"].font = NOTE


def write_policy_sheet(sheet: Worksheet, version: PolicyVersion) -> dict[str, str]:
    """Fill the Policy sheet; return defined name → absolute reference."""
    _header(sheet, version)
    names = {
        "xlc_policy_version": f"{sheet.title}!$B$1",
        "xlc_currency": f"{sheet.title}!$B$4",
    }
    for block, data in _blocks(version):
        for offset, (header, width) in enumerate(zip(block.headers, block.widths, strict=True)):
            sheet.cell(HEADER_ROW, block.column + offset, header).font = BOLD
            letter = get_column_letter(block.column + offset)
            sheet.column_dimensions[letter].width = width
        for row_offset, values in enumerate(data, start=1):
            for offset, value in enumerate(values):
                cell = sheet.cell(HEADER_ROW + row_offset, block.column + offset, value)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever the policy text says
                fmt = block.formats[offset]
                if fmt and isinstance(value, float):
                    cell.number_format = fmt
        first, last = HEADER_ROW + 1, HEADER_ROW + len(data)
        for offset, key in enumerate(block.keys):
            column = get_column_letter(block.column + offset)
            names[f"xlc_{block.kind}_{key}"] = f"{sheet.title}!${column}${first}:${column}${last}"
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    return names
