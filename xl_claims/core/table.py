"""Claim tables without a file format: header matching, row → claim, decision → computed columns.

Shared by every adapter that sees a claims table (the batch over openpyxl workbooks, the Excel
button macro over xlwings ranges, reconciliation), so a header or a column means the same
everywhere.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from xl_claims.core.engine import decide, error_decision
from xl_claims.core.errors import ClaimsError, InvalidValueError
from xl_claims.core.model import Claim, Decision
from xl_claims.core.names import normalize_name
from xl_claims.core.policy import Policy
from xl_claims.core.values import id_key, is_blank, parse_date

#: Field → header spellings an export may use (matched with ``normalize_header``).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "claim_id": ("Claim ID", "Claim #", "Claim No", "Case ID", "Ticket", "RMA"),
    "order": ("Order", "Order ID", "Order #", "Order No"),
    "date": ("Date", "Claim date", "Created", "Created at"),
    "issue": ("Issue", "Issue type", "Quality issue", "Problem", "Defect", "Reason"),
    "part": ("Part", "Accessory", "Component", "Part name"),
    "grade": ("Grade", "Severity", "Quality grade"),
    "quantity": ("Qty", "Quantity", "Pieces"),
    "value_override": ("Max value override", "Value override"),
    "replacement": ("Replacement available", "Spare part available"),
    "choice": ("Customer choice", "Resolution"),
    "price": ("Price paid", "Item price"),
    "refund_paid": ("Refund paid", "Paid amount", "Amount refunded"),
    "refund_id": ("Refund ID", "Refund reference", "Refund transaction"),
    "currency": ("Currency",),
}
FIELDS = tuple(HEADER_ALIASES)
#: Other names a ``--map`` option may use for a field (``resolution`` was the choice's first name).
FIELD_ALIASES = {"resolution": "choice"}

#: The computed columns added right of the data; the headers are a contract.
COMPUTED_HEADERS = (
    "Applied grade",
    "Refund rate",
    "Part max value",
    "Refund",
    "Resolution",
    "Status",
    "Explanation",
    "Policy version",
)

_HEADER_NOISE = re.compile(r"(?:#|\bno\b\.?|\bnumber\b|\bnr\b\.?)")


#: Extra header spellings per claim field (``--map FIELD=HEADER``; an empty one switches the
#: field off).
HeaderMap = Mapping[str, Sequence[str]]


def normalize_header(value: object) -> str:
    """Header key: the core name rules, plus ``#``, ``No.``, ``Number`` and trailing ``?``/``:``
    ignored, so ``Claim #``, ``Claim No.`` and ``claim number`` are one header."""
    text = normalize_name(value)
    text = _HEADER_NOISE.sub(" ", text)
    return " ".join(text.split()).rstrip("?:. ").strip()


def field_name(value: str) -> str:
    """``claim id`` / ``Claim-ID`` / ``claim_id`` → ``claim_id``; raise for an unknown field."""
    key = re.sub(r"[\s\-]+", "_", value.strip().casefold())
    key = FIELD_ALIASES.get(key, key)
    if key not in HEADER_ALIASES:
        raise InvalidValueError(f"Unknown field {value!r}; fields are: {', '.join(FIELDS)}.")
    return key


#: The header "spelling" of a field switched off with ``--map FIELD=`` (no column is read for it).
SWITCHED_OFF = ""


def parse_header_map(items: Sequence[str]) -> dict[str, list[str]]:
    """``--map FIELD=HEADER`` options → extra header spellings per field; ``--map FIELD=`` (an
    empty header) switches the field off: a helpdesk's ``Resolution`` column of agents' notes is
    then not read as the customer's choice."""
    extra: dict[str, list[str]] = {}
    for item in items:
        name, sep, header = item.partition("=")
        if not sep or not name.strip():
            raise InvalidValueError(
                f"--map expects FIELD=HEADER (or FIELD= to switch a field off), got {item!r}."
            )
        key = field_name(name)
        spellings = extra.setdefault(key, [])
        spellings.append(header.strip())
        if SWITCHED_OFF in spellings and len(spellings) > 1:
            raise InvalidValueError(
                f"--map {name.strip()}= switches the field off; it cannot also name a header."
            )
    return extra


def switched_off(extra: HeaderMap | None) -> set[str]:
    """The fields that ``--map FIELD=`` switched off."""
    return {name for name, spellings in (extra or {}).items() if SWITCHED_OFF in spellings}


@dataclass(frozen=True)
class HeaderMatch:
    """Which column holds which field (0-based positions in the header row)."""

    columns: dict[str, int]
    headers: list[str]
    computed: dict[str, int] = field(default_factory=dict)  # computed header → position
    repeated: dict[str, list[int]] = field(default_factory=dict)  # field → every position

    @property
    def usable(self) -> bool:
        return "part" in self.columns and ("issue" in self.columns or "grade" in self.columns)


def match_headers(cells: Sequence[object], extra: HeaderMap | None = None):
    """Match one row of header cells to fields; the first column for a field wins.

    The computed columns are recognised as one block of eight adjacent columns holding the eight
    ``COMPUTED_HEADERS`` in any order, so that an input column also called ``Resolution`` (the
    customer's choice) stays an input column. ``repeated`` lists the fields that more than one
    column matches (the first is the one read).
    """
    lookup: dict[str, str] = {}
    off = switched_off(extra)
    for name, spellings in HEADER_ALIASES.items():
        if name in off:
            continue
        for spelling in [*(extra or {}).get(name, ()), *spellings]:
            lookup.setdefault(normalize_header(spelling), name)
    headers = ["" if is_blank(c) else str(c).strip() for c in cells]
    keys = [normalize_header(h) if h else "" for h in headers]
    block = {normalize_header(h): h for h in COMPUTED_HEADERS}
    computed: dict[str, int] = {}
    for start in range(len(keys) - len(block) + 1):
        window = keys[start : start + len(block)]
        if set(window) == set(block):
            computed = {block[key]: start + i for i, key in enumerate(window)}
            break
    taken = set(computed.values())
    columns: dict[str, int] = {}
    repeated: dict[str, list[int]] = {}
    for position, key in enumerate(keys):
        if key and position not in taken and key in lookup:
            columns.setdefault(lookup[key], position)
            repeated.setdefault(lookup[key], []).append(position)
    repeated = {name: found for name, found in repeated.items() if len(found) > 1}
    return HeaderMatch(columns=columns, headers=headers, computed=computed, repeated=repeated)


def find_header_row(rows: Sequence[Sequence[object]], extra=None, scan: int = 30):
    """The first of the first ``scan`` rows whose headers name a part and an issue or grade.

    Returns ``(index, HeaderMatch)``, or ``(None, best)`` where ``best`` is the row that matched
    most fields, for the error message.
    """
    best = HeaderMatch(columns={}, headers=[])
    for index, cells in enumerate(rows[:scan]):
        found = match_headers(cells, extra)
        if found.usable:
            return index, found
        if len(found.columns) > len(best.columns) or (not best.headers and any(found.headers)):
            best = found
    return None, best


def missing_headers_message(
    best: HeaderMatch, where: str = "no header row with the needed columns in the first 30 rows"
) -> str:
    """What was found and what is needed, with the header spellings that are recognised."""
    found = ", ".join(repr(h) for h in best.headers if h) or "none"

    def column(field: str, article: str = "a") -> str:
        return f"{article} {field} column ({', '.join(HEADER_ALIASES[field])})"

    expected = f"{column('part')} and {column('issue', 'an')} or {column('grade')}"
    return f"{where}; found headers: {found}; expected {expected}"


def claim_from_values(values: Mapping[str, object]) -> Claim:
    """Field values of one row → the engine's claim line (the date is parsed here)."""
    return Claim(
        issue=values.get("issue"),
        part=values.get("part"),
        grade=values.get("grade"),
        quantity=values.get("quantity"),
        value_override=values.get("value_override"),
        replacement_available=values.get("replacement"),
        choice=values.get("choice"),
        date=parse_date(values.get("date")),
        price=values.get("price"),
    )


def decide_values(
    values: Mapping[str, object],
    policy: Policy,
    decide_claim: Callable[[Claim], Decision] | None = None,
) -> Decision:
    """Decide one row's field values (with ``decide_claim``, e.g. a ``DecisionCache``'s, for bulk
    work); a date that is not a date is an ERROR naming the field."""
    try:
        claim = claim_from_values(values)
    except ClaimsError as exc:
        return error_decision(policy.latest, "error.invalid-value", f"Date: {exc}")
    return decide(claim, policy) if decide_claim is None else decide_claim(claim)


def duplicate_key(claim_id: object, part: object) -> tuple[str, str] | None:
    """Lines with the same key are one claim line exported twice (weekly exports overlap): the
    claim id's ``id_key`` and the part's name key (pass the policy's name when it resolved)."""
    claim = id_key(claim_id)
    if claim is None:
        return None
    return claim, part_key(part)


def part_key(part: object) -> str:
    """The part's half of ``duplicate_key`` ("" for a blank part)."""
    if is_blank(part):
        return ""
    try:
        return _part_key(part)
    except TypeError:  # an unhashable value: no memo
        return normalize_name(part)


#: Part names repeat on nearly every line: their key is worked out once each.
_part_key = functools.lru_cache(maxsize=4096)(normalize_name)


def is_blank_row(values: Sequence[object]) -> bool:
    return all(is_blank(v) for v in values)


def computed_values(decision: Decision) -> tuple:
    """The eight computed cells for a decision, in ``COMPUTED_HEADERS`` order.

    Money and rates stay ``Decimal``; a missing number is None (an empty cell). The rule id
    ends the explanation so that each number is traceable to a policy version and a rule.
    """
    return (
        decision.grade,
        decision.rate,
        decision.max_value,
        decision.refund,
        None if decision.resolution is None else str(decision.resolution),
        str(decision.status),
        f"{decision.explanation} [rule {decision.rule}]",
        decision.policy_version,
    )


__all__ = [
    "COMPUTED_HEADERS",
    "FIELDS",
    "FIELD_ALIASES",
    "HEADER_ALIASES",
    "SWITCHED_OFF",
    "HeaderMap",
    "HeaderMatch",
    "claim_from_values",
    "computed_values",
    "decide_values",
    "duplicate_key",
    "field_name",
    "find_header_row",
    "is_blank_row",
    "match_headers",
    "missing_headers_message",
    "normalize_header",
    "parse_header_map",
    "part_key",
    "switched_off",
]
