"""The claims-entry templates written by ``xl-claims template OUT``.

Two flavours share a Policy sheet generated from the policy file (``template_policy``: lookup
ranges with defined names, which also feed the dropdowns) and the Claims sheet's layout
(``template_sheets``):

* ``native`` (.xlsx): every computed column is a plain Excel formula generated from the engine's
  rules (``template_formulas``), so it works without Python and never shows a number the engine
  would not.
* ``xlwings`` (.xlsm): built from the quickstart workbook inside the pinned xlwings wheel (its
  VBA kept); its ``xlwings.conf`` sheet names ``xl_claims.udfs`` and two columns call
  ``CLAIM_REFUND``/``CLAIM_EXPLAIN`` once each over the whole table (one Python call per column).
"""

from __future__ import annotations

import os
import zipfile
from importlib import resources
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from xl_claims.core.errors import UsageError
from xl_claims.core.files import refuse_existing, write_atomic
from xl_claims.core.policy import Policy
from xl_claims.workbook.template_formulas import NATIVE_HEADERS, NATIVE_INPUTS, NATIVE_LOOKUPS
from xl_claims.workbook.template_policy import NOTE, write_policy_sheet
from xl_claims.workbook.template_sheets import (
    HEADER_ROW,
    XLWINGS_INPUTS,
    XLWINGS_LIVE,
    native_claims,
    xlwings_claims,
)
from xl_claims.workbook.vba_project import replace_module_source

FLAVOURS = ("native", "xlwings")
TEMPLATE_FILES = {"native": "claims-template.xlsx", "xlwings": "claims-template-xlwings.xlsm"}
DEFAULT_ROWS = 500
CLAIMS_SHEET, POLICY_SHEET, CONF_SHEET = "Claims", "Policy", "xlwings.conf"
#: What the quickstart's settings sheet says below its settings, replaced by ours.
CONF_NOTES = (
    "xl-claims: these settings make this workbook find the worksheet functions.",
    "Interpreter_Win: the python.exe that has xl-claims installed.",
    "UDF Modules: xl_claims.udfs (the functions: REFUND, CLAIM_REFUND, ...).",
    "Settings left empty fall back to ~/.xlwings/xlwings.conf, then to xlwings' defaults.",
)

__all__ = [
    "CLAIMS_SHEET",
    "DEFAULT_ROWS",
    "FLAVOURS",
    "HEADER_ROW",
    "NATIVE_HEADERS",
    "NATIVE_INPUTS",
    "NATIVE_LOOKUPS",
    "TEMPLATE_FILES",
    "XLWINGS_INPUTS",
    "XLWINGS_LIVE",
    "quickstart_path",
    "write_template",
]


def write_template(
    target: str | os.PathLike,
    policy: Policy,
    flavour: str | None = None,
    rows: int = DEFAULT_ROWS,
    force: bool = True,
) -> Path:
    """Write a claims-entry template for the policy's latest version; return the path.

    The flavour follows the suffix when not given (.xlsm → xlwings, else native). The file is
    written next to the target and moved into place, so a half-written template never exists;
    an existing file is replaced only with ``force``.
    """
    target = Path(target)
    suffix = target.suffix.lower()
    if flavour is None:
        flavour = "xlwings" if suffix == ".xlsm" else "native"
    if flavour not in FLAVOURS:
        raise UsageError(f"Unknown template flavour {flavour!r}; use native or xlwings.")
    wanted = ".xlsm" if flavour == "xlwings" else ".xlsx"
    if suffix != wanted:
        raise UsageError(f"The {flavour} template is an {wanted} file, got {target.name!r}.")
    if rows < 1:
        raise UsageError(f"A template needs at least one claim line, got {rows}.")
    refuse_existing(target, force)
    if flavour == "native":
        book = _native_book(policy, rows)
        book.active = 0
        return write_atomic(target, book.save)
    book = _xlwings_book(policy, rows)
    book.active = 0
    return write_atomic(target, lambda path: _save_without_sample(book, path))


def _native_book(policy: Policy, rows: int) -> Workbook:
    book = Workbook()
    claims = book.active
    claims.title = CLAIMS_SHEET
    _add_policy_sheet(book, policy)
    native_claims(claims, policy.latest, rows)
    return book


def _xlwings_book(policy: Policy, rows: int) -> Workbook:
    book = load_workbook(quickstart_path(), keep_vba=True)
    claims = book["Sheet1"]  # keeps its VBA code name
    claims.title = CLAIMS_SHEET
    conf = book["_xlwings.conf"]
    conf.title = CONF_SHEET
    _configure_xlwings(conf)
    _add_policy_sheet(book, policy)
    xlwings_claims(claims, policy.latest, rows)
    book.move_sheet(CONF_SHEET, offset=len(book.sheetnames))
    return book


#: What the quickstart's Module1 says once its sample macro (SampleCall) is removed.
SAMPLE_MODULE = "Module1"
SAMPLE_MODULE_SOURCE = (
    'Attribute VB_Name = "Module1"\r\n'
    "' xl-claims removed the xlwings quickstart sample here; delete this module if you like.\r\n"
)


def _save_without_sample(book: Workbook, path: Path) -> None:
    """Save, then put the VBA project back with Module1's quickstart sample macro removed."""
    book.save(path)
    with zipfile.ZipFile(path) as package:
        parts = [(info, package.read(info)) for info in package.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for info, data in parts:
            if info.filename == "xl/vbaProject.bin":
                data = replace_module_source(data, SAMPLE_MODULE, SAMPLE_MODULE_SOURCE)
            package.writestr(info, data)


def _add_policy_sheet(book: Workbook, policy: Policy) -> None:
    names = write_policy_sheet(book.create_sheet(POLICY_SHEET), policy.latest)
    for name, ref in names.items():
        book.defined_names[name] = DefinedName(name, attr_text=ref)


def quickstart_path() -> Path:
    """The standalone quickstart workbook inside the installed (pinned) xlwings wheel.

    The standalone one carries xlwings' VBA module, so the template needs no add-in; that VBA
    names the DLL of exactly this xlwings version, hence the pin in pyproject.toml.
    """
    return Path(str(resources.files("xlwings") / "quickstart_standalone.xlsm"))


def _configure_xlwings(conf: Worksheet) -> None:
    """The quickstart's settings sheet, activated (UDF Modules = xl_claims.udfs), its
    quickstart instructions ("Rename this sheet…") replaced by ours."""
    for row in range(1, conf.max_row + 1):
        if conf.cell(row, 1).value == "UDF Modules":
            conf.cell(row, 2, "xl_claims.udfs")
            break
    else:
        raise UsageError("The xlwings quickstart workbook has no 'UDF Modules' setting.")
    settings_end = max(r for r in range(1, 13) if conf.cell(r, 1).value is not None)
    for row in range(settings_end + 1, conf.max_row + 1):
        conf.cell(row, 1).value = None
    for offset, text in enumerate(CONF_NOTES):
        cell = conf.cell(settings_end + 2 + offset, 1, text)
        cell.font = NOTE
