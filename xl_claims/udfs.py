"""The module users' workbooks name (``UDF Modules`` = ``xl_claims.udfs`` on their ``xlwings.conf``
sheet, and the committed VBA calls ``xl_claims.udfs``): the worksheet functions live in
``xl_claims.excel.udfs``; this name stays so that existing workbooks keep working."""

from xl_claims.excel.udfs import *  # noqa: F403  (every worksheet function, by its __all__)
from xl_claims.excel.udfs import __all__  # noqa: F401
