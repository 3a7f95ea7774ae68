"""The shared-strings table, read as a stream and held compactly.

A workbook saved by Excel keeps every distinct text once, in ``xl/sharedStrings.xml``: 1.5 million
items for a 1,000,000-line export. As Python strings they take ~90 MB and an element tree of them
far more; here the texts are kept as one UTF-8 buffer with an offset per item (~25 MB), and
decoded when a cell asks for one. The part is scanned like the sheets: its start parsed by
``xmlsafe`` (a DTD refused), then one regular expression per chunk; rich text keeps its runs'
text, phonetic guides (``<rPh>``) are left out, entities and ``_xHHHH_`` escapes are decoded.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Sequence
from typing import IO, overload

from xl_claims.workbook.rows import CHUNK
from xl_claims.workbook.xmlsafe import check_start, unescape, unescape_chars

_ROOT = re.compile(rb"<([A-Za-z_][\w.\-]*:)?sst\b[^>]*>")


class UnusualForm(ValueError):
    """Items written in a form the scan does not take (attributes on ``<si>``): parse the tree."""


class SharedStrings(Sequence[str]):
    """Item ``i`` of the table, decoded on access."""

    def __init__(self, text: bytes = b"", offsets: array | None = None):
        self.text = text
        self.offsets = offsets if offsets is not None else array("Q", [0])

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.text[self.offsets[index] : self.offsets[index + 1]].decode("utf-8")


def read_shared_strings(stream: IO[bytes], part: str, file_name: str) -> SharedStrings:
    buffer = b""
    while (root := _ROOT.search(buffer)) is None:
        block = stream.read(CHUNK)
        if not block:
            check_start(buffer, part, file_name)
            return SharedStrings()
        buffer += block
    check_start(buffer[: root.end()], part, file_name)
    prefix = re.escape(root.group(1) or b"")
    item = re.compile(
        rb"<%ssi>(?:<%st(?: xml:space=\"preserve\")?>([^<&_\r]*)</%st>|(.*?))</%ssi>|<%ssi/>"
        % ((prefix,) * 5),
        re.S,
    )
    runs = re.compile(rb"<%st(?:\s[^>]*)?>(.*?)</%st>|<%st\s*/>" % ((prefix,) * 3), re.S)
    phonetic = re.compile(rb"<%srPh\b.*?</%srPh>" % ((prefix,) * 2), re.S)
    text = bytearray()
    offsets = array("Q", [0])
    position = root.end()
    while True:
        last = position
        pieces = []
        for found in item.finditer(buffer, position):
            simple, other = found.group(1), found.group(2)
            if simple is not None:
                pieces.append(simple)
            elif other is not None:
                pieces.append(_rich(other, runs, phonetic).encode("utf-8"))
            else:
                pieces.append(b"")
            last = found.end()
        consumed = buffer[position:last]
        tag = b"<" + (root.group(1) or b"") + b"si"
        if consumed.count(tag + b">") + consumed.count(tag + b"/>") != len(pieces) or (
            consumed.count(tag + b" ") or consumed.count(tag + b"\t") or consumed.count(tag + b"\n")
        ):
            raise UnusualForm(part)
        for piece in pieces:
            text += piece
            offsets.append(len(text))
        block = stream.read(CHUNK)
        if not block:
            break
        buffer = buffer[last:] + block
        position = 0
    return SharedStrings(bytes(text), offsets)


def _rich(content: bytes, runs: re.Pattern, phonetic: re.Pattern) -> str:
    """The plain text of an item that is not one plain ``<t>``: its runs, escapes decoded."""
    content = phonetic.sub(b"", content)
    parts = []
    for raw in runs.findall(content):
        if raw.startswith(b"<![CDATA[") and raw.endswith(b"]]>"):
            parts.append(raw[9:-3].decode("utf-8"))
        else:
            parts.append(unescape(raw))
    return unescape_chars("".join(parts))


__all__ = ["SharedStrings", "UnusualForm", "read_shared_strings"]
