"""The module the first button macro called (``RunPython "import xl_claims.excel_macro; ..."``):
workbooks that imported that ``.bas`` keep working. The button lives in
``xl_claims.excel.macro``."""

from xl_claims.excel.macro import fill_computed_columns

__all__ = ["fill_computed_columns"]
