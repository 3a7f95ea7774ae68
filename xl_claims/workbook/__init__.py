"""Every workbook file, and the only place the workbook libraries are imported (openpyxl,
XlsxWriter, python-calamine, defusedxml, olefile).

Opening untrusted files (``safety``, ``xmlsafe``: the one defused-XML place); reading claims
(``read``, ``rows``, ``claimrows``, ``fastread``, ``csvbook``); the batch's streaming edit of a
workbook package (``package``, ``sheetedit``, ``block``, ``layout``, ``output``, ``zipout``,
``styles``, ``sharedstrings``); the Summary sheet and ``summary.xlsx`` (``summary``,
``summarysheet``); new table workbooks (``tables``); the templates (``template*``,
``vba_project``).
"""
