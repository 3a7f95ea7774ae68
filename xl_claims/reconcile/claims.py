"""The claims side of reconciliation: every claim line decided again, stored values compared.

A claims file is read like the batch reads it (``core.table`` header matching, merged claim ids
filled down, blank rows skipped) through ``workbook.fastread``; each line is decided again under
the policy version in force on its date, with a processed workbook's stored computed cells
compared, and a line with the same claim id and part as an earlier one (in any input) is a
duplicate, counted once — the batch's one duplicate rule.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from xl_claims.core.cache import DecisionCache
from xl_claims.core.errors import ClaimsError
from xl_claims.core.model import Claim, Decision, Status
from xl_claims.core.names import normalize_name
from xl_claims.core.policy import Policy
from xl_claims.core.rows import DuplicateTracker, LineRef
from xl_claims.core.table import COMPUTED_HEADERS, computed_values, decide_values
from xl_claims.core.values import cell_text, id_key, is_blank, parse_amount, parse_date
from xl_claims.reconcile.model import ClaimLine
from xl_claims.workbook.fastread import read_claim_rows

#: One text object per status for every line (``str()`` of an enum member makes a new one).
_STATUS_TEXT = {status: str(status) for status in Status}
#: Stored computed columns compared with the recomputed ones (the others follow from these).
COMPARED = ("Refund", "Status", "Applied grade", "Resolution", "Policy version")


def claim_line(
    source: str,
    sheet: str | None,
    row: int,
    values: Mapping,
    stored: Mapping | None,
    policy: Policy,
    decide_claim: Callable[[Claim], Decision] | None = None,
    dates: dict | None = None,
) -> ClaimLine:
    """One claim row → a claim line, recomputed under the policy, stored values compared
    (``mark_duplicates`` compares a duplicate again, with what the batch writes for one).
    ``dates`` shares one date object per distinct date text among many lines."""
    decision = decide_values(values, policy, decide_claim)
    raw_date = values.get("date")
    if dates is not None and raw_date in dates:
        date = dates[raw_date]
    else:
        try:
            date = parse_date(raw_date)
        except ClaimsError:
            date = None
        if dates is not None and isinstance(raw_date, str | dt.date):
            dates[raw_date] = date
    refund_text = cell_text(values.get("refund_id"))
    refund_ids = tuple(
        key for part in (refund_text or "").replace(";", ",").split(",") if (key := id_key(part))
    )
    stored = stored if stored and not all(is_blank(v) for v in stored.values()) else None
    return ClaimLine(
        source=source,
        sheet=sheet,
        row=row,
        claim_id=cell_text(values.get("claim_id")),
        order=cell_text(values.get("order")),
        date=date,
        issue=decision.issue or cell_text(values.get("issue")),
        part=decision.part or cell_text(values.get("part")),
        status=_STATUS_TEXT[decision.status],
        computed=decision.refund,
        decision=decision,
        refund_ids=refund_ids,
        changed=stored_changes(stored, decision),
        stored=stored,
    )


def read_claim_lines(
    path: str | os.PathLike,
    policy: Policy,
    cache: DecisionCache,
    header_map: Mapping | None = None,
) -> tuple[bool, Iterator[ClaimLine]]:
    """A claims file → (whether it was processed by the batch, its claim lines, streamed).
    Raises ``ClaimsError`` (one line naming the file) when it cannot be read."""
    found = read_claim_rows(path, header_map=header_map)
    source = Path(path).name
    dates: dict = {}

    def lines() -> Iterator[ClaimLine]:
        for row in found.rows:
            yield claim_line(
                source, found.sheet, row.row, row.values, row.stored, policy, cache.decide, dates
            )

    return bool(found.match.computed), lines()


def stored_changes(
    stored: Mapping[str, object] | None, decision: Decision, duplicate: bool = False
) -> str | None:
    """What differs between a processed workbook's computed cells and today's decision (the
    policy or the data changed since), as "Refund stored 20.00, recomputed 40.00; …", else
    None. A duplicate line is compared with what the batch writes for one: DUPLICATE, no refund."""
    if not stored or all(is_blank(v) for v in stored.values()):
        return None
    recomputed = dict(zip(COMPUTED_HEADERS, computed_values(decision), strict=True))
    if duplicate:
        recomputed.update({"Refund": None, "Resolution": None, "Status": str(Status.DUPLICATE)})
    changes = []
    for header in COMPARED:
        if header not in stored:
            continue
        old, new = stored[header], recomputed[header]
        money = header == "Refund"
        if not _same(old, new, money):
            changes.append(f"{header} stored {_show(old, money)}, recomputed {_show(new, money)}")
    return "; ".join(changes) or None


def _same(old: object, new: object, money: bool) -> bool:
    if is_blank(old) or is_blank(new):
        return is_blank(old) and is_blank(new)
    if money:
        try:
            return parse_amount(old) == new
        except ClaimsError:
            return False
    return normalize_name(old) == normalize_name(new)


def _show(value: object, money: bool = False) -> str:
    if is_blank(value):
        return "(empty)"
    if money:
        try:
            return f"{parse_amount(value):.2f}"
        except ClaimsError:
            pass
    return str(value)


def mark_duplicates(lines: list[ClaimLine]) -> None:
    """Same claim id and part as an earlier line (in any input): counted once, like the batch.

    A duplicate's stored computed values are compared again, with what the batch writes for a
    duplicate (status DUPLICATE, no refund)."""
    tracker = DuplicateTracker()
    for line in lines:
        ref = LineRef(line.source, line.sheet, line.row)
        first = tracker.first_of(line.claim_id, line.part, ref)
        if first is None:
            continue
        line.duplicate_of = first.seen_from(ref)
        line.status = str(Status.DUPLICATE)
        line.computed = None
        if line.stored:
            line.changed = stored_changes(line.stored, line.decision, duplicate=True)


__all__ = ["COMPARED", "claim_line", "mark_duplicates", "read_claim_lines", "stored_changes"]
