"""The function wizard's texts, with every grade, rate, part and issue taken from the policy.

Excel's Insert Function dialog shows a description for each worksheet function and each
argument. Those that name policy things ("Low, Medium or High", "0.25 for Low", "40 for High and
'Head sculpt w/ special functions'") are templates here, filled from the policy version the
functions use, so that a policy change reaches the wizard as it reaches the numbers. xlwings
reads the filled texts (``__doc__`` and ``xw.arg(doc=...)``) and so does the committed VBA
module's registration procedure. Excel cuts each text at 255 characters; they stay shorter.
"""

from __future__ import annotations

from decimal import Decimal

from xl_claims.core.names import join_or, normalize_name
from xl_claims.core.policy import ABBREVIATION_LENGTH, DEPENDS, PolicyVersion
from xl_claims.excel.cells import UNGRADED_ISSUE_TEXTS

#: Argument descriptions, by the argument's name (``claim_grade`` is CLAIM_REFUND's ``grade``).
ARG_TEMPLATES = {
    "grade": "{grades}{abbreviations}; a cell or a column. {depends_grades} gives #REVIEW.",
    "part": "Part name as in the policy's table, e.g. {example_part}; a cell or a column.",
    "quantity": "Optional. Number of pieces, a whole number of 1 or more; empty means 1.",
    "issue": "Issue type, e.g. {issue_examples}; a cell or a column.",
    "claim_grade": "Optional. Staff's grade ({grades}); overrides the issue's grade, needed "
    "when the issue's grade is {depends_grades}.",
    "value_override": "Optional. Max value to use instead of the part's, needed when the part's "
    "value is {depends} ({depends_parts}).",
    "issue_or_grade": "An issue type ({issue_examples}) or a grade ({grades}).",
}

#: The words used when the policy file cannot be read (the cells then show why).
_UNKNOWN_POLICY_WORDS = {
    "grades": "a grade of the policy",
    "abbreviations": "",
    "depends_grades": DEPENDS,
    "depends": DEPENDS,
    "rates": "as the policy sets",
    "example_part": "a part of the policy's table",
    "example_value": "its max value",
    "example_refund": "rate × max value",
    "depends_parts": "as the policy says",
    "issue_examples": "an issue of the policy",
    "issue_grades": "the policy's grades",
    "policy_version": "the policy's version id",
}


def _number(value: Decimal) -> str:
    """0.50 → 0.5, 40.00 → 40: how Excel shows the number."""
    return f"{value.normalize():f}"


def _shortest_spelling(version: PolicyVersion, kind: str, name: str) -> str:
    spellings = [name, *version.aliases[kind].get(name, [])]
    words = [s for s in spellings if len(normalize_name(s)) > ABBREVIATION_LENGTH] or spellings
    return min(words, key=len)


def policy_words(version: PolicyVersion | None) -> dict[str, str]:
    """The policy's names and numbers as the wizard texts use them."""
    if version is None:
        return dict(_UNKNOWN_POLICY_WORDS)
    rated = [g for g in version.grades.values() if g.rate is not None]
    abbreviations = [
        min(short, key=len)
        for short in (
            [a for a in version.aliases["grade"].get(g.name, []) if len(a) <= ABBREVIATION_LENGTH]
            for g in rated
        )
        if short
    ]
    valued = [p for p in version.parts.values() if p.max_value is not None]
    top = max(rated, key=lambda g: g.rate or 0, default=None)
    example = max(valued, key=lambda p: p.max_value or 0, default=None)
    refund = (
        top.rate * example.max_value
        if top and example and top.rate is not None and example.max_value is not None
        else None
    )
    graded_issues = [i.name for i in version.issues.values() if i.outcome == "refund"][:3]
    ungraded = sorted({i.outcome for i in version.issues.values() if i.grade is None})
    ungraded_text = ", ".join(UNGRADED_ISSUE_TEXTS.get(o, o) for o in ungraded)
    return {
        "grades": join_or(g.name for g in rated),
        "abbreviations": f" (or {'/'.join(abbreviations)})" if abbreviations else "",
        "depends_grades": join_or(g.name for g in version.grades.values() if g.rate is None)
        or DEPENDS,
        "depends": DEPENDS,
        "rates": ", ".join(f"{_number(g.rate)} for {g.name}" for g in rated if g.rate is not None),
        "example_part": example.name if example else "",
        "example_value": _number(example.max_value)
        if example and example.max_value is not None
        else "",
        "example_refund": f'{_number(refund)} for {top.name} and "{example.name}"'
        if refund is not None and top and example
        else "",
        "depends_parts": join_or(p.name for p in version.parts.values() if p.max_value is None),
        "issue_examples": join_or(_shortest_spelling(version, "issue", n) for n in graded_issues),
        "issue_grades": join_or(version.names("grade"))
        + (f" ({ungraded_text} for the issues the policy does not grade)" if ungraded else ""),
        "policy_version": version.id,
    }


def fill(template: str, words: dict[str, str]) -> str:
    """A wizard text from its template: the policy's words in, folded to one line."""
    return " ".join(template.format(**words).split())


def argument_docs(words: dict[str, str]) -> dict[str, str]:
    return {name: fill(template, words) for name, template in ARG_TEMPLATES.items()}
