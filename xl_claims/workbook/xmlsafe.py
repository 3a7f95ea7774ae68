"""The one place where untrusted XML is parsed, and the escaping of text written into XML.

Every package part read as a tree (content types, relationships, workbook, styles, shared strings,
tables, the head and tail of a sheet) goes through ``parse_part``: ``defusedxml`` with DTDs
forbidden, so an entity declaration (a billion-laughs bomb, an external entity) is refused before
anything is expanded. Sheet rows are streamed as bytes by ``workbook.rows``, which never expands an
entity either: it knows only the five predefined ones and character references.

Elements are matched by local name: Strict OOXML and producers that use a prefix (``x:c``) name the
same elements in other namespaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import XMLParser, fromstring, iterparse

from xl_claims.core.errors import WorkbookError

REFUSED = (
    "refused: part {part} declares XML entities (an XML bomb or external entity attack); "
    "do not open it, ask the sender for a clean export."
)
DAMAGED = (
    "the workbook is damaged (part {part} is not valid XML); open it in Excel and save it again."
)

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_ESCAPED_CHAR = re.compile(r"_x([0-9A-Fa-f]{4})_")


def parse_part(data: bytes, part: str, file_name: str) -> Element:
    """Parse one package part; a DTD or entity declaration is refused, broken XML reported."""
    try:
        return fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise WorkbookError(f"{file_name}: {REFUSED.format(part=part)}") from None
    except (ParseError, ValueError):
        raise WorkbookError(f"{file_name}: {DAMAGED.format(part=part)}") from None


def check_start(data: bytes, part: str, file_name: str) -> None:
    """Parse the start of a part that is then streamed as bytes (a sheet up to its rows): a DTD
    or an entity declaration can only come before the root element, so this refuses them."""
    parser = XMLParser(forbid_dtd=True)
    try:
        parser.feed(data)
    except DefusedXmlException:
        raise WorkbookError(f"{file_name}: {REFUSED.format(part=part)}") from None
    except (ParseError, ValueError):
        raise WorkbookError(f"{file_name}: {DAMAGED.format(part=part)}") from None


def iter_part(stream, part: str, file_name: str, tag: str) -> Iterator[Element]:
    """Stream the elements named ``tag`` (local name) of a large part, each one freed after use."""
    try:
        for _event, element in iterparse(stream, events=("end",), forbid_dtd=True):
            if local(element.tag) == tag:
                yield element
                element.clear()
    except DefusedXmlException:
        raise WorkbookError(f"{file_name}: {REFUSED.format(part=part)}") from None
    except (ParseError, ValueError):
        raise WorkbookError(f"{file_name}: {DAMAGED.format(part=part)}") from None


def local(tag: str) -> str:
    """``{namespace}name`` → ``name``."""
    return tag.rpartition("}")[2]


def children(element: Element, name: str) -> list[Element]:
    return [child for child in element if local(child.tag) == name]


def child(element: Element, name: str) -> Element | None:
    for item in element:
        if local(item.tag) == name:
            return item
    return None


def attribute(element: Element, name: str) -> str | None:
    """An attribute by local name, in any namespace (``r:id``, ``ns:id``, ``id``)."""
    value = element.get(name)
    if value is not None:
        return value
    for key, found in element.attrib.items():
        if key.endswith("}" + name):
            return found
    return None


def plain_text(element: Element) -> str:
    """The text of a string item (``<si>`` or ``<is>``): its ``<t>`` and rich-text runs, without
    phonetic guides (``<rPh>``)."""
    parts: list[str] = []
    for item in element:
        name = local(item.tag)
        if name == "t":
            parts.append(item.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in item if local(t.tag) == "t")
    return unescape_chars("".join(parts))


def unescape(data: bytes) -> str:
    """Text of an element as bytes in the file → str. Without a DTD only the predefined and
    numeric entities exist, so anything else is damaged XML (``ValueError``)."""
    if b"\r" in data:  # XML's end-of-line handling, as a parser does before anything else
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    text = data.decode("utf-8")
    if "&" not in text:
        return text
    pieces = text.split("&")
    out = [pieces[0]]
    for piece in pieces[1:]:
        name, semicolon, rest = piece.partition(";")
        if not semicolon:
            raise ValueError(f"a stray '&' in {text[:40]!r}")
        out.append(_entity(name))
        out.append(rest)
    return "".join(out)


def _entity(name: str) -> str:
    if name.startswith("#x"):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    try:
        return _NAMED[name]
    except KeyError:
        raise ValueError(f"unknown entity &{name};") from None


def unescape_chars(text: str) -> str:
    """OOXML's ``_xHHHH_`` escapes (``_x000D_`` for a carriage return) → the characters."""
    if "_x" not in text:
        return text
    return _ESCAPED_CHAR.sub(lambda m: chr(int(m.group(1), 16)), text)


def clean_text(text: str) -> str:
    """Characters XML cannot hold (a CSV may carry them) become U+FFFD."""
    return _ILLEGAL.sub("\ufffd", text)


def escape_text(text: str) -> str:
    """Text content: ``& < >`` escaped, illegal characters replaced."""
    text = clean_text(text)
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def escape_attr(text: str) -> str:
    return escape_text(text).replace('"', "&quot;").replace("\n", "&#10;")


def text_element(tag: str, text: str) -> str:
    """``<t>text</t>``, with ``xml:space="preserve"`` when spaces at either end must survive."""
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f"<{tag}{space}>{escape_text(text)}</{tag}>"


def append_children(data: bytes, tag: bytes, added: bytes, total: int) -> bytes | None:
    """``data`` with ``added`` appended inside the first ``<tag …>`` element (an empty ``<tag/>``
    opened up) and its ``count`` set to ``total``; None when there is no such element. Every
    other byte stays as written: the part is edited, not rebuilt."""
    found = re.search(rb"<%s(?=[\s>/])([^>]*?)(/?)>" % re.escape(tag), data)
    if found is None:
        return None
    attrs = found.group(1)
    if re.search(rb'\scount="', attrs):
        attrs = re.sub(rb'(\scount=")\d*(")', rb"\g<1>%d\g<2>" % total, attrs)
    else:
        attrs += b' count="%d"' % total
    if found.group(2):  # <fonts/>: no children yet
        opened = b"<%s%s>%s</%s>" % (tag, attrs, added, tag)
        return data[: found.start()] + opened + data[found.end() :]
    closing = data.index(b"</%s>" % tag, found.end())
    opening = b"<%s%s>" % (tag, attrs)
    return data[: found.start()] + opening + data[found.end() : closing] + added + data[closing:]
