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
from xl_claims.core.policy import POLICY_ENV_VAR, Policy, PolicyVersion, load_policy
from xl_claims.excel import cells, texts

#: The category the functions are listed under in Excel's Insert Function dialog.
CATEGORY = "xl-claims"
#: Set by the generated xlwings Lite main.py: Lite shows a returned "#N/A" / "#VALUE!" as a real
#: error value, so there the money functions return those instead of the #REVIEW/#ERROR texts.
RETURN_ERROR_VALUES = False


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


def _wizard_version() -> PolicyVersion | None:
    """The policy version the wizard texts describe: the one the functions use (None when the
    policy file cannot be read: the cells then say why)."""
    try:
        return current_policy().latest
    except ClaimsError:
        return None


#: The policy's names and numbers for the wizard texts, and the argument descriptions.
WORDS = texts.policy_words(_wizard_version())
ARG_DOCS = texts.argument_docs(WORDS)


def _arg(name: str, doc_key: str | None = None):
    """An argument as every function takes it: a cell or a range kept 2-D, error values as
    their text (#N/A), so that an error in a cell is named rather than read as empty."""
    return xw.arg(name, ndim=2, err_to_str=True, doc=ARG_DOCS[doc_key or name])


def _described(function):
    """The docstring, with the policy's words filled in, is the description in Excel's wizard."""
    function.__doc__ = texts.fill(function.__doc__, WORDS)
    return function


def _function(*arguments: str | tuple[str, str]):
    """A worksheet function as xlwings registers it: in the ``xl-claims`` category, each argument
    as ``_arg`` makes it (a name, or ``(name, description key)``), its docstring filled in."""

    def decorate(function):
        function = _described(function)
        for spec in reversed(arguments):
            name, doc_key = spec if isinstance(spec, tuple) else (spec, None)
            function = _arg(name, doc_key)(function)
        return xw.func(category=CATEGORY)(function)

    return decorate


#: CLAIM_REFUND's and CLAIM_EXPLAIN's arguments (their grade is described as the staff's grade).
_CLAIM_ARGUMENTS = ("issue", "part", ("grade", "claim_grade"), "quantity", "value_override")


def _cells(compute, *args, money: bool = False):
    """Run one worksheet function over its arguments; expected failures become cell text (for
    the money functions in xlwings Lite, error values: see ``RETURN_ERROR_VALUES``)."""
    as_shown = cells.as_error_value if money and RETURN_ERROR_VALUES else None
    try:
        policy = current_policy()
    except ClaimsError as exc:
        shown = cells.error_text(str(exc).splitlines()[0])
        return as_shown(shown) if as_shown else shown
    one = functools.partial(compute, policy)
    if as_shown:
        one = _shown_as(as_shown, one)
    try:
        return cells.map_cells(one, *args)
    except ShapeError as exc:
        shown = cells.error_text(str(exc))
        return as_shown(shown) if as_shown else shown


def _shown_as(convert, compute):
    def cell(*values):
        return convert(compute(*values))

    return cell


@_function("grade", "part", "quantity")
def REFUND(grade, part, quantity=None):
    """Partial refund = grade's rate × part's max value × quantity, e.g. {example_refund}. Shows
    #REVIEW or #ERROR text when there is no number."""
    return _cells(cells.refund_cell, grade, part, quantity, money=True)


@_function(*_CLAIM_ARGUMENTS)
def CLAIM_REFUND(issue, part, grade=None, quantity=None, value_override=None):
    """Refund for a claim line by the policy: the issue's grade (or the grade given) × the part's
    max value (or the value of the part the policy prices the issue by) × quantity. #REVIEW or
    #ERROR text otherwise."""
    return _cells(cells.claim_refund_cell, issue, part, grade, quantity, value_override, money=True)


@_function(*_CLAIM_ARGUMENTS)
def CLAIM_EXPLAIN(issue, part, grade=None, quantity=None, value_override=None):
    """Why CLAIM_REFUND shows what it shows for the same arguments: the one-line explanation, or
    the reason for #REVIEW/#ERROR, with the rule and policy version."""
    return _cells(cells.claim_explain_cell, issue, part, grade, quantity, value_override)


@_function("grade")
def REFUND_RATE(grade):
    """Refund rate of a grade: {rates}."""
    return _cells(cells.rate_cell, grade, money=True)


@_function("part")
def PART_VALUE(part):
    """Max reimbursement value of a part, e.g. {example_value} for "{example_part}"; #REVIEW when
    the policy says {depends}."""
    return _cells(cells.part_value_cell, part, money=True)


@_function("issue")
def ISSUE_GRADE(issue):
    """Grade of a quality issue: {issue_grades}."""
    return _cells(cells.issue_grade_cell, issue, money=True)


@_function("issue_or_grade", "part", "quantity")
def REFUND_EXPLAIN(issue_or_grade, part, quantity=None):
    """One-line explanation of the refund for an issue or grade and a part, or the reason there
    is none (the message behind #REVIEW/#ERROR), with the rule and policy version."""
    return _cells(cells.explain_cell, issue_or_grade, part, quantity)


@_function()
def POLICY_PARTS():
    """The policy's part names, one per row (spills): for dropdown lists."""
    return _cells(lambda policy: cells.policy_column(policy.latest, "part"))


@_function()
def POLICY_ISSUES():
    """The policy's issue types, one per row (spills): for dropdown lists."""
    return _cells(lambda policy: cells.policy_column(policy.latest, "issue"))


@_function()
def POLICY_GRADES():
    """The policy's grades, one per row (spills): for dropdown lists."""
    return _cells(lambda policy: cells.policy_column(policy.latest, "grade"))


@_function()
def POLICY_VERSION():
    """Id of the policy version the functions use, e.g. {policy_version}."""
    return _cells(lambda policy: cells.fit(policy.latest.id))


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
