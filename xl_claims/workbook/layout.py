"""The pre-pass over the claims sheet and the place of the computed block.

The pre-pass inflates the sheet once without decoding a cell: below the header row it collects
the columns of cells that hold something (one regular expression per chunk) and keeps what comes
after the rows (``<mergeCells>``, ``<autoFilter>``, ``<tableParts>``...). The sheet's elements
outside ``<sheetData>`` are then parsed as one small document, with DTDs refused like every part.
"""

from __future__ import annotations

import re

from xl_claims.core.table import COMPUTED_HEADERS, HeaderMatch
from xl_claims.workbook.claimsheet import CellRange, ClaimsLayout, SheetSource
from xl_claims.workbook.claimtables import sheet_tables
from xl_claims.workbook.rows import (
    CHUNK,
    COLUMN_OF,
    LETTERS_OF,
    MAX_COLUMN,
    SheetSyntaxError,
    row_cells,
    split_rest,
)
from xl_claims.workbook.safety import fail
from xl_claims.workbook.xmlsafe import attribute, child, children, parse_part


def lay_out(
    source: SheetSource, header_row: int, match: HeaderMatch, head_rows: list[list[object]]
) -> ClaimsLayout:
    """Read everything about the claims sheet that the rows do not say, and place the block."""
    computed = {position + 1 for position in match.computed.values()}
    header_columns = [p + 1 for p, h in enumerate(match.headers) if h and p + 1 not in computed]
    head, used, tail, fast = _pre_pass(source, header_row, max([0, *header_columns, *computed]))
    assert source.entry.part is not None
    skeleton = parse_part(head + tail, source.entry.part, source.package.path.name)
    merge_cells = child(skeleton, "mergeCells")
    merges = [
        found
        for element in ([] if merge_cells is None else children(merge_cells, "mergeCell"))
        if (found := CellRange.parse(attribute(element, "ref") or "")) is not None
    ]
    parts = child(skeleton, "tableParts")
    table_ids = [
        attribute(e, "id") or "" for e in ([] if parts is None else children(parts, "tablePart"))
    ]
    tables = [
        t
        for t in sheet_tables(source.package, source.entry.part, table_ids)
        if t.min_row <= header_row <= t.max_row
    ]
    last_column = max([0, *header_columns, *(c for c in used if c not in computed)])
    if match.computed:
        block = tuple(match.computed[h] + 1 for h in COMPUTED_HEADERS)
    else:
        reach = [m.max_col for m in merges if m.max_row >= header_row]
        start = max([last_column, *reach]) + 1
        if start + len(COMPUTED_HEADERS) - 1 > MAX_COLUMN:
            raise fail(
                source.package.path,
                f"sheet {source.name!r}: no room for the {len(COMPUTED_HEADERS)} computed columns "
                f"right of the data (it reaches column {LETTERS_OF[start - 1].decode()}; a sheet "
                f"ends at XFD); move the claims to a narrower sheet.",
            )
        block = tuple(range(start, start + len(COMPUTED_HEADERS)))
    _refuse_merges_over(source, merges, block, header_row)
    totals = frozenset(
        row for t in tables if t.min_row == header_row and t.totals_rows for row in t.totals
    )
    return ClaimsLayout(
        source=source,
        header_row=header_row,
        match=match,
        head_rows=head_rows,
        last_column=last_column,
        block=block,
        replacing=bool(match.computed),
        merges=merges,
        tables=tables,
        totals_rows=totals,
        head=head,
        tail=tail,
        warnings=_repeated_warnings(match),
        usual_cells=fast,
    )


def _refuse_merges_over(
    source: SheetSource, merges, block: tuple[int, ...], header_row: int
) -> None:
    """The computed values are never hidden under a merged range."""
    first, last = min(block), max(block)
    for merged in merges:
        if merged.max_row >= header_row and merged.min_col <= last and merged.max_col >= first:
            raise fail(
                source.package.path,
                f"sheet {source.name!r}: the merged range {merged} covers the computed columns "
                f"{LETTERS_OF[first].decode()}:{LETTERS_OF[last].decode()}; unmerge it and run "
                "again.",
            )


def _repeated_warnings(match: HeaderMatch) -> list[str]:
    warnings = []
    for name, positions in match.repeated.items():
        listed = ", ".join(
            f"{LETTERS_OF[p + 1].decode()} ({match.headers[p]!r})" for p in positions
        )
        read = LETTERS_OF[positions[0] + 1].decode()
        warnings.append(
            f"Several columns are headed as the {name.replace('_', ' ')}: {listed}; column {read} "
            "is read. Rename the others to choose another."
        )
    return warnings


def _pre_pass(
    source: SheetSource, header_row: int, beyond: int
) -> tuple[bytes, set[int], bytes, bool]:
    """``(head, columns right of `beyond` holding something below the header, tail, whether every
    cell is written in the usual form)`` of the sheet part."""
    try:
        return (*_fast_pre_pass(source, header_row, beyond), True)
    except _SlowForm:
        return (*_slow_pre_pass(source, header_row), False)
    except (SheetSyntaxError, ValueError) as exc:
        raise source.damaged(exc) from None


class _SlowForm(Exception):
    """Cells without ``r`` as their first attribute: the rows must be parsed one by one."""


def _fast_pre_pass(
    source: SheetSource, header_row: int, beyond: int
) -> tuple[bytes, set[int], bytes]:
    """One regular expression over the inflated sheet finds the cells that hold something right
    of column ``beyond`` (usually none, so it costs little more than inflating)."""
    stream = source.rows()
    dialect = stream.parts.dialect
    p = re.escape(dialect.prefix)
    after = letters_after(LETTERS_OF[beyond].decode()) if beyond else b"[A-Z]{1,3}"
    valued = re.compile(rb'<%sc r="(%s)(\d+)"[^>/]*>(?!</%sc>)' % (p, after, p))
    cell_start, bare, tagged = (
        dialect.c_open + b" ",
        dialect.c_open + b">",
        dialect.c_open + b' r="',
    )
    used: set[int] = set()
    try:
        pending = stream.buffer
        handle = stream.stream
        while True:
            stop = pending.find(dialect.sheet_data_end)
            cut = stop if stop != -1 else pending.rfind(cell_start)
            scan, carry = (pending, b"") if cut == -1 else (pending[:cut], pending[cut:])
            if scan.count(cell_start) + scan.count(bare) != scan.count(tagged):
                raise _SlowForm
            for letters, row in valued.findall(scan):
                if int(row) >= header_row:
                    used.add(COLUMN_OF[letters])
            if stop != -1:
                tail = carry + handle.read()
                break
            block = handle.read(CHUNK)
            if not block:
                raise SheetSyntaxError("the sheet ends inside its rows")
            pending = carry + block
    finally:
        stream.stream.close()
    return stream.parts.head, used, tail


def letters_after(letters: str) -> bytes:
    """A regular expression for the column letters after ``letters`` (``N`` → O..Z, AA..XFD)."""
    size = len(letters)
    options = [b"[A-Z]{%d,3}" % (size + 1)] if size < 3 else []
    for index, char in enumerate(letters):
        if char != "Z":
            rest = b"[A-Z]{%d}" % (size - index - 1) if index < size - 1 else b""
            options.append(
                letters[:index].encode() + b"[%s-Z]" % chr(ord(char) + 1).encode() + rest
            )
    return b"(?:" + b"|".join(options) + b")" if options else b"(?!)"


def _slow_pre_pass(source: SheetSource, header_row: int) -> tuple[bytes, set[int], bytes]:
    stream = source.rows()
    used: set[int] = set()
    try:
        for number, row in stream:
            if number < header_row:
                continue
            for letters, rest in row_cells(stream.parts.dialect, row).items():
                if split_rest(rest)[1]:
                    used.add(COLUMN_OF[letters])
    finally:
        stream.stream.close()
    return stream.parts.head, used, stream.tail


__all__ = ["lay_out"]
