"""Pure decisions: one claim line and the policy in, one audited ``Decision`` out. No I/O.

Money is ``Decimal`` throughout and rounded exactly once, half-up to cents, by
``money.round_money`` when a refund is produced; totals are sums of rounded refunds. A decision is
a function of the line and the policy only; ``cache.DecisionCache`` remembers decisions for bulk
work without changing them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from xl_claims.core.errors import ClaimsError, InvalidValueError, UnknownNameError
from xl_claims.core.model import Claim, Decision, Resolution, Status
from xl_claims.core.money import ZERO, exact_product, format_rate, round_money
from xl_claims.core.names import join_or
from xl_claims.core.policy import Grade, Issue, Part, Policy, PolicyVersion
from xl_claims.core.values import (
    is_blank,
    parse_amount,
    parse_choice,
    parse_flag,
    parse_quantity,
)

#: The rules whose decision depends on the price paid (mis-shipment discounts).
PRICE_RULES = frozenset({"discount.keep", "review.price-missing", "error.invalid-price"})
#: The short reason of a REVIEW line, by rule id: what a worksheet cell and the native template
#: show (the decision's explanation is the full sentence).
REVIEW_TEXTS = {
    "review.grade-depends": "grade depends on staff judgment",
    "review.value-depends": "part value depends on the item",
    "review.discount-depends": "discount depends on staff judgment",
    "review.price-missing": "price paid missing",
    "review.return": "return requested",
}

_Made = Callable[..., Decision]


def decide(claim: Claim, policy: Policy) -> Decision:
    """Decide one claim line under the policy version in force on its date.

    A claim dated before the first version is decided under that version, and its explanation
    says so (``before_policy`` is set, for the warnings of the Summary and the report).
    """
    decision = decide_under(claim, policy.for_date(claim.date))
    if policy.predates(claim.date):
        return noted_before_policy(decision, policy)
    return decision


def noted_before_policy(decision: Decision, policy: Policy) -> Decision:
    first = policy.versions[0]
    note = (
        f" (The claim is dated before the first policy version, {first.id} in force from "
        f"{first.effective_from.isoformat()}: decided under it.)"
    )
    return dataclasses.replace(
        decision, explanation=decision.explanation + note, before_policy=True
    )


def decide_under(claim: Claim, version: PolicyVersion) -> Decision:
    """Decide one claim line under one given policy version; expected failures become ERROR."""
    try:
        return _decide(claim, version)
    except UnknownNameError as exc:
        return error_decision(version, f"error.unknown-{exc.kind}", str(exc))
    except ClaimsError as exc:
        return error_decision(version, "error.invalid-value", str(exc))


def error_decision(version: PolicyVersion, rule: str, message: str) -> Decision:
    """The one way an ERROR decision is made: no refund, the rule and the message."""
    return _decision(version, Status.ERROR, None, None, rule, message)


def _decision(version: PolicyVersion, status, refund, resolution, rule, explanation, **known):
    """Every decision carries its policy version and currency (the audit trail)."""
    return Decision(
        status=status,
        refund=refund,
        resolution=resolution,
        rule=rule,
        explanation=explanation,
        policy_version=version.id,
        currency=version.currency,
        **known,
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
    choice = parse_choice(claim.choice)
    if issue is None and grade is None:
        raise InvalidValueError("A claim line needs an issue or a grade.")

    def made(status, refund, resolution, rule, explanation, **known) -> Decision:
        names = {"issue": issue.name if issue else None, "part": part.name if part else None}
        return _decision(
            version,
            status,
            refund,
            resolution,
            rule,
            explanation,
            quantity=quantity,
            **names,
            **known,
        )

    outcome = issue.outcome if issue else "refund"
    if issue is not None and outcome == "not_covered":
        text = f"{issue.name} is not covered by the policy: no refund."
        return made(Status.NOT_COVERED, ZERO, Resolution.NONE, "not-covered", text)
    if choice is Resolution.RETURN:
        text = "The customer requested a return: staff apply the return policy (postage share)."
        return made(Status.REVIEW, None, Resolution.RETURN, "review.return", text)
    if issue is not None and outcome == "discount":
        return _discount(claim, issue, made)
    value_part = version.parts[issue.value_part] if issue and issue.value_part else part
    if value_part is None:
        what = f"with issue '{issue.name}'" if issue else "with a grade"
        raise InvalidValueError(f"A claim line {what} needs a part.")
    if replacement and choice is not Resolution.REFUND:
        text = f"A replacement {(part or value_part).name} is available: it is sent, no refund."
        return made(Status.OK, ZERO, Resolution.REPLACEMENT, "replacement", text)
    applied = grade if grade is not None else version.grade(issue.grade if issue else None)
    return _refund(version, applied, issue, part, value_part, override, quantity, made)


def _refund(
    version: PolicyVersion,
    applied: Grade,
    issue: Issue | None,
    part: Part | None,
    value_part: Part,
    override,
    quantity: int,
    made: _Made,
) -> Decision:
    """Grade rate × max value × quantity, or REVIEW when the grade or the value depends."""
    max_value = override if override is not None else value_part.max_value
    known = {"grade": applied.name, "rate": applied.rate, "max_value": max_value}
    if applied.rate is None:
        what = f"'{issue.name}'" if issue else "this line"
        grades = join_or(version.graded_names())
        text = f"Grade depends on staff judgment: give a grade ({grades}) for {what}."
        return made(Status.REVIEW, None, Resolution.REFUND, "review.grade-depends", text, **known)
    if max_value is None:
        text = f"Max value of '{value_part.name}' depends on the item: give a value override."
        return made(Status.REVIEW, None, Resolution.REFUND, "review.value-depends", text, **known)
    refund = round_money(exact_product(applied.rate, max_value, quantity))
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


def _discount(claim: Claim, issue: Issue, made: _Made) -> Decision:
    """Keep the item with a discount: the policy's rate × the price paid."""
    rate = issue.discount_rate
    if rate is None:
        text = (
            f"{issue.name}: the policy sets no discount rate; staff agree a discount or a return."
        )
        return made(Status.REVIEW, None, Resolution.DISCOUNT, "review.discount-depends", text)
    try:
        price = parse_amount(claim.price, "price paid")
    except InvalidValueError as exc:
        return made(Status.ERROR, None, None, "error.invalid-price", str(exc))
    if price is None or price < 0:
        text = (
            f"{issue.name}: the discount is {format_rate(rate)} of the price paid, "
            "and the line has no price paid."
        )
        return made(Status.REVIEW, None, Resolution.DISCOUNT, "review.price-missing", text)
    refund = round_money(exact_product(rate, price))
    explanation = f"{issue.name}: discount {format_rate(rate)} × price paid {price:.2f} = {refund}"
    return made(Status.OK, refund, Resolution.DISCOUNT, "discount.keep", explanation, rate=rate)
