"""``normalize_name`` written as Excel formulas, for the native template's name columns.

The engine folds a name before looking it up (case, spaces, line breaks, non-breaking spaces,
``w/o`` and ``w/``, brackets, trailing punctuation); these formulas fold a cell the same way, in
the same order, so that MATCH against the Policy sheet's folded spellings accepts what the
engine accepts. Where Excel cannot follow (other Unicode spaces, more than three trailing
marks) the folded text stays unknown: the line errs, it never matches another name.
"""

from __future__ import annotations

#: What Python's str.strip() and the name rule treat as spaces, as Excel characters.
_BLANKS = tuple(f"CHAR({code})" for code in (9, 10, 11, 12, 13)) + tuple(
    f"_xlfn.UNICHAR({code})" for code in (160, 8199, 8239)
)
_PUNCTUATION = '{".",",",";",":","!","?"}'


def _spaced(ref: str) -> str:
    text = ref
    for char in _BLANKS:
        text = f'SUBSTITUTE({text},{char}," ")'
    return text


def present(ref: str) -> str:
    """The cell is not blank (what ``is_blank`` says: spaces and line breaks are blank)."""
    return f"LEN(TRIM({_spaced(ref)}))>0"


def key_text(ref: str) -> str:
    """``normalize_name`` up to its last step, marked with "|" (so "()" is not blank)."""
    spaced = f'SUBSTITUTE({_spaced(ref)},_xlfn.UNICHAR(8203)," ")'
    text = f'" "&SUBSTITUTE(LOWER(TRIM({spaced}))," ","  ")&" "'
    for pattern in (" w  /  o ", " w  /o ", " w/  o ", " w/o "):
        text = f'SUBSTITUTE({text},"{pattern}"," without ")'
    for pattern in (" w  /  ", " w  /", " w/  ", " w/"):
        text = f'SUBSTITUTE({text},"{pattern}"," with ")'
    for bracket in "()[]":
        text = f'SUBSTITUTE({text},"{bracket}"," ")'
    return f'IF({present(ref)},"|"&TRIM({text}),"")'


def final_key(helper: str) -> str:
    """``normalize_name``'s last step on a key column: up to 3 trailing punctuation marks."""
    text = f"MID({helper},2,32767)"
    last = f"LEN({text})"

    def is_mark(position: str) -> str:
        return f"OR(MID({text},{position},1)={_PUNCTUATION})"

    marks = f"IF({is_mark(last)},IF({is_mark(f'{last}-1')},IF({is_mark(f'{last}-2')},3,2),1),0)"
    return f"TRIM(LEFT({text},{last}-IFERROR({marks},0)))"


def escaped(expression: str) -> str:
    """A MATCH key with Excel's wildcards (~ * ?) taken literally."""
    return f'SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({expression},"~","~~"),"*","~*"),"?","~?")'


def one_of(expression: str, words) -> str:
    items = ",".join(f'"{w}"' for w in sorted(words))
    return f"OR({expression}={{{items}}})"
