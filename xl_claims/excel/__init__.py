"""Excel-facing adapters: worksheet functions, the button macro, the VBA module, xlwings Lite (the only xlwings imports)."""
