"""The one group-by with totals: lines and exact ``Decimal`` sums per label, in one pass.

The Summary sheet's totals by grade, part, issue and resolution, the weekly run's per-file
totals and the reconciliation report's pivots all come from here, so a table's total is always
the sum of its rows, to the cent.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from xl_claims.core.money import ZERO

#: The label of lines with no value for the key (no grade, no part): listed last.
NONE_LABEL = "(none)"


class GroupTotals:
    """Per label: the number of lines and ``columns`` Decimal sums (None adds nothing)."""

    def __init__(self, columns: int = 1):
        self.columns = columns
        self._groups: dict[str, list] = {}

    def add(self, label: object, *amounts: Decimal | None) -> None:
        key = NONE_LABEL if label is None or label == "" else str(label)
        entry = self._groups.get(key)
        if entry is None:
            entry = self._groups[key] = [0, *([ZERO] * self.columns)]
        entry[0] += 1
        for index, amount in enumerate(amounts, start=1):
            if amount is not None:
                entry[index] += amount

    def rows(self, order: Sequence[str] = ()) -> list[tuple]:
        """``(label, lines, *sums)`` per label: labels in ``order`` first (the policy's grades),
        then the others alphabetically, ``(none)`` last."""
        rank = {name: index for index, name in enumerate(order)}
        return sorted(
            ((label, *entry) for label, entry in self._groups.items()),
            key=lambda row: (row[0] == NONE_LABEL, rank.get(row[0], len(rank)), row[0].casefold()),
        )

    def total(self) -> tuple:
        """``(lines, *sums)`` over every label: the sum of the rows, exactly."""
        lines = sum(entry[0] for entry in self._groups.values())
        sums = [
            sum((entry[i] for entry in self._groups.values()), ZERO)
            for i in range(1, self.columns + 1)
        ]
        return (lines, *sums)

    def __len__(self) -> int:
        return len(self._groups)
