"""The one name-matching rule every adapter uses: forgiving of typing, never of meaning."""

from __future__ import annotations

import re
from collections.abc import Iterable

try:
    from rapidfuzz import fuzz, process
except ImportError:  # xlwings Lite without rapidfuzz: the same scores in plain Python
    from xl_claims.core import fuzzy

    def _extract(query: str, keys: list[str], limit: int) -> list[tuple[str, float, int]]:
        return fuzzy.extract(query, keys, limit=limit, score_cutoff=60)

else:

    def _extract(query: str, keys: list[str], limit: int) -> list[tuple[str, float, int]]:
        return process.extract(query, keys, scorer=fuzz.WRatio, limit=limit, score_cutoff=60)


_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u200b]+")
_WITHOUT = re.compile(r"\bw\s*/\s*o\b")
_WITH = re.compile(r"\bw\s*/\s*")
_BRACKETS = re.compile(r"[()\[\]]")
_TRAILING = ".,;:!?"


def normalize_name(value: object) -> str:
    """Fold a name to its matching key.

    Case, repeated/surrounding spaces, line breaks, non-breaking spaces and trailing punctuation
    do not matter; ``w/o`` means ``without`` and ``w/`` means ``with``; brackets are spaces, so
    ``Weapon (small)``, ``Weapon(small)`` and ``Weapon small`` are the same name.
    """
    text = _SPACES.sub(" ", str(value)).strip().casefold()
    text = _WITHOUT.sub("without ", text)
    text = _WITH.sub("with ", text)
    text = _BRACKETS.sub(" ", text)
    text = _SPACES.sub(" ", text).strip().rstrip(_TRAILING).strip()
    return text


def join_or(items: Iterable[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``: a list of choices in a sentence."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def suggest(value: object, candidates: Iterable[str], limit: int = 3) -> list[str]:
    """The known names closest to ``value``, best first: for messages only, never for money."""
    names = list(dict.fromkeys(candidates))
    keys = [normalize_name(n) for n in names]
    found = _extract(normalize_name(value), keys, limit)
    if not found:
        return []
    best = found[0][1]
    return [names[index] for _, score, index in found if score >= best - 4]
