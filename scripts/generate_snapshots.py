"""Regenerate tests/cases/refund_matrix.csv: every grade × part × quantity under the bundled policy.

Run after a policy edit and review the diff: it shows every number the edit changes.

    python scripts/generate_snapshots.py
"""

from __future__ import annotations

import csv
from pathlib import Path

from xl_claims.core.engine import decide
from xl_claims.core.model import Claim
from xl_claims.core.policy import load_policy

TARGET = Path(__file__).resolve().parent.parent / "tests" / "cases" / "refund_matrix.csv"
QUANTITIES = (1, 3)


def main() -> None:
    policy = load_policy()
    version = policy.latest
    with open(TARGET, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["grade", "part", "quantity", "status", "refund", "rule"])
        for grade in version.grades:
            for part in version.parts:
                for quantity in QUANTITIES:
                    decision = decide(Claim(grade=grade, part=part, quantity=quantity), policy)
                    refund = "" if decision.refund is None else str(decision.refund)
                    writer.writerow([grade, part, quantity, decision.status, refund, decision.rule])
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
