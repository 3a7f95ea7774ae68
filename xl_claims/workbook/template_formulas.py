"""The native template's formulas, generated from the engine's own rules and constants.

Each claim line is decided by plain Excel formulas (no XLOOKUP, no LET: Excel 2016/2019 and
LibreOffice 7.4 compute them) in the engine's order of checks, with the engine's rule ids, its
bounds (``MAX_QUANTITY``, ``MAX_AMOUNT``), its yes/no and customer-choice words, its review
texts and ``normalize_name``'s rules written as SUBSTITUTE/TRIM (line breaks, non-breaking
spaces, case, ``w/o`` and ``w/``, brackets, trailing punctuation). The rule id of each line is
one hidden column; every shown cell follows from it.

Where a formula cannot be exact it errs instead of computing (``error.template-*`` rules):
amounts or quantities typed as text, a value override or price with more than two decimals,
and amounts so large that double arithmetic could miss a cent. So a line shows the engine's
number or a ``#REVIEW``/``#ERROR`` text, never a different number.
"""

from __future__ import annotations

from decimal import Decimal

from openpyxl.utils import get_column_letter

from xl_claims.core.engine import REVIEW_TEXTS
from xl_claims.core.errors import UsageError
from xl_claims.core.model import Resolution
from xl_claims.core.policy import PolicyVersion
from xl_claims.core.table import COMPUTED_HEADERS
from xl_claims.core.values import CHOICE_WORDS, FALSE_WORDS, MAX_AMOUNT, MAX_QUANTITY, TRUE_WORDS
from xl_claims.workbook.template_names import escaped, final_key, key_text, one_of, present
from xl_claims.workbook.template_policy import OUTCOME_LABELS

NATIVE_INPUTS = (
    "Claim ID",
    "Order",
    "Issue",
    "Part",
    "Grade",
    "Qty",
    "Max value override",
    "Replacement available",
    "Customer choice",
    "Price paid",
    "Claim date",
)
NATIVE_LOOKUPS = ("Policy issue", "Policy part", "Policy grade", "Outcome", "Priced part")
#: Hidden working columns: each text field's normalised spelling, the numbers used, the rule.
NATIVE_HIDDEN = (
    "Issue key",
    "Part key",
    "Grade key",
    "Replacement key",
    "Choice key",
    "Grade used",
    "Rate used",
    "Value used",
    "Rule",
)
NATIVE_HEADERS = NATIVE_INPUTS + NATIVE_LOOKUPS + COMPUTED_HEADERS + NATIVE_HIDDEN
_KEYED = {
    "Issue key": "Issue",
    "Part key": "Part",
    "Grade key": "Grade",
    "Replacement key": "Replacement available",
    "Choice key": "Customer choice",
}
#: The template's own rule ids, for what its formulas cannot compute exactly.
TEMPLATE_TEXT, TEMPLATE_LIMIT = "error.template-text", "error.template-limit"
TEMPLATE_VERSION = "error.template-version"
_MESSAGES = {
    "error.invalid-value:quantity": '"Quantity must be a whole number from 1 to '
    f'{MAX_QUANTITY}, got "&{{qty}}&"."',
    "error.invalid-value:override": f'"Value override must be a number from 0 to {MAX_AMOUNT:,}."',
    "error.invalid-value:replacement": '"Replacement available must be yes or no."',
    "error.unknown-resolution": '"Unknown resolution \'"&TRIM({choice})&"\'."',
    "error.invalid-value:issue-or-grade": '"A claim line needs an issue or a grade."',
    "error.invalid-value:part": '"A claim line needs a part."',
    "error.invalid-price": f'"Price paid must be a number up to {MAX_AMOUNT:,}."',
    f"{TEMPLATE_TEXT}:quantity": '"Qty is text: type it as a number."',
    f"{TEMPLATE_TEXT}:override": '"Max value override is text: type it as a number."',
    f"{TEMPLATE_TEXT}:price": '"Price paid is text: type it as a number."',
    f"{TEMPLATE_TEXT}:date": '"Claim date is text: type it as a date."',
    TEMPLATE_VERSION: '"The claim is dated before the policy version on the Policy sheet: '
    'decide it with xl-claims process, which picks the version in force on its date."',
    TEMPLATE_LIMIT: '"More than 2 decimals or too large for this template: use CLAIM_REFUND '
    'or xl-claims process."',
}


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def exact_digits(version: PolicyVersion) -> int:
    """Decimals of rate × amount (amounts with at most 2): the rounding before the cent.

    Below ``10 ** (14 - digits)`` such a product has at most 14 significant digits, so double
    arithmetic rounded to ``digits`` decimals is exactly the engine's product.
    """
    rates = [g.rate for g in version.grades.values() if g.rate is not None]
    rates += [i.discount_rate for i in version.issues.values() if i.discount_rate is not None]
    values = [p.max_value for p in version.parts.values() if p.max_value is not None]
    digits = max((_decimals(r) for r in rates), default=0) + 2
    if digits > 8 or any(_decimals(v) > 2 for v in values):
        raise UsageError(
            f"Policy {version.id} has rates with more than 6 decimals or values with more than "
            "2: the native template cannot compute them exactly; use the xlwings template."
        )
    return digits


def _lookup(kind: str, helper: str, shown: str) -> str:
    found = f"INDEX(xlc_{kind}_means,MATCH({escaped(final_key(helper))},xlc_{kind}_keys,0))"
    unknown = f'"#ERROR: Unknown {kind} \'"&TRIM({shown})&"\'."'
    return f'=IF({helper}="","",IFERROR({found},{unknown}))'


def _of(table: str, key: str, names: str) -> str:
    return f"INDEX({table},MATCH({escaped(key)},{names},0))"


def _cells(row: int) -> dict[str, str]:
    return {h: f"{get_column_letter(i)}{row}" for i, h in enumerate(NATIVE_HEADERS, start=1)}


def _expressions(c: dict[str, str]) -> dict[str, str]:
    """The conditions and values the rule and the shown cells are built from."""
    qty, override, price = c["Qty"], c["Max value override"], c["Price paid"]
    issue, part, grade = c["Policy issue"], c["Policy part"], c["Policy grade"]
    flag, choice = c["Replacement key"], c["Choice key"]
    words = {res: names for res, names in CHOICE_WORDS.items()}
    every_choice = [w for names in words.values() for w in names]

    def among(helper: str, chosen) -> str:
        return f'IF({helper}="",FALSE,{one_of(final_key(helper), chosen)})'

    known_issue = f'AND({issue}<>"",LEFT({issue},1)<>"#")'
    yes_or_no = TRUE_WORDS | FALSE_WORDS
    wants_refund = among(choice, words[Resolution.REFUND])
    return {
        "blank": f'AND({c["Issue key"]}="",{c["Part key"]}="",{c["Grade key"]}="")',
        "qty_text": f"AND({present(qty)},NOT(ISNUMBER({qty})),NOT(ISLOGICAL({qty})))",
        "qty_bad": f"IF(ISLOGICAL({qty}),TRUE,IF(ISNUMBER({qty}),NOT(AND({qty}=INT({qty}),"
        f"{qty}>=1,{qty}<={MAX_QUANTITY})),FALSE))",
        "quantity": f"IF({present(qty)},{qty},1)",
        "override_given": f"AND({present(override)},ISNUMBER({override}),"
        f"NOT(ISLOGICAL({override})))",
        "override_text": f"AND({present(override)},NOT(ISNUMBER({override})),"
        f"NOT(ISLOGICAL({override})))",
        "override_bad": f"IF(ISLOGICAL({override}),TRUE,IF(ISNUMBER({override}),"
        f"OR({override}<0,{override}>{MAX_AMOUNT}),FALSE))",
        "flag_bad": f'IF({flag}="",FALSE,NOT({one_of(final_key(flag), yes_or_no)}))',
        "replacement": f"AND({among(flag, TRUE_WORDS)},NOT({wants_refund}))",
        "choice_bad": f'IF({choice}="",FALSE,NOT({one_of(final_key(choice), every_choice)}))',
        "wants_return": among(choice, words[Resolution.RETURN]),
        "known_issue": known_issue,
        "discount_rate": _of("xlc_issue_discount_rates", issue, "xlc_issue_names"),
        "price_present": present(price),
        "date_present": present(c["Claim date"]),
        "date_text": f"AND({present(c['Claim date'])},"
        f"OR(NOT(ISNUMBER({c['Claim date']})),ISLOGICAL({c['Claim date']})))",
        "price": price,
        "issue": issue,
        "part": part,
        "grade": grade,
    }


def _rule(c: dict[str, str], x: dict[str, str], digits: int, since: str) -> str:
    """The engine's rule id for the line (``error.…:field`` says which field is wrong).

    ``since`` is the version's first day as an Excel DATE(): the formulas know one version.
    """
    limit = 10 ** (14 - digits)
    rate, value, quantity = c["Rate used"], c["Value used"], x["quantity"]
    price, discount = x["price"], x["discount_rate"]
    outcome, priced = c["Outcome"], c["Priced part"]
    discount_chain = (
        f'IF({discount}="Depends","review.discount-depends",'
        f'IF(NOT({x["price_present"]}),"review.price-missing",'
        f'IF(ISLOGICAL({price}),"error.invalid-price",'
        f'IF(NOT(ISNUMBER({price})),"{TEMPLATE_TEXT}:price",'
        f'IF(ABS({price})>{MAX_AMOUNT},"error.invalid-price",'
        f'IF({price}<0,"review.price-missing",'
        f'IF(AND(ROUND({price},2)={price},{discount}*{price}<{limit}),"discount.keep",'
        f'"{TEMPLATE_LIMIT}")))))))'
    )
    checks = [
        (x["blank"], '""'),
        (x["date_text"], f'"{TEMPLATE_TEXT}:date"'),
        (f"AND({x['date_present']},{c['Claim date']}<{since})", f'"{TEMPLATE_VERSION}"'),
        (x["qty_text"], f'"{TEMPLATE_TEXT}:quantity"'),
        (x["qty_bad"], '"error.invalid-value:quantity"'),
        (f'LEFT({x["issue"]},1)="#"', '"error.unknown-issue"'),
        (f'LEFT({x["part"]},1)="#"', '"error.unknown-part"'),
        (f'LEFT({x["grade"]},1)="#"', '"error.unknown-grade"'),
        (x["override_text"], f'"{TEMPLATE_TEXT}:override"'),
        (x["override_bad"], '"error.invalid-value:override"'),
        (x["flag_bad"], '"error.invalid-value:replacement"'),
        (x["choice_bad"], '"error.unknown-resolution"'),
        (f'AND({x["issue"]}="",{x["grade"]}="")', '"error.invalid-value:issue-or-grade"'),
        (f'{outcome}="{OUTCOME_LABELS["not_covered"]}"', '"not-covered"'),
        (x["wants_return"], '"review.return"'),
        (f'{outcome}="{OUTCOME_LABELS["discount"]}"', discount_chain),
        (f'{priced}=""', '"error.invalid-value:part"'),
        (x["replacement"], '"replacement"'),
        (f'{rate}="Depends"', '"review.grade-depends"'),
        (f'{value}="Depends"', '"review.value-depends"'),
        (
            f"NOT(AND(ROUND({value},2)={value},{rate}*{value}*{quantity}<{limit}))",
            f'"{TEMPLATE_LIMIT}"',
        ),
        (x["override_given"], '"refund.value-override"'),
        (f"{priced}<>{x['part']}", '"refund.value-part"'),
    ]
    formula = '"refund.graded"'
    for condition, result in reversed(checks):
        formula = f"IF({condition},{result},{formula})"
    return "=" + formula


def _nested(cases: list[tuple[str, str]], otherwise: str) -> str:
    formula = otherwise
    for condition, result in reversed(cases):
        formula = f"IF({condition},{result},{formula})"
    return formula


def _refund(c: dict[str, str], x: dict[str, str], digits: int) -> str:
    rule = c["Rule"]
    messages = [
        (f'{rule}="{code}"', text.format(qty=c["Qty"], choice=c["Customer choice"]))
        for code, text in _MESSAGES.items()
    ]
    error = _nested(
        [
            (f'{rule}="error.unknown-issue"', x["issue"]),
            (f'{rule}="error.unknown-part"', x["part"]),
            (f'{rule}="error.unknown-grade"', x["grade"]),
        ],
        f'"#ERROR: "&{_nested(messages, rule)}',
    )
    review = _nested([(f'{rule}="{r}"', f'"{t}"') for r, t in REVIEW_TEXTS.items()], rule)
    product = f"{c['Rate used']}*{c['Value used']}*{x['quantity']}"
    discounted = f"{x['discount_rate']}*{x['price']}"
    return "=" + _nested(
        [
            (f'{rule}=""', '""'),
            (f'LEFT({rule},6)="error."', error),
            (f'LEFT({rule},7)="review."', f'"#REVIEW: "&{review}'),
            (f'OR({rule}="not-covered",{rule}="replacement")', "0"),
            (f'{rule}="discount.keep"', f"ROUND(ROUND({discounted},{digits}),2)"),
        ],
        f"ROUND(ROUND({product},{digits}),2)",
    )


def _explanation(c: dict[str, str], x: dict[str, str]) -> str:
    rule, refund, value = c["Rule"], c["Refund"], c["Value used"]
    rule_id = f'IF(ISNUMBER(FIND(":",{rule})),LEFT({rule},FIND(":",{rule})-1),{rule})'
    priced_by = (
        f'IF({rule}="refund.value-override","value override "&FIXED({value},2,TRUE),'
        f'"\'"&{c["Priced part"]}&"\' max value "&FIXED({value},2,TRUE))'
    )
    graded = (
        f'{c["Grade used"]}&" ("&{c["Rate used"]}*100&"%) × "&{priced_by}&" × "&{x["quantity"]}'
        f'&" = "&FIXED({refund},2,TRUE)&" "&xlc_currency&" [rule "&{rule}&"]"'
    )
    discount = (
        f'{x["issue"]}&": discount "&{x["discount_rate"]}*100&"% × price paid "'
        f'&FIXED({x["price"]},2,TRUE)&" = "&FIXED({refund},2,TRUE)&" [rule discount.keep]"'
    )
    replaced = f'IF({x["part"]}<>"",{x["part"]},{c["Priced part"]})'
    return "=" + _nested(
        [
            (f'{rule}=""', '""'),
            (f'LEFT({rule},7)="refund."', graded),
            (
                f'{rule}="not-covered"',
                f'{x["issue"]}&" is not covered by the policy: no refund. [rule not-covered]"',
            ),
            (f'{rule}="discount.keep"', discount),
            (
                f'{rule}="replacement"',
                f'"A replacement "&{replaced}&" is available: it is sent, no refund. '
                '[rule replacement]"',
            ),
        ],
        f'MID({refund},FIND(" ",{refund})+1,1000)&" [rule "&{rule_id}&"]"',
    )


def _shown(c: dict[str, str], x: dict[str, str]) -> dict[str, str]:
    """The batch's computed cells other than Refund and Explanation, from the rule."""
    rule = c["Rule"]
    refunds = f'LEFT({rule},7)="refund."'
    resolutions = [
        ("not-covered", Resolution.NONE),
        ("review.return", Resolution.RETURN),
        ("discount.keep", Resolution.DISCOUNT),
        ("replacement", Resolution.REPLACEMENT),
    ]
    return {
        "Applied grade": f'=IF(OR({refunds},{rule}="review.grade-depends",'
        f'{rule}="review.value-depends"),{c["Grade used"]},"")',
        "Refund rate": f'=IF(OR({refunds},{rule}="review.value-depends"),{c["Rate used"]},'
        f'IF({rule}="discount.keep",{x["discount_rate"]},""))',
        "Part max value": f'=IF(OR({refunds},{rule}="review.grade-depends"),'
        f'IF({c["Value used"]}="Depends","",{c["Value used"]}),"")',
        "Resolution": "="
        + _nested(
            [(f'{rule}="{r}"', f'"{resolution}"') for r, resolution in resolutions]
            + [(refunds, f'"{Resolution.REFUND}"')],
            '""',
        ),
        "Status": f'=IF({rule}="","",IF(LEFT({rule},6)="error.","ERROR",'
        f'IF(LEFT({rule},7)="review.","REVIEW",IF({rule}="not-covered","NOT COVERED","OK"))))',
        "Policy version": f'=IF({rule}="","",xlc_policy_version)',
    }


def _lookups(c: dict[str, str], x: dict[str, str]) -> dict[str, str]:
    issue, part = x["issue"], x["part"]
    value_part = _of("xlc_issue_value_parts", issue, "xlc_issue_names") + '&""'
    known_part = f'IF(LEFT({part},1)="#","",{part})'
    grade_given = f'AND({x["grade"]}<>"",LEFT({x["grade"]},1)<>"#")'
    priced = c["Priced part"]
    return {
        "Policy issue": _lookup("issue", c["Issue key"], c["Issue"]),
        "Policy part": _lookup("part", c["Part key"], c["Part"]),
        "Policy grade": _lookup("grade", c["Grade key"], c["Grade"]),
        "Outcome": f"=IF({x['known_issue']},"
        f'{_of("xlc_issue_outcomes", issue, "xlc_issue_names")},"")',
        "Priced part": f'=IF({x["known_issue"]},IF({value_part}<>"",{value_part},{known_part}),'
        f"{known_part})",
        "Grade used": f"=IF({grade_given},{x['grade']},IF({x['known_issue']},"
        f'{_of("xlc_issue_grades", issue, "xlc_issue_names")}&"",""))',
        "Rate used": f'=IF({c["Grade used"]}="","",'
        f"{_of('xlc_grade_rates', c['Grade used'], 'xlc_grade_names')})",
        "Value used": f"=IF({x['override_given']},{c['Max value override']},"
        f'IF(OR({priced}="",LEFT({priced},1)="#"),"",'
        f"{_of('xlc_part_values', priced, 'xlc_part_names')}))",
    }


def native_formulas(row: int, version: PolicyVersion) -> dict[str, str]:
    """The formulas of one claim line of the native template, by column header."""
    c = _cells(row)
    x = _expressions(c)
    digits = exact_digits(version)
    day = version.effective_from
    formulas = {helper: "=" + key_text(c[field]) for helper, field in _KEYED.items()}
    formulas.update(_lookups(c, x))
    formulas["Rule"] = _rule(c, x, digits, f"DATE({day.year},{day.month},{day.day})")
    formulas["Refund"] = _refund(c, x, digits)
    formulas["Explanation"] = _explanation(c, x)
    formulas.update(_shown(c, x))
    return formulas
