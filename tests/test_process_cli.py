"""``xl-claims process``: what the user sees, exit codes 0/1/2, --json, --quiet, --strict."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from xl_claims.cli import main

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"


def run(*args):
    return CliRunner().invoke(main, ["process", *map(str, args)])


def test_one_input_with_output_prints_counts_and_total(tmp_path):
    out = tmp_path / "processed.xlsx"
    result = run(SAMPLES / "weekly-export.xlsx", "-o", out)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{SAMPLES / 'weekly-export.xlsx'} → {out}: 16 lines (OK 9, REVIEW 4, NOT COVERED 1, "
        "ERROR 1, DUPLICATE 1), refund 154.25 USD",
        "Total: OK 9, REVIEW 4, NOT COVERED 1, ERROR 1, DUPLICATE 1; refund 154.25 USD",
    ]
    assert load_workbook(out).sheetnames == ["Claims", "Summary"]


def test_folder_with_json_result(tmp_path):
    result = run(SAMPLES, "--output-dir", tmp_path / "out", "--json")
    assert result.exit_code == 0
    payload = json.loads(result.output)
    assert payload["counts"] == {
        "OK": 18, "REVIEW": 6, "NOT COVERED": 1, "ERROR": 5, "DUPLICATE": 2
    }  # fmt: skip
    assert payload["total_refund"] == "322.33" and payload["currency"] == "USD"
    assert payload["summary"] == str(tmp_path / "out" / "summary.xlsx")
    assert [Path(f["output"]).name for f in payload["files"]] == [
        "weekly-export-messy.xlsx",
        "weekly-export.csv.xlsx",
        "weekly-export.xlsx",
    ]
    assert payload["files"][0]["counts"]["DUPLICATE"] == 1
    assert payload["errors"] == []


def test_a_bad_file_exits_1_and_the_others_are_written(tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 truncated")
    good = tmp_path / "good.xlsx"
    shutil.copy(SAMPLES / "weekly-export.xlsx", good)
    result = run(broken, good, "--output-dir", tmp_path / "out", "--quiet")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "Error: broken.xlsx: the workbook is damaged or truncated (its zip directory cannot be "
        "read); copy or export it again.\n"
    )
    assert (tmp_path / "out" / "good.xlsx").exists()


def test_strict_turns_error_rows_into_exit_1(tmp_path):
    assert run(SAMPLES / "weekly-export.csv", "-o", tmp_path / "a.xlsx", "--quiet").exit_code == 0
    strict = run(SAMPLES / "weekly-export.csv", "-o", tmp_path / "b.xlsx", "--strict", "--quiet")
    assert strict.exit_code == 1


def test_usage_errors_exit_2(tmp_path):
    several = run(SAMPLES / "weekly-export.xlsx", SAMPLES / "weekly-export.csv")
    assert several.exit_code == 2
    assert "Error: 2 inputs need --output-dir DIR (one processed workbook each, plus " in (
        several.output
    )
    bad_map = run(SAMPLES / "weekly-export.xlsx", "--map", "colour=Color", "-o", tmp_path / "x")
    assert bad_map.exit_code == 2
    assert "Unknown field 'colour'" in bad_map.output
    assert run().exit_code == 2


def test_map_option_reaches_the_reader(tmp_path):
    source = tmp_path / "odd.csv"
    source.write_text("Ticket,Figure piece,Grade\nT-1,Weapon (small),High\n", encoding="utf-8")
    result = run(source, "--map", "part=Figure piece", "-o", tmp_path / "odd.xlsx", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["total_refund"] == "5.00"


def test_help_documents_the_command():
    result = CliRunner().invoke(main, ["process", "--help"])
    assert result.exit_code == 0
    for option in ("--output-dir", "--sheet", "--policy", "--map", "--in-place", "--strict"):
        assert option in result.output
    assert "xl-claims process exports/*.xlsx --output-dir processed/" in result.output
