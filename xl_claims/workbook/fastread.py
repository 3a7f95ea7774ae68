"""Fast reading of tables and claims sheets for reconciliation: python-calamine, row by row.

python-calamine reads a sheet's values in Rust (about 140,000 rows/s here, against openpyxl's
3,000), but it builds each sheet as one dense grid from the top-left to the bottom-right cell on
file, and a grid it cannot allocate aborts the process: a hostile workbook with one cell in A1 and
one in XFD1048576 would kill the run without a word. So every worksheet part is first scanned (at
the speed of inflating it) for the extent its cell references can reach; a workbook whose grid
could be much larger than its cells is read by the bounded openpyxl reader of ``workbook.read``
instead, with the same result. ``core.files``-free: this module only reads.

- ``iter_tables(path)`` → ``(sheet name, Table)`` for each sheet (a CSV is one table): rows with
  their sheet row numbers, streamed.
- ``read_claim_rows(path, sheet=None, header_map=None)`` → ``ClaimRows``: the claims sheet found by
  the ``core.table`` header rules, its rows read by ``core.rows.claim_rows`` (merged claim id,
  order and date filled down, stored computed columns), the non-blank ones streamed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import python_calamine

from xl_claims.core.rows import ClaimRow, Merge, claim_rows
from xl_claims.core.table import HeaderMap, HeaderMatch, find_header_row, missing_headers_message
from xl_claims.core.values import is_blank
from xl_claims.workbook.read import (
    HEADER_MAX_CHARS,
    HEADER_SCAN,
    MAX_COLUMNS,
    is_csv,
    iter_csv_rows,
    iter_sheet_rows,
    read_claims,
)
from xl_claims.workbook.safety import check_workbook, fail

#: calamine's grid (last row × last column) may hold this many cells per cell on file, plus
#: ``GRID_SLACK``: a sparse but honest sheet passes, a crafted one goes to the bounded reader.
GRID_FACTOR = 8
GRID_SLACK = 2_000_000
_CHUNK = 1 << 22
_OVERLAP = 64
_ROW_OF = re.compile(rb'r="[A-Z]{0,3}(\d{1,12})')


def _glibc():
    """glibc, where it is the C library (its ``malloc_trim``), else None."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


_LIBC = _glibc()


@dataclass
class Table:
    """One sheet (or CSV) as numbered rows: ``rows`` yields ``(row number, cells)``."""

    name: str
    rows: Iterator[tuple[int, list[object]]]


@dataclass
class ClaimRows:
    """A claims table: where it is, how its headers matched, and its non-blank rows."""

    path: Path
    sheet: str
    header_row: int  # 1-based
    match: HeaderMatch
    rows: Iterator[ClaimRow]


def iter_tables(path: str | os.PathLike) -> Iterator[tuple[str, Table]]:
    """Each sheet of a workbook (or the one table of a CSV), read only when asked for."""
    path = Path(path)
    if not is_csv(path) and not grid_is_bounded(path):
        for name, sheet_rows in iter_sheet_rows(path):
            numbered = ((n, r) for n, r in enumerate(sheet_rows, start=1) if not _blank(r))
            yield name, Table(name, numbered)
        return
    for name, rows, _merges in _sheets(path, None):
        yield name, Table(name, rows)


def read_claim_rows(
    path: str | os.PathLike,
    *,
    sheet: str | None = None,
    header_map: HeaderMap | None = None,
) -> ClaimRows:
    """The claims table of a workbook or CSV (``sheet``, or the first sheet with the headers),
    read by python-calamine where the sheet's grid is bounded, else by the streaming reader."""
    path = Path(path)
    if not is_csv(path) and not grid_is_bounded(path):
        found = read_claims(path, sheet=sheet, header_map=header_map)
        kept = (row for row in found.rows if not row.blank)
        return ClaimRows(path, found.sheet, found.header_row, found.match, kept)
    best: tuple[str, HeaderMatch] | None = None
    for name, table_rows, merges in _sheets(path, sheet):
        head = _head(table_rows)
        scanned = [_header_cells(r) for n, r in head if n <= HEADER_SCAN]
        index, match = find_header_row(scanned, header_map, scan=HEADER_SCAN)
        if index is not None:
            header_row = head[index][0]
            below = (row for row in _chain(head, table_rows) if row[0] > header_row)
            rows = (row for row in claim_rows(below, match, merges) if not row.blank)
            return ClaimRows(path, name, header_row, match, rows)
        if best is None or len(match.columns) > len(best[1].columns):
            best = (name, match)
    if best is None:
        raise fail(path, "no sheet to read; export the claims again.")
    if not any(best[1].headers):
        raise fail(path, "the file is empty; export the claims again.")
    where = "" if is_csv(path) else f"sheet {best[0]!r}: "
    raise fail(path, f"{where}{missing_headers_message(best[1])}.")


def grid_is_bounded(path: str | os.PathLike) -> bool:
    """True when calamine's dense grid of every worksheet stays near the cells on file.

    Reads the zip directory (``safety.check_workbook`` first), then streams each worksheet part
    once: the last row times the last column (widened by cells without a reference) must stay
    within ``GRID_FACTOR`` times the cells on file plus ``GRID_SLACK``.
    """
    check_workbook(path)
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = info.filename.lower()
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with archive.open(info) as handle:
                    if not _part_is_bounded(handle):
                        return False
    return True


def _part_is_bounded(handle) -> bool:
    """``handle``: a worksheet part. Cells with a reference (``<c r="B7"``) sit where it says;
    a cell without one (or any other element whose name starts with c) may widen its row by one
    column, so those count against the width."""
    tags = references = 0
    last_row = last_column = 0
    previous = b""
    while block := handle.read(_CHUNK):
        seam = previous[-_OVERLAP:] + block[:_OVERLAP]  # what is cut in two between blocks
        tags += _count(previous, block, b"<c")
        references += _count(previous, block, b'<c r="')
        prefixed = _count(previous, block, b":c")
        if prefixed:
            tags += prefixed
            references += _count(previous, block, b':c r="')
        for text in (seam, block):
            for found in _columns_above(last_column).finditer(text):
                last_column = max(last_column, _column_number(found.group(1)))
        at = block.rfind(b'r="')
        tail = _ROW_OF.match(block, at) if at >= 0 else None
        if tail is not None:
            last_row = max(last_row, int(tail.group(1)))
        for text in (seam, block):
            for found in _rows_above(last_row).finditer(text):
                last_row = max(last_row, int(found.group(1)))
        previous = block
    width = last_column + tags - references
    return last_row * width <= GRID_FACTOR * tags + GRID_SLACK


def _count(previous: bytes, block: bytes, pattern: bytes) -> int:
    """Occurrences of ``pattern`` that end in ``block`` (each counted once across blocks)."""
    width = len(pattern) - 1
    seam = previous[len(previous) - width :] + block[:width] if previous else b""
    return block.count(pattern) + seam.count(pattern)


def _rows_above(row: int) -> re.Pattern[bytes]:
    return re.compile(rb'r="[A-Z]{0,3}(0*' + _at_least(row + 1) + rb")(?!\d)")


def _columns_above(column: int) -> re.Pattern[bytes]:
    return re.compile(rb'r="(' + _letters_above(column) + rb")\d")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _letters_above(column: int) -> bytes:
    """A regular expression for the column letters after ``column`` (1 = A), up to XFD."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    options = [f"[A-Z]{{{len(letters) + 1},3}}"] if len(letters) < 3 else []
    for position, letter in enumerate(letters):
        if letter != "Z":
            rest = len(letters) - position - 1
            options.append(f"{letters[:position]}[{chr(ord(letter) + 1)}-Z][A-Z]{{{rest}}}")
    return ("(?:" + "|".join(options or ["(?!)"]) + ")").encode()


def _at_least(number: int) -> bytes:
    """A regular expression for the decimal numbers >= ``number`` (no leading zeros)."""
    digits = str(number)
    options = [rf"[1-9]\d{{{len(digits)},}}", digits]
    for position, digit in enumerate(digits):
        if digit != "9":
            rest = len(digits) - position - 1
            options.append(rf"{digits[:position]}[{int(digit) + 1}-9]\d{{{rest}}}")
    return ("(?:" + "|".join(options) + ")").encode()


def _open(path: Path) -> python_calamine.CalamineWorkbook:
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own types for broken packages
        detail = " ".join(str(exc).split())[:120]
        raise fail(path, f"could not be read as a workbook ({detail}); save it again.") from None


def _sheets(path: Path, sheet: str | None) -> Iterator[tuple[str, Iterator, list[Merge]]]:
    """``(name, numbered rows, merged ranges)`` per sheet (``sheet`` only, when given), each
    sheet loaded when reached; merged ranges 1-based, as ``core.rows`` takes them."""
    if is_csv(path):
        yield path.stem, enumerate(iter_csv_rows(path), start=1), []
        return
    workbook = _open(path)
    names = list(workbook.sheet_names)
    indexes = list(range(len(names)))
    if sheet is not None:
        folded = {n.casefold().strip(): i for i, n in enumerate(names)}
        if sheet.casefold().strip() not in folded:
            raise fail(path, f"no sheet named {sheet!r}; its sheets are: {', '.join(names)}.")
        indexes = [folded[sheet.casefold().strip()]]
    for index in indexes:
        try:
            loaded = workbook.get_sheet_by_index(index)
        except Exception as exc:  # calamine raises its own types for broken parts
            detail = " ".join(str(exc).split())[:120]
            raise fail(path, f"sheet {names[index]!r} could not be read ({detail}).") from None
        merges = [
            (top + 1, left + 1, bottom + 1, right + 1)
            for (top, left), (bottom, right) in getattr(loaded, "merged_cell_ranges", None) or ()
        ]
        yield names[index], _calamine_rows(loaded), merges


def _calamine_rows(sheet) -> Iterator[tuple[int, list[object]]]:
    """Numbered non-blank rows of a loaded sheet, columns from A (calamine starts the rows at
    the first used column), empty cells None, cut at ``MAX_COLUMNS``. When the sheet has been
    read, the memory its grid held is given back to the system (``_release_freed_memory``)."""
    start = sheet.start
    if not start or not sheet.height:
        return
    first_column = start[1]
    pad: list[object] = [None] * first_column
    rows = sheet.iter_rows()
    del sheet  # the iterator holds the grid; nothing else does
    for number, cells in enumerate(rows, start=1):
        if first_column + len(cells) > MAX_COLUMNS:
            cells = cells[: max(MAX_COLUMNS - first_column, 0)]
        if any(c != "" for c in cells):
            yield number, [*pad, *(None if c == "" else c for c in cells)]
    del rows
    _release_freed_memory()


def _release_freed_memory() -> None:
    """calamine frees its grid (hundreds of MB for a million rows) through the C allocator, which
    keeps most of those pages for later C allocations that a Python run never makes: ask glibc to
    return them to the system. Elsewhere there is nothing to do."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _blank(cells: Sequence[object]) -> bool:
    return all(is_blank(c) for c in cells)


def _head(rows: Iterator[tuple[int, list[object]]]) -> list[tuple[int, list[object]]]:
    """The rows where the header may be (the first ``HEADER_SCAN``), and the one after them."""
    head = []
    for number, cells in rows:
        head.append((number, cells))
        if number >= HEADER_SCAN:
            break
    return head


def _header_cells(cells: list[object]) -> list[object]:
    return [
        c[:HEADER_MAX_CHARS] + "…" if isinstance(c, str) and len(c) > HEADER_MAX_CHARS else c
        for c in cells
    ]


def _chain(first: Iterable, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


__all__ = ["ClaimRows", "Table", "grid_is_bounded", "iter_tables", "read_claim_rows"]
