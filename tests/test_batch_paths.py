"""Commands that never destroy or hide a user's file (issue 10): which files a run reads and
writes, refusals without --force, backups, folders with other files, usage errors."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from xl_claims.batch import process_files
from xl_claims.batch.paths import backup_copy
from xl_claims.cli import main

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"
NOW = dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC)
EXISTS = "the file exists; give --force to replace it."


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_lite_never_replaces_its_files_without_force(tmp_path):
    (tmp_path / "main.py").write_text("# my own main.py\n", encoding="utf-8")
    result = run("lite", tmp_path)
    assert result.exit_code == 2  # a usage error, as template and vba give
    assert f"Error: {tmp_path / 'main.py'}: {EXISTS}" in result.output
    assert (tmp_path / "main.py").read_text(encoding="utf-8") == "# my own main.py\n"
    assert not (tmp_path / "requirements.txt").exists()
    assert run("lite", tmp_path, "--force").exit_code == 0
    assert "xl_claims" in (tmp_path / "main.py").read_text(encoding="utf-8")


def test_in_place_csv_beside_a_users_workbook_is_refused_naming_it(tmp_path):
    csv = tmp_path / "claims.csv"
    shutil.copy(SAMPLES / "weekly-export.csv", csv)
    workbook = tmp_path / "claims.xlsx"
    shutil.copy(SAMPLES / "weekly-export-messy.xlsx", workbook)  # not an xl-claims output
    before = workbook.read_bytes()
    result = run("process", csv, "--in-place")
    assert result.exit_code == 2
    assert (
        "Error: claims.csv --in-place would replace claims.xlsx, a workbook that is not an "
        "xl-claims output; rename it, use -o, or give --force to replace it."
    ) in result.output
    assert workbook.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.csv", "claims.xlsx"]


def test_in_place_csv_replaces_its_own_earlier_output_keeping_a_backup(tmp_path, policy):
    csv = tmp_path / "claims.csv"
    shutil.copy(SAMPLES / "weekly-export.csv", csv)
    first = process_files([csv], policy=policy, in_place=True, now=NOW)
    assert (first.files[0].output, first.files[0].backup) == (tmp_path / "claims.xlsx", None)
    earlier = (tmp_path / "claims.xlsx").read_bytes()
    second = process_files([csv], policy=policy, in_place=True, now=NOW)
    assert second.files[0].backup == tmp_path / "claims.backup-20260316-090000.xlsx"
    assert second.files[0].backup.read_bytes() == earlier


def test_two_in_place_runs_in_one_second_keep_both_backups(tmp_path, policy):
    path = tmp_path / "in.xlsx"
    shutil.copy(SAMPLES / "weekly-export.xlsx", path)
    original = path.read_bytes()
    process_files([path], policy=policy, in_place=True, now=NOW)
    once = path.read_bytes()
    process_files([path], policy=policy, in_place=True, now=NOW)
    first = tmp_path / "in.backup-20260316-090000.xlsx"
    second = tmp_path / "in.backup-20260316-090000-2.xlsx"
    assert (first.read_bytes(), second.read_bytes()) == (original, once)


def test_a_backup_never_replaces_a_file(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"new")
    taken = tmp_path / "a.backup-20260316-090000.xlsx"
    taken.write_bytes(b"older backup")
    assert backup_copy(path, NOW) == tmp_path / "a.backup-20260316-090000-2.xlsx"
    assert taken.read_bytes() == b"older backup"


def test_a_folder_gives_its_claims_files_and_skips_the_tools_outputs(tmp_path):
    exports = tmp_path / "exports"
    exports.mkdir()
    shutil.copy(SAMPLES / "weekly-export.xlsx", exports / "week-11.xlsx")
    (exports / "README.txt").write_text("Exports from the helpdesk, one per week.\n", "utf-8")
    (exports / "notes.tsv").write_text("a\tb\n", "utf-8")
    shutil.copy(SAMPLES / "weekly-export.xlsx", exports / "week-11.xltx")
    assert (
        run("process", exports / "week-11.xlsx", "-o", exports / "aaa-processed.xlsx").exit_code
        == 0
    )
    shutil.copy(exports / "aaa-processed.xlsx", exports / "aab-renamed.xlsx")
    shutil.copy(exports / "aaa-processed.xlsx", exports / "summary.xlsx")
    shutil.copy(SAMPLES / "weekly-export.xlsx", exports / "week-11.backup-20260309-080000-2.xlsx")
    result = CliRunner().invoke(
        main, ["process", str(exports), "--output-dir", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        f"{exports / 'week-11.xlsx'} → {tmp_path / 'out' / 'week-11.xlsx'}: 16 lines (OK 9, "
        "REVIEW 4, NOT COVERED 1, ERROR 1, DUPLICATE 1), refund 154.25 USD"
    )
    assert result.stderr.splitlines() == [
        f"Note: Skipped {exports / 'aaa-processed.xlsx'}: an xl-claims output (-processed); "
        "name it explicitly to process it.",
        f"Note: Skipped {exports / 'aab-renamed.xlsx'}: a workbook with xl-claims' Summary sheet "
        "(an earlier output); name it explicitly to process it.",
        f"Note: Skipped {exports / 'summary.xlsx'}: an xl-claims run summary; name it explicitly "
        "to process it.",
        f"Note: Skipped {exports / 'week-11.backup-20260309-080000-2.xlsx'}: an xl-claims "
        "--in-place backup; name it explicitly to process it.",
    ]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["summary.xlsx", "week-11.xlsx"]


@pytest.mark.parametrize("options", [[], ["--output-dir", "out"], ["--in-place"]])
def test_an_empty_folder_says_so_and_writes_no_summary(tmp_path, options):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "README.txt").write_text("nothing here yet", "utf-8")
    args = [a if a != "out" else str(tmp_path / "out") for a in options]
    result = CliRunner().invoke(main, ["process", str(empty), *args])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: empty: the folder holds no claims files (.xlsx, .xlsm, .csv); nothing to do.\n"
    )
    assert not (tmp_path / "out" / "summary.xlsx").exists()
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["README.txt"]


def test_output_options_that_cannot_work_are_usage_errors_naming_what_was_given(tmp_path):
    claims = tmp_path / "claims.xlsx"
    shutil.copy(SAMPLES / "weekly-export.xlsx", claims)
    cases = {
        (str(claims),): f"the output {claims} would overwrite the input claims.xlsx; choose "
        "another output, or use --in-place to rewrite the input (a backup is kept).",
        (str(tmp_path / "out.csv"),): f"-o {tmp_path / 'out.csv'}: the processed workbook is an "
        ".xlsx (or .xlsm, for a workbook with macros) file, got .csv.",
        (str(tmp_path / "nowhere" / "o.xlsx"),): f"-o {tmp_path / 'nowhere' / 'o.xlsx'}: folder "
        f"'{tmp_path / 'nowhere'}' does not exist.",
    }
    for (output,), message in cases.items():
        result = run("process", claims, "-o", output)
        assert (result.exit_code, result.output.splitlines()[-1]) == (2, f"Error: {message}")
    done = tmp_path / "done.xlsx"
    assert run("process", claims, "-o", done).exit_code == 0
    again = run("process", claims, "-o", done)
    assert (again.exit_code, again.output.splitlines()[-1]) == (2, f"Error: {done}: {EXISTS}")
    assert run("process", claims, "-o", done, "--force").exit_code == 0
    out = tmp_path / "out"
    assert run("process", claims, "--output-dir", out).exit_code == 0
    rerun = run("process", claims, "--output-dir", out)
    assert rerun.exit_code == 2
    assert rerun.output.splitlines()[-1] == (
        f"Error: {out / 'claims.xlsx'}, {out / 'summary.xlsx'}: {EXISTS}"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.xlsx", "done.xlsx", "out"]


def test_map_switches_a_resolution_column_of_notes_off(tmp_path):
    helpdesk = tmp_path / "helpdesk.csv"
    helpdesk.write_text(
        "Ticket,Issue,Part,Resolution\n"
        "T-1,Breakage,Weapon (large),Closed\n"
        "T-2,Breakage,Weapon (small),Case maybe show customer the photo\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.xlsx"
    plain = run("process", helpdesk, "-o", out, "--json")
    sheet = load_workbook(out)["helpdesk"]
    explanation = [c.value for c in sheet[1]].index("Explanation")
    assert sheet.cell(2, explanation + 1).value.startswith(
        "Unknown resolution 'Closed'. Did you mean "
    )
    assert (
        "If that column holds notes, not the customer's choice, switch it off with "
        "--map resolution= (process, reconcile). [rule error.unknown-resolution]"
    ) in sheet.cell(2, explanation + 1).value
    assert '"ERROR": 2' in plain.output
    switched = run("process", helpdesk, "-o", out, "--force", "--map", "resolution=", "--json")
    assert switched.exit_code == 0
    assert '"OK": 2' in switched.output and '"total_refund": "20.00"' in switched.output
