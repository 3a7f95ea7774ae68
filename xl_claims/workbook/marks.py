"""Is this workbook one of xl-claims' own outputs? (a processed workbook, a run summary, a report)

A folder of exports often also holds last week's outputs; read as inputs they would make every
claim line a DUPLICATE of itself. The batch's outputs carry a ``Summary`` sheet whose first cell
is "xl-claims summary", the reconciliation report one that starts "Refund reconciliation" (or
"INCOMPLETE:"). Only the zip directory, the workbook part and the first bytes of that sheet and of
the shared strings are read: the question costs nothing next to processing the file.
"""

from __future__ import annotations

import html
import os
import re
import zipfile
from pathlib import Path

from xl_claims.core.errors import WorkbookError
from xl_claims.workbook.safety import check_workbook

#: First cells of the Summary sheets xl-claims writes.
MARKS = ("xl-claims summary", "Refund reconciliation", "INCOMPLETE: ")
_HEAD = 64 * 1024
_CHUNK = 1 << 20
_SUMMARY_SHEET = re.compile(
    rb'<(?:\w+:)?sheet\b[^>]*\bname="Summary(?: \(xl-claims\))?"[^>]*\br:id="([^"]+)"'
)
_FIRST_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*)>(.*?)</(?:\w+:)?c>", re.S)
_TEXT = re.compile(rb"<(?:\w+:)?t\b[^>]*>([^<]*)</", re.S)
_ITEM = re.compile(rb"<(?:\w{1,16}:)?si\b")
_SEAM = 32
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</", re.S)


def is_tool_output(path: str | os.PathLike) -> bool:
    """True when the workbook has a Summary sheet that xl-claims wrote (False for anything that
    is not a readable workbook: that is for the reader to say)."""
    try:
        check_workbook(path)
        with zipfile.ZipFile(path) as archive:
            first = _summary_first_cell(archive)
    except (WorkbookError, zipfile.BadZipFile, OSError, KeyError, ValueError, IndexError):
        return False
    return first is not None and first.startswith(MARKS)


def _summary_first_cell(archive: zipfile.ZipFile) -> str | None:
    names = {n.lower(): n for n in archive.namelist()}
    found = _SUMMARY_SHEET.search(_head(archive, names.get("xl/workbook.xml")))
    if found is None:
        return None
    relationships = _head(archive, names.get("xl/_rels/workbook.xml.rels"))
    target = re.search(
        rb'<Relationship\b[^>]*\bId="' + re.escape(found.group(1)) + rb'"[^>]*\bTarget="([^"]+)"',
        relationships,
    ) or re.search(
        rb'<Relationship\b[^>]*\bTarget="([^"]+)"[^>]*\bId="' + re.escape(found.group(1)) + b'"',
        relationships,
    )
    if target is None:
        return None
    part = target.group(1).decode().lstrip("/")
    part = part if part.lower().startswith("xl/") else f"xl/{part}"
    cell = _FIRST_CELL.search(_head(archive, names.get(part.lower())))
    if cell is None:
        return None
    attributes, content = cell.groups()
    if b't="s"' in attributes:
        value = _VALUE.search(content)
        return None if value is None else _shared_string(archive, names, int(value.group(1)))
    text = _TEXT.search(content) or _VALUE.search(content)
    return None if text is None else _unescape(text.group(1))


def _shared_string(archive: zipfile.ZipFile, names: dict[str, str], index: int) -> str | None:
    """The ``index``-th shared string, found by counting ``<si>`` items as the part streams."""
    name = names.get("xl/sharedstrings.xml")
    if name is None:
        return None
    seen, carry = 0, b""
    with archive.open(name) as handle:
        while True:
            block = handle.read(_CHUNK)
            data = carry + block
            # an item that starts in the last bytes may be cut: it is counted with the next block
            limit = len(data) if not block else len(data) - _SEAM
            starts = [m.start() for m in _ITEM.finditer(data) if m.start() < limit]
            if seen + len(starts) > index:
                item = data[starts[index - seen] :] + handle.read(_HEAD)
                text = _TEXT.search(item)
                return None if text is None else _unescape(text.group(1))
            if not block:
                return None
            seen += len(starts)
            carry = data[max(limit, 0) :]


def _unescape(raw: bytes) -> str:
    return html.unescape(raw.decode("utf-8", errors="replace"))


def _head(archive: zipfile.ZipFile, name: str | None) -> bytes:
    if name is None:
        return b""
    with archive.open(name) as handle:
        return handle.read(_HEAD)


def skipped_name(path: Path) -> str | None:
    """Why a file found in a folder is not an input, judged by its name alone, or None."""
    name = path.name.casefold()
    stem = path.stem.casefold()
    if name.startswith("~$"):
        return "an Excel lock file"
    if re.search(r"\.backup-\d{8}-\d{6}(?:-\d+)?$", stem):
        return "an xl-claims --in-place backup"
    if stem.endswith("-processed") and path.suffix.lower() in (".xlsx", ".xlsm"):
        return "an xl-claims output (-processed)"
    if name == "summary.xlsx":
        return "an xl-claims run summary"
    return None


__all__ = ["MARKS", "is_tool_output", "skipped_name"]
