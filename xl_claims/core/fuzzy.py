"""The "Did you mean …?" scorer where rapidfuzz cannot be installed (xlwings Lite).

rapidfuzz is a compiled package: the desktop always has it, xlwings Lite may not. This module
scores like rapidfuzz's ``fuzz.WRatio`` (the weighted mix of the plain, partial and token ratios,
on the same Indel similarity) in plain Python, so that a typo such as ``Wepon`` gets the same
suggestions in Lite as on the desktop. It is for messages only, never for money, and slow
(quadratic per pair): it runs only for names that are not known.
"""

from __future__ import annotations

from collections.abc import Sequence

_UNBASE_SCALE = 0.95


def _lcs(a: str, b: str) -> int:
    """Length of the longest common subsequence (the Indel distance's core)."""
    previous = [0] * (len(b) + 1)
    for char in a:
        current = [0]
        for j, other in enumerate(b):
            current.append(previous[j] + 1 if char == other else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def ratio(a: str, b: str) -> float:
    """rapidfuzz's ``fuzz.ratio``: the normalised Indel similarity, 0-100."""
    total = len(a) + len(b)
    return 100.0 * 2 * _lcs(a, b) / total if total else 100.0


def partial_ratio(a: str, b: str) -> float:
    """The best ratio of the shorter string against every alignment within the longer one."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if not short:
        return 0.0
    width = len(short)
    starts = range(1 - width, len(long))
    return max(ratio(short, long[max(0, start) : start + width]) for start in starts)


def _token_set_ratio(a: str, b: str) -> float:
    tokens_a, tokens_b = set(a.split()), set(b.split())
    if not tokens_a or not tokens_b:
        return 0.0
    common = tokens_a & tokens_b
    only_a, only_b = sorted(tokens_a - tokens_b), sorted(tokens_b - tokens_a)
    if common and (not only_a or not only_b):
        return 100.0
    joined_a, joined_b = " ".join(only_a), " ".join(only_b)
    common_len = len(" ".join(sorted(common)))
    with_a = common_len + bool(common_len) + len(joined_a)
    with_b = common_len + bool(common_len) + len(joined_b)
    distance = len(joined_a) + len(joined_b) - 2 * _lcs(joined_a, joined_b)
    best = 100.0 - 100.0 * distance / (with_a + with_b)
    if common_len:
        best = max(
            best,
            100.0 - 100.0 * (bool(common_len) + len(joined_a)) / (common_len + with_a),
            100.0 - 100.0 * (bool(common_len) + len(joined_b)) / (common_len + with_b),
        )
    return best


def _token_ratio(a: str, b: str) -> float:
    sorted_ratio = ratio(" ".join(sorted(a.split())), " ".join(sorted(b.split())))
    return max(sorted_ratio, _token_set_ratio(a, b))


def _partial_token_ratio(a: str, b: str) -> float:
    tokens_a, tokens_b = set(a.split()), set(b.split())
    if tokens_a & tokens_b:
        return 100.0
    sorted_a, sorted_b = " ".join(sorted(a.split())), " ".join(sorted(b.split()))
    best = partial_ratio(sorted_a, sorted_b)
    only_a, only_b = " ".join(sorted(tokens_a - tokens_b)), " ".join(sorted(tokens_b - tokens_a))
    if (only_a, only_b) != (sorted_a, sorted_b):
        best = max(best, partial_ratio(only_a, only_b))
    return best


def wratio(a: str, b: str) -> float:
    """rapidfuzz's ``fuzz.WRatio``: the plain ratio, or the token and partial ratios, scaled."""
    if not a or not b:
        return 0.0
    length_ratio = max(len(a), len(b)) / min(len(a), len(b))
    best = ratio(a, b)
    if length_ratio < 1.5:
        return max(best, _token_ratio(a, b) * _UNBASE_SCALE)
    partial_scale = 0.9 if length_ratio <= 8.0 else 0.6
    best = max(best, partial_ratio(a, b) * partial_scale)
    return max(best, _partial_token_ratio(a, b) * _UNBASE_SCALE * partial_scale)


def extract(
    query: str, choices: Sequence[str], limit: int, score_cutoff: float
) -> list[tuple[str, float, int]]:
    """rapidfuzz's ``process.extract`` with ``WRatio``: (choice, score, index), best first."""
    scored = [(choice, wratio(query, choice), index) for index, choice in enumerate(choices)]
    kept = [item for item in scored if item[1] >= score_cutoff]
    return sorted(kept, key=lambda item: (-item[1], item[2]))[:limit]
