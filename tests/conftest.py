"""Shared fixtures: the bundled policy, paths to shared material, LibreOffice.

Material outside the project (LibreOffice, ``../shared``) is skipped, saying why, where it is
absent (a clone of the project alone); under ``CI=true`` its absence fails the test instead, so
that CI always runs the template, policy-text, corpus and real-export tests.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import pytest

from tests import libreoffice
from xl_claims.core.policy import Policy, load_policy

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
REAL_EXPORTS = SHARED / "real-exports"
POLICY_TEXT = SHARED / "policy" / "after-sales-policy.txt"


def missing_requirements(installed: Callable[[str], bool] | None = None) -> list[str]:
    """The packages ``pyproject.toml`` requires for the tests that this Python does not have."""

    def has(name: str) -> bool:
        try:
            metadata.version(name)
        except metadata.PackageNotFoundError:
            return False
        return True

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    names = [re.match(r"[A-Za-z0-9_.-]+", requirement).group(0) for requirement in wanted]
    return [name for name in names if not (installed or has)(name)]


def dependencies_message(missing: list[str]) -> str:
    return (
        f"This Python ({sys.executable}) lacks xl-claims' test dependencies "
        f"({', '.join(missing)}): run the tests in the project's environment, "
        "`.venv/bin/python -m pytest` after the README's first command (or pip install -e "
        '".[test]" into this one).'
    )


def pytest_configure(config: pytest.Config) -> None:
    """Stop at once, saying what to do, in a Python without the dependencies (not 35 import
    errors)."""
    missing = missing_requirements()
    if missing:
        pytest.exit(dependencies_message(missing), returncode=4)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def require(present: bool, reason: str) -> None:
    """Skip with ``reason`` where something outside the project is missing; fail under CI."""
    if present:
        return
    if in_ci():
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy()


@pytest.fixture(scope="session")
def soffice() -> str:
    """The LibreOffice binary (skipped where it is not installed, failing under CI)."""
    require(libreoffice.SOFFICE is not None, libreoffice.SKIP_REASON)
    assert libreoffice.SOFFICE is not None
    return libreoffice.SOFFICE


@pytest.fixture(scope="session")
def corpus() -> Path:
    """../shared/corpus, read in place."""
    present = (CORPUS / "MANIFEST.tsv").exists()
    require(present, f"the shared corpus is not at {CORPUS} (a clone of the project alone)")
    return CORPUS


@pytest.fixture(scope="session")
def real_exports() -> Path:
    """../shared/real-exports: payment and helpdesk exports written by other programs."""
    present = (REAL_EXPORTS / "SOURCES.md").exists()
    require(present, f"the real exports are not at {REAL_EXPORTS} (a clone of the project alone)")
    return REAL_EXPORTS


@pytest.fixture(scope="session")
def policy_text() -> str:
    """The shop's policy text, the source of every number in the policy file."""
    require(POLICY_TEXT.exists(), f"the policy text is not at {POLICY_TEXT} (a clone alone)")
    return POLICY_TEXT.read_text(encoding="utf-8")
