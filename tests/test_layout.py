"""The house layout, checked: which library each folder may import, one-way imports, sizes.

``core/`` is the policy and the pure engine (standard library and rapidfuzz); ``excel/`` is the
only place xlwings is imported, ``workbook/`` the only place the workbook libraries are, and
``frame.py`` the only place pandas is. Imports point one way: core ← workbook, excel ←
reconcile, batch, ledger, frame ← cli. A module past 400 lines or a function past 60 is asking to
be split by what it owns.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "xl_claims"
THIRD_PARTY = {
    "rapidfuzz",
    "xlwings",
    "openpyxl",
    "xlsxwriter",
    "python_calamine",
    "defusedxml",
    "olefile",
    "pandas",
    "click",
}
#: Layer of a module → (third-party libraries it may import, xl_claims layers it may import).
RULES: dict[str, tuple[set[str], set[str]]] = {
    "core": ({"rapidfuzz"}, {"core"}),
    "excel": ({"xlwings"}, {"core", "excel"}),
    "workbook": (
        {"openpyxl", "xlsxwriter", "python_calamine", "defusedxml", "olefile"},
        {"core", "workbook"},
    ),
    # ``to_frame()`` on the results reaches ``frame`` inside the method: pandas is loaded only
    # when a DataFrame is asked for.
    "reconcile": (set(), {"core", "workbook", "reconcile", "frame"}),
    "batch": (set(), {"core", "workbook", "ledger", "batch", "frame"}),
    "ledger": (set(), {"core", "workbook", "ledger"}),
    "frame": ({"pandas"}, {"core", "frame", "reconcile", "batch"}),
    "cli": (
        {"click"},
        {"core", "excel", "workbook", "reconcile", "batch", "ledger", "frame", "cli"},
    ),
    # The names users' workbooks call (``xl_claims.udfs``, the first button's module).
    "udfs": (set(), {"excel"}),
    "excel_macro": (set(), {"excel"}),
    "__main__": (set(), {"cli"}),
    "__init__": (set(), set()),
}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def layer(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def imported(path: Path) -> list[str]:
    """Every module name imported anywhere in the file (inside functions too)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            if node.module == "xl_claims":
                names.extend(f"xl_claims.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_each_module_imports_only_what_its_layer_may(path):
    libraries, layers = RULES[layer(path)]
    wrong = []
    for name in imported(path):
        top = name.split(".")[0]
        if top == "xl_claims":
            parts = name.split(".")
            if len(parts) > 1 and parts[1] != "__version__" and parts[1] not in layers:
                wrong.append(name)
        elif top in THIRD_PARTY and top not in libraries:
            wrong.append(name)
        elif top not in THIRD_PARTY and top not in sys.stdlib_module_names | {"xl_claims"}:
            wrong.append(f"{name} (not a known library)")
    assert wrong == [], f"{layer(path)} may import {sorted(libraries)} and layers {sorted(layers)}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_400_lines_nor_a_function_over_60(path):
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (node.end_lineno or 0) - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


def test_the_reconcile_package_init_only_re_exports():
    tree = ast.parse((PACKAGE / "reconcile" / "__init__.py").read_text(encoding="utf-8"))
    kinds = {type(node).__name__ for node in tree.body}
    assert kinds <= {"Expr", "ImportFrom", "Assign"}  # docstring, imports, __all__


def test_the_results_load_pandas_only_when_a_dataframe_is_asked_for():
    """``BatchResult.to_frame`` and ``Reconciliation.to_frame`` import ``frame`` inside the
    method: the batch and reconciliation run without pandas loaded."""
    import subprocess

    code = (
        "import sys, xl_claims.batch, xl_claims.reconcile, xl_claims.cli; "
        "print('pandas' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
