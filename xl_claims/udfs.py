"""The module users' workbooks name (``UDF Modules`` = ``xl_claims.udfs`` on their ``xlwings.conf``
sheet, and the committed VBA calls ``xl_claims.udfs``): the worksheet functions live in
``xl_claims.excel.udfs``; this name stays so that existing workbooks keep working."""

from xl_claims.excel.udfs import (
    CLAIM_EXPLAIN,
    CLAIM_REFUND,
    ISSUE_GRADE,
    PART_VALUE,
    POLICY_GRADES,
    POLICY_ISSUES,
    POLICY_PARTS,
    POLICY_VERSION,
    REFUND,
    REFUND_EXPLAIN,
    REFUND_RATE,
)

__all__ = [
    "CLAIM_EXPLAIN",
    "CLAIM_REFUND",
    "ISSUE_GRADE",
    "PART_VALUE",
    "POLICY_GRADES",
    "POLICY_ISSUES",
    "POLICY_PARTS",
    "POLICY_VERSION",
    "REFUND",
    "REFUND_EXPLAIN",
    "REFUND_RATE",
]
