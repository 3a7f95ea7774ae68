"""Pure decisions: one claim line and the policy in, one audited ``Decision`` out. No I/O.

Money is ``Decimal`` throughout and rounded exactly once, half-up to cents, in ``round_money``
when a refund is produced; totals are sums of rounded refunds.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from xl_claims.core.errors import ClaimsError, InvalidValueError, UnknownNameError
from xl_claims.core.model import Claim, Decision, Resolution, Status
from xl_claims.core.names import normalize_name, suggest
from xl_claims.core.policy import Policy, PolicyVersion

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
_MEMO_LIMIT = 100_000
#: The leading Claim fields a decision depends on besides the version: all but date and price.
DECISION_FIELDS = 7
#: The rules whose decision depends on the price paid (mis-shipment discounts).
PRICE_RULES = frozenset({"discount.keep", "review.price-missing", "error.invalid-price"})
#: A sanity bound, not policy: a quantity above it is a typo (an order number in the Qty column).
MAX_QUANTITY = 100_000
#: The spellings of yes/no and of each resolution that claim lines may use.
TRUE_WORDS = {"yes", "y", "true", "1", "x", "available", "in stock"}
FALSE_WORDS = {"no", "n", "false", "0", "unavailable", "not available", "out of stock"}
RESOLUTION_WORDS = {
    Resolution.REPLACEMENT: ("replacement", "replace", "replacement part", "send replacement"),
    Resolution.REFUND: ("partial refund", "refund", "refund instead"),
    Resolution.DISCOUNT: ("keep with discount", "keep", "discount"),
    Resolution.RETURN: ("return", "return requested", "request a return"),
}
_RESOLUTION_LOOKUP = {alias: res for res, names in RESOLUTION_WORDS.items() for alias in names}
_AMOUNT_NOISE = re.compile(r"[\s\u00a0\u202f'$€£¥]|\b(?:usd|eur|gbp)\b", re.IGNORECASE)
_THOUSANDS_COMMAS = re.compile(r"^[-+(]?\d{1,3}(?:,\d{3})+(?:\.\d*)?\)?$")


def round_money(amount: Decimal) -> Decimal:
    """The one place money is rounded: half-up to cents."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_rate(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_quantity(value: object) -> int:
    """A positive whole number; empty means 1. Excel's 2.0 is 2; 2.5, 0, -1 and 'two' are errors."""
    if is_blank(value):
        return 1
    number: Decimal | None = None
    if isinstance(value, int | float | Decimal | str) and not isinstance(value, bool):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            number = None
    if (
        number is None
        or not number.is_finite()
        or number < 1
        or number.adjusted() > 20
        or number != number.to_integral()
    ):
        raise InvalidValueError(f"Quantity must be a positive whole number, got {value!r}.")
    if number > MAX_QUANTITY:
        raise InvalidValueError(f"Quantity must be at most {MAX_QUANTITY}, got {value!r}.")
    return int(number)


def parse_amount(value: object, what: str = "amount") -> Decimal | None:
    """An exact amount from a number or text as exports write it ($21.83, 1,441.20, (5.00)).

    Empty means None. Floats go through ``str`` so that 21.83 stays 21.83. Separators: with both
    ``,`` and ``.`` the last one is the decimal point (``1.441,20`` is 1441.20); a lone comma is
    a thousands separator only in groups of three (``1,441``), else a decimal comma (``5,00``).
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise InvalidValueError(f"{what.capitalize()} must be a number, got {value!r}.")
    if isinstance(value, int | float | Decimal):
        text = str(value)
    elif isinstance(value, str):
        text = _decimal_point(_AMOUNT_NOISE.sub("", value.strip()))
        if text.startswith("(") and text.endswith(")"):
            text = "-" + text[1:-1]
    else:
        raise InvalidValueError(f"{what.capitalize()} must be a number, got {value!r}.")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise InvalidValueError(f"{what.capitalize()} must be a number, got {value!r}.")
    return amount


def _decimal_point(text: str) -> str:
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            return text.replace(".", "").replace(",", ".")
        return text.replace(",", "")
    if "," in text:
        return text.replace(",", "") if _THOUSANDS_COMMAS.match(text) else text.replace(",", ".")
    return text


def parse_flag(value: object, what: str = "replacement available") -> bool | None:
    """yes/y/true/1/x → True, no/n/false/0 → False, empty → None (not known)."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    key = normalize_name(value)
    if isinstance(value, int | float | Decimal):
        key = "1" if value == 1 else "0" if value == 0 else key
    if key in TRUE_WORDS:
        return True
    if key in FALSE_WORDS:
        return False
    raise InvalidValueError(f"{what.capitalize()} must be yes or no, got {value!r}.")


def parse_resolution(value: object) -> Resolution | None:
    if is_blank(value):
        return None
    resolution = _RESOLUTION_LOOKUP.get(normalize_name(value))
    if resolution is None:
        choices = [str(r) for r in RESOLUTION_WORDS]
        raise UnknownNameError("resolution", value, suggest(value, choices) or choices)
    return resolution


def decide(claim: Claim, policy: Policy) -> Decision:
    """Decide one claim line under the policy version in force on its date.

    Memoised per policy version by the values a decision depends on: every claim field but the
    date (it only picks the version) and the price paid, which exports give on nearly every row
    while weekly lines repeat a few hundred combinations of the rest. Only a mis-shipment
    discount depends on the price; such decisions (``PRICE_RULES``) are not kept.
    """
    date = claim.date
    version = policy.latest if date is None else policy.for_date(date)
    key = claim[:DECISION_FIELDS]  # a slice is C-speed; see DECISION_FIELDS
    memo = version.decision_memo
    try:
        decision = memo.get(key)
    except TypeError:  # an unhashable value (a list from a spreadsheet range): decide, don't keep
        return decide_under(claim, version)
    if decision is None:
        decision = decide_under(claim, version)
        if decision.rule not in PRICE_RULES:
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            memo[key] = decision
    return decision


def decide_under(claim: Claim, version: PolicyVersion) -> Decision:
    """Decide one claim line under one given policy version; expected failures become ERROR."""
    try:
        return _decide(claim, version)
    except UnknownNameError as exc:
        return _error(version, f"error.unknown-{exc.kind}", str(exc))
    except ClaimsError as exc:
        return _error(version, "error.invalid-value", str(exc))


def _error(version: PolicyVersion, rule: str, message: str) -> Decision:
    return Decision(
        status=Status.ERROR,
        refund=None,
        resolution=None,
        rule=rule,
        explanation=message,
        policy_version=version.id,
        currency=version.currency,
    )


def _decide(claim: Claim, version: PolicyVersion) -> Decision:
    quantity = parse_quantity(claim.quantity)
    issue = None if is_blank(claim.issue) else version.issue(claim.issue)
    part = None if is_blank(claim.part) else version.part(claim.part)
    grade = None if is_blank(claim.grade) else version.grade(claim.grade)
    override = parse_amount(claim.value_override, "value override")
    if override is not None and override < 0:
        raise InvalidValueError(f"Value override must be 0 or more, got {claim.value_override!r}.")
    replacement = parse_flag(claim.replacement_available)
    resolution = parse_resolution(claim.resolution)
    if issue is None and grade is None:
        raise InvalidValueError("A claim line needs an issue or a grade.")

    def made(status, refund, resolution, rule, explanation, **known) -> Decision:
        return Decision(
            status=status,
            refund=refund,
            resolution=resolution,
            rule=rule,
            explanation=explanation,
            policy_version=version.id,
            currency=version.currency,
            issue=issue.name if issue else None,
            part=part.name if part else None,
            quantity=quantity,
            **known,
        )

    outcome = issue.outcome if issue else "refund"
    if outcome == "not_covered":
        return made(
            Status.NOT_COVERED,
            ZERO,
            Resolution.NONE,
            "not-covered",
            f"{issue.name} is not covered by the policy: no refund.",
        )
    if resolution is Resolution.RETURN:
        return made(
            Status.REVIEW,
            None,
            Resolution.RETURN,
            "review.return",
            "The customer requested a return: staff apply the return policy (postage share).",
        )
    if outcome == "discount":
        return _discount(claim, issue, made)

    value_part = version.parts[issue.value_part] if issue and issue.value_part else part
    if value_part is None:
        what = f"with issue '{issue.name}'" if issue else "with a grade"
        raise InvalidValueError(f"A claim line {what} needs a part.")
    if replacement and resolution is not Resolution.REFUND:
        return made(
            Status.OK,
            ZERO,
            Resolution.REPLACEMENT,
            "replacement",
            f"A replacement {(part or value_part).name} is available: it is sent, no refund.",
        )
    applied = grade if grade is not None else version.grade(issue.grade)
    max_value = override if override is not None else value_part.max_value
    known = {"grade": applied.name, "rate": applied.rate, "max_value": max_value}
    if applied.rate is None:
        what = f"'{issue.name}'" if issue else "this line"
        return made(
            Status.REVIEW,
            None,
            Resolution.REFUND,
            "review.grade-depends",
            f"Grade depends on staff judgment: give a grade (Low, Medium or High) for {what}.",
            **known,
        )
    if max_value is None:
        return made(
            Status.REVIEW,
            None,
            Resolution.REFUND,
            "review.value-depends",
            f"Max value of '{value_part.name}' depends on the item: give a value override.",
            **known,
        )
    refund = round_money(applied.rate * max_value * quantity)
    if override is not None:
        rule, priced = "refund.value-override", f"value override {max_value:.2f}"
    elif value_part is not part:
        rule, priced = "refund.value-part", f"'{value_part.name}' max value {max_value:.2f}"
    else:
        rule, priced = "refund.graded", f"'{value_part.name}' max value {max_value:.2f}"
    explanation = (
        f"{applied.name} ({format_rate(applied.rate)}) × {priced} × {quantity} "
        f"= {refund} {version.currency}"
    )
    return made(Status.OK, refund, Resolution.REFUND, rule, explanation, **known)


def _discount(claim: Claim, issue, made) -> Decision:
    rate = issue.discount_rate
    if rate is None:
        return made(
            Status.REVIEW,
            None,
            Resolution.DISCOUNT,
            "review.discount-depends",
            f"{issue.name}: the policy sets no discount rate; staff agree a discount or a return.",
        )
    try:
        price = parse_amount(claim.price, "price paid")
    except InvalidValueError as exc:
        return made(Status.ERROR, None, None, "error.invalid-price", str(exc))
    if price is None or price < 0:
        return made(
            Status.REVIEW,
            None,
            Resolution.DISCOUNT,
            "review.price-missing",
            f"{issue.name}: the discount is {format_rate(rate)} of the price paid, "
            "and the line has no price paid.",
        )
    refund = round_money(rate * price)
    explanation = f"{issue.name}: discount {format_rate(rate)} × price paid {price:.2f} = {refund}"
    return made(Status.OK, refund, Resolution.DISCOUNT, "discount.keep", explanation, rate=rate)
