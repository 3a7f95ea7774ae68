"""Regenerate the committed decision snapshots under the bundled policy:

- ``tests/cases/refund_matrix.csv``: every grade × part × quantity (1 and 3);
- ``tests/cases/claim_matrix.csv``: every issue × part × grade (no grade, then each grade).

Run after a policy edit and review the diff: it shows every number the edit changes.

    python scripts/generate_snapshots.py
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from xl_claims.core.engine import decide
from xl_claims.core.model import Claim, Decision
from xl_claims.core.policy import Policy, load_policy

CASES = Path(__file__).resolve().parent.parent / "tests" / "cases"
QUANTITIES = (1, 3)


def refund_matrix(policy: Policy) -> Iterator[list[object]]:
    yield ["grade", "part", "quantity", "status", "refund", "rule"]
    version = policy.latest
    for grade in version.grades:
        for part in version.parts:
            for quantity in QUANTITIES:
                decision = decide(Claim(grade=grade, part=part, quantity=quantity), policy)
                yield [grade, part, quantity, decision.status, _money(decision), decision.rule]


def claim_matrix(policy: Policy) -> Iterator[list[object]]:
    yield ["issue", "part", "grade", "status", "refund", "resolution", "rule"]
    version = policy.latest
    for issue in version.issues:
        for part in version.parts:
            for grade in ["", *version.grades]:
                decision = decide(Claim(issue=issue, part=part, grade=grade or None), policy)
                resolution = "" if decision.resolution is None else decision.resolution
                row = [issue, part, grade, decision.status, _money(decision), resolution]
                yield [*row, decision.rule]


def _money(decision: Decision) -> str:
    return "" if decision.refund is None else str(decision.refund)


def main() -> None:
    policy = load_policy()
    for name, rows in (
        ("refund_matrix.csv", refund_matrix(policy)),
        ("claim_matrix.csv", claim_matrix(policy)),
    ):
        with open(CASES / name, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
        print(f"wrote {CASES / name}")


if __name__ == "__main__":
    main()
