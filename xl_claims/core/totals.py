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
        self._determined: set[str] = set()

    def add(self, label: object, *amounts: Decimal | None, lines: int = 1) -> None:
        """Count ``lines`` lines (one, or many equal lines at once: then ``amounts`` are their
        sums) under ``label``."""
        key = NONE_LABEL if label is None or label == "" else str(label)
        entry = self._groups.get(key)
        if entry is None:
            entry = self._groups[key] = [0, *([ZERO] * self.columns)]
        entry[0] += lines
        for index, amount in enumerate(amounts, start=1):
            if amount is not None:
                entry[index] += amount
                if index == 1:
                    self._determined.add(key)

    def add_totals(self, other: GroupTotals) -> None:
        """Add another accumulator's groups (a file's totals into the run's)."""
        for label, entry in other._groups.items():
            mine = self._groups.get(label)
            if mine is None:
                self._groups[label] = list(entry)
            else:
                for index, value in enumerate(entry):
                    mine[index] += value
        self._determined |= other._determined

    def determined(self, label: str) -> bool:
        """Whether any line of ``label`` had a first amount (a refund), or all were None (REVIEW,
        ERROR: the total is then undetermined, not zero)."""
        return label in self._determined

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
