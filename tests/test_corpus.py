"""Every workbook of ``../shared/corpus`` ends processed or with a clear one-line error.

The corpus (real files made by Excel, LibreOffice and other programs, plus hostile and broken
ones) is read in place and never copied into the project; the tests skip where it is absent.
"""

from __future__ import annotations

import collections
import csv
import re
from pathlib import Path

import pytest

from xl_claims.batch import process_files

#: Each clear error, by what it says; anything else fails the test.
KINDS = {
    "no claim headers": r"no header row with the needed columns",
    "empty": r"is empty|the file is empty",
    "encrypted": r"password-protected \(encrypted\)",
    "old .xls": r"an old Excel 97-2003 \(\.xls\) file",
    "damaged or truncated": r"damaged or truncated|is incomplete|not valid XML",
    "not a workbook": r"not an Excel workbook|not a claims file|binary \.xlsb",
    "no worksheets": r"has no worksheets",
    "XML entities refused": r"declares XML entities",
    "zip refused": r"zip package holds the part|zip bomb|inflates to",
    "text amplification refused": r"characters of text",
}


def corpus_files(corpus: Path) -> list[str]:
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        return [row["file"] for row in csv.DictReader(handle, delimiter="\t")]


def kind_of(message: str) -> str:
    for kind, pattern in KINDS.items():
        if re.search(pattern, message):
            return kind
    return "UNEXPECTED"


@pytest.fixture(scope="module")
def batch(corpus, tmp_path_factory, policy):
    names = corpus_files(corpus)
    out = tmp_path_factory.mktemp("corpus-out")
    result = process_files([corpus / n for n in names], policy=policy, output_dir=out)
    return names, result


def test_every_corpus_file_ends_processed_or_with_a_clear_error(batch, corpus):
    names, result = batch
    assert len(result.files) == len(names)
    kinds = collections.Counter()
    unexpected = []
    for name, item in zip(names, result.files, strict=True):
        assert item.input == corpus / name
        if item.error is None:
            assert item.output is not None and item.output.exists()
            kinds["processed"] += 1
            continue
        assert "\n" not in item.error and item.error.startswith(Path(name).name + ": ")
        kind = kind_of(item.error)
        kinds[kind] += 1
        if kind == "UNEXPECTED":
            unexpected.append(item.error)
    print("corpus results:", dict(kinds))
    assert unexpected == []
    assert sum(kinds.values()) == len(names)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("calamine/pass_protected.xlsx", "encrypted"),
        ("python-calamine/password.xlsx", "encrypted"),
        ("poi/protected_sha512.xlsx", "encrypted"),
        ("derived/xls_renamed_as.xlsx", "old .xls"),
        ("derived/truncated_60pct.xlsx", "damaged or truncated"),
        ("openpyxl/null_file.xlsx", "empty"),
        ("poi/poc-xmlbomb.xlsx", "XML entities refused"),
        ("poi/duplicate-filename.xlsx", "zip refused"),
        ("poi/poc-shared-strings.xlsx", "no claim headers"),  # 3 cells: read once, no harm
        ("exceljs/invalid-xml.xlsx", "damaged or truncated"),
        ("calamine/date.xlsb", "not a workbook"),
        ("calamine/issue_174.xlsx", "no claim headers"),  # A1:XFD1048576, read by its data
        ("python-calamine/empty_file.xlsx", "empty"),
        ("openpyxl/null_archive.xlsx", "not a workbook"),
    ],
)
def test_hostile_and_broken_files_get_their_own_message(batch, name, kind):
    names, result = batch
    item = result.files[names.index(name)]
    assert item.error is not None and kind_of(item.error) == kind, item.error
