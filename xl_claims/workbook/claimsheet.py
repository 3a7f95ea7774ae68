"""Find the claims sheet of a package and lay out where the eight computed columns go.

The header is looked for in the first ``HEADER_SCAN`` rows of each worksheet (streamed, stopping
there). A cheap pre-pass over the chosen sheet then finds what lies after its rows (merged ranges,
the filter: they come after ``<sheetData>`` but are needed before the rows) and the last column
holding a value below the header, so the computed block goes right of every input cell. Re-running
finds the block by its eight headers (in any order) and replaces it in place.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from xl_claims.core.errors import WorkbookError
from xl_claims.core.table import (
    COMPUTED_HEADERS,
    FIELDS,
    HeaderMap,
    HeaderMatch,
    find_header_row,
    missing_headers_message,
)
from xl_claims.core.values import is_blank
from xl_claims.workbook.claimtables import SheetTable
from xl_claims.workbook.package import Package, SheetEntry
from xl_claims.workbook.rows import (
    COLUMN_OF,
    LETTERS_OF,
    MAX_COLUMN,
    CellReader,
    RowStream,
    SheetSyntaxError,
    column_number,
    dialect_of,
    row_cells,
)
from xl_claims.workbook.safety import fail
from xl_claims.workbook.styles import Styles
from xl_claims.workbook.xmlsafe import check_start

HEADER_SCAN = 30
#: Longest header text looked at; longer cells are cut before matching (a 1 MB cell is no header).
HEADER_MAX_CHARS = 80
#: Fields forward-filled from the top cell of a merged range down a multi-line claim.
MERGE_FILLED = ("claim_id", "order", "date")
_RANGE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?$")


@dataclass(frozen=True)
class CellRange:
    min_col: int
    min_row: int
    max_col: int
    max_row: int

    @classmethod
    def parse(cls, text: str) -> CellRange | None:
        found = _RANGE.match(text.strip())
        if found is None:
            return None
        c1, r1, c2, r2 = found.groups()
        c2, r2 = c2 or c1, r2 or r1
        return cls(column_number(c1), int(r1), column_number(c2), int(r2))

    def __str__(self) -> str:
        first = f"{LETTERS_OF[self.min_col].decode()}{self.min_row}"
        last = f"{LETTERS_OF[self.max_col].decode()}{self.max_row}"
        return first if first == last else f"{first}:{last}"


@dataclass
class SheetSource:
    """One worksheet of an open package, with what is needed to read its cells."""

    package: Package
    entry: SheetEntry
    reader: CellReader

    @property
    def name(self) -> str:
        return self.entry.name

    def rows(self) -> RowStream:
        """The sheet's rows, streamed; its start (up to the rows) parsed safely first."""
        assert self.entry.part is not None
        try:
            stream = RowStream(self.package.stream(self.entry.part))
        except SheetSyntaxError as exc:
            with self.package.stream(self.entry.part) as handle:  # an entity bomb says so first
                check_start(handle.read(1 << 20), self.entry.part, self.package.path.name)
            raise self.damaged(exc) from None
        try:
            check_start(stream.parts.head, self.entry.part, self.package.path.name)
        except WorkbookError:
            stream.stream.close()
            raise
        return stream

    def damaged(self, exc: Exception) -> WorkbookError:
        return fail(
            self.package.path,
            f"the workbook is damaged (part {self.entry.part} of sheet {self.name!r} is not valid "
            f"XML: {exc}); open it in Excel and save it again.",
        )


@dataclass
class ClaimsLayout:
    """Where things are on the claims sheet."""

    source: SheetSource
    header_row: int
    match: HeaderMatch
    head_rows: list[list[object]]
    last_column: int  # last column holding input data (the computed block excluded)
    block: tuple[int, ...]  # the computed columns, in COMPUTED_HEADERS order
    replacing: bool  # the block was on file (a re-run)
    merges: list[CellRange]
    tables: list[SheetTable]
    totals_rows: frozenset[int]
    head: bytes
    tail: bytes
    warnings: list[str] = field(default_factory=list)
    usual_cells: bool = False  # every cell has r first (the pre-pass counted): no check per row

    @property
    def field_letters(self) -> dict[str, bytes]:
        return {name: LETTERS_OF[position + 1] for name, position in self.match.columns.items()}

    @property
    def block_letters(self) -> frozenset[bytes]:
        return frozenset(LETTERS_OF[column] for column in self.block)

    def merge_fills(self) -> dict[int, dict[bytes, tuple[int, bytes]]]:
        """``row → {column letters: (top row, top-left letters)}``: the rule of
        ``core.rows.claim_rows`` — claim id, order and date merged down several lines take the
        range's top-left value on the lines below its top."""
        columns = {
            LETTERS_OF[self.match.columns[f] + 1]: self.match.columns[f] + 1
            for f in MERGE_FILLED
            if f in self.match.columns
        }
        fills: dict[int, dict[bytes, tuple[int, bytes]]] = {}
        for merged in self.merges:
            if merged.max_row <= max(merged.min_row, self.header_row):
                continue
            for letters, column in columns.items():
                if merged.min_col <= column <= merged.max_col:
                    top = (merged.min_row, LETTERS_OF[merged.min_col])
                    first = max(merged.min_row + 1, self.header_row + 1)
                    for row in range(first, merged.max_row + 1):
                        fills.setdefault(row, {})[letters] = top
        return fills


def open_sources(package: Package) -> tuple[list[SheetSource], Styles]:
    """The package's worksheets, ready to read (shared strings and date formats loaded once)."""
    styles_part = package.related("styles")
    styles = Styles(
        None if styles_part is None else package.read(styles_part),
        styles_part or "xl/styles.xml",
        package.path.name,
    )
    if not package.worksheets:
        raise fail(package.path, "the workbook has no worksheets (only chart sheets or none).")
    shared = package.shared_strings()
    sources = []
    for entry in package.worksheets:
        with package.stream(entry.part or "") as handle:
            start = handle.read(4096)
        reader = CellReader(dialect_of(start), shared, styles.date_styles, package.date1904)
        sources.append(SheetSource(package, entry, reader))
    return sources, styles


def select_sheet(sources: Sequence[SheetSource], name: str) -> SheetSource:
    for source in sources:
        if source.name == name:
            return source
    for source in sources:
        if source.name.casefold().strip() == name.casefold().strip():
            return source
    names = ", ".join(source.name for source in sources)
    path = sources[0].package.path
    raise fail(path, f"no sheet named {name!r}; its sheets are: {names}.")


def head_rows(source: SheetSource, count: int = HEADER_SCAN) -> list[list[object]]:
    """Values of rows 1..count (blank rows as empty lists), header texts cut to a sane length."""
    return sheet_values(source, last_row=count, shown=_header_text)


def sheet_values(
    source: SheetSource,
    *,
    last_row: int | None = None,
    last_column: int | None = None,
    shown: Callable[[object], object] | None = None,
) -> list[list[object]]:
    """A sheet's values from row 1, as long as its last row with a value (a blank row is an empty
    list), bounded by the cells on file, never by the sheet's declared dimension; ``shown``
    converts each value."""
    rows: list[list[object]] = []
    stream = source.rows()
    try:
        for number, row in stream:
            if last_row is not None and number > last_row:
                break
            values: dict[int, object] = {}
            for letters, rest in row_cells(stream.parts.dialect, row).items():
                column = COLUMN_OF[letters]
                if last_column is None or column <= last_column:
                    value = source.reader.value(rest)
                    if value is not None:
                        values[column] = value if shown is None else shown(value)
            if values:
                rows.extend([] for _ in range(number - 1 - len(rows)))
                line: list[object] = [None] * max(values)
                for column, value in values.items():
                    line[column - 1] = value
                rows.append(line)
    except (SheetSyntaxError, ValueError) as exc:
        raise source.damaged(exc) from None
    finally:
        stream.stream.close()
    return rows


def find_claims_sheet(
    sources: Sequence[SheetSource],
    sheet: str | None,
    header_map: HeaderMap | None,
) -> tuple[SheetSource, int, HeaderMatch, list[list[object]]]:
    """``--sheet`` or the first worksheet with the claim headers: ``(source, header row, match,
    head rows)``; a one-line error naming the closest sheet otherwise."""
    candidates = [select_sheet(sources, sheet)] if sheet else list(sources)
    best: tuple[str, HeaderMatch] | None = None
    any_value = False
    for source in candidates:
        rows = head_rows(source)
        any_value = any_value or any(v is not None for row in rows for v in row)
        index, match = find_header_row(rows, header_map, scan=HEADER_SCAN)
        if index is not None:
            return source, index + 1, match, rows
        if best is None or len(match.columns) > len(best[1].columns):
            best = (source.name, match)
    assert best is not None
    path = sources[0].package.path
    if not any(best[1].headers) and not any_value and not _has_cells(candidates):
        where = f"sheet {candidates[0].name!r}" if sheet else "every sheet"
        raise fail(path, f"{where} is empty; export the claims again.")
    if sheet or len(candidates) == 1:
        where = f"sheet {best[0]!r}"
    else:
        where = (
            f"none of its {len(candidates)} sheets has the claim headers; closest is {best[0]!r}"
        )
    raise fail(path, f"{where}: {missing_headers_message(best[1])}.")


def _has_cells(sources: Sequence[SheetSource]) -> bool:
    """Whether any sheet holds a value beyond its first rows (then it is not empty)."""
    for source in sources:
        stream = source.rows()
        try:
            for _number, row in stream:
                for rest in row_cells(stream.parts.dialect, row).values():
                    if not is_blank(source.reader.value(rest)):
                        return True
        finally:
            stream.stream.close()
    return False


def _header_text(value: object) -> object:
    if isinstance(value, str) and len(value) > HEADER_MAX_CHARS:
        return value[:HEADER_MAX_CHARS] + "…"
    return value


__all__ = [
    "COMPUTED_HEADERS",
    "FIELDS",
    "HEADER_MAX_CHARS",
    "HEADER_SCAN",
    "MAX_COLUMN",
    "MERGE_FILLED",
    "CellRange",
    "ClaimsLayout",
    "SheetSource",
    "find_claims_sheet",
    "head_rows",
    "open_sources",
    "select_sheet",
    "sheet_values",
]
