"""LibreOffice headless as the tests' spreadsheet engine: convert, recalculate, render.

Each call uses a private profile (a shared one loses outputs), HOME in a scratch folder, forces
recalculation of every formula on load (OOXMLRecalcMode = always) and checks that the output
exists, because soffice exits 0 even when it could not load a file.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
SKIP_REASON = "LibreOffice (soffice) is not installed; .ci/run installs libreoffice-calc-nogui"

_RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode"
 oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode"
 oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


class LibreOfficeError(RuntimeError):
    pass


def convert(source: str | os.PathLike, out_dir: str | os.PathLike, to: str = "xlsx") -> Path:
    """Open ``source`` in LibreOffice, recalculate it, save it as ``to`` in ``out_dir``."""
    if SOFFICE is None:
        raise LibreOfficeError(SKIP_REASON)
    source, out_dir = Path(source), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xlc-lo-") as scratch:
        profile = Path(scratch) / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_RECALC_ALWAYS)
        env = {**os.environ, "HOME": scratch}
        command = [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            to,
            "--outdir",
            str(out_dir),
            str(source),
        ]
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
        try:
            _stdout, stderr = process.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise LibreOfficeError(f"LibreOffice timed out converting {source}") from None
    target = out_dir / f"{source.stem}.{to.split(':')[0]}"
    if not target.exists():
        raise LibreOfficeError(
            f"LibreOffice wrote no {target.name} for {source} "
            f"(stderr: {stderr.decode(errors='replace')!r})"
        )
    return target


def render_png(source: str | os.PathLike, out_dir: str | os.PathLike) -> Path:
    """A picture of a workbook: LibreOffice to PDF, then pdftoppm's first page to PNG."""
    pdf = convert(source, out_dir, "pdf")
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise LibreOfficeError("pdftoppm is not installed (Debian package poppler-utils)")
    stem = Path(out_dir) / pdf.stem
    subprocess.run([pdftoppm, "-png", "-r", "80", "-singlefile", str(pdf), str(stem)], check=True)
    return stem.with_suffix(".png")


def render_pages(
    source: str | os.PathLike, out_dir: str | os.PathLike, dpi: int = 50
) -> list[Path]:
    """Every printed page of a workbook as a PNG (LibreOffice to PDF, then pdftoppm), in order."""
    pdf = convert(source, out_dir, "pdf")
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise LibreOfficeError("pdftoppm is not installed (Debian package poppler-utils)")
    prefix = Path(out_dir) / f"{pdf.stem}-page"
    subprocess.run([pdftoppm, "-png", "-r", str(dpi), str(pdf), str(prefix)], check=True)
    return sorted(Path(out_dir).glob(f"{prefix.name}-*.png"))
