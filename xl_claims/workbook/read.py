"""Read claim sheets and plain tables from .xlsx/.xlsm/.csv files, safely and with bounded memory.

Public API (stable; reconciliation uses it too):

- ``read_sheet_rows(path, sheet=None)`` → ``(sheet_name, rows)``: a generic table (cached values of
  formulas, trailing blank rows dropped), for payment exports; ``iter_sheet_rows`` gives every
  sheet in turn.
- ``read_claims(path, *, sheet=None, header_map=None)`` → ``ClaimSheet``: the claims sheet found by
  its headers (``core.table`` rules), one ``ClaimRow`` per sheet row below the header.

Workbooks are read by streaming their sheet parts (``workbook.rows``), never by building them in a
library's object model: sizes are bounded by the cells on file, never by the sheet's declared
``<dimension>`` (the corpus has a sheet that claims A1:XFD1048576).
"""

from __future__ import annotations

import codecs
import csv
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from xl_claims.core.rows import ClaimRow, claim_rows
from xl_claims.core.table import (
    COMPUTED_HEADERS,
    HeaderMap,
    HeaderMatch,
    find_header_row,
    missing_headers_message,
)
from xl_claims.core.values import is_blank
from xl_claims.workbook.claimsheet import (
    HEADER_MAX_CHARS,
    HEADER_SCAN,
    ClaimsLayout,
    find_claims_sheet,
    open_sources,
    select_sheet,
    sheet_values,
)
from xl_claims.workbook.layout import lay_out
from xl_claims.workbook.package import Package
from xl_claims.workbook.rows import COLUMN_OF, SheetSyntaxError, row_cells
from xl_claims.workbook.safety import fail

#: A plain table (a payment export) and a CSV read as rows are cut at this column: a stray cell
#: far to the right must not make every row thousands of cells wide. The batch reads a claims
#: sheet's rows whole (``_rows_below``), and writes a CSV's every field (``csvbook``).
MAX_COLUMNS = 512
#: The longest CSV field read (the csv module's default, 131,072, would refuse a long note; a
#: field over Excel's 32,767-character cell limit becomes an ERROR line naming the cell).
MAX_FIELD_CHARS = 1 << 30
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


def is_csv(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in CSV_SUFFIXES


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
    with Package.open(path) as package:
        sources, _styles = open_sources(package)
        source = select_sheet(sources, sheet) if sheet else sources[0]
        return source.name, _pad(sheet_values(source, last_column=MAX_COLUMNS))


def iter_sheet_rows(path: str | os.PathLike) -> Iterator[tuple[str, list[list[object]]]]:
    """Each sheet as ``read_sheet_rows`` gives it, in workbook order, the file opened once and
    each sheet read only when asked for (to look for a table that is not on the first sheet)."""
    path = Path(path)
    if is_csv(path):
        yield path.stem, _pad(read_csv_rows(path))
        return
    with Package.open(path) as package:
        sources, _styles = open_sources(package)
        for source in sources:
            yield source.name, _pad(sheet_values(source, last_column=MAX_COLUMNS))


def _pad(rows: list[list[object]]) -> list[list[object]]:
    width = 0
    for row in rows:
        while row and is_blank(row[-1]):
            row.pop()
        width = max(width, len(row))
    while rows and not rows[-1]:
        rows.pop()
    return [row + [None] * (width - len(row)) for row in rows]


def iter_csv_rows(
    path: str | os.PathLike, max_columns: int | None = MAX_COLUMNS
) -> Iterator[list[object]]:
    """A CSV export's records as text (empty cells None, cut at ``max_columns`` unless None),
    streamed from the file: the encoding (UTF-8 with or without BOM, else Windows-1252) is
    checked in one pass over the bytes, the delimiter (, ; tab) sniffed from the start."""
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
    csv.field_size_limit(MAX_FIELD_CHARS)
    with path.open(encoding=encoding, newline="") as text:
        reader = csv.reader(text, dialect)
        try:
            for record in reader:
                yield [None if not cell.strip() else cell for cell in record[:max_columns]]
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
    rows: list[list[object]] = list(iter_csv_rows(path))
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    return rows


# --- claim sheets ------------------------------------------------------------------------------


def read_claims(
    path: str | os.PathLike,
    *,
    sheet: str | None = None,
    header_map: HeaderMap | None = None,
) -> ClaimSheet:
    """The claims table of a workbook or CSV (``--sheet`` or the first sheet with the headers)."""
    path = Path(path)
    if is_csv(path):
        return claim_sheet_from_rows(read_csv_rows(path), path, path.stem, header_map)
    with Package.open(path) as package:
        sources, _styles = open_sources(package)
        source, header_row, match, head = find_claims_sheet(sources, sheet, header_map)
        layout = lay_out(source, header_row, match, head)
        formulas = [False]
        merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in layout.merges]
        rows = list(claim_rows(_rows_below(layout, formulas), match, merges))
    while rows and rows[-1].blank and not any(v is not None for v in rows[-1].stored.values()):
        rows.pop()
    return ClaimSheet(
        path=path,
        sheet=source.name,
        header_row=header_row,
        match=match,
        rows=rows,
        last_column=layout.last_column,
        has_formulas=formulas[0],
    )


def _rows_below(layout: ClaimsLayout, formulas: list[bool]) -> Iterator[tuple[int, list[object]]]:
    """``(sheet row, cell values from column A)`` for every row below the header (rows the file
    leaves out as empty lists, a Table's totals rows left out); ``formulas[0]`` is set when a
    claim field holds a formula."""
    source = layout.source
    field_letters = set(layout.field_letters.values())
    stream = source.rows()
    expected = layout.header_row + 1
    try:
        for number, row in stream:
            if number <= layout.header_row or number in layout.totals_rows:
                continue
            for missing in range(expected, number):
                yield missing, []
            expected = number + 1
            cells = row_cells(stream.parts.dialect, row, layout.usual_cells)
            formulas[0] = formulas[0] or any(b"<f" in cells[c] for c in field_letters if c in cells)
            values: list[object] = []
            for letters, rest in cells.items():
                column = COLUMN_OF[letters]
                if column > len(values):
                    values.extend([None] * (column - len(values)))
                values[column - 1] = source.reader.value(rest)
            yield number, values
    except (SheetSyntaxError, ValueError) as exc:
        raise source.damaged(exc) from None
    finally:
        stream.stream.close()


def claim_sheet_from_rows(
    rows: Sequence[Sequence[object]],
    path: str | os.PathLike,
    sheet: str,
    header_map: HeaderMap | None = None,
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


def _header_text(value: object) -> object:
    if isinstance(value, str) and len(value) > HEADER_MAX_CHARS:
        return value[:HEADER_MAX_CHARS] + "…"
    return value


def iter_claim_rows(sheet: ClaimSheet) -> Iterable[ClaimRow]:
    """The rows to decide: non-blank rows, in sheet order."""
    return (row for row in sheet.rows if not row.blank)


__all__ = [
    "COMPUTED_HEADERS",
    "CSV_SUFFIXES",
    "HEADER_MAX_CHARS",
    "HEADER_SCAN",
    "MAX_COLUMNS",
    "WORKBOOK_SUFFIXES",
    "ClaimRow",
    "ClaimSheet",
    "claim_sheet_from_rows",
    "is_csv",
    "iter_claim_rows",
    "iter_csv_rows",
    "iter_sheet_rows",
    "read_claims",
    "read_csv_rows",
    "read_sheet_rows",
]
