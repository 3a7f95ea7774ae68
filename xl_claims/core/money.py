"""Money: exact ``Decimal`` arithmetic, rounded once, half-up, to cents, in ``round_money``.

Every amount the engine computes is a product of policy values and claim values (rate × max
value × quantity, rate × price). ``exact_product`` refuses a product that ``Decimal`` could only
approximate, so that no number is ever silently rounded before ``round_money``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, Inexact, InvalidOperation, Overflow

from xl_claims.core.errors import InvalidValueError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
#: Products are computed exactly or refused: 34 significant digits, any rounding an error.
_EXACT = Context(prec=34, traps=[Inexact, InvalidOperation, Overflow])
#: Rounding to cents: the same digits, rounding allowed (it is the point).
_ROUNDING = Context(prec=34, traps=[InvalidOperation, Overflow])


def exact_product(*factors: Decimal | int) -> Decimal:
    """The exact product, or ``InvalidValueError`` when it has more digits than Decimal holds."""
    result = Decimal(1)
    try:
        for factor in factors:
            result = _EXACT.multiply(result, Decimal(factor))
    except (Inexact, InvalidOperation, Overflow):
        shown = " × ".join(str(f) for f in factors)
        raise InvalidValueError(
            f"The amount {shown} has too many digits to be computed exactly; "
            "give amounts with fewer decimals."
        ) from None
    return result


def round_money(amount: Decimal) -> Decimal:
    """The one place money is rounded: half-up to cents."""
    try:
        return amount.quantize(CENT, rounding=ROUND_HALF_UP, context=_ROUNDING)
    except (InvalidOperation, Overflow):
        raise InvalidValueError(f"The amount {amount} is too large to be a refund.") from None


def format_rate(rate: Decimal) -> str:
    """0.25 → ``25%``."""
    return f"{(rate * 100).normalize():f}%"


def format_money(amount: Decimal | None, currency: str) -> str:
    """``40.00 USD``; ``-`` when there is no amount (REVIEW, ERROR)."""
    return "-" if amount is None else f"{amount:.2f} {currency}"
