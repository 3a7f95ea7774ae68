"""The plain-Python scorer used where rapidfuzz cannot be installed (xlwings Lite) suggests what
rapidfuzz suggests on the desktop, for the typos staff make."""

from __future__ import annotations

import pytest
from rapidfuzz import fuzz, process

from xl_claims.core import fuzzy
from xl_claims.core.names import normalize_name

TYPOS = {
    "grade": ["Meduim", "Hihg", "Lwo", "Medum", "Hgh", "Depnds", "Mediun", "hi", "Higth"],
    "part": [
        "Wepon",
        "Hed sculpt",
        "Head sculp",
        "Packging box",
        "Weapn (large)",
        "Clothes pice",
        "Seamles figure",
        "Figur stand",
        "Joined figur",
        "Body spcial design",
        "Other scene prop",
        "weapon larg",
        "head sculpt special",
        "stand",
    ],
    "issue": [
        "Brekage",
        "Paintng",
        "Detachmnet",
        "Electronic",
        "Missing acessory",
        "Misshipmnt",
        "Cracking surface",
        "Packaging damge",
        "Severe packging damage",
        "wrong acessory",
        "Deformaton",
    ],
}


@pytest.mark.parametrize("kind", sorted(TYPOS))
def test_the_fallback_ranks_typos_like_rapidfuzz(kind, policy):
    keys = [normalize_name(n) for n in policy.latest.spellings(kind)]
    for typo in TYPOS[kind]:
        query = normalize_name(typo)
        desktop = process.extract(query, keys, scorer=fuzz.WRatio, limit=3, score_cutoff=60)
        lite = fuzzy.extract(query, keys, limit=3, score_cutoff=60)
        assert [c for c, _, _ in lite] == [c for c, _, _ in desktop], typo
        for (_, ours, _), (_, theirs, _) in zip(lite, desktop, strict=True):
            assert ours == pytest.approx(theirs, abs=0.01), typo


@pytest.mark.parametrize(
    ("a", "b"),
    [("wepon", "weapon small"), ("hed sculpt", "head sculpt without special functions")],
)
def test_the_fallback_scores_are_rapidfuzz_wratio(a, b):
    assert fuzzy.wratio(a, b) == pytest.approx(fuzz.WRatio(a, b), abs=0.01)
    assert fuzzy.ratio(a, b) == pytest.approx(fuzz.ratio(a, b), abs=0.01)
    assert fuzzy.partial_ratio(a, b) == pytest.approx(fuzz.partial_ratio(a, b), abs=0.01)
