"""Both templates rendered as a person sees them: LibreOffice → PDF → PNG of the Claims sheet.

Set XLC_RENDER_DIR to keep the pictures (they were looked at for issue 12: labels whole, the
header row clear of the first line, money with its currency, one page wide).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import libreoffice
from xl_claims.workbook import template

ROOT = Path(__file__).resolve().parent.parent


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(
        next(line for line in info.stdout.splitlines() if line.startswith("Pages:")).split()[1]
    )


@pytest.mark.parametrize("flavour", template.FLAVOURS)
def test_the_template_renders_one_page_wide(soffice, flavour, policy, tmp_path):
    source = template.write_template(tmp_path / template.TEMPLATE_FILES[flavour], policy, rows=40)
    png = libreoffice.render_png(source, tmp_path / "out")
    assert png.stat().st_size > 5_000
    pages = pdf_pages(png.with_suffix(".pdf"))
    # 40 claim lines fit one landscape page; the Policy sheet (and xlwings.conf) follow
    assert pages <= 4, pages
    keep = os.environ.get("XLC_RENDER_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(png, Path(keep) / png.name)


def test_the_empty_native_template_prints_five_claims_pages_and_the_policy(soffice, tmp_path):
    source = tmp_path / "claims-template.xlsx"
    shutil.copy(ROOT / "templates" / "claims-template.xlsx", source)
    pdf = libreoffice.convert(source, tmp_path / "out", "pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    assert pdf_pages(pdf) == 6  # it was 54, 43 of them blank, before print setup
    assert text.stdout.count("Claim ID") == 5  # the header row repeated on each Claims page
