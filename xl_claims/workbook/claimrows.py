"""The claims sheet's rows as the batch reads them, streamed through the output as they go.

``ClaimFields`` reads a row's fields out of its cells (claim id, order and date filled down from
the top of a merged range) and gives the raw key of the values a decision depends on: equal
bytes mean equal values, so the batch decides each distinct line once without decoding it again.
``stream_claims`` copies the sheet part to the output, asking the batch for each claim line's
computed cells.
"""

from __future__ import annotations

from collections.abc import Callable

from xl_claims.core.table import COMPUTED_HEADERS
from xl_claims.workbook.block import BlockCells
from xl_claims.workbook.buffered import BufferedWrites
from xl_claims.workbook.claimsheet import ClaimsLayout
from xl_claims.workbook.rows import (
    LETTERS_OF,
    CellReader,
    SheetSyntaxError,
    cell_style,
    row_cells,
    split_rest,
)
from xl_claims.workbook.sheetedit import SheetEditor

#: The claim fields a decision depends on besides the date, in ``Claim`` order.
DECISION_FIELDS = ("issue", "part", "grade", "quantity", "value_override", "replacement", "choice")
#: Rows read ahead of deciding them (``stream_claims``).
LOOK_AHEAD = 1024


class ClaimFields:
    """Field values of the rows of one claims sheet."""

    def __init__(self, layout: ClaimsLayout, reader: CellReader):
        self.reader = reader
        self.letters = layout.field_letters
        # b"" for a field the sheet has not: no cell has it, so its raw value is None
        self.decision_letters = tuple(self.letters.get(name, b"") for name in DECISION_FIELDS)
        self.fills = layout.merge_fills()
        self.tops = {top for fills in self.fills.values() for top in fills.values()}
        self.top_rows = {row for row, _ in self.tops}
        self.top_cells: dict[tuple[int, bytes], bytes | None] = {}
        self.block = layout.block_letters
        self.computed_letters = {
            header: LETTERS_OF[column]
            for header, column in zip(COMPUTED_HEADERS, layout.block, strict=True)
        }
        self.stored_on_file = layout.replacing

    def capture(self, number: int, cells: dict[bytes, bytes]) -> None:
        """Remember the top-left cells of merged ranges that fill rows below."""
        if number in self.top_rows:
            for row, letters in self.tops:
                if row == number:
                    self.top_cells[(row, letters)] = cells.get(letters)

    def key(self, cells: dict[bytes, bytes]) -> tuple:
        """The raw cells of the decision fields: equal keys decode to equal values."""
        return tuple(map(cells.get, self.decision_letters))

    def raw(self, number: int, cells: dict[bytes, bytes], name: str) -> bytes | None:
        letters = self.letters.get(name)
        if letters is None:
            return None
        found = cells.get(letters)
        if number in self.fills and (found is None or self.reader.value(found) is None):
            top = self.fills[number].get(letters)
            if top is not None:
                return self.top_cells.get(top)
        return found

    def value(self, number: int, cells: dict[bytes, bytes], name: str) -> object:
        return self.reader.value(self.raw(number, cells, name))

    def unique_value(self, number: int, cells: dict[bytes, bytes], name: str) -> object:
        """A field that differs on every line (the claim id): decoded without being remembered."""
        raw = self.raw(number, cells, name)
        return None if raw is None else self.reader.decode(raw)

    def values(
        self, number: int, cells: dict[bytes, bytes], names: tuple[str, ...] | None = None
    ) -> dict[str, object]:
        """Field values of a row (``names`` only, when given)."""
        wanted = self.letters if names is None else [n for n in names if n in self.letters]
        return {name: self.value(number, cells, name) for name in wanted}

    def stored(self, cells: dict[bytes, bytes]) -> dict[str, object]:
        """The computed columns on file (a processed workbook read again)."""
        if not self.stored_on_file:
            return {}
        return {
            h: self.reader.value(cells.get(letters)) for h, letters in self.computed_letters.items()
        }

    def blank(self, cells: dict[bytes, bytes]) -> bool:
        """No input cell of the row holds a value (computed cells do not count)."""
        for letters, rest in cells.items():
            if letters in self.block or rest.endswith(b"/>"):
                continue
            if self.reader.holds_value(rest):
                return False
        return True


def stream_claims(
    layout: ClaimsLayout,
    fields: ClaimFields,
    block: BlockCells,
    editor: SheetEditor,
    write: Callable[[bytes], None],
    decide_row: Callable[[int, dict[bytes, bytes]], bytes],
    look_ahead: Callable[[list[tuple[int, dict[bytes, bytes]]]], None] | None = None,
) -> bytes:
    """Copy the claims sheet's rows and what follows them to ``write``, each claim line with the
    cells ``decide_row`` gives; returns the sheet's beginning, whose column widths fit what was
    written (the writer puts it first).

    Rows are read ``LOOK_AHEAD`` at a time: ``look_ahead`` (the claims ledger's look-up) is given
    the claim lines of each window, ``(row number, cells)``, before they are decided."""
    source = layout.source
    stream = source.rows()
    dialect = stream.parts.dialect
    header_row, totals, usual = layout.header_row, layout.totals_rows, layout.usual_cells
    out = BufferedWrites(write)
    window: list[tuple[int, bytes, dict[bytes, bytes] | None]] = []
    claims: list[tuple[int, dict[bytes, bytes]]] = []
    try:
        for number, row in stream:
            cells = None
            if number == header_row:  # the rows above it first, as they are
                for _, above, _ in window:
                    out.add(above)
                window = []
                model = _model_style(layout, row_cells(dialect, row, usual))
                out.add(editor.row(number, row, block.header(model)))
                continue
            if number > header_row:
                cells = row_cells(dialect, row, usual)
                if number in fields.top_rows:
                    fields.capture(number, cells)
                if number in totals or fields.blank(cells):
                    cells = None
                else:
                    claims.append((number, cells))
            window.append((number, row, cells))
            if len(window) >= LOOK_AHEAD:
                _decide_window(window, claims, editor, decide_row, look_ahead, out)
                window, claims = [], []
        _decide_window(window, claims, editor, decide_row, look_ahead, out)
        out.add(editor.tail(stream.tail))
        out.flush()
        return editor.head(stream.parts.head, block.widths())
    except (SheetSyntaxError, ValueError) as exc:
        raise source.damaged(exc) from None
    finally:
        stream.stream.close()


def _decide_window(window, claims, editor: SheetEditor, decide_row, look_ahead, out) -> None:
    """The window's rows in order: claim lines with their computed cells, the others as read
    (rows above the header untouched; a re-run drops old computed cells from the rest)."""
    if look_ahead is not None and claims:
        look_ahead(claims)
    header_row = editor.layout.header_row
    for number, row, cells in window:
        if cells is not None:
            out.add(editor.row(number, row, decide_row(number, cells), cells))
        elif number < header_row:
            out.add(row)
        else:
            out.add(editor.row(number, row, None))


def _model_style(layout: ClaimsLayout, cells: dict[bytes, bytes]) -> int | None:
    """The style of the last input header cell, for the computed headers (None: unstyled)."""
    last = LETTERS_OF[layout.last_column] if layout.last_column else None
    rest = cells.get(last) if last else None
    if rest is None:
        return None
    return cell_style(split_rest(rest)[0]) or None


__all__ = ["DECISION_FIELDS", "LOOK_AHEAD", "ClaimFields", "stream_claims"]
