"""Worksheet-cell conventions for the Excel functions, without Excel.

Excel hands a function a single value, a 1-D list (a column, when xlwings is not asked for
``ndim=2``) or a 2-D list (rows of cells); numbers arrive as floats and empty cells as None. This
module broadcasts such arguments like Excel does (a scalar or a one-row/one-column range is
repeated along the other arguments), decides each distinct line once, and turns a decision into
what a cell shows: a float for a refund, ``#REVIEW: …`` / ``#ERROR: …`` text for anything that is
not a number. ``udfs.py`` (desktop Excel through xlwings) and the generated xlwings Lite
``main.py`` are thin wrappers over these functions, so both compute the same cells.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from itertools import count, repeat
from operator import itemgetter

from xl_claims.core.bulk import paused_gc
from xl_claims.core.engine import REVIEW_TEXTS, decide, error_decision
from xl_claims.core.errors import ShapeError, UnknownNameError
from xl_claims.core.model import Claim, Decision, Status
from xl_claims.core.policy import Policy, PolicyVersion
from xl_claims.core.values import is_blank

REVIEW_PREFIX = "#REVIEW: "
ERROR_PREFIX = "#ERROR: "

#: What ISSUE_GRADE shows for issues the policy does not grade, by outcome.
UNGRADED_ISSUE_TEXTS = {"not_covered": "Not covered", "discount": "Discount"}

#: Excel's limit for a text in an array a VBA function returns: one longer string turns the whole
#: array into #VALUE! (xlwings issues #456, #869), and xlwings returns every result as an array.
MAX_TEXT = 255
_QUOTED = re.compile(r"'([^']*)'")
_RULE_SUFFIX = re.compile(r" \[rule [^\]]*\]$")
_SHORTEST_QUOTE = 20

#: Excel's error values as xlwings hands them over with ``err_to_str=True`` (and xlwings Lite).
ERROR_VALUE_TEXTS = frozenset(
    {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!"}
    | {"#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"}
)
#: Error values that xlwings does not name arrive as COM's code: 0x800A0000 + Excel's number.
_COM_ERROR_BASE = -2146828288
COM_ERROR_NAMES = {
    2000: "#NULL!",
    2007: "#DIV/0!",
    2015: "#VALUE!",
    2023: "#REF!",
    2029: "#NAME?",
    2036: "#NUM!",
    2042: "#N/A",
    2043: "#GETTING_DATA",
    2045: "#SPILL!",
    2046: "#CONNECT!",
    2047: "#BLOCKED!",
    2048: "#UNKNOWN!",
    2049: "#FIELD!",
    2050: "#CALC!",
}

_NUMBER_STATUSES = (Status.OK, Status.NOT_COVERED)


def fit(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` in at most ``limit`` characters, the reason and the rule id still readable.

    What makes a message long is the value typed (a free-text issue echoed in quotes), so the
    longest quoted value is shortened first; a ``[rule …]`` ending is always kept.
    """
    if len(text) <= limit:
        return text
    found = _RULE_SUFFIX.search(text)
    suffix = found.group(0) if found else ""
    body, budget = text[: len(text) - len(suffix)], limit - len(suffix)
    while len(body) > budget:
        quoted = max(_QUOTED.finditer(body), key=lambda m: len(m.group(1)), default=None)
        if quoted is None or len(quoted.group(1)) <= _SHORTEST_QUOTE + 1:
            break
        keep = max(_SHORTEST_QUOTE, len(quoted.group(1)) - (len(body) - budget) - 1)
        body = f"{body[: quoted.start(1)]}{quoted.group(1)[:keep].rstrip()}…{body[quoted.end(1) :]}"
    if len(body) > budget:
        body = body[: budget - 1].rstrip() + "…"
    return body + suffix


def cell_value(decision: Decision) -> float | str:
    """What a refund cell shows: the refund as a float, or a short ``#REVIEW``/``#ERROR`` text."""
    if decision.status in _NUMBER_STATUSES and decision.refund is not None:
        return float(decision.refund)
    if decision.status is Status.ERROR:
        return error_text(decision.explanation)
    return fit(REVIEW_PREFIX + REVIEW_TEXTS.get(decision.rule, decision.explanation))


def explanation_text(decision: Decision) -> str:
    """The one-line explanation, with the status in front when it is not OK and the rule after."""
    text = decision.explanation
    if decision.status is not Status.OK:
        text = f"{decision.status}: {text}"
    return fit(f"{text} [rule {decision.rule}, policy {decision.policy_version}]")


def error_text(message: str) -> str:
    return fit(ERROR_PREFIX + message)


def error_value_name(value: object) -> str | None:
    """``#N/A`` when ``value`` is Excel's error value #N/A (as text or as COM's code); else None."""
    if type(value) is str:
        return value if value in ERROR_VALUE_TEXTS else None
    if type(value) is int:
        return COM_ERROR_NAMES.get(value - _COM_ERROR_BASE)
    return None


def as_error_value(value: object) -> object:
    """``#REVIEW: …`` → ``#N/A``, ``#ERROR: …`` → ``#VALUE!``: what xlwings Lite shows as errors."""
    if isinstance(value, str):
        if value.startswith(REVIEW_PREFIX):
            return "#N/A"
        if value.startswith(ERROR_PREFIX):
            return "#VALUE!"
    return value


def _refuses_error_values(explain: bool = False):
    """A cell function that names the argument holding an error value instead of deciding.

    xlwings would pass an input #N/A on as an empty cell (so a line of #N/A inputs came out
    blank, skipped by SUM); with ``err_to_str`` it arrives as ``"#N/A"`` and is refused here.
    """

    def decorate(compute):
        names = list(inspect.signature(compute).parameters)[1:]  # after ``policy``

        @functools.wraps(compute)
        def cell(policy, *values):
            for name, value in zip(names, values, strict=False):
                shown = error_value_name(value)
                if shown is not None:
                    message = f"Argument {name} is the error value {shown}: correct that cell."
                    return fit("ERROR: " + message) if explain else error_text(message)
            return compute(policy, *values)

        return cell

    return decorate


# --- one line ---------------------------------------------------------------------------------


@_refuses_error_values()
def refund_cell(policy: Policy, grade, part, quantity=None) -> float | str | None:
    if is_blank(grade) and is_blank(part):
        return None
    return cell_value(decide(Claim(grade=grade, part=part, quantity=quantity), policy))


@_refuses_error_values()
def claim_refund_cell(
    policy: Policy, issue, part, grade=None, quantity=None, value_override=None
) -> float | str | None:
    decision = _claim_line(policy, Claim(issue, part, grade, quantity, value_override))
    return None if decision is None else cell_value(decision)


@_refuses_error_values(explain=True)
def claim_explain_cell(
    policy: Policy, issue, part, grade=None, quantity=None, value_override=None
) -> str | None:
    decision = _claim_line(policy, Claim(issue, part, grade, quantity, value_override))
    return None if decision is None else explanation_text(decision)


def _claim_line(policy: Policy, claim: Claim) -> Decision | None:
    """CLAIM_REFUND's and CLAIM_EXPLAIN's line decided; None for an empty line (an empty cell)."""
    if is_blank(claim.issue) and is_blank(claim.part) and is_blank(claim.grade):
        return None
    return decide(claim, policy)


@_refuses_error_values(explain=True)
def explain_cell(policy: Policy, issue_or_grade, part, quantity=None) -> str | None:
    if is_blank(issue_or_grade) and is_blank(part):
        return None
    return explanation_text(decide_issue_or_grade(policy, issue_or_grade, part, quantity))


def decide_issue_or_grade(policy: Policy, issue_or_grade, part, quantity=None) -> Decision:
    """Decide a line whose first value is a grade (Low, H…) or an issue (Breakage, Painting…)."""
    version = policy.latest
    if is_blank(issue_or_grade):
        return decide(Claim(part=part, quantity=quantity), policy)
    for kind in ("grade", "issue"):
        try:
            getattr(version, kind)(issue_or_grade)
        except UnknownNameError:
            continue
        claim = Claim(part=part, quantity=quantity, **{kind: issue_or_grade})
        return decide(claim, policy)
    suggestions = version.suggestions(issue_or_grade, "grade", "issue")
    error = UnknownNameError("issue or grade", issue_or_grade, suggestions)
    return error_decision(version, "error.unknown-issue", str(error))


@_refuses_error_values()
def rate_cell(policy: Policy, grade) -> float | str | None:
    return _policy_number(grade, lambda name: policy.latest.grade(name).rate, "grade")


@_refuses_error_values()
def part_value_cell(policy: Policy, part) -> float | str | None:
    return _policy_number(part, lambda name: policy.latest.part(name).max_value, "value")


def _policy_number(
    name: object, find: Callable[[object], Decimal | None], depends: str
) -> float | str | None:
    """A number of the policy (a grade's rate, a part's max value) as a cell shows it: the
    number, ``#REVIEW`` where the policy says Depends, ``#ERROR`` for an unknown name."""
    if is_blank(name):
        return None
    try:
        number = find(name)
    except UnknownNameError as exc:
        return error_text(str(exc))
    if number is None:
        return REVIEW_PREFIX + REVIEW_TEXTS[f"review.{depends}-depends"]
    return float(number)


@_refuses_error_values()
def issue_grade_cell(policy: Policy, issue) -> str | None:
    if is_blank(issue):
        return None
    try:
        found = policy.latest.issue(issue)
    except UnknownNameError as exc:
        return error_text(str(exc))
    if found.grade is None:
        return fit(UNGRADED_ISSUE_TEXTS.get(found.outcome, found.outcome))
    return fit(found.grade)


def policy_column(version: PolicyVersion, kind: str) -> list[list[str]]:
    """A policy's canonical names as one spilled column (a 2-D list, one name per row)."""
    return [[fit(name)] for name in version.names(kind)]


# --- ranges -----------------------------------------------------------------------------------


def map_cells(compute: Callable[..., object], *args: object) -> object:
    """Apply ``compute`` cell by cell over scalars, 1-D lists and 2-D lists, broadcasting.

    The result has the arguments' shape: a scalar for scalars, a 1-D list when the largest
    argument is 1-D (read as a column), a 2-D list when any argument is 2-D. Each distinct
    combination of values is computed once per call, so a 100,000-row column of a few hundred
    distinct lines costs a few hundred decisions plus dictionary look-ups.
    """
    ndims = [_ndim(a) for a in args]
    top = max(ndims, default=0)
    if top == 0:
        return compute(*args)
    single = _single_cell(args)
    if single is not None:  # one cell, as xlwings passes it with ndim=2: no range machinery
        value = compute(*single)
        return [[value]] if top == 2 else [value]
    grids = [_as_grid(a, d) for a, d in zip(args, ndims, strict=True)]
    rows = _size(grids, lambda g: len(g), "rows")
    cols = _size(grids, lambda g: len(g[0]) if g else 1, "columns")
    wrap = top == 2 and cols == 1  # a column: each result is its own one-cell row
    with paused_gc():
        columns = [_map_column(compute, grids, c, rows, wrap) for c in range(cols)]
    if top == 1 or wrap:
        return columns[0] if columns else []
    return [list(row) for row in zip(*columns, strict=True)]


def _map_column(compute, grids, c: int, rows: int, wrap: bool) -> list:
    """One output column: each distinct line computed once, every row a look-up.

    ``index.setdefault(line, row)`` numbers each distinct line by the first row it is on, in
    one C-level pass that keeps only the distinct lines; each row then picks its result by
    that number.
    """
    index: dict = {}
    try:
        codes = list(map(index.setdefault, _lines(grids, c, rows), count()))
    except TypeError:  # an unhashable value: compute row by row
        values = [compute(*line) for line in _lines(grids, c, rows)]
        return [[v] for v in values] if wrap else values
    results: list = [None] * rows
    for line, first in index.items():
        value = compute(*line)
        # Rows with the same line share one (read-only) result row: xlwings copies them.
        results[first] = [value] if wrap else value
    return list(map(results.__getitem__, codes))


def _lines(grids, c: int, rows: int):
    """Each row's arguments for output column ``c`` (sizes already checked by ``_size``)."""
    return zip(*(_column(g, c, rows) for g in grids))  # noqa: B905


def _single_cell(args) -> list | None:
    """The values when every argument is one cell (x, [x] or [[x]]); else None."""
    values = []
    for arg in args:
        if isinstance(arg, list | tuple):
            if len(arg) != 1:
                return None
            arg = arg[0]
            if isinstance(arg, list | tuple):
                if len(arg) != 1:
                    return None
                arg = arg[0]
        values.append(arg)
    return values


def _ndim(value: object) -> int:
    if isinstance(value, list | tuple):
        return 2 if value and isinstance(value[0], list | tuple) else 1
    return 0


def _as_grid(value: object, ndim: int) -> Sequence[Sequence[object]]:
    if not isinstance(value, list | tuple):
        return [[value]]
    if ndim == 1:
        return [[v] for v in value]  # a 1-D list is a column
    return value


def _size(grids, measure, what: str) -> int:
    sizes = {measure(g) for g in grids}
    sizes.discard(1)
    if len(sizes) > 1:
        ranges = [g for g in grids if len(g) != 1 or len(g[0]) != 1]
        shown = " and ".join(f"{len(g)}×{len(g[0]) if g else 0}" for g in ranges)
        raise ShapeError(f"Ranges of different sizes ({shown}): give ranges with the same {what}.")
    return sizes.pop() if sizes else 1


def _column(grid, c: int, rows: int):
    width = len(grid[0]) if grid else 0
    if len(grid) == 1:
        return repeat(grid[0][c if width > 1 else 0], rows)
    return map(itemgetter(c if width > 1 else 0), grid)
