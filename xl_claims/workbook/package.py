"""A workbook as the package it is: parts, content types and relationships (read side).

The way python-pptx's ``opc`` package and the Open XML SDK see a file: the batch reads the few
parts it needs (workbook, relationships, styles, shared strings, the claims sheet and its tables),
and every other part travels as it is. Part names are matched without regard to case (OPC names are
case-insensitive) and relationship targets may be relative or absolute (``/xl/worksheets/...``).
Relationship types are matched by their last segment, so Strict OOXML's types work too.
"""

from __future__ import annotations

import os
import posixpath
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import IO

from xl_claims.core.errors import WorkbookError
from xl_claims.workbook.safety import PackageInfo, check_workbook, fail
from xl_claims.workbook.sharedstrings import UnusualForm, read_shared_strings
from xl_claims.workbook.xmlsafe import attribute, child, children, iter_part, local, parse_part
from xl_claims.workbook.xmlsafe import plain_text as item_text

CONTENT_TYPES = "[Content_Types].xml"
MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
SHEET_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
#: Templates (.xltx, .xltm): their processed copy is a workbook.
TEMPLATE_MAINS = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": SHEET_MAIN,
    "application/vnd.ms-excel.template.macroEnabled.main+xml": MACRO_MAIN,
}
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
SHEET_KINDS = ("worksheet", "chartsheet", "dialogsheet", "macrosheet", "xlMacrosheet")


@dataclass(frozen=True)
class Relationship:
    id: str
    kind: str  # last segment of the type: worksheet, styles, table, drawing, ...
    type: str
    target: str  # the part name (resolved), or the URL of an external target
    external: bool = False


@dataclass(frozen=True)
class SheetEntry:
    """One ``<sheet>`` of ``xl/workbook.xml``."""

    name: str
    sheet_id: int
    rel_id: str
    kind: str  # worksheet, chartsheet, ...
    part: str | None  # None when its relationship does not resolve
    position: int  # index among all sheets (Excel's localSheetId)


@dataclass
class Package:
    """An opened, safety-checked workbook package."""

    path: Path
    info: PackageInfo
    archive: zipfile.ZipFile
    names: dict[str, str] = field(default_factory=dict)  # lower-case name → name in the zip

    @classmethod
    @contextmanager
    def open(cls, path: str | os.PathLike) -> Iterator[Package]:
        path = Path(path)
        info = check_workbook(path)
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise fail(
                path, "the workbook is damaged or truncated; copy or export it again."
            ) from exc
        try:
            package = cls(path, info, archive)
            package.names = {name.lower(): name for name in archive.namelist()}
            yield package
        finally:
            archive.close()

    # --- parts -----------------------------------------------------------------------------

    def has(self, part: str) -> bool:
        return part.lower() in self.names

    def zip_name(self, part: str) -> str:
        try:
            return self.names[part.lower()]
        except KeyError:
            raise fail(
                self.path,
                f"the workbook is incomplete (missing part {part}); open it in Excel "
                "and save it again.",
            ) from None

    def read(self, part: str) -> bytes:
        try:
            return self.archive.read(self.zip_name(part))
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise self.damaged(part) from exc

    def stream(self, part: str) -> IO[bytes]:
        return self.archive.open(self.zip_name(part))

    def parse(self, part: str):
        return parse_part(self.read(part), part, self.path.name)

    def damaged(self, part: str) -> WorkbookError:
        return fail(
            self.path,
            f"the workbook is damaged (part {part} cannot be read); copy or export it again.",
        )

    # --- content types and relationships ---------------------------------------------------

    @cached_property
    def content_types(self) -> tuple[dict[str, str], dict[str, str]]:
        """``(defaults by extension, overrides by lower-case part name)``."""
        root = self.parse(CONTENT_TYPES)
        defaults = {
            (attribute(e, "Extension") or "").lower(): attribute(e, "ContentType") or ""
            for e in children(root, "Default")
        }
        overrides = {
            (attribute(e, "PartName") or "").lstrip("/").lower(): attribute(e, "ContentType") or ""
            for e in children(root, "Override")
        }
        return defaults, overrides

    def content_type(self, part: str) -> str | None:
        defaults, overrides = self.content_types
        found = overrides.get(part.lower())
        if found is None:
            found = defaults.get(part.rpartition(".")[2].lower())
        return found

    def rels(self, part: str) -> list[Relationship]:
        """The relationships of ``part`` ('' for the package's own); none if it has no rels part."""
        folder, _, name = part.rpartition("/")
        rels_part = f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
        if not self.has(rels_part):
            return []
        found = []
        for element in children(self.parse(rels_part), "Relationship"):
            kind_url = attribute(element, "Type") or ""
            target = attribute(element, "Target") or ""
            external = (attribute(element, "TargetMode") or "").lower() == "external"
            found.append(
                Relationship(
                    id=attribute(element, "Id") or "",
                    kind=kind_url.rstrip("/").rpartition("/")[2],
                    type=kind_url,
                    target=target if external else resolve(folder, target),
                    external=external,
                )
            )
        return found

    def rels_part_of(self, part: str) -> str:
        folder, _, name = part.rpartition("/")
        return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"

    # --- the workbook ------------------------------------------------------------------------

    @cached_property
    def workbook_part(self) -> str:
        for rel in self.rels(""):
            if rel.kind == "officeDocument" and self.has(rel.target):
                return self.zip_name(rel.target)
        if self.has("xl/workbook.xml"):
            return self.zip_name("xl/workbook.xml")
        raise fail(
            self.path,
            "a zip file but not an Excel workbook (no workbook part inside); "
            "save the claims as .xlsx or .csv.",
        )

    @cached_property
    def workbook_xml(self):
        return self.parse(self.workbook_part)

    @cached_property
    def workbook_rels(self) -> dict[str, Relationship]:
        return {rel.id: rel for rel in self.rels(self.workbook_part)}

    @cached_property
    def strict(self) -> bool:
        return self.workbook_xml.tag.startswith("{" + STRICT_MAIN)

    @cached_property
    def date1904(self) -> bool:
        properties = child(self.workbook_xml, "workbookPr")
        flag = None if properties is None else attribute(properties, "date1904")
        return (flag or "").lower() in ("1", "true")

    @cached_property
    def sheets(self) -> list[SheetEntry]:
        entries = []
        sheets = child(self.workbook_xml, "sheets")
        for position, element in enumerate([] if sheets is None else children(sheets, "sheet")):
            rel_id = attribute(element, "id") or ""
            rel = self.workbook_rels.get(rel_id)
            part = rel.target if rel is not None and self.has(rel.target) else None
            entries.append(
                SheetEntry(
                    name=attribute(element, "name") or "",
                    sheet_id=_int(attribute(element, "sheetId")),
                    rel_id=rel_id,
                    kind="worksheet" if rel is None else rel.kind,
                    part=None if part is None else self.zip_name(part),
                    position=position,
                )
            )
        return entries

    @property
    def worksheets(self) -> list[SheetEntry]:
        return [s for s in self.sheets if s.kind == "worksheet" and s.part is not None]

    def related(self, kind: str) -> str | None:
        """The workbook's part of a kind (``styles``, ``sharedStrings``), if present."""
        for rel in self.workbook_rels.values():
            if rel.kind == kind and not rel.external and self.has(rel.target):
                return self.zip_name(rel.target)
        return None

    @property
    def has_vba(self) -> bool:
        return self.info.has_vba

    @property
    def macro_enabled(self) -> bool:
        kind = self.content_type(self.workbook_part)
        return kind == MACRO_MAIN or TEMPLATE_MAINS.get(kind or "") == MACRO_MAIN

    def shared_strings(self) -> Sequence[str]:
        """The shared-strings table (rich text as its plain text); empty when there is none."""
        part = self.related("sharedStrings")
        if part is None:
            return []
        try:
            with self.stream(part) as handle:
                return read_shared_strings(handle, part, self.path.name)
        except (UnusualForm, ValueError, UnicodeDecodeError):
            with self.stream(part) as handle:  # the element tree takes any form
                return [item_text(si) for si in iter_part(handle, part, self.path.name, "si")]


def resolve(folder: str, target: str) -> str:
    """A relationship target → the part name it points to."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return (
        posixpath.normpath(posixpath.join(folder, target)) if folder else posixpath.normpath(target)
    )


def relative(source_part: str, target_part: str) -> str:
    """The relative target from ``source_part``'s folder to ``target_part``."""
    folder = source_part.rpartition("/")[0]
    return posixpath.relpath(target_part, folder or ".")


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


__all__ = [
    "CONTENT_TYPES",
    "MACRO_MAIN",
    "SHEET_KINDS",
    "SHEET_MAIN",
    "TEMPLATE_MAINS",
    "Package",
    "Relationship",
    "SheetEntry",
    "local",
    "relative",
    "resolve",
]
