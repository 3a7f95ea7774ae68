"""Registration as Excel on Windows sees it: xlwings' own Windows UDF module (``xlwings.udfs``),
imported with pywin32 stand-ins, decorates ``xl_claims/udfs.py`` and writes the VBA module, which
must equal the committed ``macros/xl_claims_udfs.bas``."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest

from xl_claims.excel import udfs
from xl_claims.excel import vba as udf_vba

ROOT = Path(__file__).resolve().parent.parent
MACROS = ROOT / "macros"

#: function → (arguments in order, optional arguments), as the issue fixes them.
SIGNATURES = {
    "REFUND": (["grade", "part", "quantity"], ["quantity"]),
    "CLAIM_REFUND": (
        ["issue", "part", "grade", "quantity", "value_override"],
        ["grade", "quantity", "value_override"],
    ),
    "CLAIM_EXPLAIN": (
        ["issue", "part", "grade", "quantity", "value_override"],
        ["grade", "quantity", "value_override"],
    ),
    "REFUND_RATE": (["grade"], []),
    "PART_VALUE": (["part"], []),
    "ISSUE_GRADE": (["issue"], []),
    "REFUND_EXPLAIN": (["issue_or_grade", "part", "quantity"], ["quantity"]),
    "POLICY_PARTS": ([], []),
    "POLICY_ISSUES": ([], []),
    "POLICY_GRADES": ([], []),
    "POLICY_VERSION": ([], []),
}


@pytest.fixture(scope="module")
def windows():
    """(xlwings.udfs, xl_claims.udfs decorated by it); both gone from sys.modules afterwards."""
    with udf_vba.windows_udf_module() as xl_udfs:
        yield xl_udfs, udf_vba.load_registered(xl_udfs)
    assert "pythoncom" not in sys.modules and "xlwings.udfs" not in sys.modules


def test_it_is_xlwings_own_windows_module(windows):
    xl_udfs, module = windows
    site = Path(importlib.util.find_spec("xlwings").origin).parent
    assert Path(xl_udfs.__file__) == site / "udfs.py"
    assert xl_udfs.xlfunc.__module__ == "xlwings.udfs"
    assert module.REFUND is not udfs.REFUND  # a fresh copy; the imported module is untouched
    assert not hasattr(udfs.REFUND, "__xlfunc__")  # off Windows xw.func changes nothing


def test_every_function_is_registered_with_its_arguments(windows):
    _, module = windows
    registered = {
        name: getattr(module, name).__xlfunc__
        for name in dir(module)
        if hasattr(getattr(module, name), "__xlfunc__")
    }
    assert set(registered) == set(SIGNATURES)
    for name, (arguments, optional) in SIGNATURES.items():
        info = registered[name]
        assert info["name"] == name
        assert info["category"] == "xl-claims"
        assert info["sub"] is False and info["volatile"] is False
        assert [a["name"] for a in info["args"]] == arguments, name
        assert [a["name"] for a in info["args"] if "optional" in a] == optional, name
        assert all(a["optional"] is None for a in info["args"] if "optional" in a)
        for arg in info["args"]:
            # ranges keep their shape; an error value arrives as its text, not as empty
            assert arg["options"] == {"ndim": 2, "err_to_str": True}, (name, arg["name"])


def test_descriptions_for_the_function_wizard(windows):
    _, module = windows
    docs = udfs.ARG_DOCS
    expected_docs = {
        "REFUND": [docs["grade"], docs["part"], docs["quantity"]],
        "CLAIM_REFUND": [
            docs["issue"],
            docs["part"],
            docs["claim_grade"],
            docs["quantity"],
            docs["value_override"],
        ],
        "REFUND_EXPLAIN": [docs["issue_or_grade"], docs["part"], docs["quantity"]],
        "REFUND_RATE": [docs["grade"]],
        "PART_VALUE": [docs["part"]],
        "ISSUE_GRADE": [docs["issue"]],
    }
    for name, expected in expected_docs.items():
        assert [a["doc"] for a in getattr(module, name).__xlfunc__["args"]] == expected
    for name in SIGNATURES:
        info = getattr(module, name).__xlfunc__
        description = info["ret"]["doc"]
        assert "\n" not in description and len(description) <= 255, name
        assert not description.startswith("Python function"), name  # a real description
        for arg in info["args"]:
            assert len(arg["doc"]) <= 255 and not arg["doc"].startswith("Positional argument")
    assert module.REFUND.__xlfunc__["ret"]["doc"].startswith(
        "Partial refund = grade's rate × part's max value × quantity, e.g. 40 for High"
    )


def test_the_registered_copy_computes_like_the_plain_module(windows):
    _, module = windows
    assert module.REFUND("High", "Head sculpt w/ special functions") == 40.0
    assert module.CLAIM_REFUND([["Detachment"]], [["Weapon (large)"]]) == [[1.25]]


def test_the_committed_vba_module_is_what_xlwings_generates(windows):
    committed = (MACROS / "xl_claims_udfs.bas").read_bytes()
    assert committed == udf_vba.generate_udf_vba().encode("ascii"), (
        "macros/xl_claims_udfs.bas is stale: run python scripts/regenerate_excel_artifacts.py"
    )
    assert b"\r\n" in committed and b"\n" not in committed.replace(b"\r\n", b"")


def test_the_committed_module_is_xlwings_output_plus_error_value_lines(windows):
    xl_udfs, module = windows
    plain = udf_vba.xlwings_vba(xl_udfs, module, "claims-template-xlwings.xlsm").splitlines()
    committed = (MACROS / "xl_claims_udfs.bas").read_text(encoding="ascii").splitlines()
    assert committed[0] == 'Attribute VB_Name = "xlwings_udfs"'  # replaced by Import Functions
    added = list(committed)
    for line in plain:  # every line xlwings writes is there, in order
        added = added[added.index(line) + 1 :] if line in added else pytest.fail(line)
    calls = {
        name: [
            i for i, line in enumerate(committed) if re.match(rf"\s+{name} = XLPy\.CallUDF", line)
        ]
        for name in SIGNATURES
    }
    for name, positions in calls.items():
        assert len(positions) == 2, name  # the Excel branch and the #Else branch
        after = [committed[i + 1].strip() for i in positions]
        if name in udf_vba.ERROR_VALUE_FUNCTIONS:
            assert after == [f"{name} = XlClaimsErrors({name})"] * 2
        else:
            assert after == ["Exit Function"] * 2
    assert set(udf_vba.ERROR_VALUE_FUNCTIONS) == {
        "REFUND",
        "CLAIM_REFUND",
        "REFUND_RATE",
        "PART_VALUE",
        "ISSUE_GRADE",
    }
    text = "\n".join(committed)
    assert 'If Left$(value, 9) = "#REVIEW: " Then\n        XlClaimsError = CVErr(2042)' in text
    assert 'ElseIf Left$(value, 8) = "#ERROR: " Then\n        XlClaimsError = CVErr(2015)' in text
    assert (
        'REFUND = XLPy.CallUDF("xl_claims.udfs", "REFUND", Array(grade, part, quantity), '
        "ThisWorkbook, Application.Caller)" in text
    )
    assert "Function REFUND(grade, part, Optional quantity)" in text


def test_the_cells_without_a_number_start_with_the_prefixes_the_vba_converts():
    text = (MACROS / "xl_claims_udfs.bas").read_bytes().decode("ascii")
    converted = dict(
        (prefix, code)
        for length, prefix, code in re.findall(
            r'Left\$\(value, (\d+)\) = "([^"]+)" Then\r\n\s+XlClaimsError = CVErr\((\d+)\)', text
        )
        if int(length) == len(prefix)
    )
    assert converted == {"#REVIEW: ": "2042", "#ERROR: ": "2015"}  # xlErrNA, xlErrValue
    assert udfs.REFUND("Depends", "Weapon (small)").startswith("#REVIEW: ")
    assert udfs.REFUND("High", "Wepon").startswith("#ERROR: ")


def test_the_button_macro_runs_an_existing_python_function():
    text = (MACROS / "xl_claims_button.bas").read_bytes().decode("ascii")
    assert text.startswith('Attribute VB_Name = "xl_claims_button"\r\n')
    found = re.search(r'RunPython "import ([\w.]+); \1\.(\w+)\(\)"', text)
    assert found, text
    module = importlib.import_module(found.group(1))
    assert found.group(1) == "xl_claims.excel.macro"
    assert callable(getattr(module, found.group(2)))
    assert "Sub FillClaimColumns()\r\n" in text
