"""The one name-matching rule."""

import pytest

from xl_claims.core.names import normalize_name, suggest


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Head sculpt w/o special functions", "head sculpt without special functions"),
        ("Head sculpt w/ special functions", "HEAD  SCULPT WITH SPECIAL FUNCTIONS"),
        ("Head sculpt w/special functions", "Head sculpt with special functions"),
        ("Weapon (small)", "weapon small"),
        ("Weapon (small)", "Weapon(small)"),
        ("Weapon (small)", " weapon\u00a0(small)\n"),
        ("Weapon (small)", "Weapon (small)."),
        ("Missing accessory", "missing\r\naccessory?"),
        (
            "The detachment between accessories(can be fixed)",
            "the detachment between accessories (can be fixed)",
        ),
    ],
)
def test_spellings_that_are_the_same_name(a, b):
    assert normalize_name(a) == normalize_name(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Head sculpt w/o special functions", "Head sculpt w/ special functions"),
        ("Weapon (small)", "Weapon (large)"),
        ("Clothes piece w/o special design (small)", "Clothes piece w/ special design (small)"),
    ],
)
def test_spellings_that_stay_different(a, b):
    assert normalize_name(a) != normalize_name(b)


def test_suggest_orders_best_first_and_drops_far_ones():
    names = ["Weapon (large)", "Weapon (small)", "Packaging box"]
    assert suggest("weapon smal", names) == ["Weapon (small)"]
    assert suggest("zzzz", names) == []
