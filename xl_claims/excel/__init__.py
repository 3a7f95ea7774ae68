"""Excel-facing adapters: worksheet functions, the button macro, the VBA module and xlwings Lite
(the only modules that import xlwings)."""
