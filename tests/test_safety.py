"""Hostile and broken files are refused with one line naming the file and the fix."""

from __future__ import annotations

import zipfile

import pytest
from openpyxl import Workbook

from xl_claims.core.errors import WorkbookError
from xl_claims.workbook import safety
from xl_claims.workbook.read import read_claims
from xl_claims.workbook.safety import OLE2_MAGIC, check_workbook


def good_workbook(path):
    workbook = Workbook()
    workbook.active.append(["Part", "Issue"])
    workbook.active.append(["Weapon (small)", "Breakage"])
    workbook.save(path)
    return path


def rewrite(source, target, replace: dict[str, bytes]):
    with zipfile.ZipFile(source) as archive:
        parts = [(i.filename, archive.read(i)) for i in archive.infolist()]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts:
            archive.writestr(name, replace.get(name, data))
    return target


def message(path, opener=check_workbook) -> str:
    with pytest.raises(WorkbookError) as caught:
        opener(path)
    text = str(caught.value)
    assert "\n" not in text
    return text


def test_a_good_workbook_passes_and_reports_its_package(tmp_path):
    info = check_workbook(good_workbook(tmp_path / "ok.xlsx"))
    assert info.entries >= 8 and not info.has_vba
    assert 0 < info.uncompressed < 100_000


def test_empty_file(tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert message(path) == "empty.xlsx: the file is empty (0 bytes); export the workbook again."


def test_missing_file_and_folder(tmp_path):
    assert message(tmp_path / "nope.xlsx") == "nope.xlsx: file not found; check the path."
    assert message(tmp_path) == f"{tmp_path.name}: is a folder, not a workbook."


def test_not_a_zip(tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("<html>Claims</html>")
    assert message(path) == (
        "notes.xlsx: not an Excel workbook (.xlsx/.xlsm): the file is not a zip package; "
        "open it in Excel or LibreOffice and save it as .xlsx."
    )


def test_truncated(tmp_path):
    data = good_workbook(tmp_path / "ok.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) * 6 // 10])
    assert message(path) == (
        "cut.xlsx: the workbook is damaged or truncated (its zip directory cannot be read); "
        "copy or export it again."
    )


def test_encrypted_ooxml(tmp_path):
    path = tmp_path / "secret.xlsx"
    path.write_bytes(OLE2_MAGIC + b"\0" * 3000 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 9)
    assert message(path) == (
        "secret.xlsx: the workbook is password-protected (encrypted); open it in Excel, remove the "
        "password (File > Info > Protect Workbook) and save it again."
    )


def test_xls_renamed_xlsx(tmp_path):
    path = tmp_path / "old.xlsx"
    path.write_bytes(OLE2_MAGIC + b"\0" * 600 + "Workbook".encode("utf-16-le"))
    assert message(path) == (
        "old.xlsx: named .xlsx but an old Excel 97-2003 (.xls) file; open it in Excel or "
        "LibreOffice and save it as .xlsx."
    )


def test_encrypted_marker_split_across_chunks_is_found(tmp_path):
    needle = "EncryptedPackage".encode("utf-16-le")
    path = tmp_path / "big.xlsx"
    path.write_bytes(OLE2_MAGIC + b"\0" * ((1 << 20) - 8 - 10) + needle)
    assert "password-protected" in message(path)


def test_zip_bomb_ratio_is_refused_without_inflating(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    text = message(path)
    assert text.startswith("bomb.xlsx: refused: part xl/worksheets/sheet1.xml inflates ")
    assert text.endswith("to 20,971,520 bytes (limit 250×), which looks like a zip bomb.")


def test_total_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(safety, "MAX_UNCOMPRESSED", 1000)
    text = message(good_workbook(tmp_path / "ok.xlsx"))
    assert text.startswith("ok.xlsx: refused: the workbook inflates to ")
    assert text.endswith("bytes (limit 1,000); split the export into smaller files.")


def test_entry_count_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(safety, "MAX_ENTRIES", 5)
    text = message(good_workbook(tmp_path / "ok.xlsx"))
    assert text.startswith("ok.xlsx: refused: the package has ") and "(limit 5)" in text


def test_duplicate_zip_entry(tmp_path):
    path = tmp_path / "dup.xlsx"
    with zipfile.ZipFile(path, "w") as archive, pytest.warns(UserWarning):
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<a/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<b/>")
    assert message(path) == (
        "dup.xlsx: refused: the zip package holds the part xl/worksheets/sheet1.xml twice "
        "(a damaged or crafted file); open it in Excel and save it again."
    )


def test_zip_that_is_not_a_workbook_and_xlsb(tmp_path):
    path = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("photo.jpg", b"jpeg")
    assert message(path) == (
        "photos.xlsx: a zip file but not an Excel workbook (no workbook parts inside); "
        "save the claims as .xlsx or .csv."
    )
    path = tmp_path / "binary.xlsb"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.bin", b"\0")
    assert message(path) == (
        "binary.xlsb: a binary .xlsb workbook; open it in Excel and save it as .xlsx."
    )


def test_xml_entity_bomb_is_refused_by_the_reader(tmp_path):
    source = good_workbook(tmp_path / "ok.xlsx")
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData>'
        b"</worksheet>"
    )
    path = rewrite(source, tmp_path / "bomb.xlsx", {"xl/worksheets/sheet1.xml": bomb})
    assert message(path, read_claims) == (
        "bomb.xlsx: refused: part xl/worksheets/sheet1.xml declares XML entities (an XML bomb or "
        "external entity attack); do not open it, ask the sender for a clean export."
    )


def test_a_doctype_after_a_long_comment_is_still_found(tmp_path):
    source = good_workbook(tmp_path / "ok.xlsx")
    sheet = (
        '<?xml version="1.0"?><!--' + "x" * 10_000 + '--><!DOCTYPE w SYSTEM "http://evil/">'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    ).encode()
    path = rewrite(source, tmp_path / "xxe.xlsx", {"xl/worksheets/sheet1.xml": sheet})
    assert "refused: part xl/worksheets/sheet1.xml declares XML entities" in message(
        path, read_claims
    )


def test_invalid_xml_in_a_sheet(tmp_path):
    source = good_workbook(tmp_path / "ok.xlsx")
    path = rewrite(source, tmp_path / "bad.xlsx", {"xl/worksheets/sheet1.xml": b"<worksheet>"})
    assert message(path, read_claims) == (
        "bad.xlsx: the workbook is damaged (part xl/worksheets/sheet1.xml of sheet 'Sheet' is not "
        "valid XML: no <sheetData> element); open it in Excel and save it again."
    )
