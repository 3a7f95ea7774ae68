"""The Summary sheet as parts of a package: the sheet, its drawing and bar chart, their
relationships; in a processed workbook (replacing an earlier xl-claims summary in place) or in a
fresh ``summary.xlsx``.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from xl_claims.core.files import write_atomic
from xl_claims.workbook.claimsheet import SheetSource, head_rows
from xl_claims.workbook.formats import sheet_reference
from xl_claims.workbook.output import CHART, DRAWING, WORKSHEET, PackageWriter
from xl_claims.workbook.package import Package, SheetEntry, relative
from xl_claims.workbook.sheetxml import SheetWriter, chart_xml, drawing_xml, relationships
from xl_claims.workbook.styles import MINIMAL, Styles
from xl_claims.workbook.summary import (
    SUMMARY_SHEET,
    TITLE,
    SummaryData,
    column_widths,
    summary_styles_ready,
    write_summary,
)
from xl_claims.workbook.zipout import ZipOut


def summary_target(package: Package, sources: list[SheetSource]) -> tuple[str, SheetEntry | None]:
    """The Summary's name and the sheet it replaces: an earlier xl-claims summary is replaced in
    place; a sheet of the user's called Summary is kept and ours is "Summary (xl-claims)"."""
    by_name = {source.name: source for source in sources}
    names = {entry.name.casefold() for entry in package.sheets}
    candidates = [SUMMARY_SHEET, f"{SUMMARY_SHEET} (xl-claims)"]
    candidates += [f"{SUMMARY_SHEET} (xl-claims) {n}" for n in range(2, 100)]
    for name in candidates:
        if name.casefold() not in names:
            return name, None
        source = by_name.get(name)
        if source is not None and _first_cell(source) == TITLE:
            return name, source.entry
    raise ValueError("no free name for the Summary sheet")


def _first_cell(source: SheetSource) -> object:
    rows = head_rows(source, 1)
    return rows[0][0] if rows and rows[0] else None


@dataclass
class SummaryParts:
    """The parts of the Summary sheet: its sheet, and the drawing and chart of an earlier
    summary that a re-run writes again under the same names."""

    sheet: str
    drawing: str | None = None
    chart: str | None = None


def plan_summary(writer: PackageWriter, name: str, replaces: SheetEntry | None) -> SummaryParts:
    """Reserve the Summary's parts (before the package is written)."""
    if replaces is None or replaces.part is None:
        return SummaryParts(writer.add_sheet(name))
    planned = SummaryParts(replaces.part)
    writer.skip.add(replaces.part)
    for rel in writer.package.rels(replaces.part):
        if rel.kind == "drawing" and not rel.external and writer.package.has(rel.target):
            for inner in writer.package.rels(rel.target):
                if (
                    inner.kind == "chart"
                    and not inner.external
                    and writer.package.has(inner.target)
                ):
                    planned.chart = writer.package.zip_name(inner.target)
                    writer.remove(inner.target)
            planned.drawing = writer.package.zip_name(rel.target)
            writer.remove(rel.target)
    writer.skip.add(writer.package.rels_part_of(replaces.part))
    return planned


def put_summary(
    writer: PackageWriter, styles: Styles, data: SummaryData, name: str, planned: SummaryParts
) -> None:
    """Write the Summary sheet's parts (during ``PackageWriter.write``'s ``after_stream``)."""
    summary_styles_ready(styles, data.run.currency)
    links: list[tuple[str, str, str, bool]] = []
    targets: dict[str, str] = {}

    def link_rel(target: str) -> str:
        found = targets.get(target)
        if found is None:
            found = targets[target] = f"rId{len(links) + 2}"
            links.append((found, "hyperlink", target, True))
        return found

    charts = []

    def write(out) -> None:
        sheet = SheetWriter(out, styles, column_widths(data.link_to_output))
        chart = write_summary(sheet, data, name)
        charts.append(chart)
        sheet.finish("rId1" if chart is not None else None, link_rel)

    part = planned.sheet
    writer.stream_part(part, WORKSHEET, write)
    items = list(links)
    chart = charts[0]
    if chart is not None:
        drawing = planned.drawing or writer.new_part("xl/drawings/drawing{}.xml")
        chart_part = planned.chart or writer.new_part("xl/charts/chart{}.xml")
        writer.add(drawing, drawing_xml(chart, "rId1"), DRAWING)
        writer.add(
            writer.package.rels_part_of(drawing),
            relationships([("rId1", "chart", relative(drawing, chart_part), False)]),
            None,
        )
        writer.add(chart_part, chart_xml(chart, sheet_reference), CHART)
        items.insert(0, ("rId1", "drawing", relative(part, drawing), False))
    if items:
        writer.add(writer.package.rels_part_of(part), relationships(items), None)


def write_summary_workbook(target: str | os.PathLike, data: SummaryData) -> Path:
    """A fresh workbook holding only a Summary sheet (the run's ``summary.xlsx``), written
    atomically."""
    with tempfile.TemporaryDirectory(prefix="xl-claims-summary-") as scratch:
        blank = blank_workbook(Path(scratch) / "blank.xlsx")
        with Package.open(blank) as package:
            writer = PackageWriter(package)
            part = plan_summary(writer, SUMMARY_SHEET, None)
            styles_part = package.related("styles")
            assert styles_part is not None
            styles = Styles(package.read(styles_part), styles_part, package.path.name)

            def add_summary(writer: PackageWriter) -> None:
                put_summary(writer, styles, data, SUMMARY_SHEET, part)

            def write(temporary: Path) -> None:
                with open(temporary, "wb") as handle:
                    writer.write(handle, add_summary, styles)

            return write_atomic(target, write)


def blank_workbook(path: str | os.PathLike) -> Path:
    """A workbook package with no sheet yet (the run summary's starting point)."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package_rels = "http://schemas.openxmlformats.org/package/2006/relationships"
    declaration = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    parts = {
        "[Content_Types].xml": (
            f'{declaration}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxml'
            'formats-package.relationships+xml"/><Default Extension="xml" ContentType='
            '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
            'PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.styles+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'{declaration}<Relationships xmlns="{package_rels}"><Relationship Id="rId1" '
            f'Type="{rels}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{declaration}<workbook xmlns="{main}" xmlns:r="{rels}"><bookViews><workbookView/>'
            "</bookViews><sheets></sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{declaration}<Relationships xmlns="{package_rels}"><Relationship Id="rId1" '
            f'Type="{rels}/styles" Target="styles.xml"/></Relationships>'
        ),
    }
    path = Path(path)
    with open(path, "wb") as handle:
        out = ZipOut(handle)
        for name, text in parts.items():
            out.write(name, text.encode())
        out.write("xl/styles.xml", MINIMAL)
        out.close()
    return path


__all__ = [
    "blank_workbook",
    "plan_summary",
    "put_summary",
    "summary_target",
    "write_summary_workbook",
]
