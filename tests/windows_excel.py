"""xlwings' own Windows code paths, run on Linux with stand-ins for what only Windows has.

``call_udf`` (what the VBA wrapper calls for each worksheet function) and ``import_udfs`` (the
"Import Functions" button) come from ``xlwings/udfs.py``, imported by ``xl_claims.excel.vba``
with pywin32 stand-ins. What they need from Excel is stood in here:

* a range argument is a ``ComRange`` whose ``Value`` is what COM hands over (a scalar for one
  cell, rows of values otherwise; an error cell is its COM code, e.g. -2146826246 for #N/A);
* the Excel engine's value cleaning and writing are xlwings' own functions, taken from
  ``xlwings/_xlwindows.py``'s source (that module cannot be imported off Windows);
* the workbook given to ``import_udfs`` records the VBA module imported and every
  ``Application.MacroOptions`` call.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import xlwings

from xl_claims.excel import vba

#: What VBA passes for an optional argument that was left out (DISP_E_PARAMNOTFOUND).
MISSING = -2147352572
#: Excel's error values as COM hands them over.
COM_ERRORS = {"#N/A": -2146826246, "#VALUE!": -2146826273, "#DIV/0!": -2146826281}
_TAKEN = ("cell_errors", "_clean_value_data_element", "Engine")


class ComRange:
    """A worksheet range as COM passes it to a UDF."""

    def __init__(self, value: object):
        self.Value = value


def xlwindows_functions() -> dict[str, object]:
    """``cell_errors``, ``_clean_value_data_element`` and ``Engine`` from xlwings' Windows module,
    compiled from its source with the names they use bound to what Linux has."""
    source_path = Path(xlwings.__file__).with_name("_xlwindows.py")
    tree = ast.parse(source_path.read_text(encoding="utf-8"))
    kept = [
        node
        for node in tree.body
        if (isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name in _TAKEN)
        or (isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") in _TAKEN)
    ]
    assert len(kept) == len(_TAKEN), "xlwings' _xlwindows.py changed: update the stand-in"
    namespace: dict[str, object] = {
        "dt": dt,
        "pd": None,
        "np": None,
        "time_types": (dt.date, dt.datetime),
        "_com_time_to_datetime": lambda value, builder: value,
        "_datetime_to_com_time": lambda value: value,
    }
    module = ast.Module(body=kept, type_ignores=[])
    exec(compile(module, str(source_path), "exec"), namespace)
    return namespace


class _EngineImpl:
    name, type = "excel", "desktop"

    def __init__(self, functions: dict):
        engine = functions["Engine"]
        self.clean_value_data = engine.clean_value_data
        self.prepare_xl_data_element = engine.prepare_xl_data_element


def _xlwindows_stand_in(engine_impl: _EngineImpl) -> types.ModuleType:
    app = types.SimpleNamespace(engine=engine_impl, pid=1)
    sheet = types.SimpleNamespace(book=types.SimpleNamespace(app=app))

    class RangeImpl:
        max_cells_per_read = None

        def __init__(self, xl=None):
            self.xl = xl
            self.sheet = sheet

        @property
        def raw_value(self):
            return self.xl.Value

    module = types.ModuleType("xlwings._xlwindows")
    module.__dict__.update(
        Range=RangeImpl,
        is_range_instance=lambda value: isinstance(value, ComRange),
        BOOK_CALLER=None,
    )
    return module


class RecordingWorkbook:
    """The workbook ``import_udfs`` talks to: it records the module and the MacroOptions."""

    def __init__(self, name: str, com_error: type[Exception]):
        self.Name = name
        self.imported: str | None = None
        self.macro_options: list[dict] = []
        book = self

        class Components:
            def __call__(self, name):
                raise com_error("no module of that name")

            def Remove(self, component):
                raise AssertionError("nothing to remove")

            def Import(self, path):
                book.imported = Path(path).read_text()

        class Application:
            Version = "16.0"

            def MacroOptions(self, macro, **options):
                book.macro_options.append({"Macro": macro, **options})

        self.VBProject = types.SimpleNamespace(VBComponents=Components())
        self.Application = Application()


class WindowsExcel:
    """xlwings' Windows module with ``xl_claims.udfs`` registered as on a PC."""

    def __init__(self, xl_udfs: types.ModuleType, module: types.ModuleType):
        self.xl_udfs = xl_udfs
        self.module = module

    def call(self, function: str, *args: object) -> object:
        """What the VBA wrapper gets back for ``=FUNCTION(args…)`` (missing ones filled in)."""
        info = getattr(self.module, function).__xlfunc__
        padded = list(args) + [MISSING] * (len(info["args"]) - len(args))
        return self.xl_udfs.call_udf(vba.UDF_MODULE, function, tuple(padded), None, None)

    def import_functions(self, workbook: str = "claims.xlsm") -> RecordingWorkbook:
        """Run xlwings' "Import Functions" against a recording workbook."""
        book = RecordingWorkbook(workbook, sys.modules["pywintypes"].com_error)
        self.xl_udfs.import_udfs(vba.UDF_MODULE, book)
        return book


@contextlib.contextmanager
def windows_excel() -> Iterator[WindowsExcel]:
    """Everything above in place; all of it removed again afterwards."""
    engine_impl = _EngineImpl(xlwindows_functions())
    stand_ins = {
        "xlwings._xlwindows": _xlwindows_stand_in(engine_impl),
        "xlwings.com_server": types.ModuleType("xlwings.com_server"),
    }
    stand_ins["xlwings.com_server"].loop = None  # type: ignore[attr-defined]
    saved = {name: sys.modules.get(name) for name in stand_ins}
    engines = xlwings.engines
    saved_engines = (list(engines.engines), dict(engines.engines_by_name), engines.active)
    with vba.windows_udf_module() as xl_udfs:
        sys.modules.update(stand_ins)
        xlwings._xlwindows = stand_ins["xlwings._xlwindows"]  # type: ignore[attr-defined]
        engines.add(xlwings.main.Engine(impl=engine_impl))
        module = vba.load_registered(xl_udfs)
        xl_udfs.udf_modules[vba.UDF_MODULE] = {"module": module, "filetime": None, "filename": ""}
        try:
            yield WindowsExcel(xl_udfs, module)
        finally:
            engines.engines, engines.engines_by_name, engines.active = saved_engines
            del xlwings._xlwindows  # type: ignore[attr-defined]
            for name, original in saved.items():
                if original is None:
                    sys.modules.pop(name, None)
                else:
                    sys.modules[name] = original
