Attribute VB_Name = "xl_claims_button"
' xl-claims: the "Fill computed columns" button.
' Fills the eight computed columns (Applied grade ... Policy version) of the active sheet, or of
' the sheet named Claims, by the same code as the weekly batch (xl_claims.table), through
' xlwings' RunPython and Book.caller(). Columns that hold formulas are left as they are.
' Needs the xlwings VBA module (the xlwings .xlsm template has it) or the xlwings add-in.
Sub FillClaimColumns()
    RunPython "import xl_claims.excel.macro; xl_claims.excel.macro.fill_computed_columns()"
End Sub
