"""Write an edited package: unchanged parts copied as their compressed bytes, changed parts
replaced, new parts added, and the bookkeeping parts (workbook, relationships, content types,
document properties) edited as bytes so that everything they held stays as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import BinaryIO

from xl_claims.workbook.package import CONTENT_TYPES, Package, relative
from xl_claims.workbook.styles import Styles
from xl_claims.workbook.xmlsafe import escape_attr, escape_text
from xl_claims.workbook.zipout import ZipOut

WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
RELS_TYPE = "application/vnd.openxmlformats-package.relationships+xml"
_STRICT = {
    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main": b"http://purl.oclc.org/ooxml/spreadsheetml/main",
    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships": b"http://purl.oclc.org/ooxml/officeDocument/relationships",
    b"http://schemas.openxmlformats.org/drawingml/2006/main": b"http://purl.oclc.org/ooxml/drawingml/main",
    b"http://schemas.openxmlformats.org/drawingml/2006/chart": b"http://purl.oclc.org/ooxml/drawingml/chart",
    b"http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing": b"http://purl.oclc.org/ooxml/drawingml/spreadsheetDrawing",
}
_RELS_NAMESPACES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
Writer = Callable[[Callable[[bytes], None]], None]
#: Writes the rest of a part and returns its beginning (see ``ZipOut.open_late``).
LateWriter = Callable[[Callable[[bytes], None]], bytes]


class PackageWriter:
    """The edits of one output package, then ``write`` it."""

    def __init__(self, package: Package):
        self.package = package
        self.replaced: dict[str, bytes] = {}
        self.streamed: dict[str, LateWriter] = {}
        self.added: dict[str, bytes | Writer] = {}
        self.removed: set[str] = set()
        self.types: dict[str, str] = {}  # new part → content type
        self.skip: set[str] = set()  # parts rewritten while writing (not copied)
        self.taken = {name.lower() for name in package.names}
        self.out: ZipOut | None = None

    # --- naming and small parts ------------------------------------------------------------

    def new_part(self, pattern: str) -> str:
        """The first free name like ``xl/worksheets/sheet{}.xml``."""
        number = 1
        while pattern.format(number).lower() in self.taken:
            number += 1
        name = pattern.format(number)
        self.taken.add(name.lower())
        return name

    def current(self, part: str) -> bytes | None:
        """A part as edited so far, as on file, or None when there is none."""
        added = self.added.get(part)
        if isinstance(added, bytes):
            return added
        if not self.package.has(part):
            return None
        name = self.package.zip_name(part)
        found = self.replaced.get(name)
        return found if found is not None else self.package.read(name)

    def _current(self, part: str) -> bytes:
        data = self.current(part)
        if data is None:
            raise ValueError(f"no part {part}")
        return data

    def add(self, part: str, data: bytes | Writer, content_type: str | None) -> None:
        if isinstance(data, bytes | bytearray) and self.package.strict:
            data = strict(bytes(data))
        self.added[part] = data
        self.taken.add(part.lower())
        if self.package.has(part):  # written again under its old name (a re-run's Summary)
            self.removed.discard(self.package.zip_name(part))
        if content_type is not None:
            self.types[part] = content_type

    def add_relationship(self, source: str, kind: str, target: str, external: bool = False) -> str:
        """A relationship from ``source`` (its rels part created if missing); returns its id."""
        rels_part = self.package.rels_part_of(source)
        data = self._rels_bytes(rels_part)
        used = set(re.findall(rb'\sId="([^"]*)"', data))
        number = len(used) + 1
        while b"rId%d" % number in used:
            number += 1
        rid = f"rId{number}"
        namespace = _RELS_NAMESPACES[1 if self.package.strict else 0]
        where = target if external else relative(source, target)
        element = (
            f'<Relationship Id="{rid}" Type="{namespace}/{kind}" Target="{escape_attr(where)}"'
            + (' TargetMode="External"/>' if external else "/>")
        ).encode()
        closing = re.search(rb"</(?:[\w.\-]+:)?Relationships>", data)
        assert closing is not None
        self._set(rels_part, data[: closing.start()] + element + data[closing.start() :])
        return rid

    def _rels_bytes(self, rels_part: str) -> bytes:
        data = self.current(rels_part)
        if data is not None:
            return data
        return (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
            b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'
        )

    def _set(self, part: str, data: bytes) -> None:
        if self.package.has(part) and part not in self.added:
            self.replaced[self.package.zip_name(part)] = data
        else:
            self.added[part] = data
            self.taken.add(part.lower())

    # --- sheets ----------------------------------------------------------------------------

    def add_sheet(self, name: str) -> str:
        """A new worksheet at the end of the workbook; returns its part name."""
        part = self.new_part("xl/worksheets/sheet{}.xml")
        workbook = self.package.workbook_part
        rid = self.add_relationship(workbook, "worksheet", part)
        data = self._current(workbook)
        prefix = _prefix(data, b"workbook")
        ids = [int(x) for x in re.findall(rb'<(?:[\w.\-]+:)?sheet\b[^>]*?\ssheetId="(\d+)"', data)]
        rel_prefix = _namespace_prefix(data)
        rel_attr = (
            f'{rel_prefix}:id="{rid}"'
            if rel_prefix
            else f'xmlns:r="{_RELS_NAMESPACES[0]}" r:id="{rid}"'
        )
        element = b'<%ssheet name="%s" sheetId="%d" %s/>' % (
            prefix,
            escape_attr(name).encode(),
            max(ids, default=0) + 1,
            rel_attr.encode(),
        )
        closing = data.find(b"</%ssheets>" % prefix)
        if closing == -1:
            raise ValueError("workbook part has no <sheets>")
        self._set(workbook, data[:closing] + element + data[closing:])
        self.types[part] = WORKSHEET
        self._add_title(name)
        return part

    def _add_title(self, name: str) -> None:
        """List the new sheet in ``docProps/app.xml`` when its layout is the usual one (the part
        is informational: a layout not understood is left as it was)."""
        app = next(
            (r.target for r in self.package.rels("") if r.kind == "extended-properties"), None
        )
        if app is None or not self.package.has(app):
            return
        app = self.package.zip_name(app)
        data = self._current(app)
        pairs = re.search(rb"<HeadingPairs>\s*<vt:vector\b[^>]*>(.*?)</vt:vector>", data, re.S)
        titles = re.search(
            rb'(<TitlesOfParts>\s*<vt:vector\b[^>]*?size=")(\d+)("[^>]*>)(.*?)(</vt:vector>)',
            data,
            re.S,
        )
        if pairs is None or titles is None:
            return
        first = re.search(
            rb"<vt:variant>\s*<vt:lpstr>[^<]*</vt:lpstr>\s*</vt:variant>\s*<vt:variant>\s*<vt:i4>(\d+)</vt:i4>",
            pairs.group(1),
        )
        worksheets = sum(1 for s in self.package.sheets if s.kind == "worksheet")
        if first is None or int(first.group(1)) != worksheets:
            return
        items = re.findall(rb"<vt:lpstr>.*?</vt:lpstr>", titles.group(4), re.S)
        if len(items) != int(titles.group(2)) or len(items) < worksheets:
            return
        items.insert(worksheets, b"<vt:lpstr>%s</vt:lpstr>" % escape_text(name).encode())
        count_at = pairs.start(1) + first.start(1)
        data = (
            data[:count_at]
            + b"%d" % (worksheets + 1)
            + data[count_at + len(first.group(1)) : titles.start()]
            + titles.group(1)
            + b"%d" % len(items)
            + titles.group(3)
            + b"".join(items)
            + titles.group(5)
            + data[titles.end() :]
        )
        self._set(app, data)

    def stream_part(self, part: str, content_type: str | None, write: Writer) -> None:
        """Write a part now (during ``after_stream``): ``write`` gets the part's writer."""
        assert self.out is not None, "stream_part is for after_stream"
        self.taken.add(part.lower())
        if content_type is not None:
            self.types[part] = content_type
        with self.out.open(part) as handle:
            write(handle.write if not self.package.strict else _strict_writer(handle.write))

    def remove(self, part: str) -> None:
        """Drop a part (and its relationships part) from the output."""
        for name in (part, self.package.rels_part_of(part)):
            if self.package.has(name):
                self.removed.add(self.package.zip_name(name))

    # --- writing ---------------------------------------------------------------------------

    def write(
        self,
        handle: BinaryIO,
        after_stream: Callable[[PackageWriter], None] | None = None,
        styles: Styles | None = None,
    ) -> None:
        """Write the package: unchanged parts (copied), streamed parts, then ``after_stream``
        (which may add parts: the Summary needs the totals of the streamed sheet), the replaced
        and added parts, the styles, and the content types last."""
        out = ZipOut(handle)
        types = self.package.zip_name(CONTENT_TYPES)
        with open(self.package.path, "rb") as raw:
            infos = [i for i in self.package.archive.infolist() if not i.is_dir()]
            for info in infos:
                name = info.filename
                if name in self.streamed:
                    part = out.open_late(name)
                    try:
                        part.finish(self.streamed[name](part.write))
                    finally:
                        part.close()
                elif self._copied(name, types, styles):
                    out.copy(raw, info)
            self.out = out
            if after_stream is not None:
                after_stream(self)
            if styles is not None and styles.changed:
                self._set(styles.part, styles.to_bytes())
                if styles.created:
                    self.add_relationship(self.package.workbook_part, "styles", styles.part)
                    self.types[styles.part] = STYLES
            elif styles is not None and self.package.has(styles.part):
                out.copy(raw, self.package.archive.getinfo(self.package.zip_name(styles.part)))
            for info in infos:
                if info.filename in self.replaced and info.filename not in self.removed:
                    out.write(info.filename, self.replaced[info.filename])
        for name, data in self.added.items():
            if isinstance(data, bytes | bytearray):
                out.write(name, bytes(data))
            else:
                with out.open(name) as new:
                    data(new.write if not self.package.strict else _strict_writer(new.write))
        out.write(types, self._content_types())
        out.close()

    def _copied(self, name: str, types: str, styles: Styles | None) -> bool:
        """Whether a part of the input goes to the output as it is."""
        rewritten = self.replaced.keys() | self.removed | self.skip | {types}
        return name not in rewritten and (styles is None or name != styles.part)

    def _content_types(self) -> bytes:
        data = self._current(CONTENT_TYPES)
        changed = {p for p, kind in self.types.items() if self.package.content_type(p) != kind}
        for part in self.removed | changed:
            pattern = rb'<(?:[\w.\-]+:)?Override\b[^>]*?PartName="/%s"[^>]*/>' % re.escape(
                part.encode()
            )
            data = re.sub(pattern, b"", data, flags=re.I)
        overrides = b"".join(
            b'<Override PartName="/%s" ContentType="%s"/>' % (part.encode(), kind.encode())
            for part, kind in self.types.items()
            if part in changed
        )
        if not re.search(rb'<(?:[\w.\-]+:)?Default\b[^>]*?Extension="rels"', data, re.I):
            overrides += b'<Default Extension="rels" ContentType="%s"/>' % RELS_TYPE.encode()
        closing = re.search(rb"</(?:[\w.\-]+:)?Types>", data)
        assert closing is not None
        return data[: closing.start()] + overrides + data[closing.start() :]


def strict(data: bytes) -> bytes:
    """New parts for a Strict OOXML package: the same XML in Strict's namespaces."""
    for transitional, strict_name in _STRICT.items():
        data = data.replace(transitional, strict_name)
    return data


def _strict_writer(write: Callable[[bytes], None]) -> Callable[[bytes], None]:
    return lambda data: write(strict(data))


def _prefix(data: bytes, root: bytes) -> bytes:
    found = re.search(rb"<([A-Za-z_][\w.\-]*:)?%s[\s>]" % root, data)
    return b"" if found is None or not found.group(1) else found.group(1)


def _namespace_prefix(data: bytes) -> str | None:
    """The prefix the workbook's root element declares for the relationships namespace."""
    root = re.search(rb"<(?:[\w.\-]+:)?workbook\b[^>]*>", data)
    tag = b"" if root is None else root.group(0)
    for namespace in _RELS_NAMESPACES:
        found = re.search(rb'xmlns:([\w.\-]+)="%s"' % re.escape(namespace.encode()), tag)
        if found is not None:
            return found.group(1).decode()
    return None


__all__ = ["CHART", "DRAWING", "STYLES", "WORKSHEET", "PackageWriter", "strict"]
