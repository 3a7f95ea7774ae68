"""Excel Tables (ListObjects) on the claims sheet: read their parts, grow them over the block.

A Table whose header row is the claims header row grows to the computed columns: its ``ref``, its
autofilter and one ``<tableColumn>`` per new column (Excel requires the column names to equal the
header cells and to be unique). Its totals row, if it has one, stays its last row and is not a
claim line. The part is edited as bytes; everything else in it stays as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xl_claims.workbook.package import Package
from xl_claims.workbook.rows import LETTERS_OF, column_number
from xl_claims.workbook.xmlsafe import (
    append_children,
    attribute,
    child,
    children,
    escape_attr,
    parse_part,
)

_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+):\$?([A-Za-z]{1,3})\$?(\d+)$")


@dataclass
class SheetTable:
    part: str
    name: str
    min_col: int
    min_row: int
    max_col: int
    max_row: int
    header_rows: int
    totals_rows: int
    columns: list[str]
    data: bytes

    @property
    def totals(self) -> range:
        """Sheet rows of the totals row(s)."""
        return range(self.max_row - self.totals_rows + 1, self.max_row + 1)


def sheet_tables(package: Package, sheet_part: str, table_ids: list[str]) -> list[SheetTable]:
    """The Tables a sheet names in its ``<tableParts>``, in that order."""
    rels = {rel.id: rel for rel in package.rels(sheet_part)}
    found = []
    for rel_id in table_ids:
        rel = rels.get(rel_id)
        if rel is None or rel.external or not package.has(rel.target):
            continue
        part = package.zip_name(rel.target)
        data = package.read(part)
        root = parse_part(data, part, package.path.name)
        ref = _REF.match((attribute(root, "ref") or "").strip())
        if ref is None:
            continue
        c1, r1, c2, r2 = ref.groups()
        columns_element = child(root, "tableColumns")
        names = [
            attribute(column, "name") or ""
            for column in (
                [] if columns_element is None else children(columns_element, "tableColumn")
            )
        ]
        found.append(
            SheetTable(
                part=part,
                name=attribute(root, "displayName") or attribute(root, "name") or part,
                min_col=column_number(c1),
                min_row=int(r1),
                max_col=column_number(c2),
                max_row=int(r2),
                header_rows=_int(attribute(root, "headerRowCount"), 1),
                totals_rows=_int(attribute(root, "totalsRowCount"), 0),
                columns=names,
                data=data,
            )
        )
    return found


def grow_table(table: SheetTable, new_names: list[str]) -> bytes:
    """The table part with its ref, autofilter and columns reaching over ``new_names`` (the
    computed headers right of its last column)."""
    last = table.max_col + len(new_names)
    old_ref = f"{_cell(table.min_col, table.min_row)}:{_cell(table.max_col, table.max_row)}"
    new_ref = f"{_cell(table.min_col, table.min_row)}:{_cell(last, table.max_row)}"
    data = table.data
    prefix = _prefix(data)
    data = _replace_ref(data, prefix + b"table", old_ref, new_ref)
    filter_end = table.max_row - table.totals_rows
    data = re.sub(
        rb'(<%sautoFilter\b[^>]*?\sref=")[^"]*(")' % re.escape(prefix),
        lambda m: (
            m.group(1)
            + f"{_cell(table.min_col, table.min_row)}:{_cell(last, filter_end)}".encode()
            + m.group(2)
        ),
        data,
        count=1,
    )
    ids = [
        int(x) for x in re.findall(rb'<%stableColumn\b[^>]*?\sid="(\d+)"' % re.escape(prefix), data)
    ]
    next_id = max(ids, default=0) + 1
    added = b"".join(
        b'<%stableColumn id="%d" name="%s"/>'
        % (prefix, next_id + offset, escape_attr(name).encode())
        for offset, name in enumerate(new_names)
    )
    edited = append_children(
        data, prefix + b"tableColumns", added, len(table.columns) + len(new_names)
    )
    if edited is None:
        raise ValueError(f"table {table.name} has no columns")
    return edited


def _replace_ref(data: bytes, tag: bytes, old: str, new: str) -> bytes:
    opening = re.search(rb"<%s\b[^>]*>" % re.escape(tag), data)
    if opening is None:
        raise ValueError("not a table part")
    start_tag = re.sub(
        rb'(\sref=")[^"]*(")', rb"\g<1>" + new.encode() + rb"\g<2>", opening.group(0), count=1
    )
    return data[: opening.start()] + start_tag + data[opening.end() :]


def _prefix(data: bytes) -> bytes:
    found = re.search(rb"<([A-Za-z_][\w.\-]*:)?table[\s>]", data)
    return b"" if found is None or not found.group(1) else found.group(1)


def _cell(column: int, row: int) -> str:
    return f"{LETTERS_OF[column].decode()}{row}"


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


__all__ = ["SheetTable", "grow_table", "sheet_tables"]
