"""The input's ``styles.xml``: which cell formats are dates, and new formats appended at the end.

Existing style indexes never change (every ``s="N"`` in every sheet keeps meaning what it meant):
fonts, fills, number formats and cell formats the batch needs are appended to their lists, and
the part is edited as bytes, so everything the input wrote (extensions, namespaces, its own
formats) stays as written. A package without a styles part gets a minimal one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xl_claims.workbook.xmlsafe import (
    append_children,
    attribute,
    child,
    children,
    escape_attr,
    local,
    parse_part,
)

#: Built-in number formats that are dates or times (ECMA-376 18.8.30, plus the East Asian ones).
BUILTIN_DATES = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_QUOTED = re.compile(r'"[^"]*"|\\.|_.|\*.|\[(?!h\]|hh\]|m\]|mm\]|s\]|ss\])[^\]]*\]')
_DATE_TOKEN = re.compile(r"[dmyhsDMYHS]")
_ROOT = re.compile(rb"<([A-Za-z_][\w.\-]*:)?styleSheet[\s>]")
_LISTS = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs")
MINIMAL = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    b'<fills count="2"><fill><patternFill patternType="none"/></fill>'
    b'<fill><patternFill patternType="gray125"/></fill></fills>'
    b'<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    b'<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    b'<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    b'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    b"</styleSheet>"
)


def is_date_format(code: str) -> bool:
    """A number format that shows a date or time (its first section, quoted text ignored)."""
    return _DATE_TOKEN.search(_QUOTED.sub("", code.split(";")[0])) is not None


@dataclass(frozen=True)
class Format:
    """A cell format the batch writes; equal formats share one ``xf``."""

    number_format: str | None = None  # a format code, or None for General
    bold: bool = False
    size: float | None = None
    color: str | None = None  # ARGB
    underline: bool = False
    fill: str | None = None  # ARGB of a solid fill
    horizontal: str | None = None
    vertical: str | None = None
    wrap: bool = False


class Styles:
    """``styles.xml`` of one package, read once, appended to, written back as bytes."""

    def __init__(self, data: bytes | None, part: str, file_name: str):
        self.part = part
        self.created = data is None
        self.data = MINIMAL if data is None else data
        root = parse_part(self.data, part, file_name)
        found = _ROOT.search(self.data)
        self.prefix = b"" if found is None or not found.group(1) else found.group(1)
        formats = child(root, "numFmts")
        self.codes: dict[int, str] = {}
        for element in [] if formats is None else children(formats, "numFmt"):
            self.codes[_int(attribute(element, "numFmtId"))] = (
                attribute(element, "formatCode") or ""
            )
        xfs = child(root, "cellXfs")
        self.date_styles = [
            self._is_date(_int(attribute(xf, "numFmtId")))
            for xf in ([] if xfs is None else children(xfs, "xf"))
        ]
        self.counts = {name: _count(child(root, name)) for name in _LISTS}
        fonts = child(root, "fonts")
        named = [
            child(font, "name") is not None
            for font in ([] if fonts is None else children(fonts, "font"))
        ]
        self.xf_fonts_named = [
            _int(attribute(xf, "fontId")) < len(named) and named[_int(attribute(xf, "fontId"))]
            for xf in ([] if xfs is None else children(xfs, "xf"))
        ]
        first = None if fonts is None else child(fonts, "font")
        self.base_font = _font_basics(first)
        self.new: dict[str, list[bytes]] = {name: [] for name in _LISTS}
        self.xf_of: dict[Format, int] = {}
        self.font_of: dict[tuple, int] = {}
        self.fill_of: dict[str, int] = {}
        self.code_ids: dict[str, int] = {code: number for number, code in self.codes.items()}
        self._on_file: dict[str, list[bytes]] = {}

    def font_named(self, xf: int) -> bool:
        """Whether cell format ``xf`` names its font (viewers fall back to another font when it
        does not, often a wider one that cuts the text)."""
        return xf < len(self.xf_fonts_named) and self.xf_fonts_named[xf]

    def _is_date(self, number_format_id: int) -> bool:
        if number_format_id in BUILTIN_DATES:
            return True
        code = self.codes.get(number_format_id)
        return code is not None and is_date_format(code)

    def xf(self, fmt: Format) -> int:
        """The index of a cell format (``s="N"``) for ``fmt``, appended on first use."""
        found = self.xf_of.get(fmt)
        if found is not None:
            return found
        if self.counts["borders"] == 0 and not self.new["borders"]:
            self.new["borders"].append(
                b"<border><left/><right/><top/><bottom/><diagonal/></border>"
            )
        number = self._number_format(fmt.number_format)
        font = self._font(fmt)
        fill = self._fill(fmt.fill)
        attrs = f'numFmtId="{number}" fontId="{font}" fillId="{fill}" borderId="0" xfId="0"'
        applied = [
            ("applyNumberFormat", number != 0),
            ("applyFont", font != 0),
            ("applyFill", fill != 0),
            ("applyAlignment", bool(fmt.horizontal or fmt.vertical or fmt.wrap)),
        ]
        attrs += "".join(f' {name}="1"' for name, used in applied if used)
        alignment = ""
        if fmt.horizontal or fmt.vertical or fmt.wrap:
            parts = [f'horizontal="{fmt.horizontal}"'] if fmt.horizontal else []
            parts += [f'vertical="{fmt.vertical}"'] if fmt.vertical else []
            parts += ['wrapText="1"'] if fmt.wrap else []
            alignment = f"<alignment {' '.join(parts)}/>"
        index = self.xf_of[fmt] = self._entry("cellXfs", f"<xf {attrs}>{alignment}</xf>".encode())
        return index

    def _entry(self, name: str, element: bytes) -> int:
        """The index of ``element`` in the list ``name``: one written by an earlier run is
        reused (a re-run adds nothing), else it is appended."""
        existing = self._existing(name)
        marked = self._prefixed(element)
        if marked in existing:
            return existing.index(marked)
        self.new[name].append(element)
        return self.counts[name] + len(self.new[name]) - 1

    def _existing(self, name: str) -> list[bytes]:
        found = self._on_file.get(name)
        if found is None:
            p = re.escape(self.prefix)
            block = re.search(
                rb"<%s%s\b[^>]*>(.*?)</%s%s>" % (p, name.encode(), p, name.encode()),
                self.data,
                re.S,
            )
            child = {"cellXfs": b"xf", "fonts": b"font", "fills": b"fill"}[name]
            pattern = rb"<%s%s\b(?:[^>]*/>|.*?</%s%s>)" % (p, child, p, child)
            found = [] if block is None else re.findall(pattern, block.group(1), re.S)
            self._on_file[name] = found
        return found

    def _prefixed(self, element: bytes) -> bytes:
        if not self.prefix:
            return element
        return re.sub(rb"<(/?)(?=[a-zA-Z])", rb"<\1" + self.prefix, element)

    def _number_format(self, code: str | None) -> int:
        if code is None:
            return 0
        if code in ("0%",):
            return 9
        found = self.code_ids.get(code)
        if found is None:
            found = max([163, *self.codes, *self.code_ids.values()]) + 1
            self.code_ids[code] = found
            self.new["numFmts"].append(
                f'<numFmt numFmtId="{found}" formatCode="{escape_attr(code)}"/>'.encode()
            )
        return found

    def _font(self, fmt: Format) -> int:
        key = (fmt.bold, fmt.size, fmt.color, fmt.underline)
        if key == (False, None, None, False):
            return 0
        found = self.font_of.get(key)
        if found is not None:
            return found
        name, size, family, scheme = self.base_font
        parts = ["<b/>"] if fmt.bold else []
        parts += ['<u val="single"/>'] if fmt.underline else []
        parts.append(f'<sz val="{fmt.size or size}"/>')
        parts.append(f'<color rgb="{fmt.color}"/>' if fmt.color else '<color theme="1"/>')
        parts.append(f'<name val="{escape_attr(name)}"/>')
        parts += [f'<family val="{family}"/>'] if family else []
        parts += [f'<scheme val="{scheme}"/>'] if scheme and not fmt.color else []
        found = self.font_of[key] = self._entry("fonts", f"<font>{''.join(parts)}</font>".encode())
        return found

    def _fill(self, rgb: str | None) -> int:
        if rgb is None:
            return 0
        found = self.fill_of.get(rgb)
        if found is not None:
            return found
        if self.counts["fills"] < 2 and not self.new["fills"]:  # 0 and 1 are reserved by Excel
            self.new["fills"] += [
                b'<fill><patternFill patternType="none"/></fill>',
                b'<fill><patternFill patternType="gray125"/></fill>',
            ][self.counts["fills"] :]
        element = (
            f'<fill><patternFill patternType="solid"><fgColor rgb="{rgb}"/>'
            f'<bgColor indexed="64"/></patternFill></fill>'.encode()
        )
        found = self.fill_of[rgb] = self._entry("fills", element)
        return found

    @property
    def changed(self) -> bool:
        return self.created or any(self.new.values())

    def to_bytes(self) -> bytes:
        """The part with the new entries appended to their lists (lists created where missing)."""
        data = self.data
        for position, name in enumerate(_LISTS):
            if self.new[name]:
                data = self._append(data, name, _LISTS[:position])
        return data

    def _append(self, data: bytes, name: str, before: tuple[str, ...]) -> bytes:
        added = self._prefixed(b"".join(self.new[name]))
        total = self.counts[name] + len(self.new[name])
        tag = self.prefix + name.encode()
        edited = append_children(data, tag, added, total)
        if edited is None:
            element = b'<%s count="%d">%s</%s>' % (tag, total, added, tag)
            return _insert_after_siblings(data, self.prefix, before, element)
        return edited


def _insert_after_siblings(
    data: bytes, prefix: bytes, before: tuple[str, ...], element: bytes
) -> bytes:
    """Insert a missing list right after the last earlier list in the schema's order (or first)."""
    for name in reversed(before):
        tag = prefix + name.encode()
        closing = data.find(b"</%s>" % tag)
        if closing != -1:
            at = closing + len(tag) + 3
            return data[:at] + element + data[at:]
        empty = re.search(rb"<%s(?=[\s/])[^>]*/>" % re.escape(tag), data)
        if empty is not None:
            return data[: empty.end()] + element + data[empty.end() :]
    root = _ROOT.search(data)
    assert root is not None
    at = data.index(b">", root.start()) + 1
    return data[:at] + element + data[at:]


def _font_basics(font) -> tuple[str, str, str | None, str | None]:
    """Name, size, family and scheme of the workbook's default font (fonts[0])."""
    values = {}
    for item in [] if font is None else list(font):
        values[local(item.tag)] = attribute(item, "val")
    return (
        values.get("name") or "Calibri",
        values.get("sz") or "11",
        values.get("family"),
        values.get("scheme"),
    )


def _count(element) -> int:
    return 0 if element is None else len(list(element))


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


__all__ = ["BUILTIN_DATES", "MINIMAL", "Format", "Styles", "is_date_format"]
