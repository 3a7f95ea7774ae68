"""The worksheet functions through xlwings' own Windows call path (``call_udf``, with stand-in
ranges as COM hands them over) and xlwings' own "Import Functions" (``import_udfs``): what Excel
on a PC would get back, and what the committed VBA module's registration macro must repeat."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.windows_excel import COM_ERRORS, MISSING, ComRange, windows_excel
from xl_claims.core.engine import decide
from xl_claims.core.model import Claim

ROOT = Path(__file__).resolve().parent.parent
HEAD = "Head sculpt w/ special functions"
#: A free-text issue as support staff paste it from an e-mail (119 characters, as in issue 12).
FREE_TEXT = (
    "Customer says the figure arrived with the left arm snapped off at the elbow, "
    "and the outer box was crushed on one side."
)
EXCEL_TEXT_LIMIT = 255


@pytest.fixture(scope="module")
def excel():
    with windows_excel() as stand_in:
        yield stand_in


def texts_in(result) -> list[str]:
    if isinstance(result, list | tuple):
        return [t for item in result for t in texts_in(item)]
    return [result] if isinstance(result, str) else []


# --- the 255-character limit ------------------------------------------------------------------


def test_the_free_text_issue_would_exceed_excel_limit_unshortened(policy):
    decision = decide(Claim(issue=FREE_TEXT * 2, part=HEAD), policy)
    unshortened = f"ERROR: {decision.explanation} [rule {decision.rule}, policy AS-2026.1]"
    assert len(FREE_TEXT) == 119
    assert len(unshortened) > EXCEL_TEXT_LIMIT  # so the next tests can fail


@pytest.mark.parametrize("issue", [FREE_TEXT, FREE_TEXT * 2, FREE_TEXT + " " + "x" * 400])
def test_claim_explain_fits_in_255_characters_with_reason_and_rule(excel, issue):
    shown = excel.call("CLAIM_EXPLAIN", ComRange(issue), ComRange(HEAD))
    (text,) = texts_in(shown)
    assert len(text) <= EXCEL_TEXT_LIMIT
    assert text.startswith("ERROR: Unknown issue 'Customer says the figure arrived")
    assert text.endswith("[rule error.unknown-issue, policy AS-2026.1]")
    refund = excel.call("CLAIM_REFUND", ComRange(issue), ComRange(HEAD))
    (cell,) = texts_in(refund)
    assert len(cell) <= EXCEL_TEXT_LIMIT
    assert cell.startswith("#ERROR: Unknown issue 'Customer says the figure arrived")


def test_the_shortened_text_shortens_what_was_typed_and_keeps_the_suggestions(excel, policy):
    long_part = "Hed sculpt " + "with a crack at the neck, see the photos " * 8
    decision = decide(Claim(grade="High", part=long_part), policy)
    suggestions = decision.explanation.split("'. Did you mean ", 1)[1]
    (text,) = texts_in(excel.call("REFUND_EXPLAIN", "High", ComRange(long_part)))
    assert len(text) <= EXCEL_TEXT_LIMIT
    assert text.startswith("ERROR: Unknown part 'Hed sculpt with a crack at the neck")
    assert text.endswith(
        f"…'. Did you mean {suggestions} [rule error.unknown-part, policy AS-2026.1]"
    )


def test_no_function_returns_a_text_over_255_characters(excel):
    long = "x" * 300
    calls = {
        "REFUND": [(long, HEAD), ("High", long), ("High", HEAD, long)],
        "CLAIM_REFUND": [(long, HEAD), ("Breakage", long), ("Breakage", HEAD, long)],
        "CLAIM_EXPLAIN": [(long, HEAD), ("Breakage", HEAD, None, None, long)],
        "REFUND_EXPLAIN": [(long, HEAD), ("High", long), ("High", HEAD, long)],
        "REFUND_RATE": [(long,)],
        "PART_VALUE": [(long,)],
        "ISSUE_GRADE": [(long,)],
    }
    for function, argument_lists in calls.items():
        for args in argument_lists:
            shown = excel.call(function, *(ComRange(a) for a in args))
            for text in texts_in(shown):
                assert len(text) <= EXCEL_TEXT_LIMIT, (function, args)


# --- error values as inputs --------------------------------------------------------------------


def test_two_na_inputs_give_an_error_naming_the_first_argument_not_a_blank(excel):
    shown = excel.call("REFUND", ComRange(COM_ERRORS["#N/A"]), ComRange(COM_ERRORS["#N/A"]))
    assert shown == [["#ERROR: Argument grade is the error value #N/A: correct that cell."]]


@pytest.mark.parametrize(
    ("function", "args", "shown"),
    [
        (
            "CLAIM_REFUND",
            ("Breakage", ComRange(COM_ERRORS["#N/A"])),
            "#ERROR: Argument part is the error value #N/A: correct that cell.",
        ),
        (
            "CLAIM_REFUND",
            ("Breakage", HEAD, MISSING, ComRange(COM_ERRORS["#DIV/0!"])),
            "#ERROR: Argument quantity is the error value #DIV/0!: correct that cell.",
        ),
        (
            "CLAIM_EXPLAIN",
            (ComRange(COM_ERRORS["#VALUE!"]), HEAD),
            "ERROR: Argument issue is the error value #VALUE!: correct that cell.",
        ),
        (  # =REFUND(NA(), …): an error value typed into the formula arrives as COM's code
            "REFUND",
            (COM_ERRORS["#N/A"], HEAD),
            "#ERROR: Argument grade is the error value #N/A: correct that cell.",
        ),
        (  # #SPILL! is not one of the errors xlwings names: COM's code 0x800A07FD
            "PART_VALUE",
            (ComRange(-2146826243),),
            "#ERROR: Argument part is the error value #SPILL!: correct that cell.",
        ),
    ],
)
def test_an_error_value_in_an_argument_is_named(excel, function, args, shown):
    assert excel.call(function, *args) == [[shown]]


def test_an_error_cell_in_a_column_errs_on_its_own_line_only(excel):
    issues = ComRange((("Breakage",), (COM_ERRORS["#N/A"],), ("Detachment",)))
    parts = ComRange(((HEAD,), (HEAD,), (HEAD,)))
    assert excel.call("CLAIM_REFUND", issues, parts) == [
        [40.0],
        ["#ERROR: Argument issue is the error value #N/A: correct that cell."],
        [1.25],
    ]


# --- the function wizard ------------------------------------------------------------------------

_VALUE = r'(?:"(?:[^"]|"")*"|ChrW\(\d+\)|\w+)'
_ARGUMENT = re.compile(rf"(\w+):=({_VALUE}(?: & {_VALUE})*)")


def vba_value(expression: str, variables: dict):
    """Evaluate the VBA expressions the registration macro uses: strings, ChrW, & and names."""
    parts = re.findall(_VALUE, expression)
    if len(parts) == 1 and parts[0] in ("True", "False"):
        return parts[0] == "True"
    if len(parts) == 1 and parts[0] in variables and not isinstance(variables[parts[0]], str):
        return variables[parts[0]]
    text = ""
    for part in parts:
        if part.startswith('"'):
            text += part[1:-1].replace('""', '"')
        elif part.startswith("ChrW("):
            text += chr(int(part[5:-1]))
        else:
            text += variables[part]
    return text


def registration_calls(module_text: str, workbook: str) -> list[dict]:
    """The MacroOptions calls RegisterXlClaimsFunctions makes, by running its lines."""
    body = module_text.split("Public Sub RegisterXlClaimsFunctions()\r\n", 1)[1]
    body = body.split("End Sub", 1)[0]
    variables: dict = {"book": f"'{workbook}'!"}
    calls = []
    for line in body.splitlines():
        line = line.strip()
        if line.startswith(("Dim ", 'book = "')):
            continue
        if found := re.fullmatch(r"ReDim args\(0 To (\d+)\)", line):
            variables["args"] = [None] * (int(found.group(1)) + 1)
        elif found := re.fullmatch(rf"args\((\d+)\) = ({_VALUE}(?: & {_VALUE})*)", line):
            variables["args"][int(found.group(1))] = vba_value(found.group(2), variables)
        elif line.startswith("Application.MacroOptions "):
            call = {k: vba_value(v, variables) for k, v in _ARGUMENT.findall(line)}
            calls.append(call)
        else:
            pytest.fail(f"unexpected line in the registration macro: {line}")
    return calls


def test_the_registration_macro_makes_xlwings_own_macro_options_calls(excel):
    book = excel.import_functions("claims.xlsm")
    expected = [{k: v for k, v in call.items() if v is not None} for call in book.macro_options]
    committed = (ROOT / "macros" / "xl_claims_udfs.bas").read_bytes().decode("ascii")
    assert registration_calls(committed, "claims.xlsm") == expected
    assert len(expected) == 11
    refund = next(c for c in expected if c["Macro"] == "'claims.xlsm'!REFUND")
    assert refund["Category"] == "xl-claims"
    assert refund["ArgumentDescriptions"][0] == (
        "Low, Medium or High (or L/M/H); a cell or a column. Depends gives #REVIEW."
    )
    assert refund["Description"].startswith("Partial refund = grade's rate × part's max value")


def test_import_functions_writes_the_module_the_committed_one_extends(excel):
    book = excel.import_functions("claims-template-xlwings.xlsm")
    committed = (ROOT / "macros" / "xl_claims_udfs.bas").read_text(encoding="ascii")
    remaining = committed.splitlines()
    for line in book.imported.splitlines():  # every line xlwings writes, in order
        assert line in remaining, line
        remaining = remaining[remaining.index(line) + 1 :]
