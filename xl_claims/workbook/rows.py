"""Stream a worksheet part's ``<row>`` elements as bytes, and read cell values out of them.

One regular-expression scan per row finds its cells (``findall``, in C); values are decoded only
for the cells asked for. Nothing here builds a tree: the bytes of each row are what the writer
copies to the output, so every attribute and element the input wrote is kept as written.

The sheet's prolog and the elements around ``<sheetData>`` are parsed with ``xmlsafe`` (DTDs
refused) by the caller; the rows themselves never expand an entity (``xmlsafe.unescape`` knows
only the predefined ones).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO

from xl_claims.workbook.xmlsafe import unescape, unescape_chars

CHUNK = 1 << 20
#: Column letters → 1-based number for every column Excel has (A..XFD), built once.
MAX_COLUMN = 16_384


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_number(letters: str | bytes) -> int:
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number


LETTERS_OF: list[bytes] = [b""] + [column_letters(n).encode() for n in range(1, MAX_COLUMN + 1)]
COLUMN_OF: dict[bytes, int] = {letters: n for n, letters in enumerate(LETTERS_OF) if n}


_UNSEEN = object()
_SEEN_LIMIT = 20_000


class SheetSyntaxError(ValueError):
    """The sheet's XML is not what a worksheet can be (damaged)."""


class Dialect:
    """The element names of one sheet part: without a namespace prefix, or with one (``x:``)."""

    def __init__(self, prefix: bytes = b""):
        self.prefix = prefix
        p = re.escape(prefix)
        self.row_open = b"<" + prefix + b"row"
        self.row_close = b"</" + prefix + b"row>"
        self.c_open = b"<" + prefix + b"c"
        self.sheet_data_end = b"</" + prefix + b"sheetData>"
        self.c_close = b"</" + prefix + b"c>"
        # The form Excel, LibreOffice and the libraries write: r first. Group 2 ("rest") is the
        # other attributes and the content, up to the end of the element.
        self.cell = re.compile(
            rb'<%sc r="([A-Z]{1,3})\d+"([^>/]*(?:/>|>[^<]*(?:<(?!/%sc>)[^<]*)*</%sc>))' % (p, p, p)
        )
        self.any_cell = re.compile(rb"<%sc\b([^>]*?)(/>|>.*?</%sc>)" % (p, p), re.S)
        self.sheet_data = re.compile(rb"<%ssheetData\b[^>]*?(/?)>" % p)
        self.value = re.compile(rb"<%sv(?:\s[^>]*)?>(.*?)</%sv>" % (p, p), re.S)
        self.text = re.compile(rb"<%st(?:\s[^>]*)?>(.*?)</%st>" % (p, p), re.S)
        self.phonetic = re.compile(rb"<%srPh\b.*?</%srPh>" % (p, p), re.S)


_ROOT = re.compile(rb"<([A-Za-z_][\w.\-]*:)?worksheet[\s>/]")
_ROW_NUMBER = re.compile(rb'\sr="(\d+)"')
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')


def dialect_of(head: bytes) -> Dialect:
    found = _ROOT.search(head)
    return Dialect(b"" if found is None or not found.group(1) else found.group(1))


@dataclass
class SheetParts:
    """A worksheet split around its rows: ``head`` (up to and with the ``<sheetData>`` tag), the
    rows, and ``tail`` (from ``</sheetData>`` on)."""

    dialect: Dialect
    head: bytes
    empty: bool  # ``<sheetData/>``


class RowStream:
    """The rows of one worksheet part, read from a stream in chunks.

    Iterating gives ``(row number, row bytes)``; ``row bytes`` is the whole ``<row>`` element as
    written, preceded by whatever stood between it and the previous row (whitespace, comments).
    After iteration ``tail`` holds ``</sheetData>`` and everything after it.
    """

    def __init__(self, stream: IO[bytes], chunk: int = CHUNK):
        self.stream = stream
        self.chunk = chunk
        self.buffer = b""
        self.tail = b""
        self.parts = self._head()

    def _more(self) -> bool:
        block = self.stream.read(self.chunk)
        if not block:
            return False
        self.buffer += block
        return True

    def _head(self) -> SheetParts:
        while True:
            dialect = dialect_of(self.buffer[:4096])
            found = dialect.sheet_data.search(self.buffer)
            if found is not None:
                head, self.buffer = self.buffer[: found.end()], self.buffer[found.end() :]
                return SheetParts(dialect, head, empty=found.group(1) == b"/")
            if not self._more():
                raise SheetSyntaxError("no <sheetData> element")

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        dialect = self.parts.dialect
        if self.parts.empty:
            self._drain()
            return
        row_open, row_close, end_tag = dialect.row_open, dialect.row_close, dialect.sheet_data_end
        previous = 0
        position = 0
        while True:
            buffer = self.buffer
            start = buffer.find(row_open, position)
            stop = buffer.find(end_tag, position, None if start == -1 else start)
            if stop != -1:
                self.buffer = buffer[stop:]
                self._drain()
                return
            tag_end = -1 if start == -1 else buffer.find(b">", start)
            if tag_end == -1:
                position = self._keep_reading(buffer, position, "its rows")
                continue
            if buffer[tag_end - 1] == 47:  # "/>": an empty row element
                end = tag_end + 1
            else:
                close = buffer.find(row_close, tag_end)
                if close == -1:
                    position = self._keep_reading(buffer, position, "a row")
                    continue
                end = close + len(row_close)
            number_match = _ROW_NUMBER.search(buffer, start, tag_end)
            number = int(number_match.group(1)) if number_match else previous + 1
            previous = number
            yield number, buffer[position:end]
            position = end

    def _keep_reading(self, buffer: bytes, position: int, inside: str) -> int:
        """A row is cut by the end of the buffer: keep what is not read yet, read more (the new
        position is 0); the sheet may not end ``inside`` a row."""
        self.buffer = buffer[position:]
        if not self._more():
            raise SheetSyntaxError(f"the sheet ends inside {inside}")
        return 0

    def _drain(self) -> None:
        while self._more():
            pass
        self.tail, self.buffer = self.buffer, b""


# --- cells ---------------------------------------------------------------------------------------


def row_cells(dialect: Dialect, row: bytes, usual: bool = False) -> dict[bytes, bytes]:
    """``column letters → rest`` for the cells of one row element, where ``rest`` is everything
    after the cell's ``r`` attribute up to the end of the element (what ``CellReader`` decodes;
    equal cells give equal bytes, so it can key a memo). ``usual``: the sheet is known to write
    every cell with ``r`` first."""
    found = dialect.cell.findall(row)
    if usual:
        return dict(found)
    if len(found) == row.count(dialect.c_open + b" ") + row.count(dialect.c_open + b">"):
        return dict(found)
    return _cells_in_any_form(dialect, row)


def _cells_in_any_form(dialect: Dialect, row: bytes) -> dict[bytes, bytes]:
    """Cells whose ``r`` is missing or not the first attribute: the column follows the previous."""
    cells: dict[bytes, bytes] = {}
    column = 0
    for attrs, closing in dialect.any_cell.findall(row):
        pairs = _ATTR.findall(attrs)
        reference = dict(pairs).get(b"r")
        if reference:
            column = COLUMN_OF.get(reference.rstrip(b"0123456789").upper(), column + 1)
        else:
            column += 1
        others = b"".join(b' %s="%s"' % (k, v) for k, v in pairs if k != b"r")
        cells[LETTERS_OF[column]] = others + closing
    return cells


def split_rest(rest: bytes) -> tuple[bytes, bytes]:
    """A cell's ``rest`` → ``(attributes, content)``; content is empty for ``<c .../>``."""
    gt = rest.find(b">")
    if rest[gt - 1] == 47:  # "/>"
        return rest[: gt - 1], b""
    return rest[:gt], rest[gt + 1 : rest.rfind(b"</")]


def cell_type(attrs: bytes) -> bytes:
    at = attrs.find(b' t="')
    if at == -1:
        return b"n"
    return attrs[at + 4 : attrs.index(b'"', at + 4)]


def cell_style(attrs: bytes) -> int:
    at = attrs.find(b' s="')
    if at == -1:
        return 0
    return int(attrs[at + 4 : attrs.index(b'"', at + 4)] or 0)


class CellReader:
    """Decode cell values: shared and inline strings (rich text as plain text), numbers, booleans,
    errors, cached results of formulas, and dates from the cell's number format (1900 or 1904)."""

    def __init__(
        self, dialect: Dialect, shared: Sequence[str], date_styles: Sequence[bool], date1904: bool
    ):
        self.dialect = dialect
        self.shared = shared
        self.date_styles = date_styles
        self.epoch = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
        self.date1904 = date1904
        self._v_open = b"<" + dialect.prefix + b"v>"
        self._v_close = b"</" + dialect.prefix + b"v>"
        self._is_open = b"<" + dialect.prefix + b"is><" + dialect.prefix + b"t>"
        self._is_close = b"</" + dialect.prefix + b"t></" + dialect.prefix + b"is>"
        self._plain_inline = b' t="inlineStr">' + self._is_open
        self._inline_end = self._is_close + dialect.c_close
        self._inline_start, self._inline_stop = len(self._plain_inline), -len(self._inline_end)
        self._shared = b' t="s"><' + dialect.prefix + b"v>"
        self._shared_start = len(self._shared)
        self._seen: dict[bytes, object] = {}

    def value(self, rest: bytes | None) -> object:
        """The value of a cell given as ``row_cells`` gives it (a formula's cached value), or
        None. Equal cells are decoded once (most columns repeat a few values)."""
        if rest is None:
            return None
        found = self._seen.get(rest, _UNSEEN)
        if found is _UNSEEN:
            found = self._decode(rest)
            if len(self._seen) >= _SEEN_LIMIT:
                self._seen.clear()
            self._seen[rest] = found
        return found

    def holds_value(self, rest: bytes) -> bool:
        """Whether a cell holds a value that is not blank: a number, or text with a character
        other than a space (decoded only when it is text)."""
        if rest.startswith(self._plain_inline):
            inner = rest[len(self._plain_inline) : len(rest) - len(self._inline_end)]
            if inner.strip() and b"<" not in inner and b"&" not in inner and b"_x" not in inner:
                return True
        elif rest.startswith((b"><v>", b' s="')) and cell_type(split_rest(rest)[0]) == b"n":
            return self.value(rest) is not None
        value = self.decode(rest) if rest.startswith(self._shared) else self.value(rest)
        return value is not None and not (isinstance(value, str) and not value.strip())

    def decode(self, rest: bytes) -> object:
        """``value`` without the memory of equal cells (for a claim id: one per line)."""
        if rest.startswith(self._plain_inline) and rest.endswith(self._inline_end):
            inner = rest[self._inline_start : self._inline_stop]
            if not (b"<" in inner or b"&" in inner or b"_x" in inner or b"\r" in inner):
                return inner.decode("utf-8")
        elif rest.startswith(self._shared):  # t="s"><v>index</v>: as Excel writes text
            end = rest.find(b"<", self._shared_start)
            index = rest[self._shared_start : end]
            if index.isdigit() and int(index) < len(self.shared):
                return self.shared[int(index)]
        return self._decode(rest)

    def _decode(self, rest: bytes) -> object:
        if rest.startswith(self._plain_inline) and rest.endswith(self._inline_end):
            inner = rest[self._inline_start : self._inline_stop]
            if b"<" not in inner:
                return unescape_chars(unescape(inner))
        attrs, content = split_rest(rest)
        if not content:
            return None
        kind = cell_type(attrs)
        if kind == b"inlineStr":
            return self.inline_text(content)
        raw = self._raw_value(content)
        if raw is None:
            return None
        if kind == b"s":
            try:
                return self.shared[int(raw)]
            except (IndexError, ValueError):
                raise SheetSyntaxError(f"shared string {raw[:20]!r} does not exist") from None
        if kind == b"str" or kind == b"e":
            return unescape_chars(unescape(raw))
        if kind == b"b":
            return raw.strip() in (b"1", b"true")
        if kind == b"d":
            return _iso_date(raw)
        if not raw.strip():
            return None
        try:
            number: int | float = int(raw)
        except ValueError:
            try:
                number = float(raw)
            except ValueError:
                raise SheetSyntaxError(f"{raw[:20]!r} is not a number") from None
        style = cell_style(attrs)
        if style and style < len(self.date_styles) and self.date_styles[style]:
            return self.serial_date(number)
        return number

    def _raw_value(self, content: bytes) -> bytes | None:
        if content.startswith(self._v_open) and content.endswith(self._v_close):
            inner = content[len(self._v_open) : -len(self._v_close)]
            if b"<" not in inner:
                return inner
        found = self.dialect.value.search(content)
        return None if found is None else found.group(1)

    def inline_text(self, content: bytes) -> str:
        if content.startswith(self._is_open) and content.endswith(self._is_close):
            inner = content[len(self._is_open) : -len(self._is_close)]
            if b"<" not in inner:
                return unescape_chars(unescape(inner))
        content = self.dialect.phonetic.sub(b"", content)
        return unescape_chars("".join(_text_of(t) for t in self.dialect.text.findall(content)))

    def serial_date(self, serial: float) -> dt.datetime | float:
        """An Excel serial in a date format → datetime (1900 system: 1-59 are off by Excel's
        phantom 1900-02-29, as openpyxl reads them)."""
        if serial < 0 or serial > 2_958_465:  # after 9999-12-31: not a date Excel can show
            return serial
        day, fraction = divmod(serial, 1)
        if not self.date1904 and 0 < serial < 60:
            day += 1
        return self.epoch + dt.timedelta(days=day, milliseconds=round(fraction * 86_400_000))


def _text_of(raw: bytes) -> str:
    if raw.startswith(b"<![CDATA[") and raw.endswith(b"]]>"):
        return raw[9:-3].decode("utf-8")
    return unescape(raw)


def _iso_date(raw: bytes) -> dt.datetime | str:
    text = raw.decode("ascii", errors="replace").strip()
    try:
        return dt.datetime.fromisoformat(text.replace("Z", ""))
    except ValueError:
        return text


__all__ = [
    "COLUMN_OF",
    "LETTERS_OF",
    "CellReader",
    "Dialect",
    "RowStream",
    "SheetParts",
    "SheetSyntaxError",
    "cell_style",
    "cell_type",
    "column_letters",
    "column_number",
    "dialect_of",
    "row_cells",
    "split_rest",
]
