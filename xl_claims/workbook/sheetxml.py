"""New worksheet parts written as XML, row by row: cells, column widths, links, page setup, and a
bar chart in a drawing.

Used for the Summary sheet, in a processed workbook (its formats appended to the input's styles)
and in the run's ``summary.xlsx``. Elements are written in the ``CT_Worksheet`` order Excel
requires; text is always a string cell (inline), never a formula.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from xl_claims.workbook.buffered import BufferedWrites
from xl_claims.workbook.rows import LETTERS_OF
from xl_claims.workbook.styles import Format, Styles
from xl_claims.workbook.xmlsafe import escape_attr, escape_text, text_element

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DRAWING = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
DRAWINGML = "http://schemas.openxmlformats.org/drawingml/2006/main"
CHART = "http://schemas.openxmlformats.org/drawingml/2006/chart"
REL_TYPES = RELS  # + "/worksheet", "/drawing", "/chart", "/hyperlink"
#: Excel keeps at most this many hyperlinks on a worksheet.
MAX_LINKS = 65_530
_EMU_PER_CM = 360_000


@dataclass(frozen=True)
class Link:
    cell: str
    location: str | None = None  # inside the workbook: 'Claims'!A5
    target: str | None = None  # another file: out.xlsx#'Claims'!A5


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart of one series read from the sheet itself."""

    title: str
    axis_title: str
    sheet: str
    categories: tuple[int, int, int]  # column, first row, last row
    values: tuple[int, int, int]
    labels: Sequence[str]
    amounts: Sequence[Decimal]
    anchor: tuple[int, int]  # 0-based column, row
    width_cm: float
    height_cm: float


class SheetWriter:
    """One worksheet's XML, streamed to ``write`` (rows must come in order)."""

    def __init__(self, write: Callable[[bytes], None], styles: Styles, widths: dict[int, float]):
        self._out = BufferedWrites(write)
        self._emit = self._out.add
        self.styles = styles
        self.links: list[Link] = []
        self.links_dropped = 0
        self._row: list[bytes] = []
        self._row_number = 0
        self._texts: dict[str, str] = {}
        self._styles: dict[int, tuple[str, Format]] = {}  # keeps each format alive: ids stay valid
        cols = "".join(
            f'<col min="{c}" max="{c}" width="{w:g}" customWidth="1"/>'
            for c, w in sorted(widths.items())
        )
        self._emit(
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" '
            f'xmlns:r="{RELS}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr><sheetViews>'
            f'<sheetView workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
            f"{'<cols>' + cols + '</cols>' if cols else ''}<sheetData>".encode()
        )

    def cell(self, row: int, column: int, value: object, fmt: Format | None = None) -> str:
        """Write one cell (None writes nothing); returns its reference."""
        if row != self._row_number:
            self._end_row()
            self._row_number = row
        reference = f"{LETTERS_OF[column].decode()}{row}"
        if value is None and fmt is None:
            return reference
        style = "" if fmt is None else self._style(fmt)
        if value is None:
            body = "/>"
        elif isinstance(value, str):
            known = self._texts.get(value)
            body = known or f' t="inlineStr"><is>{text_element("t", value)}</is></c>'
            if known is None and len(self._texts) > 10_000:
                self._texts.clear()
            if known is None:
                self._texts[value] = body
        elif isinstance(value, bool):
            body = f' t="b"><v>{int(value)}</v></c>'
        elif isinstance(value, Decimal):
            body = f"><v>{format(value.normalize(), 'f')}</v></c>"
        else:
            body = f"><v>{value!r}</v></c>"
        self._row.append(f'<c r="{reference}"{style}{body}'.encode())
        return reference

    def style_attr(self, fmt: Format | None) -> str:
        """`` s="N"`` for a format (empty for none), for rows built with ``text_cell``."""
        return "" if fmt is None else self._style(fmt)

    def text_cell(self, reference: str, text: object, style: str = "") -> str:
        """One text cell's XML (nothing for None), text kept as text."""
        if text is None:
            return ""
        return (
            f'<c r="{reference}"{style} t="inlineStr"><is>{text_element("t", str(text))}</is></c>'
        )

    def raw_row(self, row: int, cells: str) -> None:
        """A whole row from its cells' XML (the long lists, built from cached pieces)."""
        self._end_row()
        self._row_number = 0
        self._emit(f'<row r="{row}">{cells}</row>'.encode())

    def _style(self, fmt: Format) -> str:
        found = self._styles.get(id(fmt))
        if found is None:
            found = self._styles[id(fmt)] = (f' s="{self.styles.xf(fmt)}"', fmt)
        return found[0]

    def link(self, link: Link) -> None:
        if len(self.links) < MAX_LINKS:
            self.links.append(link)
        else:
            self.links_dropped += 1

    def _end_row(self) -> None:
        if self._row:
            self._emit(b'<row r="%d">%s</row>' % (self._row_number, b"".join(self._row)))
            self._row = []

    def flush(self) -> None:
        self._out.flush()

    def finish(self, drawing_rel: str | None, link_rel: Callable[[str], str]) -> None:
        """Close the sheet: links, margins, landscape fit-to-width page setup, the drawing."""
        self._end_row()
        self._emit(b"</sheetData>")
        if self.links:
            items = []
            for link in self.links:
                if link.location is not None:
                    items.append(
                        f'<hyperlink ref="{link.cell}" location="{escape_attr(link.location)}"/>'
                    )
                else:
                    assert link.target is not None
                    items.append(f'<hyperlink ref="{link.cell}" r:id="{link_rel(link.target)}"/>')
            self._emit(f"<hyperlinks>{''.join(items)}</hyperlinks>".encode())
        self._emit(
            b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
            b'footer="0.3"/><pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
        )
        if drawing_rel is not None:
            self._emit(f'<drawing r:id="{drawing_rel}"/>'.encode())
        self._emit(b"</worksheet>")
        self.flush()


def relationships(items: Sequence[tuple[str, str, str, bool]]) -> bytes:
    """A ``.rels`` part: ``(id, type suffix, target, external)`` per relationship."""
    body = "".join(
        f'<Relationship Id="{rid}" Type="{REL_TYPES}/{kind}" Target="{escape_attr(target)}"'
        + (' TargetMode="External"' if external else "")
        + "/>"
        for rid, kind, target, external in items
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{PACKAGE_RELS}">{body}</Relationships>'
    ).encode()


def drawing_xml(chart: BarChart, chart_rel: str) -> bytes:
    column, row = chart.anchor
    cx, cy = int(chart.width_cm * _EMU_PER_CM), int(chart.height_cm * _EMU_PER_CM)
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<xdr:wsDr xmlns:xdr="{DRAWING}" '
        f'xmlns:a="{DRAWINGML}"><xdr:oneCellAnchor><xdr:from><xdr:col>{column}</xdr:col>'
        f"<xdr:colOff>0</xdr:colOff><xdr:row>{row}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>"
        f'<xdr:ext cx="{cx}" cy="{cy}"/><xdr:graphicFrame macro=""><xdr:nvGraphicFramePr>'
        f'<xdr:cNvPr id="2" name="{escape_attr(chart.title)}"/><xdr:cNvGraphicFramePr/>'
        f'</xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
        f'<a:graphic><a:graphicData uri="{CHART}"><c:chart xmlns:c="{CHART}" xmlns:r="{RELS}" '
        f'r:id="{chart_rel}"/></a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/>'
        f"</xdr:oneCellAnchor></xdr:wsDr>"
    ).encode()


def chart_xml(chart: BarChart, reference: Callable[[str, str], str]) -> bytes:
    """The chart part; ``reference(sheet, range)`` quotes the sheet name for the formulas."""

    def cells(spec: tuple[int, int, int]) -> str:
        column, first, last = spec
        letters = LETTERS_OF[column].decode()
        return reference(chart.sheet, f"${letters}${first}:${letters}${last}")

    categories = "".join(
        f'<c:pt idx="{i}"><c:v>{escape_text(label)}</c:v></c:pt>'
        for i, label in enumerate(chart.labels)
    )
    values = "".join(
        f'<c:pt idx="{i}"><c:v>{format(amount, "f")}</c:v></c:pt>'
        for i, amount in enumerate(chart.amounts)
    )
    count = len(chart.labels)
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<c:chartSpace xmlns:c="{CHART}" '
        f'xmlns:a="{DRAWINGML}" xmlns:r="{RELS}"><c:roundedCorners val="0"/><c:chart>'
        f'{_title(chart.title)}<c:autoTitleDeleted val="0"/><c:plotArea><c:layout/><c:barChart>'
        f'<c:barDir val="bar"/><c:grouping val="clustered"/><c:varyColors val="0"/><c:ser>'
        f'<c:idx val="0"/><c:order val="0"/><c:spPr><a:solidFill><a:srgbClr val="4472C4"/>'
        f'</a:solidFill></c:spPr><c:invertIfNegative val="0"/><c:cat><c:strRef>'
        f'<c:f>{escape_text(cells(chart.categories))}</c:f><c:strCache><c:ptCount val="{count}"/>'
        f"{categories}</c:strCache></c:strRef></c:cat><c:val><c:numRef>"
        f"<c:f>{escape_text(cells(chart.values))}</c:f><c:numCache><c:formatCode>General"
        f'</c:formatCode><c:ptCount val="{count}"/>{values}</c:numCache></c:numRef></c:val>'
        f'</c:ser><c:gapWidth val="60"/><c:axId val="10"/><c:axId val="100"/></c:barChart>'
        f'<c:catAx><c:axId val="10"/><c:scaling><c:orientation val="maxMin"/></c:scaling>'
        f'<c:delete val="0"/><c:axPos val="l"/><c:numFmt formatCode="General" sourceLinked="1"/>'
        f'<c:tickLblPos val="nextTo"/><c:crossAx val="100"/><c:crosses val="autoZero"/>'
        f'<c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/></c:catAx>'
        f'<c:valAx><c:axId val="100"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
        f'<c:delete val="0"/><c:axPos val="b"/><c:majorGridlines/>{_title(chart.axis_title)}'
        f'<c:numFmt formatCode="General" sourceLinked="1"/><c:tickLblPos val="nextTo"/>'
        f'<c:crossAx val="10"/><c:crosses val="max"/><c:crossBetween val="between"/></c:valAx>'
        f'</c:plotArea><c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
        f"</c:chartSpace>"
    ).encode()


def _title(text: str) -> str:
    return (
        f"<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr/></a:pPr><a:r>"
        f'<a:rPr lang="en-US"/><a:t>{escape_text(text)}</a:t></a:r></a:p></c:rich></c:tx>'
        f'<c:overlay val="0"/></c:title>'
    )


__all__ = [
    "MAX_LINKS",
    "BarChart",
    "Link",
    "SheetWriter",
    "chart_xml",
    "drawing_xml",
    "relationships",
]
