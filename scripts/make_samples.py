# ruff: noqa: E501 (the sample rows are tables, one claim line per line)
"""Regenerate ``sample_workbooks/``: a clean weekly export, a messy one, and a CSV export.

Reproducible in content: fixed rows and document properties, so a rerun gives the same cells,
formats, merges, table and filter (the zip's timestamps differ; the tests compare cell values,
never bytes). Run: ``python scripts/make_samples.py [OUT_DIR]``.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.table import Table, TableStyleInfo

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "sample_workbooks"
FIXED_TIME = dt.datetime(2026, 3, 16, 9, 0, 0)

HEADERS = ["Claim ID", "Order #", "Claim date", "Customer", "Issue type", "Part", "Grade", "Qty",
           "Max value override", "Replacement available", "Customer choice", "Price paid",
           "Refund paid", "Notes"]  # fmt: skip

#: The clean export: one row per claim line, every status the batch can give.
CLEAN_ROWS = [
    ("C-1001", "SO-5001", dt.date(2026, 3, 9), "A. Rivera", "Breakage", "Head sculpt w/ special functions", None, 1, None, "no", None, 189.0, 40.0, None),
    ("C-1002", "SO-5002", dt.date(2026, 3, 9), "B. Chen", "Electronics", "Head sculpt w/ special functions", None, 1, None, "no", None, 210.5, None, None),
    ("C-1003", "SO-5003", dt.date(2026, 3, 10), "C. Okafor", "Missing accessory", "Weapon (small)", None, 2, None, "no", None, 95.0, 10.0, None),
    ("C-1004", "SO-5004", dt.date(2026, 3, 10), "D. Novak", "Detachment", "Weapon (large)", None, 1, None, None, None, 120.0, None, None),
    ("C-1005", "SO-5005", dt.date(2026, 3, 11), "E. Haddad", "Painting", "Clothes piece w/ special design (middle)", None, 1, None, None, None, 150.0, None, "photos sent"),
    ("C-1006", "SO-5006", dt.date(2026, 3, 11), "F. Laine", "Painting", "Clothes piece w/ special design (middle)", "Medium", 1, None, None, None, 150.0, None, None),
    ("C-1007", "SO-5007", dt.date(2026, 3, 12), "G. Ito", "Breakage", "Figure stand w/ special design", None, 1, None, None, None, 160.0, None, None),
    ("C-1008", "SO-5008", dt.date(2026, 3, 12), "H. Moreau", "Breakage", "Figure stand w/ special design", None, 1, 18.0, None, None, 160.0, None, None),
    ("C-1009", "SO-5009", dt.date(2026, 3, 12), "I. Santos", "Breakage", "Weapon (large)", None, 1, None, "yes", None, 99.0, None, None),
    ("C-1010", "SO-5010", dt.date(2026, 3, 13), "J. Weber", "Minor packaging damage", "Packaging box", None, 1, None, None, None, 130.0, None, None),
    ("C-1011", "SO-5011", dt.date(2026, 3, 13), "K. Dube", "Wrong item", "Joined figure", None, 1, None, None, None, 175.0, None, None),
    ("C-1012", "SO-5012", dt.date(2026, 3, 13), "L. Park", "Cracking", "Seamless figure", "Low", 1, None, None, None, 240.0, None, None),
    ("C-1013", "SO-5013", dt.date(2026, 3, 14), "M. Rossi", "Breakage", "Body w/ special design", None, 1, None, None, "Return", 260.0, None, None),
    ("C-1014", "SO-5014", dt.date(2026, 3, 14), "N. Ahmed", "Breakage", "Cape (sparkly)", None, 1, None, None, None, 140.0, None, "part not in policy"),
    ("C-1015", "SO-5015", dt.date(2026, 3, 14), "O. Kim", "Missing accessory", "Clothes piece w/o special design (large)", None, 3, None, "no", None, 110.0, None, None),
    ("C-1003", "SO-5003", dt.date(2026, 3, 15), "C. Okafor", "Missing accessory", "Weapon (small)", None, 2, None, "no", None, 95.0, None, "sent twice"),
]  # fmt: skip


def _stamp(workbook: Workbook) -> None:
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    workbook.properties.creator = "helpdesk export"


def make_clean(path: Path) -> None:
    """A tidy export: header in row 1, an Excel Table over the data, money and date formats."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Claims"
    sheet.append(HEADERS)
    for row in CLEAN_ROWS:
        sheet.append(list(row))
    last = len(CLEAN_ROWS) + 1
    for row in sheet.iter_rows(min_row=2, max_row=last):
        row[2].number_format = "yyyy-mm-dd"
        row[11].number_format = '"$"#,##0.00'
        row[12].number_format = '"$"#,##0.00'
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [10, 10, 12, 14, 22, 40, 9, 6, 10, 12, 12, 11, 11, 20]
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(65 + index)].width = width
    table = Table(displayName="Claims", ref=f"A1:N{last}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    sheet.add_table(table)
    sheet.freeze_panes = "A2"
    _stamp(workbook)
    workbook.save(path)


def make_messy(path: Path) -> None:
    """What real exports look like: title rows, header variants, merged claim ids, numbers as
    text, a blank row, a formula, an autofilter, unknown names and a bad quantity."""
    workbook = Workbook()
    cover = workbook.active
    cover.title = "Read me"
    cover["A1"] = "Weekly claims export from the helpdesk. The data is on the next sheet."
    sheet = workbook.create_sheet("Export 2026-W11")
    sheet["A1"] = "Helpdesk claims export"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = "Generated 2026-03-16 09:00"
    headers = ["Ticket", "Order\nNo.", "Created at", "Problem", "Accessory", "Severity",
               "Pieces", "Value\u00a0override", "Spare part available?", "Customer choice",
               "Item price", "Amount refunded", "Agent"]  # fmt: skip
    header_row = 4
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(header_row, column, header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True)
    rows = [
        # one claim over three lines: id, order and date merged down
        ("T-2001", "SO-6001", "03/09/2026", "Breakage", "head sculpt w/ special functions", None, "1", None, "No", None, "$189.00", "$40.00", "ana"),
        (None, None, None, "Missing accessory", "Weapon (small)", None, "2", None, "no", None, "$189.00", None, "ana"),
        (None, None, None, "Detachment", "Weapon (large)", None, "1", None, None, None, "$189.00", None, "ana"),
        ("T-2002", "SO-6002", "03/10/2026", "Painting", "Clothes piece w/ special design (large)", "High", "1", None, None, None, "1,441.20", None, "ben"),
        None,  # a blank row between claims, kept blank
        ("T-2003", "SO-6003", "2026-03-11", "Breakage", "Figure stand w/ special design", None, "1", "$21.83", None, None, "$99.00", None, "ben"),
        ("T-2004", "SO-6004", "03/11/2026", "Electronics", "Head sculpt w/ special functions", None, "2.5", None, None, None, "$99.00", None, "cam"),
        ("T-2005", "SO-6005", "03/12/2026", "Breakage", "=HYPERLINK(\"http://example.com\",\"x\")", None, "1", None, None, None, "$99.00", None, "cam"),
        ("T-2006", "SO-6006", "not a date", "Breakage", "Weapon (small)", None, "1", None, None, None, "$99.00", None, "cam"),
        ("T-2007", "SO-6007", "03/13/2026", "Wrong item", "Joined figure", None, "1", None, None, "Keep", "$175.00", None, "dee"),
        ("T-2002", "SO-6002", "03/10/2026", "Painting", "Clothes piece w/ special design (large)", "High", "1", None, None, None, "1,441.20", None, "dee"),
    ]  # fmt: skip
    row_number = header_row + 1
    for values in rows:
        if values is not None:
            for column, value in enumerate(values, start=1):
                cell = sheet.cell(row_number, column)
                cell.value = value
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # a part named like a formula: text, as exported
        row_number += 1
    last = row_number - 1
    for column in (1, 2, 3):  # the three-line claim T-2001
        sheet.merge_cells(start_row=5, start_column=column, end_row=7, end_column=column)
    # a quantity typed as a formula: the batch reads its cached value (injected below, as Excel
    # would have stored it; openpyxl writes formulas without one)
    sheet.cell(14, 7, "=3-2")
    sheet.auto_filter.ref = f"A{header_row}:M{last}"
    for index, width in enumerate([9, 10, 12, 18, 40, 9, 7, 9, 11, 11, 10, 10, 8]):
        sheet.column_dimensions[chr(65 + index)].width = width
    _stamp(workbook)
    workbook.save(path)
    _set_cached_value(path, "xl/worksheets/sheet2.xml", "G14", "1")


def _set_cached_value(path: Path, part: str, ref: str, value: str) -> None:
    """Give one formula cell the cached result a spreadsheet program would have saved."""
    with zipfile.ZipFile(path) as archive:
        parts = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts:
            if info.filename == part:
                text = data.decode()
                start = text.index(f'<c r="{ref}"')
                end = text.index("</c>", start)
                cell = text[start:end].replace("<v />", "").replace("<v></v>", "")
                data = (text[:start] + cell + f"<v>{value}</v>" + text[end:]).encode()
            archive.writestr(info, data)


def make_csv(path: Path) -> None:
    """A shop-system CSV export: ``;`` separated, numbers as text with currency signs."""
    rows = [
        ["RMA", "Order ID", "Date", "Defect", "Component", "Quality grade", "Quantity",
         "Replacement available", "Resolution", "Price paid"],
        ["R-301", "W-9001", "2026-03-09", "Structural breakage", "Weapon (large)", "", "1", "no", "", "$120.00"],
        ["R-302", "W-9002", "2026-03-10", "Surface cracking", "Joined figure", "Medium", "1", "", "", "$99.90"],
        ["R-303", "W-9003", "2026-03-10", "Missing accessory", "Other scene props", "", "4", "", "", "$80.00"],
        ["R-304", "W-9004", "2026-03-11", "Severe packaging damage", "Packaging box", "", "1", "", "", "$150.00"],
        ["R-305", "W-9005", "2026-03-12", "Electronic failure", "Head sculpt w/ special functions", "", "1", "yes", "refund", "$210.00"],
        ["R-306", "W-9006", "2026-03-12", "Breakage", "Sword of doom", "", "1", "", "", "$80.00"],
    ]  # fmt: skip
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\n").writerows(rows)


def main(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    make_clean(out / "weekly-export.xlsx")
    make_messy(out / "weekly-export-messy.xlsx")
    make_csv(out / "weekly-export.csv")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
