"""Shared fixtures: the bundled policy, paths to shared material, LibreOffice."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import libreoffice
from xl_claims.core.policy import Policy, load_policy

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
POLICY_TEXT = SHARED / "policy" / "after-sales-policy.txt"


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy()


@pytest.fixture(scope="session")
def soffice() -> str:
    """The LibreOffice binary; the test is skipped, saying why, where it is not installed."""
    if libreoffice.SOFFICE is None:
        pytest.skip(libreoffice.SKIP_REASON)
    return libreoffice.SOFFICE


@pytest.fixture(scope="session")
def corpus() -> Path:
    """../shared/corpus, read in place; skipped where only the project was cloned."""
    if not (CORPUS / "MANIFEST.tsv").exists():
        pytest.skip(f"the shared corpus is not at {CORPUS} (a clone of the project alone)")
    return CORPUS
