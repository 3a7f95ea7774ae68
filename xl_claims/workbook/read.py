"""Read claim sheets and plain tables from .xlsx/.xlsm/.csv files, safely and with bounded memory.

Public API (stable; reconciliation uses it too):

- ``open_workbook(path, *, read_only=False, keep_vba=None, data_only=False, warnings_out=None)``
  → an openpyxl ``Workbook`` after the ``safety`` checks; any failure is a one-line
  ``WorkbookError`` naming the file and what to do.
- ``read_sheet_rows(path, sheet=None)`` → ``(sheet_name, rows)``: a generic table (cached values of
  formulas, trailing blank rows dropped), for payment exports.
- ``read_claims(path, *, sheet=None, header_map=None)`` → ``ClaimSheet``: the claims sheet found by
  its headers (``xl_claims.table`` rules), one ``ClaimRow`` per sheet row below the header.
- ``claim_sheet_from_workbook(wb, path, ...)``: the same from a workbook already open for writing
  (the batch loads once and writes into the same workbook).

Sizes are bounded by the real data, never by the sheet's ``<dimension>`` (the corpus has a sheet
that claims A1:XFD1048576).
"""

from __future__ import annotations

import codecs
import csv
import os
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.worksheet.worksheet import Worksheet

from xl_claims.core.errors import WorkbookError
from xl_claims.core.rows import ClaimRow, claim_rows
from xl_claims.core.table import (
    COMPUTED_HEADERS,
    HeaderMatch,
    find_header_row,
    missing_headers_message,
)
from xl_claims.core.values import is_blank
from xl_claims.workbook.safety import check_workbook, fail

#: Columns read from a sheet; wider tables are cut here (a claims export has ~15-30).
MAX_COLUMNS = 512
#: Characters of text in all cells of a workbook opened for writing (~60 MB for 100,000 rows).
MAX_TEXT_CHARS = 500_000_000
#: Rows searched for the header row.
HEADER_SCAN = 30
#: Longest header text looked at; longer cells are cut before matching (a 1 MB cell is no header).
HEADER_MAX_CHARS = 80
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")
_CSV_ENCODINGS = ("utf-8-sig", "cp1252")


@dataclass
class ClaimSheet:
    """A claims table found in a file: where it is, how its headers matched, and its rows."""

    path: Path
    sheet: str
    header_row: int  # 1-based
    match: HeaderMatch
    rows: list[ClaimRow]
    last_column: int  # 1-based last column holding input data (computed columns excluded)
    has_formulas: bool = False


# --- opening -------------------------------------------------------------------------------------


def is_csv(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in CSV_SUFFIXES


def open_workbook(
    path: str | os.PathLike,
    *,
    read_only: bool = False,
    keep_vba: bool | None = None,
    data_only: bool = False,
    warnings_out: list[str] | None = None,
) -> Workbook:
    """Safety checks, then openpyxl; every failure becomes a one-line ``WorkbookError``.

    ``keep_vba`` defaults to "the package has a VBA project" so that saving an .xlsm keeps its
    macros. openpyxl's load warnings (features it drops) go to ``warnings_out`` instead of stderr.
    """
    info = check_workbook(path)
    if keep_vba is None:
        keep_vba = info.has_vba
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            workbook = load_workbook(
                path, read_only=read_only, keep_vba=keep_vba, data_only=data_only, keep_links=True
            )
        except WorkbookError:
            raise
        except MemoryError:
            raise fail(
                path, "refused: reading the workbook needs more memory than is available."
            ) from None
        except Exception as exc:  # openpyxl raises many types for broken parts
            raise fail(path, _load_problem(exc)) from None
    if warnings_out is not None:
        for warning in caught:
            text = str(warning.message)
            if text not in warnings_out:
                warnings_out.append(text)
    if not workbook.worksheets:
        raise fail(path, "the workbook has no worksheets (only chart sheets or none).")
    if not read_only:
        check_text_volume(workbook, path)
    return workbook


def check_text_volume(workbook: Workbook, path: str | os.PathLike) -> None:
    """Refuse a workbook whose cells hold absurd amounts of text.

    One shared string can be referenced by every cell: a 2 MB file then holds gigabytes of text,
    which loads instantly (one object) but takes hours to save. Real exports hold a few MB.
    """
    total = 0
    for worksheet in workbook.worksheets:
        for cell in worksheet._cells.values():
            value = cell._value
            if type(value) is str:
                total += len(value)
        if total > MAX_TEXT_CHARS:
            raise fail(
                path,
                f"refused: its cells hold more than {MAX_TEXT_CHARS:,} characters of text "
                "(a shared string repeated in many cells); ask the sender for a clean export.",
            )


def _load_problem(exc: BaseException) -> str:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 5:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for item in chain:
        module = type(item).__module__
        text = str(item)
        if module.startswith("defusedxml") or "amplification" in text or "entit" in text.lower():
            return (
                "refused: the workbook's XML declares entities (an XML bomb or external entity "
                "attack); do not open it, ask the sender for a clean export."
            )
    first = chain[0]
    if isinstance(first, KeyError) and "There is no item named" in str(first):
        return (
            f"the workbook is incomplete (missing part {str(first).split()[5]}); "
            "open it in Excel and save it again."
        )
    if isinstance(first, ParseError) or any(isinstance(c, ParseError) for c in chain):
        return (
            "the workbook is damaged (a part is not valid XML); open it in Excel and save it again."
        )
    if isinstance(first, zipfile.BadZipFile | EOFError | zipfile.LargeZipFile):
        return "the workbook is damaged or truncated; copy or export it again."
    detail = " ".join(str(first).split())[:120]
    return (
        f"could not be read as a workbook ({type(first).__name__}: {detail}); "
        "open it in Excel or LibreOffice and save it again as .xlsx."
    )


def _select_sheet(workbook: Workbook, path, sheet: str | None) -> Worksheet:
    if sheet is None:
        return workbook.worksheets[0]
    names = [ws.title for ws in workbook.worksheets]
    if sheet in names:
        return workbook[sheet]
    folded = {n.casefold().strip(): n for n in names}
    if sheet.casefold().strip() in folded:
        return workbook[folded[sheet.casefold().strip()]]
    raise fail(path, f"no sheet named {sheet!r}; its sheets are: {', '.join(names)}.")


# --- generic tables ----------------------------------------------------------------------------


def read_sheet_rows(
    path: str | os.PathLike, sheet: str | None = None
) -> tuple[str, list[list[object]]]:
    """A plain table: ``(sheet name, rows)`` with cached values of formulas, from row 1.

    Rows keep their sheet positions (a blank row is a list of None) up to the last row with a
    value; each row is as wide as the widest used column (at most ``MAX_COLUMNS``). A CSV's sheet
    name is the file's stem and its values are text.
    """
    path = Path(path)
    if is_csv(path):
        return path.stem, _pad(read_csv_rows(path))
    workbook = open_workbook(path, read_only=True, data_only=True)
    try:
        worksheet = _select_sheet(workbook, path, sheet)
        return worksheet.title, _pad(_read_only_rows(worksheet))
    finally:
        workbook.close()


def iter_sheet_rows(path: str | os.PathLike) -> Iterator[tuple[str, list[list[object]]]]:
    """Each sheet as ``read_sheet_rows`` gives it, in workbook order, the file opened once and
    each sheet read only when asked for (to look for a table that is not on the first sheet)."""
    path = Path(path)
    if is_csv(path):
        yield path.stem, _pad(read_csv_rows(path))
        return
    workbook = open_workbook(path, read_only=True, data_only=True)
    try:
        for worksheet in workbook.worksheets:
            yield worksheet.title, _pad(_read_only_rows(worksheet))
    finally:
        workbook.close()


def _read_only_rows(worksheet, max_row: int | None = None, max_col: int = MAX_COLUMNS):
    """Rows of a read-only sheet, bounded by the cells on file (not the declared dimension).

    Uses openpyxl's sheet parser directly: ``iter_rows`` pads every missing row to the requested
    width, which for a sheet formatted down to row 1,048,576 means a million padded rows.
    """
    workbook = worksheet.parent
    rows: dict[int, list[object]] = {}
    with worksheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            worksheet._shared_strings,
            data_only=workbook.data_only,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for index, cells in parser.parse():
            if max_row is not None and index > max_row:
                break
            values = [(c["column"], c["value"]) for c in cells if c["value"] is not None]
            values = [(column, value) for column, value in values if column <= max_col]
            if values:
                row: list[object] = [None] * max(column for column, _ in values)
                for column, value in values:
                    row[column - 1] = value
                rows[index] = row
    last = max(rows, default=0)
    return [rows.get(index, []) for index in range(1, last + 1)]


def _pad(rows: list[list[object]]) -> list[list[object]]:
    width = 0
    for row in rows:
        while row and is_blank(row[-1]):
            row.pop()
        width = max(width, len(row))
    return [row + [None] * (width - len(row)) for row in rows]


def iter_csv_rows(path: str | os.PathLike) -> Iterator[list[object]]:
    """A CSV export's records as text (empty cells None), streamed from the file: the encoding
    (UTF-8 with or without BOM, else Windows-1252) is checked in one pass over the bytes, the
    delimiter (, ; tab) sniffed from the start."""
    path = Path(path)
    if not path.exists():
        raise fail(path, "file not found; check the path.")
    with path.open("rb") as handle:
        start = handle.read(8192)
        if b"\x00" in start[:4096]:
            raise fail(
                path, "not a text CSV file (binary content); export the claims as CSV or .xlsx."
            )
        encoding = _CSV_ENCODINGS[0] if _decodes(handle, start) else _CSV_ENCODINGS[1]
    sample = start.decode(encoding, errors="ignore")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    with path.open(encoding=encoding, newline="") as text:
        reader = csv.reader(text, dialect)
        try:
            for record in reader:
                yield [None if not cell.strip() else cell for cell in record[:MAX_COLUMNS]]
        except csv.Error as exc:
            raise fail(path, f"the CSV cannot be read at line {reader.line_num} ({exc}).") from None


def _decodes(handle, start: bytes) -> bool:
    """True when the whole file is UTF-8 (read in blocks, from ``start`` on)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        block = start
        while block:
            decoder.decode(block)
            block = handle.read(1 << 20)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def read_csv_rows(path: str | os.PathLike) -> list[list[object]]:
    """``iter_csv_rows`` as a list, trailing blank records dropped."""
    rows = list(iter_csv_rows(path))
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    return rows


# --- claim sheets ------------------------------------------------------------------------------


def read_claims(
    path: str | os.PathLike,
    *,
    sheet: str | None = None,
    header_map: Mapping[str, Sequence[str]] | None = None,
) -> ClaimSheet:
    """The claims table of a workbook or CSV (``--sheet`` or the first sheet with the headers)."""
    path = Path(path)
    if is_csv(path):
        return claim_sheet_from_rows(read_csv_rows(path), path, path.stem, header_map)
    workbook = open_workbook(path)
    return claim_sheet_from_workbook(workbook, path, sheet=sheet, header_map=header_map)


def claim_sheet_from_workbook(
    workbook: Workbook,
    path: str | os.PathLike,
    *,
    sheet: str | None = None,
    header_map: Mapping[str, Sequence[str]] | None = None,
) -> ClaimSheet:
    """Find and read the claims table in an open (not read-only) workbook.

    Formula cells in the claim columns are replaced by their cached values (one extra read-only
    pass of that sheet, only when it has such formulas); the workbook itself keeps the formulas.
    """
    path = Path(path)
    candidates = [_select_sheet(workbook, path, sheet)] if sheet else workbook.worksheets
    best: tuple[str, HeaderMatch] | None = None
    for worksheet in candidates:
        grid = SheetGrid(worksheet)
        index, match = find_header_row(grid.head(HEADER_SCAN), header_map, scan=HEADER_SCAN)
        if index is not None:
            return _claim_sheet(grid, path, index + 1, match)
        if best is None or len(match.columns) > len(best[1].columns):
            best = (worksheet.title, match)
    assert best is not None
    if not any(best[1].headers) and all(SheetGrid(ws).empty for ws in candidates):
        where = f"sheet {candidates[0].title!r}" if sheet else "every sheet"
        raise fail(path, f"{where} is empty; export the claims again.")
    if sheet or len(candidates) == 1:
        where = f"sheet {best[0]!r}"
    else:
        where = (
            f"none of its {len(candidates)} sheets has the claim headers; closest is {best[0]!r}"
        )
    raise fail(path, f"{where}: {missing_headers_message(best[1])}.")


class SheetGrid:
    """Cell values of a loaded worksheet, bounded by the cells that hold a value.

    Reads openpyxl's cell dict directly: ``ws.cell()`` would create cells, ``iter_rows`` walks
    every styled cell up to the sheet's dimension.
    """

    def __init__(self, worksheet: Worksheet):
        self.worksheet = worksheet
        self.cells = worksheet._cells  # (row, column) → Cell; openpyxl's storage
        last_row = last_col = 0
        for (row, column), cell in self.cells.items():
            if cell._value is not None:
                last_row = max(last_row, row)
                if column <= MAX_COLUMNS:
                    last_col = max(last_col, column)
        self.last_row, self.last_col = last_row, last_col

    @property
    def empty(self) -> bool:
        return self.last_row == 0

    def value(self, row: int, column: int) -> object:
        cell = self.cells.get((row, column))
        return None if cell is None else cell._value

    def row_values(self, row: int, last_col: int | None = None) -> list[object]:
        return [self.value(row, c) for c in range(1, (last_col or self.last_col) + 1)]

    def head(self, count: int) -> list[list[object]]:
        """The first rows, for header detection (long texts cut: no header is that long)."""
        return [
            [_header_text(v) for v in self.row_values(r)]
            for r in range(1, min(count, self.last_row) + 1)
        ]


def _header_text(value: object) -> object:
    if isinstance(value, str) and len(value) > HEADER_MAX_CHARS:
        return value[:HEADER_MAX_CHARS] + "…"
    return value


def _claim_sheet(grid: SheetGrid, path: Path, header_row: int, match: HeaderMatch) -> ClaimSheet:
    worksheet = grid.worksheet
    computed_columns = {position + 1 for position in match.computed.values()}
    last_column = 0
    for (row, column), cell in grid.cells.items():
        if (
            row >= header_row
            and column not in computed_columns
            and column <= MAX_COLUMNS
            and cell._value is not None
        ):
            last_column = max(last_column, column)
    field_columns = {name: position + 1 for name, position in match.columns.items()}
    formula_columns = [
        column for column in field_columns.values() if _has_formula(grid, column, header_row)
    ]
    cached = _cached_values(path, worksheet.title, grid, formula_columns, header_row)
    width = max(grid.last_col, *(p + 1 for p in match.computed.values()), 1)
    sheet_rows = (
        (row, [cached.get((row, c), grid.value(row, c)) for c in range(1, width + 1)])
        for row in range(header_row + 1, grid.last_row + 1)
    )
    merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in worksheet.merged_cells.ranges]
    rows = list(claim_rows(sheet_rows, match, merges))
    while rows and rows[-1].blank and not any(v is not None for v in rows[-1].stored.values()):
        rows.pop()
    return ClaimSheet(
        path=path,
        sheet=worksheet.title,
        header_row=header_row,
        match=match,
        rows=rows,
        last_column=max(
            [last_column]
            + [p + 1 for p, h in enumerate(match.headers) if h and p + 1 not in computed_columns]
        ),
        has_formulas=bool(formula_columns),
    )


def _has_formula(grid: SheetGrid, column: int, header_row: int) -> bool:
    for row in range(header_row + 1, grid.last_row + 1):
        cell = grid.cells.get((row, column))
        if cell is not None and cell.data_type == "f":
            return True
    return False


def _cached_values(path, title, grid, columns, header_row) -> dict[tuple[int, int], object]:
    """Cached results of formula cells, from a second (read-only, values) pass of the sheet."""
    if not columns:
        return {}
    workbook = open_workbook(path, read_only=True, data_only=True, keep_vba=False)
    try:
        rows = _read_only_rows(workbook[title], max_row=grid.last_row, max_col=max(columns))
    finally:
        workbook.close()
    cached = {}
    for row in range(header_row + 1, grid.last_row + 1):
        values = rows[row - 1] if row - 1 < len(rows) else []
        for column in columns:
            cell = grid.cells.get((row, column))
            if cell is not None and cell.data_type == "f":
                cached[(row, column)] = values[column - 1] if column - 1 < len(values) else None
    return cached


def claim_sheet_from_rows(
    rows: Sequence[Sequence[object]],
    path: str | os.PathLike,
    sheet: str,
    header_map: Mapping[str, Sequence[str]] | None = None,
) -> ClaimSheet:
    """A claims table from plain rows (a CSV export): no merges, no formulas."""
    path = Path(path)
    if not rows:
        raise fail(path, "the file is empty; export the claims again.")
    head = [[_header_text(v) for v in row] for row in rows[:HEADER_SCAN]]
    index, match = find_header_row(head, header_map, scan=HEADER_SCAN)
    if index is None:
        raise fail(path, f"{missing_headers_message(match)}.")
    computed = set(match.computed.values())
    last_column = max(
        (p + 1 for p, h in enumerate(match.headers) if h and p not in computed), default=0
    )
    for cells in rows[index + 1 :]:
        for position, value in enumerate(cells):
            if position not in computed and not is_blank(value):
                last_column = max(last_column, position + 1)
    found = list(claim_rows(enumerate(rows[index + 1 :], start=index + 2), match))
    while found and found[-1].blank:
        found.pop()
    return ClaimSheet(
        path=path,
        sheet=sheet,
        header_row=index + 1,
        match=match,
        rows=found,
        last_column=last_column,
    )


def iter_claim_rows(sheet: ClaimSheet) -> Iterable[ClaimRow]:
    """The rows to decide: non-blank rows, in sheet order."""
    return (row for row in sheet.rows if not row.blank)


__all__ = [
    "COMPUTED_HEADERS",
    "MAX_COLUMNS",
    "ClaimRow",
    "ClaimSheet",
    "SheetGrid",
    "claim_sheet_from_rows",
    "claim_sheet_from_workbook",
    "is_csv",
    "iter_claim_rows",
    "iter_csv_rows",
    "open_workbook",
    "read_claims",
    "read_csv_rows",
    "read_sheet_rows",
]
