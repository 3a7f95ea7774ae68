"""Regenerate the committed Excel artefacts: the two VBA modules and the two claims templates.

    python scripts/regenerate_excel_artifacts.py

Tests compare the committed files with a fresh generation, so a change to the functions or the
policy file shows up as a stale-file failure until this is run and the diff reviewed.
"""

from __future__ import annotations

from pathlib import Path

from xl_claims.core.policy import load_policy
from xl_claims.excel.vba import generate_vba_files
from xl_claims.workbook.template import TEMPLATE_FILES, write_template

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    for name, data in generate_vba_files().items():
        macro = ROOT / "macros" / name
        macro.write_bytes(data)
        print(f"wrote {macro.relative_to(ROOT)}")
    policy = load_policy()
    for flavour, name in TEMPLATE_FILES.items():
        target = ROOT / "templates" / name
        write_template(target, policy, flavour)
        print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
