"""What a wheel install carries for the README's Windows steps: the ``xl-claims vba`` command
writes the two committed VBA modules byte for byte, and the package metadata names its licence."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from xl_claims.cli import main

ROOT = Path(__file__).resolve().parent.parent
MACROS = ("xl_claims_udfs.bas", "xl_claims_button.bas")


def test_vba_command_writes_the_committed_modules(tmp_path):
    out = tmp_path / "macros"
    result = CliRunner().invoke(main, ["vba", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == "".join(f"Wrote {out / name}\n" for name in MACROS)
    for name in MACROS:
        assert (out / name).read_bytes() == (ROOT / "macros" / name).read_bytes(), name


def test_vba_command_replaces_nothing_without_force(tmp_path):
    (tmp_path / "xl_claims_button.bas").write_text("mine")
    result = CliRunner().invoke(main, ["vba", str(tmp_path)])
    assert result.exit_code == 2  # a usage error
    assert result.output.endswith(
        f"\nError: {tmp_path / 'xl_claims_button.bas'}: the file exists; "
        "give --force to replace it.\n"
    )
    assert (tmp_path / "xl_claims_button.bas").read_text() == "mine"
    assert not (tmp_path / "xl_claims_udfs.bas").exists()
    result = CliRunner().invoke(main, ["vba", str(tmp_path), "--force"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "xl_claims_button.bas").read_bytes().startswith(b"Attribute VB_Name")


def test_vba_command_texts_follow_the_chosen_policy(tmp_path):
    policy = (ROOT / "xl_claims" / "data" / "policy.toml").read_text(encoding="utf-8")
    policy = policy.replace('name = "Medium"\nrate = "0.50"', 'name = "Medium"\nrate = "0.60"')
    path = tmp_path / "policy.toml"
    path.write_text(policy, encoding="utf-8")
    result = CliRunner().invoke(main, ["vba", str(tmp_path / "out"), "--policy", str(path)])
    assert result.exit_code == 0, result.output
    module = (tmp_path / "out" / "xl_claims_udfs.bas").read_bytes().decode("ascii")
    assert 'Description:="Refund rate of a grade: 0.25 for Low, 0.6 for Medium, 1 for High."' in (
        module
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "-w", str(out), "--no-deps", "-q"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (built,) = out.glob("xl_claims-*.whl")
    return built


def test_the_wheel_names_its_licence_and_carries_the_vba_command(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(metadata_name).decode()
        entry_points = archive.read(metadata_name.replace("METADATA", "entry_points.txt"))
    assert "License-Expression: MIT" in metadata.splitlines()
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert b"xl-claims = xl_claims.cli:main" in entry_points
    for module in ("excel/vba.py", "excel/udfs.py", "cli/excel.py", "data/policy.toml"):
        assert f"xl_claims/{module}" in names, module
