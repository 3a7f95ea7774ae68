"""Claim rows: the one rule for reading them and the one rule for deciding them.

The batch (streamed workbook rows), the Excel button (a sheet's used range) and reconciliation
all read rows with ``claim_rows`` and decide them with ``RowDecider``, so a merged claim id, a
blank line or a claim line exported twice means the same everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from xl_claims.core.cache import DecisionCache
from xl_claims.core.digestmap import DigestMap, digest
from xl_claims.core.model import Decision, Status
from xl_claims.core.policy import Policy
from xl_claims.core.table import HeaderMatch, computed_values, decide_values, duplicate_key
from xl_claims.core.values import cell_text, is_blank

#: Fields filled down from the top cell of a merged range (one claim over several part lines).
MERGE_FILLED = ("claim_id", "order", "date")
#: A merged range as 1-based (first row, first column, last row, last column).
Merge = tuple[int, int, int, int]


@dataclass
class ClaimRow:
    """One sheet row below the header: its field values, or ``blank`` (kept, never decided)."""

    row: int  # 1-based sheet row number
    values: dict[str, object]  # field → cell value (cached value for formulas), filled down
    blank: bool = False
    stored: dict[str, object] = field(default_factory=dict)  # computed header → value on file


def claim_rows(
    rows: Iterable[tuple[int, Sequence[object]]], match: HeaderMatch, merges: Iterable[Merge] = ()
) -> Iterator[ClaimRow]:
    """The one rule for reading claim rows (batch, button, reconciliation), row by row.

    ``rows`` are ``(sheet row, cells from the table's first column)`` below the header, in order;
    ``merges`` use the same 1-based columns. Claim id, order and date merged down several lines
    take the merged range's top-left value; a row is blank when every cell outside the computed
    block is blank; the computed block's cells on file are kept as ``stored``.
    """
    computed = set(match.computed.values())
    fill = {match.columns[name] for name in MERGE_FILLED if name in match.columns}
    starts: dict[int, list[tuple[int, int, int]]] = {}  # top row → (position, last row, source)
    for first_row, first_col, last_row, last_col in merges:
        for position in fill:
            if first_col <= position + 1 <= last_col and last_row > first_row:
                starts.setdefault(first_row, []).append((position, last_row, first_col - 1))
    active: dict[int, tuple[int, object]] = {}  # position → (last row, value filled down)
    fields = list(match.columns.items())
    for row, cells in rows:
        values: dict[str, object] = {}
        for name, position in fields:
            value = cells[position] if position < len(cells) else None
            if value is None and position in active and row <= active[position][0]:
                value = active[position][1]
            values[name] = value
        for position, last_row, source in starts.pop(row, ()):
            active[position] = (last_row, cells[source] if source < len(cells) else None)
        blank = all(is_blank(v) for i, v in enumerate(cells) if i not in computed)
        stored = {h: cells[p] if p < len(cells) else None for h, p in match.computed.items()}
        yield ClaimRow(row=row, values=values, blank=blank, stored=stored)


@dataclass(frozen=True, slots=True)
class LineRef:
    """Where a claim line is: file name, sheet and 1-based row."""

    file: str
    sheet: str | None
    row: int

    def seen_from(self, other: LineRef) -> str:
        """How ``other`` refers to this line: ``row 3`` in the same sheet, else with the file."""
        if (self.file, self.sheet) == (other.file, other.sheet):
            return f"row {self.row}"
        return f"{self.file} row {self.row}"


class DuplicateTracker:
    """The one duplicate rule (batch, button, reconciliation): the first line of each
    ``duplicate_key`` counts; a later line with the same key is a DUPLICATE of it.

    Memory stays small for a million lines: each key is kept as a 64-bit digest and each first
    line as its sheet's number and row in one 64-bit number (``DigestMap``), not as strings.
    """

    def __init__(self) -> None:
        self._first = DigestMap()
        self._sheets: list[tuple[str, str | None]] = []
        self._sheet_numbers: dict[tuple[str, str | None], int] = {}
        self._forgotten: set[int] = set()
        self._last_file: str | None = None
        self._last_sheet: str | None = None
        self._last_number = 0

    def first_of(self, claim_id: object, part: object, ref: LineRef) -> LineRef | None:
        """The earlier line this one duplicates, or None (then this line is remembered)."""
        return self.first_at(claim_id, part, ref.file, ref.sheet, ref.row)

    def first_at(
        self, claim_id: object, part: object, file: str, sheet: str | None, row: int
    ) -> LineRef | None:
        """``first_of`` for the line at ``file``, ``sheet``, ``row`` (the batch's hot path: no
        ``LineRef`` made for the lines that are no duplicate)."""
        return self.first_for_key(duplicate_key(claim_id, part), file, sheet, row)

    def first_for_key(
        self, key: tuple[str, str] | None, file: str, sheet: str | None, row: int
    ) -> LineRef | None:
        """``first_at`` for a line whose ``duplicate_key`` is known already."""
        if key is None:
            return None
        if file is self._last_file and sheet is self._last_sheet:  # lines come sheet by sheet
            number = self._last_number
        else:
            where = (file, sheet)
            known = self._sheet_numbers.get(where)
            if known is None:
                known = self._sheet_numbers[where] = len(self._sheets)
                self._sheets.append(where)
            number = known
            self._last_file, self._last_sheet, self._last_number = file, sheet, number
        place = (number << 32) | row
        key_digest = digest(key)
        first = self._first.setdefault(key_digest, place)
        if first == place:
            return None
        if first >> 32 in self._forgotten:  # its file failed: this line is the first now
            self._first.put(key_digest, place)
            return None
        first_file, first_sheet = self._sheets[first >> 32]
        return LineRef(first_file, first_sheet, first & 0xFFFFFFFF)

    def forget(self, file: str) -> None:
        """Lines of ``file`` no longer count as firsts (the file failed and has no output)."""
        self._forgotten.update(n for (f, _), n in self._sheet_numbers.items() if f == file)


def duplicate_reason(first: LineRef, ref: LineRef, claim_id: object, part: object) -> str:
    return (
        f"Duplicate of {first.seen_from(ref)} (claim {cell_text(claim_id) or ''}, part "
        f"{cell_text(part) or ''}): counted once there. [rule duplicate]"
    )


def duplicate_values(values: tuple, reason: str, status: str = str(Status.DUPLICATE)) -> tuple:
    """The eight computed cells of a duplicate line: no refund, no resolution, DUPLICATE (or the
    status the claims ledger gives a line decided in an earlier run)."""
    return (*values[:3], None, None, status, reason, values[7])


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """A decided row: the engine's decision, the eight computed cells as written, and the earlier
    line it duplicates (then its status is DUPLICATE and it has no refund)."""

    decision: Decision
    values: tuple
    duplicate_of: LineRef | None = None

    @property
    def status(self) -> str:
        return str(Status.DUPLICATE) if self.duplicate_of else str(self.decision.status)

    @property
    def refund(self):
        return None if self.duplicate_of else self.decision.refund


class RowDecider:
    """Decide claim rows as the weekly batch does: each distinct line once (``DecisionCache``),
    the first line of a claim id and part counts, a later one is a DUPLICATE of it."""

    def __init__(
        self,
        policy: Policy,
        tracker: DuplicateTracker | None = None,
        cache: DecisionCache | None = None,
    ):
        self.policy = policy
        self.tracker = tracker if tracker is not None else DuplicateTracker()
        self.cache = cache if cache is not None else DecisionCache(policy)
        self._cells: dict[Decision, tuple] = {}  # equal decisions share one tuple of cells

    def decide(self, row: ClaimRow, ref: LineRef) -> RowOutcome:
        decision = decide_values(row.values, self.policy, self.cache.decide)
        values = self._cells.get(decision)
        if values is None:
            values = self._cells[decision] = computed_values(decision)
        claim_id = row.values.get("claim_id")
        part = decision.part or row.values.get("part")
        first = self.tracker.first_of(claim_id, part, ref)
        if first is None:
            return RowOutcome(decision, values)
        reason = duplicate_reason(first, ref, claim_id, part)
        return RowOutcome(decision, duplicate_values(values, reason), first)
