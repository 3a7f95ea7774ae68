"""Frozen records shared by every layer: a claim line in, a decision out."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple


class Status(enum.StrEnum):
    """The status column of every output; the values are contracts."""

    OK = "OK"
    REVIEW = "REVIEW"
    NOT_COVERED = "NOT COVERED"
    ERROR = "ERROR"
    DUPLICATE = "DUPLICATE"


class Resolution(enum.StrEnum):
    """What the shop does for a claim line (a ``Decision``'s outcome; a customer's choice is
    expressed as the resolution asked for)."""

    REPLACEMENT = "Replacement"
    REFUND = "Partial refund"
    DISCOUNT = "Keep with discount"
    RETURN = "Return"
    NONE = "No compensation"


class Claim(NamedTuple):
    """One claim line as staff or an export give it: raw values, checked by the engine.

    A NamedTuple (not a dataclass): cheap to build per row, hashed in C, and ``_replace`` reads
    well in tests.
    """

    issue: object = None
    part: object = None
    grade: object = None
    quantity: object = None
    value_override: object = None
    replacement_available: object = None
    choice: object = None  # the customer's choice: replacement, refund, return, keep
    date: dt.date | None = None
    price: object = None


@dataclass(frozen=True, slots=True)
class Decision:
    """The engine's answer for one claim line, with everything needed to audit it."""

    status: Status
    refund: Decimal | None
    resolution: Resolution | None  # what the shop does
    rule: str
    explanation: str
    policy_version: str
    currency: str
    issue: str | None = None
    part: str | None = None
    grade: str | None = None
    rate: Decimal | None = None
    max_value: Decimal | None = None
    quantity: int | None = None
    #: The claim is dated before the first policy version: decided under that version, and said.
    before_policy: bool = False


class ReadsDecision:
    """A line that keeps the engine's ``decision`` and reads its amounts and audit fields from
    it rather than storing them again (a million lines are held at once)."""

    __slots__ = ()
    decision: Decision

    @property
    def refund(self) -> Decimal | None:
        return self.decision.refund

    @property
    def rule(self) -> str:
        return self.decision.rule

    @property
    def policy_version(self) -> str:
        return self.decision.policy_version

    @property
    def currency(self) -> str:
        return self.decision.currency

    @property
    def grade(self) -> str | None:
        return self.decision.grade


class RecordedLine(NamedTuple):
    """A line as the claims ledger recorded it, with where it came from; values as recorded
    (the claim date as ISO text, the refund exact). The ledger writes it (export, history) and
    reconciliation reads it (earlier periods), so it lives here, below both."""

    run: int
    run_started: str  # UTC, ISO-8601
    run_void: str | None  # "<time>: <reason>" for a void run
    file: str
    sha256: str | None
    sheet: str
    row: int
    claim_id: str | None
    order: str | None
    claim_date: str | None
    issue: str | None
    part: str | None
    grade: str | None
    resolution: str | None
    status: str
    refund: Decimal | None
    currency: str
    rule: str
    policy_version: str
    explanation: str
    counts: str  # "yes": the line that counts for its claim and part
    earlier: str | None  # "run 1, week1.xlsx row 3"

    @property
    def claimed(self) -> dt.date | None:
        """The claim date, when the line has one."""
        return None if self.claim_date is None else dt.date.fromisoformat(self.claim_date)

    @property
    def date(self) -> dt.date:
        """The line's date: its claim date, else the date (UTC) of the run that recorded it."""
        return self.claimed or dt.date.fromisoformat(self.run_started[:10])
