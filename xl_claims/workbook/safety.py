"""Look at a file before any spreadsheet library does: refuse what would crash or exhaust us.

Every refusal is a ``WorkbookError`` with one line that names the file, what is wrong and what to
do. The checks read the zip directory only (never the contents), so a zip bomb is refused without
being inflated; Python's ``zipfile`` also never inflates an entry past the size its header declares,
so the declared sizes checked here bound what a later reader can get.

XML bombs are refused where XML is parsed, in one place: ``workbook.xmlsafe`` (defusedxml, DTDs
forbidden).
"""

from __future__ import annotations

import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from xl_claims.core.errors import WorkbookError

#: Uncompressed size of all parts together; a 100,000-row export is ~60 MB.
MAX_UNCOMPRESSED = 1024 * 1024 * 1024
#: Compression ratio allowed for a part above ``RATIO_FLOOR`` bytes; real sheets stay below ~130.
MAX_RATIO = 250
RATIO_FLOOR = 1024 * 1024
#: Parts in the package; Excel's own limit of sheets keeps real files far below.
MAX_ENTRIES = 10_000

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_WORKBOOK_XLSX = ".xlsx", ".xlsm", ".xltx", ".xltm"


@dataclass(frozen=True)
class PackageInfo:
    """What the zip directory says about a workbook package (no part was inflated)."""

    path: Path
    entries: int
    uncompressed: int
    has_vba: bool


def fail(path: str | os.PathLike, problem: str) -> WorkbookError:
    """The one-line error: ``<file>: <problem>``."""
    return WorkbookError(f"{Path(path).name}: {problem}")


def check_workbook(path: str | os.PathLike) -> PackageInfo:
    """Refuse, with a one-line ``WorkbookError``, anything that is not a sane xlsx/xlsm package."""
    path = Path(path)
    if not path.exists():
        raise fail(path, "file not found; check the path.")
    if path.is_dir():
        raise fail(path, "is a folder, not a workbook.")
    size = path.stat().st_size
    if size == 0:
        raise fail(path, "the file is empty (0 bytes); export the workbook again.")
    with path.open("rb") as handle:
        head = handle.read(8)
    if head == OLE2_MAGIC:
        raise fail(path, _ole2_problem(path))
    if not head.startswith(b"PK"):
        raise fail(
            path,
            "not an Excel workbook (.xlsx/.xlsm): the file is not a zip package; "
            "open it in Excel or LibreOffice and save it as .xlsx.",
        )
    try:
        with zipfile.ZipFile(path) as archive:
            info = _check_entries(path, archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error):
        raise fail(
            path,
            "the workbook is damaged or truncated (its zip directory cannot be read); "
            "copy or export it again.",
        ) from None
    return info


def _check_entries(path: Path, infos: list[zipfile.ZipInfo]) -> PackageInfo:
    if len(infos) > MAX_ENTRIES:
        raise fail(path, f"refused: the package has {len(infos):,} parts (limit {MAX_ENTRIES:,}).")
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        duplicate = next(n for n in names if names.count(n) > 1)
        raise fail(
            path,
            f"refused: the zip package holds the part {duplicate} twice (a damaged or crafted "
            "file); open it in Excel and save it again.",
        )
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            raise fail(
                path,
                f"refused: part {info.filename} inflates {ratio:,.0f}× to {info.file_size:,} "
                f"bytes (limit {MAX_RATIO}×), which looks like a zip bomb.",
            )
    if total > MAX_UNCOMPRESSED:
        raise fail(
            path,
            f"refused: the workbook inflates to {total:,} bytes (limit {MAX_UNCOMPRESSED:,}); "
            "split the export into smaller files.",
        )
    lower = {n.lower() for n in names}
    if "xl/workbook.bin" in lower:
        raise fail(path, "a binary .xlsb workbook; open it in Excel and save it as .xlsx.")
    if "[content_types].xml" not in lower or not any(n.startswith("xl/") for n in lower):
        raise fail(
            path,
            "a zip file but not an Excel workbook (no workbook parts inside); "
            "save the claims as .xlsx or .csv.",
        )
    return PackageInfo(
        path=path,
        entries=len(infos),
        uncompressed=total,
        has_vba="xl/vbaproject.bin" in lower,
    )


def _ole2_problem(path: Path) -> str:
    """An OLE2 compound file is either a password-encrypted xlsx or an old binary .xls."""
    if _contains(path, _ENCRYPTED_STREAM):
        return (
            "the workbook is password-protected (encrypted); open it in Excel, remove the "
            "password (File > Info > Protect Workbook) and save it again."
        )
    suffix = path.suffix.lower()
    named = f"named {suffix} but " if suffix in _WORKBOOK_XLSX else ""
    return (
        f"{named}an old Excel 97-2003 (.xls) file; open it in Excel or LibreOffice and save it "
        "as .xlsx."
    )


def _contains(path: Path, needle: bytes, chunk: int = 1 << 20) -> bool:
    """Stream the file looking for ``needle``; memory stays at one chunk."""
    tail = b""
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            if needle in tail + block:
                return True
            tail = block[-len(needle) :]
    return False


__all__ = [
    "MAX_ENTRIES",
    "MAX_RATIO",
    "MAX_UNCOMPRESSED",
    "PackageInfo",
    "check_workbook",
    "fail",
]
