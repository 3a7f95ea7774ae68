"""The policy as a flat table, for ``xl-claims policy show`` (table, CSV or JSON)."""

from __future__ import annotations

from xl_claims.core.policy import PolicyVersion

#: The columns of ``policy_rows`` (``xl-claims policy show``).
POLICY_COLUMNS = ("table", "name", "value", "detail")


def policy_rows(version: PolicyVersion) -> list[tuple[str, str, str, str]]:
    """The policy version as flat rows: grades (rate), issues (grade or outcome), parts (value)."""
    rows = []
    for grade in version.grades.values():
        rows.append(
            ("grade", grade.name, _depends_or(grade.rate), _aliases(version, "grade", grade.name))
        )
    for issue in version.issues.values():
        value = issue.grade or "" if issue.outcome == "refund" else issue.outcome.replace("_", " ")
        if issue.outcome == "discount":
            value = f"discount {_depends_or(issue.discount_rate)}"
        detail = _aliases(version, "issue", issue.name)
        if issue.value_part:
            detail = f"priced by '{issue.value_part}'; {detail}"
        rows.append(("issue", issue.name, value, detail))
    for part in version.parts.values():
        detail = _aliases(version, "part", part.name)
        rows.append(("part", part.name, _depends_or(part.max_value), detail))
    return rows


def _depends_or(value) -> str:
    return "Depends" if value is None else str(value)


def _aliases(version: PolicyVersion, kind: str, name: str) -> str:
    spellings = version.aliases[kind].get(name, [])
    return "aliases: " + ", ".join(spellings) if spellings else ""
