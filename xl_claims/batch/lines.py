"""Deciding the claim lines of one sheet in a weekly run: each distinct line once, duplicates,
totals, and every line spilled to a temporary file (``batch.store``).

Memory does not grow with the number of lines: equal lines (the same raw cells for the fields a
decision depends on) share one decision and one template of computed cells; totals are counted per
distinct line and added to the group-by totals in bulk; every line goes to a spill file, from which
the Summary's "rows to check" and ``iter_lines`` read it back.
"""

from __future__ import annotations

from collections.abc import Callable

from xl_claims.batch.crossrun import CrossRun
from xl_claims.batch.store import Spill, Totals
from xl_claims.core.engine import PRICE_RULES, error_decision
from xl_claims.core.errors import ClaimsError
from xl_claims.core.model import Decision, ReadsDecision, Status
from xl_claims.core.policy import Policy
from xl_claims.core.rows import DuplicateTracker, LineRef, duplicate_reason, duplicate_values
from xl_claims.core.table import computed_values, decide_values, duplicate_key, part_key
from xl_claims.core.values import cell_text, id_key, is_blank, parse_date
from xl_claims.workbook.block import BlockCells
from xl_claims.workbook.claimrows import DECISION_FIELDS, ClaimFields
from xl_claims.workbook.summary import CHECK_STATUSES

#: Distinct lines kept per sheet; past it the memory starts over (totals are kept).
MEMO_LIMIT = 30_000
#: Characters of claim ids read per sheet: a shared string repeated into gigabytes is refused.
MAX_TEXT_CHARS = 500_000_000
_BATCH = 4096
_GROUPS = ("status", "grade", "part", "issue", "resolution")
_DUPLICATE = str(Status.DUPLICATE)
#: The fields a decision reads (the others, claim id and order, are not decided on).
_DECIDED_BY = (*DECISION_FIELDS, "date", "price")


class _Entry(ReadsDecision):
    """One distinct line: its decision, the labels it is counted under, its cells' template."""

    __slots__ = (
        "count",
        "decision",
        "index",
        "labels",
        "ledger_id",
        "part_key",
        "reason",
        "template",
        "to_check",
    )

    def __init__(self, index, decision: Decision, reason: str, labels, part_key, template):
        self.index = index
        self.decision = decision
        self.labels = labels  # status, grade, part, issue, resolution
        self.part_key = part_key
        self.reason = reason
        self.template = template
        self.count = 0
        self.to_check = labels[0] in CHECK_STATUSES  # REVIEW, ERROR: listed on the Summary
        self.ledger_id: int | None = None  # its decision's row in the claims ledger


class SheetRun:
    """``decide_row`` for ``workbook.claimrows.stream_claims``: the computed cells of a line."""

    def __init__(
        self,
        *,
        policy: Policy,
        tracker: DuplicateTracker,
        fields: ClaimFields,
        block: BlockCells,
        spill: Spill,
        checks: Spill,
        totals: list[Totals],
        file: str,
        sheet: str,
        forced: dict[int, str] | None = None,
        progress: Callable[[int], None] | None = None,
        progress_every: int = 5000,
        ledger: CrossRun | None = None,
    ):
        self.policy, self.tracker = policy, tracker
        self.ledger = ledger  # the claims ledger's check and recording (``process --ledger``)
        self.fields, self.block, self.spill, self.totals = fields, block, spill, totals
        self.file, self.sheet = file, sheet
        self.forced = forced or {}
        self.progress, self.progress_every = progress, progress_every
        self.memo: dict[tuple, _Entry] = {}
        self.by_decision: dict[tuple, _Entry] = {}  # raw variants of one line share its entry
        self.dates: dict[object, tuple] = {}
        self.versions: set[str] = set()
        self.lines = 0
        self.chars = 0
        self.next_index = 0
        self.start = spill.mark()
        self.checks_start = checks.mark()
        self.checks = checks
        self.date_letters = fields.letters.get("date")
        self.claim_letters = fields.letters.get("claim_id")
        self.fills = fields.fills
        self.decode = fields.reader.decode
        self.claims: dict[int, tuple] = {}  # row → claim id, its text and key, read ahead

    def __call__(self, number: int, cells: dict[bytes, bytes]) -> bytes:
        fields = self.fields
        raw_date = cells.get(self.date_letters) if self.date_letters else None
        if self.fills and number in self.fills:
            raw_date = fields.raw(number, cells, "date")
        if number in self.forced:
            entry = self._entry(number, cells, None, self.forced[number])
        else:
            token = self.dates.get(raw_date)
            if token is None:
                token = self._date_token(raw_date)
            key = (token, tuple(map(cells.get, fields.decision_letters)))
            known = self.memo.get(key)
            entry = known if known is not None else self._entry(number, cells, key, None)
        found = self.claims.pop(number, None) if self.claims else None
        if found is None:  # not read ahead
            claim_id, claim_text = self._read_claim(number, cells)
            line_key = duplicate_key(claim_text, entry.part_key)
        else:
            claim_id, claim_text, claim_key = found
            line_key = None if claim_key is None else (claim_key, part_key(entry.part_key))
        first = self.tracker.first_for_key(line_key, self.file, self.sheet, number)
        self.lines += 1
        if self.progress is not None and self.lines % self.progress_every == 0:
            self.progress(self.lines)
        if first is not None:
            ref = LineRef(self.file, self.sheet, number)
            reason = duplicate_reason(first, ref, claim_id, entry.part_key)
            changed: tuple[str, str, str, int | None] = (_DUPLICATE, reason, "duplicate", None)
            return self._changed(entry, number, cells, raw_date, claim_text, line_key, changed)
        ledger = self.ledger
        if ledger is not None:
            verdict = None
            if line_key is not None and ledger.looks_up:
                verdict = ledger.check(line_key, number, entry)
            if verdict is not None and verdict.rule:  # decided in an earlier run
                changed = (verdict.status, verdict.explanation, verdict.rule, verdict.earlier_line)
                return self._changed(entry, number, cells, raw_date, claim_text, line_key, changed)
            ledger.add(number, cells, raw_date, claim_text, line_key, entry, verdict)
        entry.count += 1
        if entry.index is None:  # not kept: counted and spilled whole
            self._flush_entry(entry)
            self.spill.add(
                (
                    number,
                    claim_text,
                    None,
                    entry.labels,
                    entry.refund,
                    entry.reason,
                    entry.policy_version,
                )
            )
        else:
            self.spill.add((number, claim_text, entry.index))
        if entry.to_check:
            self.checks.add((number, claim_text, entry.labels[0], entry.labels[2], entry.reason))
        return str(number).encode().join(entry.template)

    def _read_claim(self, number: int, cells: dict[bytes, bytes]) -> tuple[object, str | None]:
        """The claim id cell's value and its text (stripped; None when empty)."""
        raw_claim = cells.get(self.claim_letters) if self.claim_letters else None
        if self.fills and number in self.fills:
            raw_claim = self.fields.raw(number, cells, "claim_id")
        claim_id = None if raw_claim is None else self.decode(raw_claim)
        if type(claim_id) is str:
            self.chars += len(claim_id)
            if self.chars > MAX_TEXT_CHARS:
                raise ClaimsError(
                    f"{self.file}: refused: its cells hold more than {MAX_TEXT_CHARS:,} characters "
                    "of text (a shared string repeated in many cells); ask the sender for a clean "
                    "export."
                )
            return claim_id, claim_id.strip() or None
        return claim_id, cell_text(claim_id)

    def look_ahead(self, rows: list[tuple[int, dict[bytes, bytes]]]) -> None:
        """Read the claim ids of the lines about to be decided, so that the claims ledger looks
        them up at once (``stream_claims``)."""
        keys = []
        for number, cells in rows:
            claim_id, claim_text = self._read_claim(number, cells)
            claim_key = id_key(claim_text)
            self.claims[number] = (claim_id, claim_text, claim_key)
            if claim_key is not None:
                keys.append(claim_key)
        if self.ledger is not None:
            self.ledger.prefetch(keys)

    def _changed(
        self, entry: _Entry, row: int, cells, raw_date, claim_text, key, changed: tuple
    ) -> bytes:
        """A line that does not count: a later line of a claim id and part (DUPLICATE), or one
        the ledger decided in an earlier run (DUPLICATE, or REVIEW when it differs now). No
        refund, no resolution; a DUPLICATE is counted only by status. ``changed``: (status,
        explanation, rule, the ledger's earlier line)."""
        status, reason = changed[0], changed[1]
        if self.ledger is not None:
            self.ledger.add(row, cells, raw_date, claim_text, key, entry, changed=changed)
        values = duplicate_values(computed_values(entry.decision), reason, status)
        labels = (status, *entry.labels[1:4], "")
        for totals in self.totals:
            totals.add(labels, None, 1)
        self.spill.add((row, claim_text, None, labels, None, reason, entry.policy_version))
        self.checks.add((row, claim_text, labels[0], labels[2], reason))
        return BlockCells.render(self.block.template(values), row)

    def _date_token(self, raw: bytes | None) -> tuple:
        """What the date decides: the policy version, whether it predates the policy, or the
        unreadable date itself (its ERROR quotes it)."""
        value = self.fields.reader.value(raw)
        try:
            date = parse_date(value)
        except ClaimsError:
            token: tuple = ("unreadable", raw)
        else:
            version = self.policy.for_date(date)
            token = (version.id, self.policy.predates(date))
        if len(self.dates) > 10_000:
            self.dates.clear()
        self.dates[raw] = token
        return token

    def _entry(self, number: int, cells, key: tuple | None, forced: str | None) -> _Entry:
        if key is None:
            values = self.fields.values(number, cells, _DECIDED_BY)
        else:  # the raw cells are in the key already: decode them, and the date and price
            value = self.fields.reader.value
            values = {name: value(raw) for name, raw in zip(DECISION_FIELDS, key[1], strict=True)}
            values["date"] = self.fields.value(number, cells, "date")
            values["price"] = self.fields.value(number, cells, "price")
        if forced is not None:
            decision = error_decision(self.policy.latest, "error.invalid-value", forced)
        else:
            # the engine itself: this object's memory of raw lines is the cache in front of it
            decision = decide_values(values, self.policy)
        self.versions.add(decision.policy_version)
        keep = decision.rule not in PRICE_RULES
        if key is None:
            keep = False
        elif keep and decision.part is not None and decision.issue is not None:
            shared = self.by_decision.get((decision, decision.grade))
            if shared is not None:
                self.memo[key] = shared
                return shared
        computed = computed_values(decision)
        version = self.policy.version(decision.policy_version)
        part = decision.part or _canonical(version.part, values.get("part"))
        issue = decision.issue or _canonical(version.issue, values.get("issue"))
        labels = (
            str(decision.status),
            decision.grade or "",
            part,
            issue,
            "" if decision.resolution is None else str(decision.resolution),
        )
        part_key = decision.part or values.get("part")
        entry = _Entry(
            self.next_index if keep else None,
            decision,
            computed[6],
            labels,
            part_key,
            self.block.template(computed),
        )
        if keep and key is not None:
            if len(self.memo) >= MEMO_LIMIT:
                self._flush_memo(keep_repeated=True)
            self.next_index += 1
            self.memo[key] = entry
            if decision.part is not None and decision.issue is not None:
                self.by_decision[(decision, decision.grade)] = entry
            self.spill.add(
                ("entry", entry.index, labels, entry.refund, entry.reason, entry.policy_version)
            )
        return entry

    def _flush_entry(self, entry: _Entry) -> None:
        if entry.count:
            for totals in self.totals:
                totals.add(entry.labels, entry.refund, entry.count)
            entry.count = 0

    def _flush_memo(self, keep_repeated: bool = False) -> None:
        """Add the counts to the totals and forget the lines (with ``keep_repeated``, all but the
        lines met more than once since the last time: those are the week's common lines)."""
        kept = {k: e for k, e in self.memo.items() if e.count > 1} if keep_repeated else {}
        for entry in self.memo.values():
            self._flush_entry(entry)
        self.memo = kept
        self.by_decision.clear()

    def finish(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """Add the remaining counts to the totals; returns where this sheet's lines and rows to
        check are in their spills."""
        self._flush_memo()
        return (self.start, self.spill.mark()), (self.checks_start, self.checks.mark())


def _canonical(lookup, value) -> str:
    """The policy's name for a value the decision did not resolve (an ERROR line), else the text."""
    if is_blank(value):
        return ""
    try:
        return lookup(value).name
    except (ClaimsError, LookupError, TypeError):
        return cell_text(value) or ""


__all__ = ["MAX_TEXT_CHARS", "MEMO_LIMIT", "SheetRun"]
