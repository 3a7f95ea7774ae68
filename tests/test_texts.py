"""The function wizard's texts name the policy's grades, rates, parts and issues by reading the
policy file: none is written in Python, and a changed policy changes them."""

from __future__ import annotations

from pathlib import Path

from xl_claims.core.policy import default_policy_path, load_policy
from xl_claims.excel import texts, udfs

EXCEL = Path(udfs.__file__).parent


def test_the_bundled_policy_gives_the_texts_staff_read(policy):
    docs = texts.argument_docs(texts.policy_words(policy.latest))
    assert docs["grade"] == (
        "Low, Medium or High (or L/M/H); a cell or a column. Depends gives #REVIEW."
    )
    assert docs["value_override"].endswith(
        "needed when the part's value is Depends (Figure stand w/ special design or Packaging box)."
    )
    assert (
        docs["issue"]
        == "Issue type, e.g. Electronics, Wrong accessory or Painting; a cell or a column."
    )
    assert (
        udfs.REFUND_RATE.__doc__
        == "Refund rate of a grade: 0.25 for Low, 0.5 for Medium, 1 for High."
    )
    assert udfs.REFUND.__doc__.startswith(
        "Partial refund = grade's rate × part's max value × quantity, e.g. 40 for High and \"Head "
        'sculpt w/ special functions".'
    )


def test_another_policy_gives_other_texts(tmp_path):
    text = default_policy_path().read_text(encoding="utf-8")
    text = text.replace(
        'name = "High"\nrate = "1.00"\naliases = ["H"]', 'name = "Top"\nrate = "0.90"'
    )
    text = text.replace('grade = "High"', 'grade = "Top"')
    text = text.replace(
        'name = "Packaging box"\nmax_value = "Depends"', 'name = "Packaging box"\nmax_value = "3"'
    )
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    words = texts.policy_words(load_policy(path).latest)
    docs = texts.argument_docs(words)
    assert docs["grade"].startswith("Low, Medium or Top (or L/M); ")
    assert words["rates"] == "0.25 for Low, 0.5 for Medium, 0.9 for Top"
    assert words["example_refund"] == '36 for Top and "Head sculpt w/ special functions"'
    assert docs["value_override"].endswith("value is Depends (Figure stand w/ special design).")


def test_no_policy_name_is_written_in_the_function_modules(policy):
    version = policy.latest
    names = [*version.names("grade"), *version.names("part"), *version.names("issue")]
    names += [
        a for kind in ("grade", "part", "issue") for v in version.aliases[kind].values() for a in v
    ]
    for module in ("udfs.py", "texts.py"):
        source = (EXCEL / module).read_text(encoding="utf-8")
        written = [n for n in names if len(n) > 3 and (f'"{n}' in source or f" {n}," in source)]
        assert written == [], module


def test_every_wizard_text_fits_excel_limit(policy):
    for function in udfs.FUNCTIONS:
        assert len(function.__doc__) <= 255, function.__name__
    assert all(len(doc) <= 255 for doc in udfs.ARG_DOCS.values())
