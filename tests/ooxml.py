"""Test helpers for workbook packages, written independently of ``xl_claims.workbook``.

- ``package_problems(path)``: what Excel would "repair" and LibreOffice silently accepts: children
  of a worksheet out of the ``CT_Worksheet`` order of ECMA-376, relationship ids that do not
  resolve, relationship targets or content-type overrides naming missing parts, parts without a
  content type, style and table counts that disagree with their children, style indexes past the
  end, cells or rows out of order.
- ``add_claims_sheet(source, target, rows)``: a copy of a real workbook with one more worksheet
  (plain inline-string cells), made by editing the package's XML.
- ``without_block(output_sheet, input_sheet, letters)``: the output sheet's bytes with the computed
  cells and the grown attributes taken back out, to compare with the input byte for byte.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

#: ECMA-376 Part 1, 18.3.1.99 CT_Worksheet: the order of a worksheet's children.
CT_WORKSHEET = (
    "sheetPr",
    "dimension",
    "sheetViews",
    "sheetFormatPr",
    "cols",
    "sheetData",
    "sheetCalcPr",
    "sheetProtection",
    "protectedRanges",
    "scenarios",
    "autoFilter",
    "sortState",
    "dataConsolidate",
    "customSheetViews",
    "mergeCells",
    "phoneticPr",
    "conditionalFormatting",
    "dataValidations",
    "hyperlinks",
    "printOptions",
    "pageMargins",
    "pageSetup",
    "headerFooter",
    "rowBreaks",
    "colBreaks",
    "customProperties",
    "cellWatches",
    "ignoredErrors",
    "smartTags",
    "drawing",
    "legacyDrawing",
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
)
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
STYLES_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
TABLE_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
_REF = re.compile(r"([A-Z]+)(\d+)")


def local(tag: str) -> str:
    return tag.rpartition("}")[2]


def column(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def _rels_of(part: str) -> str:
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


def _content_types(archive: zipfile.ZipFile) -> tuple[dict[str, str], dict[str, str]]:
    root = ElementTree.fromstring(archive.read("[Content_Types].xml"))
    defaults = {
        e.get("Extension", "").lower(): e.get("ContentType", "")
        for e in root
        if local(e.tag) == "Default"
    }
    overrides = {
        e.get("PartName", "").lstrip("/").lower(): e.get("ContentType", "")
        for e in root
        if local(e.tag) == "Override"
    }
    return defaults, overrides


def package_problems(path: str | Path) -> list[str]:
    try:
        return _package_problems(path)
    except (ElementTree.ParseError, KeyError, IndexError, ValueError, AttributeError) as exc:
        return [f"not checkable: {type(exc).__name__}: {exc}"]


def _package_problems(path: str | Path) -> list[str]:
    problems: list[str] = []
    with zipfile.ZipFile(path) as archive:
        if archive.testzip() is not None:
            return ["a part fails its CRC check"]
        names = [n for n in archive.namelist() if not n.endswith("/")]
        lower = {n.lower(): n for n in names}
        defaults, overrides = _content_types(archive)
        for part in overrides:
            if part not in lower:
                problems.append(f"content type override for missing part /{part}")
        kinds = {}
        for name in names:
            if name == "[Content_Types].xml":
                continue
            kind = overrides.get(name.lower()) or defaults.get(name.rpartition(".")[2].lower())
            if kind is None:
                problems.append(f"part {name} has no content type")
            kinds[name] = kind
        rel_ids: dict[str, set[str]] = {}
        for name in names:
            if not name.endswith(".rels"):
                continue
            folder = name.rpartition("/_rels/")[0] if "/_rels/" in name else ""
            root = ElementTree.fromstring(archive.read(name))
            ids = [r.get("Id") for r in root]
            if len(ids) != len(set(ids)):
                problems.append(f"{name}: relationship ids repeat")
            source = posixpath.join(folder, name.rpartition("/")[2][: -len(".rels")])
            rel_ids[source.lstrip("/")] = set(ids)
            for rel in root:
                if rel.get("TargetMode") == "External":
                    continue
                target = rel.get("Target", "")
                resolved = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join(folder, target))
                )
                if resolved.lower() not in lower:
                    problems.append(f"{name}: {rel.get('Id')} targets missing part {resolved}")
        styles = [n for n, k in kinds.items() if k == STYLES_TYPE]
        xf_count = _styles_problems(archive, styles[0], problems) if styles else 1
        for name, kind in kinds.items():
            if kind == WORKSHEET_TYPE:
                _sheet_problems(archive, name, rel_ids.get(name, set()), xf_count, problems)
            elif kind == TABLE_TYPE:
                _table_problems(archive, name, problems)
    return problems


def _styles_problems(archive, name: str, problems: list[str]) -> int:
    root = ElementTree.fromstring(archive.read(name))
    xfs = 0
    for element in root:
        tag = local(element.tag)
        if tag in (
            "numFmts",
            "fonts",
            "fills",
            "borders",
            "cellStyleXfs",
            "cellXfs",
            "cellStyles",
            "dxfs",
        ):
            count = element.get("count")
            if count is not None and int(count) != len(element):
                problems.append(f"{name}: <{tag} count={count}> has {len(element)} children")
            if tag == "cellXfs":
                xfs = len(element)
    order = [local(e.tag) for e in root]
    wanted = [
        "numFmts",
        "fonts",
        "fills",
        "borders",
        "cellStyleXfs",
        "cellXfs",
        "cellStyles",
        "dxfs",
        "tableStyles",
        "colors",
        "extLst",
    ]
    positions = [wanted.index(t) for t in order if t in wanted]
    if positions != sorted(positions):
        problems.append(f"{name}: children out of CT_Stylesheet order: {order}")
    return xfs


def _sheet_problems(archive, name: str, ids: set[str], xf_count: int, problems: list[str]) -> None:
    root = ElementTree.fromstring(archive.read(name))
    order = [local(e.tag) for e in root]
    unknown = [t for t in order if t not in CT_WORKSHEET]
    if unknown:
        problems.append(f"{name}: elements CT_Worksheet does not have: {unknown}")
    positions = [CT_WORKSHEET.index(t) for t in order if t in CT_WORKSHEET]
    if positions != sorted(positions) or len(set(positions)) != len(positions):
        problems.append(f"{name}: children out of CT_Worksheet order: {order}")
    for element in root.iter():
        for key, value in element.attrib.items():
            if key.endswith("}id") and "relationships" in key and value not in ids:
                tag = local(element.tag)
                problems.append(f"{name}: <{tag}> names relationship {value}, not in its rels")
    previous_row = 0
    for row in (e for e in root.iter() if local(e.tag) == "row"):
        number = int(row.get("r", previous_row + 1))
        if number <= previous_row:
            problems.append(f"{name}: row {number} after row {previous_row}")
        previous_row = number
        previous_column = 0
        for cell in row:
            if local(cell.tag) != "c":
                continue
            found = _REF.fullmatch(cell.get("r", ""))
            current = column(found.group(1)) if found else previous_column + 1
            if found and int(found.group(2)) != number:
                problems.append(f"{name}: cell {cell.get('r')} in row {number}")
            if current <= previous_column:
                problems.append(f"{name}: cell {cell.get('r')} out of order in row {number}")
            previous_column = current
            style = int(cell.get("s", 0))
            if style >= max(xf_count, 1):
                problems.append(f"{name}: cell {cell.get('r')} has style {style} of {xf_count}")
    cols = [e for e in root if local(e.tag) == "cols"]
    previous_max = 0
    for col in cols[0] if cols else []:
        low, high = int(col.get("min", 0)), int(col.get("max", 0))
        if low <= previous_max or high < low:
            problems.append(f"{name}: <col min={low} max={high}> overlaps or is out of order")
        previous_max = high


def _table_problems(archive, name: str, problems: list[str]) -> None:
    root = ElementTree.fromstring(archive.read(name))
    columns = next(e for e in root if local(e.tag) == "tableColumns")
    names = [c.get("name") for c in columns]
    if int(columns.get("count", len(columns))) != len(columns):
        problems.append(f"{name}: tableColumns count {columns.get('count')} for {len(columns)}")
    if len({n.casefold() for n in names}) != len(names):
        problems.append(f"{name}: table column names repeat: {names}")
    first, last = root.get("ref", "A1:A1").split(":")
    width = column(_REF.fullmatch(last).group(1)) - column(_REF.fullmatch(first).group(1)) + 1
    if width != len(columns):
        problems.append(
            f"{name}: ref {root.get('ref')} is {width} columns wide for {len(columns)} columns"
        )


def add_claims_sheet(
    source: Path, target: Path, rows: list[list[str]], name: str = "Claims (test)"
) -> Path:
    """``source`` with a new last worksheet holding ``rows`` as inline strings."""
    with zipfile.ZipFile(source) as archive:
        parts = {
            info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()
        }
    workbook_part = next(p for p in parts if p.lower() == "xl/workbook.xml")
    rels_part = "xl/_rels/workbook.xml.rels"
    number = 1
    while f"xl/worksheets/claimstest{number}.xml" in parts:
        number += 1
    sheet_part = f"xl/worksheets/claimstest{number}.xml"
    cells = "".join(
        f'<row r="{r}">'
        + "".join(
            f'<c r="{chr(65 + c)}{r}" t="inlineStr"><is><t>{value}</t></is></c>'
            for c, value in enumerate(row)
        )
        + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    parts[sheet_part] = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><sheetData>{cells}</sheetData></worksheet>'
    ).encode()
    rels = parts[rels_part].decode()
    strict = "purl.oclc.org" in rels
    rel_type = (
        "http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet"
        if strict
        else "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
    )
    rid = "rIdClaimsTest"
    parts[rels_part] = re.sub(
        r"</(\w+:)?Relationships>",
        lambda m: (
            f'<Relationship Id="{rid}" Type="{rel_type}" '
            f'Target="worksheets/claimstest{number}.xml"/>{m.group(0)}'
        ),
        rels,
    ).encode()
    workbook = parts[workbook_part].decode()
    ids = [int(x) for x in re.findall(r'sheetId="(\d+)"', workbook)] or [0]
    rel_ns = (
        "http://purl.oclc.org/ooxml/officeDocument/relationships"
        if strict
        else "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    )
    prefix = re.search(r"<(\w+:)?sheets\b", workbook).group(1) or ""
    element = (
        f'<{prefix}sheet name="{name}" sheetId="{max(ids) + 1}" xmlns:rt="{rel_ns}" rt:id="{rid}"/>'
    )
    parts[workbook_part] = workbook.replace(
        f"</{prefix}sheets>", element + f"</{prefix}sheets>", 1
    ).encode()
    types = parts["[Content_Types].xml"].decode()
    override = f'<Override PartName="/{sheet_part}" ContentType="{WORKSHEET_TYPE}"/>'
    parts["[Content_Types].xml"] = types.replace("</Types>", override + "</Types>").encode()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for part, data in parts.items():
            archive.writestr(part, data)
    return target


def without_block(output: bytes, original: bytes, letters: set[str]) -> bytes:
    """The output sheet with the computed block's cells and columns taken out and the grown
    ``ref``/``spans`` attributes put back as the input had them."""
    pattern = "|".join(sorted(letters, key=len, reverse=True))
    output = re.sub(
        rb'<c r="(?:%s)\d+"[^>]*?(?:/>|>.*?</c>)' % pattern.encode(), b"", output, flags=re.S
    )
    for number in sorted(column(x) for x in letters):
        output = re.sub(
            rb'<col min="%d" max="%d" width="[^"]*" customWidth="1"/>' % (number, number),
            b"",
            output,
        )
    if b"<cols>" not in original:
        output = output.replace(b"<cols></cols>", b"")
    for tag in (rb"dimension", rb"autoFilter"):
        before = re.search(rb"<%s\b[^>]*>" % tag, original)
        after = re.search(rb"<%s\b[^>]*>" % tag, output)
        if before and after:
            output = output[: after.start()] + before.group(0) + output[after.end() :]
    spans = re.findall(rb"<row\b[^>]*>", original)
    grown = list(re.finditer(rb"<row\b[^>]*>", output))
    if len(spans) == len(grown):
        pieces, position = [], 0
        for old, match in zip(spans, grown, strict=True):
            pieces += [output[position : match.start()], old]
            position = match.end()
        output = b"".join(pieces) + output[position:]
    return output


__all__ = ["CT_WORKSHEET", "add_claims_sheet", "package_problems", "without_block"]
