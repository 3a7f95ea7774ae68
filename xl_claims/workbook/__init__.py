"""Claim workbooks: safe opening and reading (``read``, ``safety``), computed columns (``write``),
the Summary sheet and the run's summary workbook (``summary``). openpyxl lives here only."""
