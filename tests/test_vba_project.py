"""A VBA module's source replaced inside vbaProject.bin: MS-OVBA compression checked against
oletools' own decompressor, every other module kept byte for byte."""

from __future__ import annotations

import random
import zipfile

import pytest
from oletools.olevba import VBA_Parser, decompress_stream

from xl_claims.core.errors import UsageError
from xl_claims.workbook import template
from xl_claims.workbook.vba_project import compress, decompress, replace_module_source


@pytest.mark.parametrize("size", [0, 1, 3, 100, 4095, 4096, 4097, 9000])
def test_compressed_data_decompresses_with_oletools_to_the_same_bytes(size):
    rng = random.Random(size)
    data = bytes(rng.choice(b"Sub End  abc\r\n'") for _ in range(size))
    packed = compress(data)
    assert bytes(decompress_stream(bytearray(packed))) == data
    assert decompress(packed) == data


def test_incompressible_data_goes_in_raw_chunks():
    data = random.Random(3).randbytes(5000)
    packed = compress(data)
    assert bytes(decompress_stream(bytearray(packed))) == data


def quickstart_project() -> bytes:
    with zipfile.ZipFile(template.quickstart_path()) as package:
        return package.read("xl/vbaProject.bin")


def modules(vba_bin: bytes) -> dict[str, str]:
    parser = VBA_Parser("vbaProject.bin", data=vba_bin)
    found = {stream: code for _, stream, _, code in parser.extract_macros()}
    parser.close()
    return found


def test_replacing_module1_keeps_the_project_size_and_every_other_module():
    before = quickstart_project()
    after = replace_module_source(before, "Module1", 'Attribute VB_Name = "Module1"\r\n')
    assert len(after) == len(before)
    old, new = modules(before), modules(after)
    assert old.keys() == new.keys()
    assert [k for k in old if old[k] != new[k]] == ["VBA/Module1"]
    assert new["VBA/Module1"].startswith(
        'Attribute VB_Name = "Module1"\r\n\' SHA-256 of the code removed: '
    )


def test_an_unknown_module_is_refused_by_name():
    with pytest.raises(UsageError, match="the VBA project has no module 'Module9'"):
        replace_module_source(quickstart_project(), "Module9", "")
