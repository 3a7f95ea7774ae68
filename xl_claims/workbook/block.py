"""The XML of the eight computed cells of a row.

A decision's cells differ from row to row only by the row number in their references, so each
distinct set of values becomes a template once (``template``) and every row that shares it is one
``bytes.join`` with its number (``render``). Strings are inline strings (never a formula, whatever
they start with); numbers are ``Decimal`` written exactly; a missing value is no cell at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from xl_claims.core.table import COMPUTED_HEADERS
from xl_claims.workbook import formats
from xl_claims.workbook.rows import LETTERS_OF
from xl_claims.workbook.styles import Styles
from xl_claims.workbook.xmlsafe import text_element

_MONEY = ("Part max value", "Refund")


class BlockCells:
    """Cell templates for the block at ``columns`` (1-based, in ``COMPUTED_HEADERS`` order)."""

    def __init__(
        self,
        columns: Sequence[int],
        header_row: int,
        styles: Styles,
        currency: str,
        prefix: bytes = b"",
    ):
        self.header_row = header_row
        self.prefix = prefix  # the sheet's namespace prefix (``x:``) when it writes one
        self._open, self._close = b"<" + prefix + b'c r="', b"</" + prefix + b"c>"
        self.styles = styles
        self.order = sorted(range(len(COMPUTED_HEADERS)), key=lambda i: columns[i])
        self.letters = [LETTERS_OF[column] for column in columns]
        money = styles.xf(formats.money(currency))
        by_header = {"Refund rate": styles.xf(formats.rate())}
        by_header.update(dict.fromkeys(_MONEY, money))
        self.style_attr = [
            b' s="%d"' % by_header[h] if h in by_header else b"" for h in COMPUTED_HEADERS
        ]
        self.longest = [0] * len(COMPUTED_HEADERS)  # characters of the longest value written
        self._contents: dict[str, bytes] = {}  # the XML of each text written (grades, statuses)

    def template(self, values: Sequence[object]) -> tuple[bytes, ...]:
        """The parts that ``render`` joins with a row number."""
        parts: list[bytes] = []
        pending = b""
        for index in self.order:
            value = values[index]
            if value is None:
                continue
            shown = len(value) if isinstance(value, str) else len(f"{value:,}") + 4
            if shown > self.longest[index]:
                self.longest[index] = shown
            parts.append(pending + self._open + self.letters[index])
            content = self._contents.get(value) if type(value) is str else None
            if content is None:
                content = _content(value, self.prefix)
                if type(value) is str and len(self._contents) < 20_000:
                    self._contents[value] = content
            pending = b'"' + self.style_attr[index] + content + self._close
        parts.append(pending)
        return tuple(parts)

    def widths(self) -> list[float]:
        """Column widths that fit the headers (bold) and the longest value written, so that no
        text is cut by its neighbour (Excel's limit is 255)."""
        return [
            min(255.0, round(max(len(header) * 1.2 + 3, longest * 1.05 + 2), 1))
            for header, longest in zip(COMPUTED_HEADERS, self.longest, strict=True)
        ]

    @staticmethod
    def render(template: tuple[bytes, ...], row: int) -> bytes:
        return str(row).encode().join(template)

    def header(self, model_style: int | None) -> bytes:
        """The header cells: the style of the input's last header cell when it names its font,
        else bold in the workbook's own font (so no viewer falls back to a wider one)."""
        style = self.styles.xf(formats.BOLD)
        if model_style is not None and self.styles.font_named(model_style):
            style = model_style
        return self.render(
            self.template_with_style(COMPUTED_HEADERS, b' s="%d"' % style), self.header_row
        )

    def template_with_style(self, values: Sequence[str], style: bytes) -> tuple[bytes, ...]:
        parts: list[bytes] = []
        pending = b""
        for index in self.order:
            parts.append(pending + self._open + self.letters[index])
            pending = b'"' + style + _content(values[index], self.prefix) + self._close
        parts.append(pending)
        return tuple(parts)


def _content(value: object, prefix: bytes = b"") -> bytes:
    """A cell's type and content, its elements in the sheet's namespace prefix."""
    p = prefix.decode()
    if isinstance(value, str):
        return f' t="inlineStr"><{p}is>{text_element(p + "t", value)}</{p}is>'.encode()
    if isinstance(value, bool):
        return f' t="b"><{p}v>{int(value)}</{p}v>'.encode()
    if isinstance(value, Decimal):
        return f"><{p}v>{format(value.normalize(), 'f')}</{p}v>".encode()
    return f"><{p}v>{value!r}</{p}v>".encode()


__all__ = ["BlockCells"]
