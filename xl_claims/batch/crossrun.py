"""The claims ledger's part in deciding one sheet of a weekly run (``process --ledger``).

Next to the in-run duplicate rule (``SheetRun``), a line whose claim id and part were decided in
an earlier run is judged against that decision (``ledger.rules``): DUPLICATE, or REVIEW when what
is decided now differs, never a second refund. Every line goes to the ledger as it is written:
the lines decided alike (one ``_Entry`` of ``SheetRun``) share one decision row, and the standing
lines of the claim ids about to be decided are read at once (``look_ahead``), so the ledger costs
a few microseconds a line, not a query each.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from xl_claims.core.errors import ClaimsError
from xl_claims.core.table import part_key
from xl_claims.core.values import cell_text, parse_date
from xl_claims.ledger import CHANGED_RULE, DUPLICATE_RULE, FileRecord, LedgerRun, Verdict
from xl_claims.workbook.claimrows import ClaimFields

#: Rows of lines without a claim id named in the warning (then "…").
NAMED_ROWS = 10
_DATES_KEPT = 10_000
_UNREAD = object()  # a date not met yet


class DecidedLine(Protocol):
    """What the ledger reads of a ``SheetRun`` entry (one distinct decided line)."""

    labels: tuple[str, str, str, str, str]  # status, grade, part, issue, resolution
    part_key: object
    reason: str
    ledger_id: int | None

    @property
    def refund(self): ...

    @property
    def policy_version(self) -> str: ...

    @property
    def rule(self) -> str: ...


class CrossRun:
    """One sheet's cross-run check and recording; counts what the ledger changed."""

    def __init__(self, record: FileRecord, fields: ClaimFields, currency: str):
        self.record = record
        self.fields = fields
        self.currency = currency
        self.value = fields.reader.value
        self.decode = fields.reader.decode
        self.fills = fields.fills
        self.order_letters = fields.letters.get("order")
        self.dates: dict[object, str | None] = {}
        self.duplicates = 0  # lines the ledger made DUPLICATE
        self.changes = 0  # lines the ledger made REVIEW (changed since an earlier run)
        self.without_id: list[int] = []  # rows of lines without a claim id (the first few)
        self.without_id_count = 0
        # False: the ledger holds no line of an earlier run (a new one): nothing to look up
        self.looks_up = record.run.earlier_lines

    def prefetch(self, claim_keys: list[str]) -> None:
        """Read the standing lines of these claim ids (about to be decided) at once."""
        self.record.prefetch(claim_keys)

    def check(self, key: tuple[str, str], row: int, entry: DecidedLine) -> Verdict | None:
        """The cross-run verdict for a line that is no in-run duplicate (None: no line of its
        claim and part counts in the ledger); counted when it changes the line."""
        record = self.record
        if not self.looks_up or (key[0] in record.covered and key not in record.standing):
            return None  # read ahead and not in the ledger: most lines of a week
        labels = entry.labels
        verdict = record.check(key, row, labels[0], entry.refund, labels[4] or None)
        if verdict is not None:
            if verdict.rule == DUPLICATE_RULE:
                self.duplicates += 1
            elif verdict.rule == CHANGED_RULE:
                self.changes += 1
        return verdict

    def add(
        self,
        row: int,
        cells: dict[bytes, bytes],
        raw_date: bytes | None,
        claim_id: str | None,
        key: tuple[str, str] | None,
        entry: DecidedLine,
        verdict: Verdict | None = None,
        changed: tuple[str, str, str, int | None] | None = None,
    ) -> None:
        """Record a line as decided (``verdict``: the standing line it was judged against), or,
        with ``changed`` = (status, explanation, rule, earlier line), as made DUPLICATE (in this
        run, or by the ledger) or REVIEW: then it has no refund and does not count."""
        if changed is not None:
            status, explanation, rule, then = changed
            labels = entry.labels
            own = self._decision(
                entry, status, *labels[1:4], "", None, explanation=explanation, rule=rule
            )
            self._append(row, cells, raw_date, claim_id, key, own, False, then)
            return
        decision = entry.ledger_id
        if decision is None:
            decision = entry.ledger_id = self._decision(entry, *entry.labels, entry.refund)
        if verdict is None:
            self._append(row, cells, raw_date, claim_id, key, decision, True, None)
        else:
            counts, earlier = verdict.counts, verdict.earlier_line
            self._append(row, cells, raw_date, claim_id, key, decision, counts, earlier)

    def _append(self, row, cells, raw_date, claim_id, key, decision, counts, earlier) -> None:
        """The line into the recording's batch, with its order and claim date as text. Runs for
        every line of the run: written for speed (``FileRecord.add`` inlined)."""
        if key is None:
            self._without_id(row)
        date = self.dates.get(raw_date, _UNREAD)
        if date is _UNREAD:
            date = self._date(raw_date)
        order = None
        if self.order_letters is not None:
            raw = cells.get(self.order_letters)
            if self.fills and row in self.fills:
                raw = self.fields.raw(row, cells, "order")
            if raw is not None:
                value = self.decode(raw)
                order = (value.strip() or None) if type(value) is str else cell_text(value)
        record = self.record
        values = record.values
        values += (row, claim_id, None if key is None else key[0], order, date, decision, counts,
                   earlier)  # fmt: skip
        if len(values) >= record.limit:
            record.flush()

    def _decision(
        self, entry: DecidedLine, status, grade, part, issue, resolution, refund, **changed
    ) -> int:
        return self.record.decision(
            issue or None,
            part or None,
            part_key(entry.part_key),
            grade or None,
            resolution or None,
            status,
            refund,
            self.currency,
            changed.get("rule", entry.rule),
            entry.policy_version,
            changed.get("explanation", entry.reason),
        )

    def _without_id(self, row: int) -> None:
        self.without_id_count += 1
        if len(self.without_id) < NAMED_ROWS:
            self.without_id.append(row)

    def _date(self, raw: bytes | None) -> str | None:
        """The claim date as ISO text (None when empty or unreadable: the line says so)."""
        try:
            date = parse_date(self.value(raw))
        except ClaimsError:
            date = None
        if len(self.dates) > _DATES_KEPT:
            self.dates.clear()
        iso = self.dates[raw] = None if date is None else date.isoformat()
        return iso

    def warnings(self) -> list[str]:
        """A file recorded before (same SHA-256), and lines that cannot be checked across runs."""
        found = []
        if self.record.recorded_in is not None:
            found.append(
                f"Already recorded in the ledger by run {self.record.recorded_in} (same "
                "SHA-256): its lines are recognised as themselves and not counted again."
            )
        if self.without_id_count:
            rows = ", ".join(str(row) for row in self.without_id)
            more = ", …" if self.without_id_count > NAMED_ROWS else ""
            found.append(
                f"{self.without_id_count} line(s) without a claim id (rows {rows}{more}) are "
                "recorded in the ledger but cannot be checked against earlier runs."
            )
        return found

    def counts(self) -> dict[str, int]:
        return {
            "cross_run_duplicates": self.duplicates,
            "cross_run_changes": self.changes,
            "lines_without_claim_id": self.without_id_count,
        }


def ledger_pairs(run: LedgerRun | None, counts: dict[str, int]) -> tuple[tuple[str, object], ...]:
    """The Summary sheet's ledger rows: which file and run, and what the ledger changed."""
    if run is None:
        return ()
    return (
        ("Ledger", str(run.ledger.path)),
        ("Ledger run", run.id),
        ("Cross-run duplicates", counts.get("cross_run_duplicates", 0)),
        ("Cross-run changes (REVIEW)", counts.get("cross_run_changes", 0)),
        ("Lines without claim id", counts.get("lines_without_claim_id", 0)),
    )


def add_counts(total: dict[str, int], counts: dict[str, int]) -> None:
    for name, value in counts.items():
        total[name] = total.get(name, 0) + value


def run_options(
    items: Sequence[object], output, output_dir, sheet, header_map, in_place, force, policy
) -> dict:
    """The options a run records in the ledger when the caller gives none (the command line
    gives its own)."""
    return {
        "inputs": [str(item) for item in items],
        "output": None if output is None else str(output),
        "output_dir": None if output_dir is None else str(Path(output_dir)),
        "sheet": sheet,
        "map": {k: list(v) for k, v in (header_map or {}).items()},
        "in_place": in_place,
        "force": force,
        "policy": policy.path,
    }


__all__ = ["NAMED_ROWS", "CrossRun", "DecidedLine", "add_counts", "ledger_pairs", "run_options"]
