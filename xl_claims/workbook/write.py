"""Write the computed columns into a claims sheet, keep the workbook whole, save atomically.

The eight columns come from ``xl_claims.table.computed_values`` (the same cells the Excel button
macro writes). Text from the input is always written as text, never as a formula.
"""

from __future__ import annotations

import contextlib
import os
import re
import zipfile
from collections.abc import Sequence
from copy import copy
from decimal import Decimal
from pathlib import Path

from openpyxl.cell import _writer as _cell_writer_module
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet import _writer as _sheet_writer_module
from openpyxl.worksheet.table import TableColumn
from openpyxl.worksheet.worksheet import Worksheet

from xl_claims.core.files import output_problem, write_atomic
from xl_claims.core.table import COMPUTED_HEADERS
from xl_claims.workbook.formats import RATE_FORMAT, money_format
from xl_claims.workbook.read import ClaimSheet

_WIDTHS = (13, 11, 14, 12, 18, 13, 70, 14)
_MONEY_COLUMNS = ("Part max value", "Refund")
_INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def set_text(cell: Cell, value: object) -> None:
    """Assign a value; a string is stored as a string even when it starts with ``=``.

    Control characters XML cannot hold (a CSV may carry them) become U+FFFD instead of failing.
    """
    if isinstance(value, str):
        value = clean_text(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def clean_text(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)


def computed_block_start(claims: ClaimSheet) -> int:
    """1-based column of the first computed column: the existing block on a re-run, else right of
    the input data."""
    if claims.match.computed:
        return claims.match.computed[COMPUTED_HEADERS[0]] + 1
    return claims.last_column + 1


def write_computed(
    worksheet: Worksheet,
    claims: ClaimSheet,
    rows: Sequence[tuple[int, tuple | None]],
    currency: str,
) -> tuple[int, list[str]]:
    """Write the header and each row's eight values; ``None`` values clear the row's cells.

    ``rows`` holds ``(sheet row, values or None)``; returns ``(first computed column, warnings)``.
    """
    start = computed_block_start(claims)
    header_row = claims.header_row
    _write_headers(worksheet, header_row, start, claims.last_column)
    styles = _column_styles(worksheet, start, currency)
    cells = worksheet._cells
    texts: dict[str, str] = {}  # each distinct string checked once
    for row, values in rows:
        for offset in range(len(COMPUTED_HEADERS)):
            column = start + offset
            value = None if values is None else values[offset]
            if value is None:
                old = cells.get((row, column))
                if old is not None:
                    old._value = None  # clear a stale value, keep the cell's formatting
                continue
            if isinstance(value, str):
                text = texts.get(value)
                if text is None:
                    text = texts[value] = clean_text(value)
                value, data_type = text, "s"
            else:
                data_type = "n"  # Decimal, int: the engine's numbers
            # Built directly (not ws.cell + .value): the same cell, without per-cell type checks.
            cell = Cell(worksheet, row=row, column=column)
            cell._value = value
            cell.data_type = data_type
            cell._style = styles[offset]  # shared per column: nothing restyles these cells
            cells[(row, column)] = cell
    last_row = max([header_row, *(row for row, _ in rows)])
    warnings = extend_filters(worksheet, header_row, start + len(COMPUTED_HEADERS) - 1, last_row)
    return start, warnings


def _write_headers(worksheet: Worksheet, header_row: int, start: int, last_input: int) -> None:
    model = worksheet._cells.get((header_row, last_input))
    for offset, header in enumerate(COMPUTED_HEADERS):
        cell = worksheet.cell(row=header_row, column=start + offset)
        set_text(cell, header)
        if model is not None and model.has_style:
            cell._style = copy(model._style)
        else:
            cell.font = Font(bold=True)
        letter = get_column_letter(start + offset)
        if letter not in worksheet.column_dimensions:
            worksheet.column_dimensions[letter].width = _WIDTHS[offset]


def _column_styles(worksheet: Worksheet, start: int, currency: str) -> list:
    """One style per computed column, built once on a scratch cell and copied to each cell."""
    money = money_format(currency)
    styles = []
    for header in COMPUTED_HEADERS:
        cell = Cell(worksheet)
        if header in _MONEY_COLUMNS:
            cell.number_format = money
        elif header == "Refund rate":
            cell.number_format = RATE_FORMAT
        elif header == "Explanation":
            cell.alignment = Alignment(wrap_text=False, vertical="top")
        else:
            styles.append(None)
            continue
        styles.append(cell._style)
    return styles


def extend_filters(worksheet: Worksheet, header_row: int, last_column: int, last_row: int):
    """Grow an autofilter or Excel Table whose header is the claims header row to the new columns.

    A table that already has a column with a computed header's name (an input column called
    ``Resolution``) cannot take the block: Excel requires unique table column names that equal the
    header cells. That table is left as it was and a warning says so.
    """
    warnings: list[str] = []
    auto = worksheet.auto_filter
    if auto.ref:
        min_col, min_row, max_col, max_row = range_boundaries(auto.ref)
        if min_row == header_row and max_col < last_column:
            auto.ref = _ref(min_col, min_row, last_column, max(max_row, last_row))
    for table in worksheet.tables.values():
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        if min_row != header_row or max_col >= last_column:
            continue
        names = {column.name.casefold() for column in table.tableColumns}
        first_new = max_col + 1
        new = [worksheet.cell(header_row, c).value for c in range(first_new, last_column + 1)]
        clash = [str(n) for n in new if str(n).casefold() in names]
        if clash or any(n is None for n in new):
            warnings.append(
                f"Excel table '{table.displayName}' was not extended to the computed columns: it "
                f"already has a column named {', '.join(repr(c) for c in clash)}; rename that "
                "input column (e.g. 'Customer choice') to have them inside the table."
            )
            continue
        next_id = max((column.id for column in table.tableColumns), default=0) + 1
        for offset, name in enumerate(new):
            table.tableColumns.append(TableColumn(id=next_id + offset, name=str(name)))
        table.ref = _ref(min_col, min_row, last_column, max_row)
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref
    return warnings


def _ref(min_col: int, min_row: int, max_col: int, max_row: int) -> str:
    return f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"


def sheet_title(text: str) -> str:
    """A valid worksheet name from any text (Excel: 31 characters, no ``[]:*?/\\``)."""
    title = _INVALID_SHEET_CHARS.sub("_", text).strip("'") or "Claims"
    return title[:31]


def write_rows(worksheet: Worksheet, rows: Sequence[Sequence[object]]) -> None:
    """Plain rows (a CSV export) into an empty sheet, every string as text."""
    for row_number, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            if value is not None:
                set_text(worksheet.cell(row=row_number, column=column), value)


def save_atomic(workbook: Workbook, target: str | os.PathLike) -> Path:
    """Save through ``core.files.write_atomic``: never half a file, normal permissions."""

    try:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_problem(target, exc) from None

    def save(temporary: Path) -> None:
        with fast_cell_writer():
            workbook.save(temporary)
        _fix_local_sheet_ids(workbook, str(temporary))

    return write_atomic(target, save)


@contextlib.contextmanager
def fast_cell_writer():
    """Serialise plain number and text cells as strings while openpyxl saves (and group rows
    without a sorted copy of every cell).

    openpyxl (without lxml) builds an XML element object per cell, which is most of the time of a
    save. Numbers and plain strings are written here as the same XML text directly; every other
    cell (formulas, dates, booleans, rich text, hyperlinks, errors) goes to openpyxl's own writer.
    """
    if _cell_writer_module.LXML or not hasattr(_sheet_writer_module, "write_cell"):
        yield
        return
    original = _sheet_writer_module.write_cell

    def write_cell(xf, worksheet, cell, styled=None):
        value = cell._value
        kind = cell.data_type
        plain = value is not None and value != "" and cell._hyperlink is None
        if not plain or kind not in ("n", "s"):
            return original(xf, worksheet, cell, styled)
        style = f' s="{cell.style_id}"' if styled else ""
        reference = f"{get_column_letter(cell.column)}{cell.row}"
        if kind == "n" and type(value) in _PLAIN_NUMBERS:
            text = safe_string(value)
            if not text:
                return original(xf, worksheet, cell, styled)
            xf._file(f'<c r="{reference}"{style} t="n"><v>{text}</v></c>')
        elif kind == "s" and type(value) is str:
            stripped = value.strip()
            space = ' xml:space="preserve"' if stripped and stripped != value else ""
            xf._file(
                f'<c r="{reference}"{style} t="inlineStr"><is><t{space}>{_escape(value)}</t>'
                "</is></c>"
            )
        else:
            return original(xf, worksheet, cell, styled)

    writer_class = _sheet_writer_module.WorksheetWriter
    original_rows = writer_class.rows
    _sheet_writer_module.write_cell = write_cell
    writer_class.rows = _rows_in_order
    try:
        yield
    finally:
        _sheet_writer_module.write_cell = original
        writer_class.rows = original_rows


def _rows_in_order(self):
    """openpyxl's ``WorksheetWriter.rows`` without sorting a list of every (key, cell) pair: the
    same rows in the same order, grouped first, so a 2-million-cell sheet needs no 150 MB list."""
    rows: dict[int, list] = {}
    for (row, _column), cell in self.ws._cells.items():
        found = rows.get(row)
        if found is None:
            rows[row] = [cell]
        else:
            found.append(cell)
    for row in self.ws.row_dimensions.keys() - rows.keys():
        rows[row] = []
    for cells in rows.values():
        if len(cells) > 1:
            cells.sort(key=_column_of)
    return sorted(rows.items())


def _column_of(cell) -> int:
    return cell.column


_PLAIN_NUMBERS = (int, float, Decimal)


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _fix_local_sheet_ids(workbook: Workbook, path: str) -> None:
    """openpyxl numbers sheet-level names (print areas, filters) by worksheet, Excel by sheet
    including chart sheets: with a chart sheet before a worksheet, the names land on the wrong
    sheet and openpyxl cannot read its own output. Renumber them in the saved package."""
    sheets = workbook._sheets
    mapping = {i: sheets.index(ws) for i, ws in enumerate(workbook.worksheets)}
    if all(i == j for i, j in mapping.items()):
        return
    with zipfile.ZipFile(path) as archive:
        parts = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts:
            if info.filename == "xl/workbook.xml":
                data = _LOCAL_SHEET_ID.sub(
                    lambda m: f'localSheetId="{mapping.get(int(m.group(1)), int(m.group(1)))}"',
                    data.decode("utf-8"),
                ).encode("utf-8")
            archive.writestr(info, data)


_LOCAL_SHEET_ID = re.compile(r'localSheetId="(\d+)"')


# --- what openpyxl would drop ------------------------------------------------------------------

#: Package parts openpyxl does not carry over, by path prefix.
_LOST_PARTS = (
    ("xl/threadedcomments/", "threaded comments (their plain-note copies are kept)"),
    ("xl/slicers/", "slicers"),
    ("xl/slicercaches/", "slicers"),
    ("xl/timelines/", "timelines"),
    ("xl/richdata/", "pictures placed in cells"),
    ("xl/model/", "the data model (Power Pivot)"),
    ("xl/connections.xml", "external data connections (queries)"),
    ("xl/querytables/", "query tables"),
    ("xl/embeddings/", "embedded objects (OLE)"),
    ("xl/activex/", "ActiveX controls"),
    ("xl/ctrlprops/", "form controls (buttons, check boxes)"),
    ("_xmlsignatures/", "the digital signature (the output is unsigned)"),
    ("customxml/", "custom XML parts"),
    ("xl/featurepropertybag/", "cell check boxes"),
)
#: Markers inside drawing and worksheet XML.
_LOST_MARKERS = (
    ("xl/drawings/drawing", b"<xdr:sp>", "shapes and text boxes"),
    ("xl/drawings/drawing", b"<xdr:sp ", "shapes and text boxes"),
    ("xl/drawings/drawing", b"<xdr:grpSp", "grouped shapes"),
    ("xl/drawings/drawing", b"<xdr:cxnSp", "connector lines"),
    ("xl/worksheets/sheet", b"sparklineGroup", "sparklines"),
    ("xl/worksheets/sheet", b"x14:conditionalFormatting", "x14 conditional formats (data bars)"),
    ("xl/worksheets/sheet", b"x14:dataValidation", "data validations in the x14 extension"),
    ("xl/worksheets/sheet", b"x14:slicerList", "slicers"),
    ("xl/worksheets/sheet", b"<controls", "form controls (buttons, check boxes)"),
)  # fmt: skip


def detect_losses(path: str | os.PathLike, keep_vba: bool = False) -> list[str]:
    """What the input has that an openpyxl-saved copy will not: one name per kind, in order."""
    found: list[str] = []

    def add(what: str) -> None:
        if what not in found:
            found.append(what)

    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = info.filename.lower()
            for prefix, what in _LOST_PARTS:
                if keep_vba and prefix in ("xl/activex/", "xl/ctrlprops/"):
                    continue
                if name.startswith(prefix):
                    add(what)
            markers = [(m, w) for p, m, w in _LOST_MARKERS if name.startswith(p)]
            if markers and name.endswith(".xml"):
                for _marker, what in _scan(archive, info, markers):
                    add(what)
    return found


def _scan(archive: zipfile.ZipFile, info: zipfile.ZipInfo, markers):
    """Stream one part looking for markers (memory: one chunk)."""
    longest = max(len(m) for m, _ in markers)
    tail = b""
    hits = []
    with archive.open(info) as handle:
        while block := handle.read(1 << 20):
            window = tail + block
            for marker, what in markers:
                if marker in window and (marker, what) not in hits:
                    hits.append((marker, what))
            tail = block[-longest:]
    return hits


__all__ = [
    "computed_block_start",
    "detect_losses",
    "extend_filters",
    "save_atomic",
    "set_text",
    "sheet_title",
    "write_computed",
    "write_rows",
]
