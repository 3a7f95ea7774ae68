"""Rewrite the claims sheet as it streams: every input byte kept, the computed cells added.

Each row element is copied as written; the computed block's cells go after the row's last cell
left of the block (replacing the block's old cells on a re-run, never a cell of the input). Around
the rows, ``<dimension>`` and ``<cols>`` (before) and ``<autoFilter>`` (after) grow over the block;
every other element stays where and as it was, so the ``CT_Worksheet`` order Excel checks is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from xl_claims.workbook.claimsheet import CellRange, ClaimsLayout
from xl_claims.workbook.rows import COLUMN_OF, Dialect

_SPANS = re.compile(rb'(\sspans=")(\d+):(\d+)(")')
_REF_ATTR = re.compile(rb'(\sref=")([^"]*)(")')
_COL = re.compile(rb"<(?:[\w.\-]+:)?col\b([^>]*?)/?>")
_MIN = re.compile(rb'\smin="(\d+)"')
_MAX = re.compile(rb'\smax="(\d+)"')
_CELL_REF = re.compile(rb'<(?:[\w.\-]+:)?c\b[^>]*?\sr="([A-Z]{1,3})\d+"')


class SheetEditor:
    """The byte edits of one claims sheet; ``rows`` are fed in order, then ``tail``."""

    def __init__(self, layout: ClaimsLayout, dialect: Dialect):
        self.layout = layout
        self.dialect = dialect
        self.first, self.last = min(layout.block), max(layout.block)
        self.widths: list[float] = []
        self.replacing = layout.replacing
        self.last_row = layout.header_row
        p = re.escape(dialect.prefix)
        self.cell_at = re.compile(rb'<%sc r="([A-Z]{1,3})\d+"' % p)
        self.cells = re.compile(rb"<%sc\b[^>]*?(?:/>|>.*?</%sc>)" % (p, p), re.S)

    # --- before the rows -----------------------------------------------------------------

    def head(self, head: bytes, widths: Iterable[float]) -> bytes:
        """``<dimension>`` and ``<cols>`` grown over the block (new columns ``widths`` wide)."""
        self.widths = list(widths)
        head = self._dimension(head)
        return self._cols(head)

    def _dimension(self, head: bytes) -> bytes:
        found = re.search(rb"<(?:[\w.\-]+:)?dimension\b[^>]*>", head)
        if found is None:
            return head
        tag = found.group(0)
        ref = _REF_ATTR.search(tag)
        cells = None if ref is None else CellRange.parse(ref.group(2).decode("ascii", "replace"))
        if cells is None or cells.max_col >= self.last:
            return head
        grown = CellRange(
            cells.min_col, cells.min_row, self.last, max(cells.max_row, self.layout.header_row)
        )
        tag = _REF_ATTR.sub(lambda m: m.group(1) + str(grown).encode() + m.group(3), tag, count=1)
        return head[: found.start()] + tag + head[found.end() :]

    def _cols(self, head: bytes) -> bytes:
        prefix = self.dialect.prefix
        opening = re.search(rb"<%scols\b[^>]*>" % re.escape(prefix), head)
        closing = -1 if opening is None else head.find(b"</%scols>" % prefix, opening.end())
        existing: list[tuple[int, int, int]] = []  # (min, max, offset of the element)
        if opening is not None:
            for match in _COL.finditer(head, opening.end(), closing):
                low, high = _MIN.search(match.group(1)), _MAX.search(match.group(1))
                if low and high:
                    existing.append((int(low.group(1)), int(high.group(1)), match.start()))
        added: list[tuple[int, int, bytes]] = []  # (offset, column, element)
        for column, width in zip(self.layout.block, self.widths, strict=True):
            if any(low <= column <= high for low, high, _ in existing):
                continue  # the input sets this column already: its width stays
            element = b'<%scol min="%d" max="%d" width="%s" customWidth="1"/>' % (
                prefix,
                column,
                column,
                f"{width:g}".encode(),
            )
            at = next((offset for low, _, offset in existing if low > column), closing)
            added.append((at, column, element))
        if not added:
            return head
        if opening is None:  # <cols> comes right before <sheetData> in CT_Worksheet
            sheet_data = self.dialect.sheet_data.search(head)
            assert sheet_data is not None
            elements = b"".join(element for *_, element in added)
            block = b"<%scols>%s</%scols>" % (prefix, elements, prefix)
            return head[: sheet_data.start()] + block + head[sheet_data.start() :]
        pieces, position = [], 0
        for at, _column, element in sorted(added):
            pieces += [head[position:at], element]
            position = at
        pieces.append(head[position:])
        return b"".join(pieces)

    # --- rows ------------------------------------------------------------------------------

    def row(
        self, number: int, row: bytes, cells: bytes | None, found: dict[bytes, bytes] | None = None
    ) -> bytes:
        """The row with ``cells`` (the block's cells, in column order) in place; ``None`` leaves
        the row as it was, except that a re-run removes the block's old cells. ``found``: the
        row's cells as ``rows.row_cells`` read them (in order), to skip looking again."""
        if cells is None and not self.replacing:
            return row
        if cells is not None and number > self.last_row:
            self.last_row = number
        close = self.dialect.row_close
        if not self.replacing and row.endswith(close):
            if found is not None:
                last = COLUMN_OF[next(reversed(found))] if found else 0
            else:
                c_open = self.dialect.c_open
                at = max(row.rfind(c_open + b" "), row.rfind(c_open + b">"))
                match = None if at == -1 else self.cell_at.match(row, at)
                last = 0 if at == -1 else (COLUMN_OF[match.group(1)] if match else self.first)
            if last < self.first:
                return self._spans(row[: -len(close)]) + (cells or b"") + close
        return self._rebuild(row, cells)

    def _rebuild(self, row: bytes, cells: bytes | None) -> bytes:
        """General case: cells at or right of the block (a re-run, a sheet formatted to XFD)."""
        close = self.dialect.row_close
        if not row.endswith(close):  # <row .../>: no cells at all
            if cells is None:
                return row
            start = row.rfind(self.dialect.row_open)
            opened = row[start:-2].rstrip() + b">"
            return row[:start] + self._spans(opened) + cells + close
        insert_at = len(row) - len(close)
        removed: list[tuple[int, int]] = []
        column = 0
        for match in self.cells.finditer(row):
            reference = _CELL_REF.match(match.group(0))
            column = COLUMN_OF.get(reference.group(1), column + 1) if reference else column + 1
            if column >= self.first and insert_at == len(row) - len(close):
                insert_at = match.start()
            if self.first <= column <= self.last:
                removed.append(match.span())
        rest, position = [], insert_at
        for start, end in removed:  # all at or after insert_at: cells are in column order
            rest.append(row[position:start])
            position = end
        rest.append(row[position:])
        head = row[:insert_at]
        if cells is not None:
            head = self._spans(head)
        return head + (cells or b"") + b"".join(rest)

    def _spans(self, start_of_row: bytes) -> bytes:
        """Grow the row's ``spans`` hint (``1:14`` → ``1:22``) over the block."""
        tag_end = start_of_row.find(b">")
        if start_of_row.find(b' spans="', 0, tag_end) == -1:
            return start_of_row
        found = _SPANS.search(start_of_row, 0, tag_end)
        if found is None or int(found.group(3)) >= self.last:
            return start_of_row
        grown = found.group(1) + found.group(2) + b":%d" % self.last + found.group(4)
        return start_of_row[: found.start()] + grown + start_of_row[found.end() :]

    # --- after the rows --------------------------------------------------------------------

    def tail(self, tail: bytes) -> bytes:
        """``<autoFilter>`` on the header row grown over the block (and down to the last line)."""
        found = re.search(rb"<(?:[\w.\-]+:)?autoFilter\b[^>]*>", tail)
        if found is None:
            return tail
        ref = _REF_ATTR.search(found.group(0))
        cells = None if ref is None else CellRange.parse(ref.group(2).decode("ascii", "replace"))
        if cells is None or cells.min_row != self.layout.header_row or cells.max_col >= self.last:
            return tail
        self.filter_range = CellRange(
            cells.min_col, cells.min_row, self.last, max(cells.max_row, self.last_row)
        )
        tag = _REF_ATTR.sub(
            lambda m: m.group(1) + str(self.filter_range).encode() + m.group(3),
            found.group(0),
            count=1,
        )
        return tail[: found.start()] + tag + tail[found.end() :]

    filter_range: CellRange | None = None


__all__ = ["SheetEditor"]
