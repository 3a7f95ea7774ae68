"""The Excel worksheet functions (xlwings UDFs): thin wrappers over the engine.

A workbook's ``xlwings.conf`` sheet names this module (``UDF Modules`` = ``xl_claims.udfs``);
xlwings' "Import Functions" then writes one VBA wrapper per function below (committed as
``macros/xl_claims_udfs.bas``). Every argument may be a cell or a range: ranges come in as 2-D
lists (``ndim=2``) and the result has their shape, so a 10,000-row column is one call. Numbers
come back as floats (Excel has no Decimal); a line without a number shows ``#REVIEW: …`` or
``#ERROR: …`` text, never a traceback.

Arguments carry no type hints on purpose: xlwings turns a hint into a converter, and ``int`` or
``str`` converters would not accept what Excel really sends (``2.0``, None).

Only the BSD part of xlwings is used (``xw.func``/``xw.arg`` and ``xlwings.utils``); nothing here
imports ``xlwings.pro``.
"""

from __future__ import annotations

import functools
import os

import xlwings as xw

from xl_claims.core.errors import ClaimsError, ShapeError
from xl_claims.core.policy import POLICY_ENV_VAR, Policy, load_policy
from xl_claims.excel import cells

#: The category the functions are listed under in Excel's Insert Function dialog.
CATEGORY = "xl-claims"

#: Argument descriptions for Excel's function wizard (Excel cuts them at 255 characters).
ARG_DOCS = {
    "grade": "Low, Medium or High (or L/M/H); a cell or a column. Depends gives #REVIEW.",
    "part": "Part name as in the policy's table, e.g. Head sculpt w/ special functions; "
    "a cell or a column.",
    "quantity": "Optional. Number of pieces, a whole number of 1 or more; empty means 1.",
    "issue": "Issue type, e.g. Structural breakage, Detachment or Painting; a cell or a column.",
    "claim_grade": "Optional. Staff's grade (Low, Medium, High); overrides the issue's grade, "
    "needed when the issue's grade is Depends.",
    "value_override": "Optional. Max value to use instead of the part's, needed when the part's "
    "value is Depends (Packaging box, special stands).",
    "issue_or_grade": "An issue type (Breakage, Painting…) or a grade (Low, Medium, High).",
}


def policy_path() -> str | None:
    """The policy file to use: $XL_CLAIMS_POLICY, else the ``XL_CLAIMS_POLICY`` key of the user's
    ``~/.xlwings/xlwings.conf``, else None (the policy bundled with xl-claims)."""
    override = os.environ.get(POLICY_ENV_VAR)
    if override:
        return override
    from xlwings.utils import read_user_config

    return read_user_config().get(POLICY_ENV_VAR.lower()) or None


@functools.cache
def current_policy() -> Policy:
    """Loaded once per process (the UDF server keeps it until "Restart UDF Server")."""
    return load_policy(policy_path())


def _one_line(function):
    """Fold the docstring to one line: it becomes the function's description in Excel's wizard."""
    function.__doc__ = " ".join(function.__doc__.split())
    return function


def _cells(compute, *args):
    """Run one worksheet function over its arguments; expected failures become cell text."""
    try:
        policy = current_policy()
    except ClaimsError as exc:
        return cells.error_text(str(exc).splitlines()[0])
    try:
        return cells.map_cells(functools.partial(compute, policy), *args)
    except ShapeError as exc:
        return cells.error_text(str(exc))


@xw.func(category=CATEGORY)
@xw.arg("grade", ndim=2, doc=ARG_DOCS["grade"])
@xw.arg("part", ndim=2, doc=ARG_DOCS["part"])
@xw.arg("quantity", ndim=2, doc=ARG_DOCS["quantity"])
@_one_line
def REFUND(grade, part, quantity=None):
    """Partial refund = grade's rate × part's max value × quantity, e.g. 40 for High and "Head
    sculpt w/ special functions". Shows #REVIEW or #ERROR text when there is no number."""
    return _cells(cells.refund_cell, grade, part, quantity)


@xw.func(category=CATEGORY)
@xw.arg("issue", ndim=2, doc=ARG_DOCS["issue"])
@xw.arg("part", ndim=2, doc=ARG_DOCS["part"])
@xw.arg("grade", ndim=2, doc=ARG_DOCS["claim_grade"])
@xw.arg("quantity", ndim=2, doc=ARG_DOCS["quantity"])
@xw.arg("value_override", ndim=2, doc=ARG_DOCS["value_override"])
@_one_line
def CLAIM_REFUND(issue, part, grade=None, quantity=None, value_override=None):
    """Refund for a claim line by the policy: the issue's grade (or the grade given) × the part's
    max value × quantity; detachment priced by the detachment row. #REVIEW/#ERROR text otherwise."""
    return _cells(cells.claim_refund_cell, issue, part, grade, quantity, value_override)


@xw.func(category=CATEGORY)
@xw.arg("issue", ndim=2, doc=ARG_DOCS["issue"])
@xw.arg("part", ndim=2, doc=ARG_DOCS["part"])
@xw.arg("grade", ndim=2, doc=ARG_DOCS["claim_grade"])
@xw.arg("quantity", ndim=2, doc=ARG_DOCS["quantity"])
@xw.arg("value_override", ndim=2, doc=ARG_DOCS["value_override"])
@_one_line
def CLAIM_EXPLAIN(issue, part, grade=None, quantity=None, value_override=None):
    """Why CLAIM_REFUND shows what it shows for the same arguments: the one-line explanation, or
    the reason for #REVIEW/#ERROR, with the rule and policy version."""
    return _cells(cells.claim_explain_cell, issue, part, grade, quantity, value_override)


@xw.func(category=CATEGORY)
@xw.arg("grade", ndim=2, doc=ARG_DOCS["grade"])
@_one_line
def REFUND_RATE(grade):
    """Refund rate of a grade: 0.25 for Low, 0.5 for Medium, 1 for High."""
    return _cells(cells.rate_cell, grade)


@xw.func(category=CATEGORY)
@xw.arg("part", ndim=2, doc=ARG_DOCS["part"])
@_one_line
def PART_VALUE(part):
    """Max reimbursement value of a part, e.g. 40 for "Head sculpt w/ special functions";
    #REVIEW when the policy says Depends."""
    return _cells(cells.part_value_cell, part)


@xw.func(category=CATEGORY)
@xw.arg("issue", ndim=2, doc=ARG_DOCS["issue"])
@_one_line
def ISSUE_GRADE(issue):
    """Grade of a quality issue: Low, Medium, High or Depends (Not covered / Discount for the
    issues the policy does not grade)."""
    return _cells(cells.issue_grade_cell, issue)


@xw.func(category=CATEGORY)
@xw.arg("issue_or_grade", ndim=2, doc=ARG_DOCS["issue_or_grade"])
@xw.arg("part", ndim=2, doc=ARG_DOCS["part"])
@xw.arg("quantity", ndim=2, doc=ARG_DOCS["quantity"])
@_one_line
def REFUND_EXPLAIN(issue_or_grade, part, quantity=None):
    """One-line explanation of the refund for an issue or grade and a part, or the reason there
    is none (the message behind #REVIEW/#ERROR), with the rule and policy version."""
    return _cells(cells.explain_cell, issue_or_grade, part, quantity)


@xw.func(category=CATEGORY)
@_one_line
def POLICY_PARTS():
    """The policy's part names, one per row (spills): for dropdown lists."""
    return _cells(lambda policy: cells.policy_column(policy.latest, "part"))


@xw.func(category=CATEGORY)
@_one_line
def POLICY_ISSUES():
    """The policy's issue types, one per row (spills): for dropdown lists."""
    return _cells(lambda policy: cells.policy_column(policy.latest, "issue"))


@xw.func(category=CATEGORY)
@_one_line
def POLICY_GRADES():
    """The policy's grades, one per row (spills): for dropdown lists."""
    return _cells(lambda policy: cells.policy_column(policy.latest, "grade"))


@xw.func(category=CATEGORY)
@_one_line
def POLICY_VERSION():
    """Id of the policy version the functions use, e.g. AS-2026.1."""
    return _cells(lambda policy: policy.latest.id)


#: The worksheet functions, in the order the README lists them.
FUNCTIONS = (
    REFUND,
    CLAIM_REFUND,
    CLAIM_EXPLAIN,
    REFUND_RATE,
    PART_VALUE,
    ISSUE_GRADE,
    REFUND_EXPLAIN,
    POLICY_PARTS,
    POLICY_ISSUES,
    POLICY_GRADES,
    POLICY_VERSION,
)

#: What ``from xl_claims.excel.udfs import *`` gives (the ``xl_claims.udfs`` shim): the functions.
__all__ = [function.__name__ for function in FUNCTIONS]
