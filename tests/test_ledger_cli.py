"""``xl-claims ledger runs|show|export|void``: the exact text, files and exit codes a user sees."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from xl_claims.batch import process_files
from xl_claims.cli import main

HEADER = "Claim ID,Order,Date,Issue,Part,Grade,Qty"
MONDAY = dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.UTC)
NEXT_MONDAY = dt.datetime(2026, 3, 9, 8, 30, tzinfo=dt.UTC)


@pytest.fixture
def ledger(tmp_path: Path, policy) -> Path:
    """Two runs: week 1 (CLM-1 15.00, a part named like a formula 5.00), week 2 (CLM-1 again,
    and C-3 without a date)."""
    path = tmp_path / "ledger.sqlite"
    week1 = tmp_path / "week1.csv"
    week1.write_text(
        f"{HEADER}\nCLM-1,#1,2026-02-27,Breakage,Weapon (large),,1\n"
        'C-2,#2,2026-03-01,Breakage,=HYPERLINK("x"),,1\n',
        encoding="utf-8",
    )
    week2 = tmp_path / "week2.csv"
    week2.write_text(
        f"{HEADER}\nclm-1,#1,2026-02-27,Breakage,Weapon (large),,1\n"
        "C-3,#3,,Breakage,Weapon (small),,1\n",
        encoding="utf-8",
    )
    for source, when in ((week1, MONDAY), (week2, NEXT_MONDAY)):
        out = tmp_path / f"{source.stem}.xlsx"
        process_files([source], policy=policy, output=out, ledger=path, now=when)
    return path


def run(*args):
    return CliRunner().invoke(main, ["ledger", *map(str, args)])


def test_runs_lists_each_run_with_files_lines_refund_and_cross_run_counts(ledger):
    result = run("runs", "--ledger", ledger)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Run  Started (UTC)         Files  Lines  Refund  Dup.  Changed  Policy",
        "  1  2026-03-02T08:30:00Z      1      2   15.00     0        0  AS-2026.1",
        "  2  2026-03-09T08:30:00Z      1      2    5.00     1        0  AS-2026.1",
    ]


def test_runs_as_json_has_exact_amounts_and_the_recorded_options(ledger, tmp_path):
    result = run("runs", "--ledger", ledger, "--json")
    runs = json.loads(result.output)
    assert [(r["id"], r["refund_total"], r["lines"]) for r in runs] == [
        (1, "15.00", 2),
        (2, "5.00", 2),
    ]
    assert runs[0]["options"]["inputs"] == [str(tmp_path / "week1.csv")]


def test_show_prints_a_claims_history_in_every_run(ledger):
    result = run("show", "--claim", "#clm-1", "--ledger", ledger)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Claim #clm-1: 2 line(s) in {ledger}",
        "run 1 2026-03-02T08:30:00Z: week1.csv row 2, Weapon (large): OK, 15.00 USD; counts",
        "    High (100%) × 'Weapon (large)' max value 15.00 × 1 = 15.00 USD [rule refund.graded]",
        "run 2 2026-03-09T08:30:00Z: week2.csv row 2, Weapon (large): DUPLICATE, no amount; "
        "does not count",
        "    Duplicate of run 1: week1.csv row 2, decided 15.00 on 2026-03-02; counted once "
        "there. [rule duplicate.earlier-run]",
    ]


def test_show_an_unknown_claim_exits_1_saying_so(ledger):
    result = run("show", "--claim", "CLM-404", "--ledger", ledger)
    assert result.exit_code == 1
    assert result.output == f"Error: No line of claim 'CLM-404' in the ledger {ledger}.\n"


def test_export_csv_of_a_period_uses_the_claim_date_else_the_run_date(ledger, tmp_path):
    target = tmp_path / "march.csv"
    result = run("export", "--from", "2026-03-01", "--to", "2026-03-31", "-o", target,
                 "--ledger", ledger)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote 2 line(s) to {target}\n"
    with open(target, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["Run"], r["Claim ID"], r["Claim date"], r["Part"], r["Refund"]) for r in rows] == [
        ("1", "C-2", "2026-03-01", '=HYPERLINK("x")', ""),  # as recorded: a CSV is data
        ("2", "C-3", "", "Weapon (small)", "5.00"),  # no claim date: run 2 is in March
    ]


def test_export_xlsx_writes_money_as_numbers_and_every_line_with_its_run(ledger, tmp_path):
    target = tmp_path / "all.xlsx"
    assert run("export", "-o", target, "--ledger", ledger).exit_code == 0
    sheet = load_workbook(target)["Ledger"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:3] == ("Run", "Run started (UTC)", "Run void")
    pick = [header.index(h) for h in ("Run", "Claim ID", "Status", "Refund", "Counts")]
    assert [tuple(row[i] for i in pick) for row in rows[1:]] == [
        (1, "CLM-1", "OK", 15, "yes"),
        (1, "C-2", "ERROR", None, "yes"),
        (2, "clm-1", "DUPLICATE", None, "no"),
        (2, "C-3", "OK", 5, "yes"),
    ]
    refund = sheet.cell(row=2, column=header.index("Refund") + 1)
    assert refund.number_format == "[$USD] #,##0.00;-[$USD] #,##0.00;[$USD] 0.00"
    part = sheet.cell(row=3, column=header.index("Part") + 1)
    assert (part.value, part.data_type) == ('=HYPERLINK("x")', "s")
    assert sheet.freeze_panes == "A2"


def test_export_refuses_to_replace_a_file_without_force_and_other_suffixes(ledger, tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("keep me", encoding="utf-8")
    result = run("export", "-o", target, "--ledger", ledger)
    assert result.exit_code == 2  # a usage error, as for every command's existing output
    assert f"Error: {target}: the file exists; give --force to replace it.\n" in result.output
    assert target.read_text(encoding="utf-8") == "keep me"
    assert run("export", "-o", target, "--ledger", ledger, "--force").exit_code == 0
    assert target.read_text(encoding="utf-8-sig").startswith("Run,Run started (UTC),")
    wrong = run("export", "-o", tmp_path / "out.json", "--ledger", ledger)
    assert wrong.exit_code == 2
    assert "give a .xlsx or .csv file, got" in wrong.output


def test_void_keeps_the_run_with_reason_and_time_and_its_lines_stop_counting(ledger):
    result = run("void", "1", "--reason", "wrong export", "--ledger", ledger)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Run 1 voided at ")
    assert result.output.endswith(
        ": wrong export. Its 2 line(s) no longer count; the next run decides them afresh.\n"
    )
    listed = run("runs", "--ledger", ledger).output.splitlines()
    assert listed[1].startswith("  1  2026-03-02T08:30:00Z      1      2   15.00")
    assert listed[1].endswith(": wrong export")
    assert "VOID 20" in listed[1]
    again = run("void", "1", "--reason", "twice", "--ledger", ledger)
    assert again.exit_code == 1
    assert again.output.startswith("Error: Run 1 was already voided at ")


def test_a_ledger_command_without_a_ledger_is_a_usage_error_and_a_missing_file_an_error(
    tmp_path,
):
    result = CliRunner().invoke(main, ["ledger", "runs"], env={"XL_CLAIMS_LEDGER": None})
    assert result.exit_code == 2
    assert "Missing option '--ledger'" in result.output
    missing = tmp_path / "nope.sqlite"
    result = run("runs", "--ledger", missing)
    assert result.exit_code == 1
    assert result.output == f"Error: Ledger {missing} does not exist; check the path.\n"
    assert not missing.exists()


def test_the_ledger_totals_equal_the_sum_of_the_lines_that_count(ledger, tmp_path):
    target = tmp_path / "all.csv"
    run("export", "-o", target, "--ledger", ledger)
    with open(target, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    runs = json.loads(run("runs", "--ledger", ledger, "--json").output)
    for record in runs:
        counted = [
            Decimal(r["Refund"])
            for r in rows
            if r["Run"] == str(record["id"]) and r["Counts"] == "yes" and r["Refund"]
        ]
        assert Decimal(record["refund_total"]) == sum(counted, Decimal("0"))
