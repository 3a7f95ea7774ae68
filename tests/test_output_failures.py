"""Output-side failures: one line naming the output and the real cause, no traceback, no
temporary file left behind, and one left by a killed run cleaned up by the next."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from xl_claims.batch import process_files
from xl_claims.batch import run as batch
from xl_claims.cli import main
from xl_claims.core.errors import OutputExistsError
from xl_claims.core.files import TEMP_SUFFIX
from xl_claims.workbook import zipout


def export(path: Path, rows: int = 3) -> Path:
    workbook = Workbook()
    workbook.active.title = "Claims"
    workbook.active.append(["Claim ID", "Part", "Issue"])
    for n in range(rows):
        workbook.active.append([f"C-{n}", "Weapon (small)", "Breakage"])
    workbook.save(path)
    return path


@contextlib.contextmanager
def tiny_disk(folder: Path, size: str = "64k"):
    """A real file system that fills up: a 64 KB tmpfs (needs root; unmounted afterwards)."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"mounting a tmpfs needs root ({mounted.stderr.decode().strip()})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_names_the_output_and_leaves_nothing_behind(tmp_path, policy):
    source = export(tmp_path / "in.xlsx", rows=3000)
    with tiny_disk(tmp_path / "disk") as disk:
        result = process_files([source], policy=policy, output=disk / "out.xlsx")
        assert result.errors == [
            (str(source), f"{disk / 'out.xlsx'}: cannot write it: the disk is full.")
        ]
        assert list(disk.iterdir()) == []


def test_a_write_that_fails_midway_removes_its_temporary_file(tmp_path, policy, monkeypatch):
    source = export(tmp_path / "in.xlsx")
    original = zipout.PartWriter.write

    def full(self, data):
        original(self, data)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zipout.PartWriter, "write", full)
    (tmp_path / "out").mkdir()
    result = process_files([source], policy=policy, output=tmp_path / "out" / "o.xlsx")
    assert result.errors == [
        (str(source), f"{tmp_path / 'out' / 'o.xlsx'}: cannot write it: the disk is full.")
    ]
    assert list((tmp_path / "out").iterdir()) == []


def test_a_read_only_folder_is_one_line_through_the_cli(tmp_path, monkeypatch):
    source = export(tmp_path / "in.xlsx")
    real = os.open

    def read_only(path, flags, *args, **kwargs):
        if str(path).startswith(str(tmp_path / "ro")) and flags & os.O_CREAT:
            raise OSError(errno.EROFS, "Read-only file system")
        return real(path, flags, *args, **kwargs)

    (tmp_path / "ro").mkdir()
    monkeypatch.setattr(os, "open", read_only)
    result = CliRunner().invoke(
        main, ["process", str(source), "--output-dir", str(tmp_path / "ro")]
    )
    assert result.exit_code == 1
    cause = "cannot write it: the folder is on a read-only file system."
    assert result.stderr.splitlines() == [
        f"Error: {tmp_path / 'ro' / 'in.xlsx'}: {cause}",
        f"Error: {tmp_path / 'ro' / 'summary.xlsx'}: {cause}",
    ]
    assert "Traceback" not in result.output


def test_an_output_folder_that_cannot_be_made_is_one_line_per_output(tmp_path, policy, monkeypatch):
    source = export(tmp_path / "in.xlsx")

    def refuse(self, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    folder = tmp_path / "mnt" / "new"
    result = process_files([source], policy=policy, output_dir=folder)
    cause = "cannot write it: the folder is on a read-only file system."
    assert result.errors == [
        (str(source), f"{folder / 'in.xlsx'}: {cause}"),
        (str(folder / "summary.xlsx"), f"{folder / 'summary.xlsx'}: {cause}"),
    ]


def test_an_existing_output_is_refused_before_anything_is_written_and_replaced_with_force(
    tmp_path, policy
):
    source = export(tmp_path / "in.xlsx")
    (tmp_path / "out.xlsx").write_bytes(b"last week")
    with pytest.raises(OutputExistsError) as refused:
        process_files([source], policy=policy, output=tmp_path / "out.xlsx")
    assert str(refused.value) == (
        f"{tmp_path / 'out.xlsx'}: the file exists; give --force to replace it."
    )
    assert (tmp_path / "out.xlsx").read_bytes() == b"last week"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx", "out.xlsx"]
    forced = process_files([source], policy=policy, output=tmp_path / "out.xlsx", force=True)
    assert forced.errors == [] and (tmp_path / "out.xlsx").read_bytes()[:2] == b"PK"


def test_a_replaced_output_keeps_its_mode_and_a_new_one_follows_the_umask(tmp_path, policy):
    source = export(tmp_path / "in.xlsx")
    previous = os.umask(0o022)
    try:
        process_files([source], policy=policy, output=tmp_path / "new.xlsx")
        (tmp_path / "shared.xlsx").write_bytes(b"old")
        os.chmod(tmp_path / "shared.xlsx", 0o664)
        process_files([source], policy=policy, output=tmp_path / "shared.xlsx", force=True)
    finally:
        os.umask(previous)
    assert oct((tmp_path / "new.xlsx").stat().st_mode & 0o777) == oct(0o644)
    assert oct((tmp_path / "shared.xlsx").stat().st_mode & 0o777) == oct(0o664)


def test_a_temporary_left_by_a_killed_run_is_removed_by_the_next(tmp_path, policy):
    source = export(tmp_path / "in.xlsx")
    stale = tmp_path / f".out.xlsx.{2**22 + 12345}.abc{TEMP_SUFFIX}"  # past pid_max: not running
    stale.write_bytes(b"half a workbook")
    result = process_files([source], policy=policy, output=tmp_path / "out.xlsx")
    assert result.errors == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx", "out.xlsx"]


def test_the_batch_goes_on_after_an_output_failure(tmp_path, policy, monkeypatch):
    first, second = export(tmp_path / "a.xlsx"), export(tmp_path / "b.xlsx")
    calls = []
    real = batch.process_workbook

    def fail_first(path, target, *args, **kwargs):
        calls.append(path.name)
        if len(calls) == 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, target, *args, **kwargs)

    monkeypatch.setattr(batch, "process_workbook", fail_first)
    result = process_files([first, second], policy=policy, output_dir=tmp_path / "out")
    assert [Path(f).name for f, _ in result.errors] == ["a.xlsx"]
    assert (tmp_path / "out" / "b.xlsx").exists() and (tmp_path / "out" / "summary.xlsx").exists()
