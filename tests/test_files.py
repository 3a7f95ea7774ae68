"""Outputs written atomically, with the permissions a user expects, and clear write errors."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from xl_claims.cli import main
from xl_claims.core.errors import OutputError
from xl_claims.core.files import TEMP_SUFFIX, file_sha256, refuse_existing, write_atomic

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_follows_the_umask_not_mkstemps_0600(tmp_path, umask_022):
    target = write_atomic(tmp_path / "new.txt", lambda p: p.write_text("x"))
    assert mode(target) == 0o644


def test_a_replaced_file_keeps_its_mode(tmp_path, umask_022):
    target = tmp_path / "shared.txt"
    target.write_text("old")
    target.chmod(0o664)
    write_atomic(target, lambda p: p.write_text("new"))
    assert (target.read_text(), mode(target)) == ("new", 0o664)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"old")

    def full_disk(path: Path) -> None:
        path.write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError) as error:
        write_atomic(target, full_disk)
    assert str(error.value) == f"{target}: cannot write it: the disk is full."
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_a_missing_folder_is_named_with_its_cause(tmp_path):
    target = tmp_path / "no-such-folder" / "out.xlsx"
    with pytest.raises(OutputError) as error:
        write_atomic(target, lambda p: p.write_text("x"))
    assert str(error.value) == f"{target}: cannot write it: the folder does not exist."


def test_a_temporary_left_by_a_killed_run_is_removed_by_the_next_write(tmp_path):
    target = tmp_path / "out.xlsx"
    code = (
        "import os, sys, tempfile; "
        f"tempfile.mkstemp(prefix='.out.xlsx.' + str(os.getpid()) + '.', suffix='{TEMP_SUFFIX}', "
        "dir=sys.argv[1])"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True)  # exits: pid gone
    leftovers = list(tmp_path.glob(f"*{TEMP_SUFFIX}"))
    assert len(leftovers) == 1
    write_atomic(target, lambda p: p.write_text("x"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]


def test_refuse_existing_names_the_file_and_the_option(tmp_path):
    target = tmp_path / "report.xlsx"
    refuse_existing(target, force=False)  # nothing there: fine
    target.write_text("x")
    with pytest.raises(OutputError) as error:
        refuse_existing(target, force=False)
    assert str(error.value) == f"{target}: the file exists; give --force to replace it."
    refuse_existing(target, force=True)


def test_file_sha256_is_the_sha256_of_the_bytes(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"abc")
    assert file_sha256(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_process_outputs_are_0644_and_in_place_keeps_0664(tmp_path, umask_022):
    source = tmp_path / "weekly.xlsx"
    shutil.copy(SAMPLES / "weekly-export.xlsx", source)
    result = CliRunner().invoke(main, ["process", str(source), "-o", str(tmp_path / "out.xlsx")])
    assert result.exit_code == 0, result.output
    assert mode(tmp_path / "out.xlsx") == 0o644
    folder = tmp_path / "processed"
    result = CliRunner().invoke(main, ["process", str(source), "--output-dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert {p.name: mode(p) for p in folder.iterdir()} == {
        "weekly.xlsx": 0o644,
        "summary.xlsx": 0o644,
    }
    source.chmod(0o664)
    result = CliRunner().invoke(main, ["process", str(source), "--in-place"])
    assert result.exit_code == 0, result.output
    assert mode(source) == 0o664
