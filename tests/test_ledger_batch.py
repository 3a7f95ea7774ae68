"""``process --ledger``: weekly files checked against earlier runs, what the outputs, the
Summary sheet and ``--json`` say, and a run that cannot use its ledger."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from xl_claims.batch import process_files
from xl_claims.cli import main
from xl_claims.ledger import Ledger, list_runs, void_run

HEADER = "Claim ID,Order,Date,Issue,Part,Grade,Qty"
MONDAY = dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.UTC)
NEXT_MONDAY = dt.datetime(2026, 3, 9, 8, 30, tzinfo=dt.UTC)


def week(folder: Path, name: str, *rows: str) -> Path:
    path = folder / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def computed(path: Path) -> list[tuple]:
    """(claim id, refund, status, explanation) of each data row of a processed workbook."""
    sheet = load_workbook(path).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    columns = [header.index(name) for name in ("Claim ID", "Refund", "Status", "Explanation")]
    return [
        tuple(row[i] for i in columns)
        for row in sheet.iter_rows(min_row=2, values_only=True)
        if any(v is not None for v in row)
    ]


def summary_pairs(path: Path) -> dict:
    sheet = load_workbook(path)["Summary"]
    return {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row[0]}


def process(path: Path, ledger: Path, when: dt.datetime, policy, **options):
    target = path.with_name(f"{path.stem}-{when:%d}.xlsx")
    return process_files([path], policy=policy, output=target, ledger=ledger, now=when, **options)


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return tmp_path / "ledger.sqlite"


def test_an_overlapping_line_in_next_weeks_file_is_duplicate_naming_the_first_file(
    tmp_path, ledger, policy
):
    week1 = week(tmp_path, "week1.csv", "CLM-1,#1,2026-02-27,Breakage,Weapon (large),,1")
    week2 = week(
        tmp_path,
        "week2.csv",
        "C-7,#7,2026-03-04,Breakage,Weapon (small),,1",
        "clm-1,#1,2026-02-27,Breakage,weapon large,,1",
    )
    process(week1, ledger, MONDAY, policy)
    result = process(week2, ledger, NEXT_MONDAY, policy)
    assert computed(result.files[0].output) == [
        ("C-7", 5, "OK", "High (100%) × 'Weapon (small)' max value 5.00 × 1 = 5.00 USD "
         "[rule refund.graded]"),
        ("clm-1", None, "DUPLICATE", "Duplicate of run 1: week1.csv row 2, decided 15.00 on "
         "2026-03-02; counted once there. [rule duplicate.earlier-run]"),
    ]  # fmt: skip
    assert result.total == Decimal("5.00")
    ledger_json = result.to_dict()["ledger"]
    assert (ledger_json["run"], ledger_json["lines_recorded"]) == (2, 2)
    assert ledger_json["created"] is False  # made by the first run
    assert (ledger_json["cross_run_duplicates"], ledger_json["cross_run_changes"]) == (1, 0)
    summary = summary_pairs(result.files[0].output)
    assert summary["Ledger"] == str(ledger)
    assert (summary["Ledger run"], summary["Cross-run duplicates"]) == (2, 1)
    assert summary["Cross-run changes (REVIEW)"] == 0


def test_a_changed_line_is_review_with_both_amounts(tmp_path, ledger, policy):
    week1 = week(tmp_path, "week1.csv", "CLM-1,#1,2026-02-27,Breakage,Weapon (large),Medium,1")
    week2 = week(tmp_path, "week2.csv", "CLM-1,#1,2026-02-27,Breakage,Weapon (large),,1")
    process(week1, ledger, MONDAY, policy)
    result = process(week2, ledger, NEXT_MONDAY, policy)
    assert computed(result.files[0].output) == [
        ("CLM-1", None, "REVIEW", "Decided 7.50 in run 1 on 2026-03-02; now 15.00 (week1.csv "
         "row 2): the policy or the line changed; review it, never a second refund. "
         "[rule review.changed-since-run]"),
    ]  # fmt: skip
    assert result.total == Decimal("0.00")
    assert result.to_dict()["ledger"]["cross_run_changes"] == 1


def test_the_same_file_again_adds_nothing_and_gives_the_same_output(tmp_path, ledger, policy):
    week1 = week(
        tmp_path,
        "week1.csv",
        "CLM-1,#1,2026-02-27,Breakage,Weapon (large),,1",
        "CLM-1,#1,2026-02-27,Breakage,Weapon (large),,1",
        ",#2,2026-02-28,Breakage,Weapon (small),,2",
    )
    first = process(week1, ledger, MONDAY, policy)
    again = process(week1, ledger, NEXT_MONDAY, policy)
    assert computed(again.files[0].output) == computed(first.files[0].output)
    assert [row[2] for row in computed(again.files[0].output)] == ["OK", "DUPLICATE", "OK"]
    assert again.total == first.total == Decimal("25.00")
    assert again.files[0].recorded_in == 1
    assert again.ledger_lines == 0
    with Ledger(ledger) as book:
        assert [(r.id, r.files, r.lines, r.refund_total) for r in list_runs(book)] == [
            (1, 1, 3, Decimal("25.00")),
            (2, 1, 0, Decimal("0.00")),
        ]
    assert again.files[0].warnings == [
        "Already recorded in the ledger by run 1 (same SHA-256): its lines are recognised as "
        "themselves and not counted again.",
        "1 line(s) without a claim id (rows 4) are recorded in the ledger but cannot be checked "
        "against earlier runs.",
    ]
    third = process(week1, ledger, NEXT_MONDAY + dt.timedelta(days=1), policy)
    assert third.files[0].warnings[0].startswith("Already recorded in the ledger by run 1 ")
    assert computed(third.files[0].output) == computed(first.files[0].output)


def test_after_a_void_the_line_counts_again_in_the_next_run(tmp_path, ledger, policy):
    week1 = week(tmp_path, "week1.csv", "CLM-1,#1,2026-02-27,Breakage,Weapon (large),,1")
    week2 = week(tmp_path, "week2.csv", "CLM-1,#1,2026-02-27,Breakage,Weapon (large),,1")
    process(week1, ledger, MONDAY, policy)
    assert computed(process(week2, ledger, NEXT_MONDAY, policy).files[0].output)[0][2] == (
        "DUPLICATE"
    )
    with Ledger(ledger) as book:
        void_run(book, 1, "wrong export", NEXT_MONDAY)
    again = process(week2, ledger, NEXT_MONDAY + dt.timedelta(days=1), policy)
    assert computed(again.files[0].output) == [
        ("CLM-1", 15, "OK", "High (100%) × 'Weapon (large)' max value 15.00 × 1 = "
         "15.00 USD [rule refund.graded]"),
    ]  # fmt: skip
    assert again.ledger_lines == 1  # recorded anew: it counts now
    with Ledger(ledger) as book:
        assert [(r.id, r.refund_total, r.voided_at) for r in list_runs(book)] == [
            (1, Decimal("15.00"), "2026-03-09T08:30:00Z"),
            (2, Decimal("0.00"), None),
            (3, Decimal("15.00"), None),
        ]


def test_the_run_records_utc_time_tool_and_policy_versions_and_options(tmp_path, ledger, policy):
    week1 = week(tmp_path, "week1.csv", "CLM-1,#1,2026-02-27,Breakage,Weapon (large),,1")
    process(week1, ledger, MONDAY, policy, sheet=None)
    connection = sqlite3.connect(ledger)
    started, tool, versions, options = connection.execute(
        "SELECT started_at, tool_version, policy_versions, options FROM runs"
    ).fetchone()
    assert started == "2026-03-02T08:30:00Z"
    assert tool and json.loads(versions) == ["AS-2026.1"]
    assert json.loads(options)["inputs"] == [str(week1)]
    assert connection.execute(
        "SELECT i.name, i.sha256, i.sheet, l.claim_id, l.order_id, l.claim_date, d.part, "
        "d.status, d.refund, d.rule, d.policy_version FROM lines l JOIN inputs i "
        "ON i.id = l.input_id JOIN decisions d ON d.id = l.decision_id"
    ).fetchall() == [
        ("week1.csv", __import__("hashlib").sha256(week1.read_bytes()).hexdigest(), "week1",
         "CLM-1", "#1", "2026-02-27", "Weapon (large)", "OK", "15.00", "refund.graded",
         "AS-2026.1"),
    ]  # fmt: skip


def run_cli(*args, env=None):
    return CliRunner().invoke(main, ["process", *map(str, args)], env=env)


def test_process_takes_the_ledger_from_the_environment_and_says_so(tmp_path, ledger):
    week1 = week(tmp_path, "week1.csv", "CLM-1,#1,2026-02-27,Breakage,Weapon (large),,1")
    out = tmp_path / "out.xlsx"
    result = run_cli(week1, "-o", out, env={"XL_CLAIMS_LEDGER": str(ledger)})
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        f"Ledger: {ledger} (a new ledger, created by this run), run 1: 1 lines recorded; "
        "cross-run duplicates 0, changes 0"
    )
    assert ledger.exists()
    again = run_cli(week1, "-o", out, "--force", "--json", env={"XL_CLAIMS_LEDGER": str(ledger)})
    assert (json.loads(again.output)["ledger"]["created"], again.exit_code) == (False, 0)


def test_a_new_ledger_in_a_folder_that_does_not_exist_is_refused_before_any_output(tmp_path):
    """A mistyped folder must not start an empty ledger that knows no earlier run."""
    week1 = week(tmp_path, "week1.csv", "CLM-1,#1,2026-02-27,Breakage,Weapon (large),,1")
    out = tmp_path / "out.xlsx"
    ledger = tmp_path / "claim" / "claims-ledger.sqlite"  # the folder is "claims"
    result = run_cli(week1, "-o", out, "--ledger", ledger)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: Ledger {ledger}: the folder {ledger.parent} does not exist; check the path (a "
        "new ledger is created only in an existing folder).\n"
    )
    assert not out.exists() and not ledger.parent.exists()


def test_a_damaged_ledger_stops_the_run_before_any_output_is_written(tmp_path, ledger):
    ledger.write_bytes(b"not a database at all")
    week1 = week(tmp_path, "week1.csv", "CLM-1,#1,2026-02-27,Breakage,Weapon (large),,1")
    out = tmp_path / "out.xlsx"
    result = run_cli(week1, "-o", out, "--ledger", ledger)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: Ledger {ledger} is not an xl-claims ledger (not a SQLite database); check the "
        "path.\n"
    )
    assert not out.exists()
    assert ledger.read_bytes() == b"not a database at all"


def test_a_second_run_on_a_busy_ledger_fails_with_a_clear_message(tmp_path, ledger, policy):
    week1 = week(tmp_path, "week1.csv", "CLM-1,#1,2026-02-27,Breakage,Weapon (large),,1")
    Ledger(ledger, create=True).close()
    holder = sqlite3.connect(ledger, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another run holds the write lock
    try:
        started = time.monotonic()
        with pytest.raises(Exception) as caught:
            process(week1, ledger, MONDAY, policy, ledger_wait=0.3)
        assert time.monotonic() - started < 5
        assert str(caught.value) == (
            f"Ledger {ledger} is in use by another run (waited 0.3 s); try again when that run "
            "has finished."
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Ledger(ledger) as book:
        assert list_runs(book) == []


def _claims_csv(path: Path, count: int, prefix: str) -> Path:
    rows = [f"{prefix}-{n},#{n},2026-03-03,Breakage,Weapon (small),,1" for n in range(count)]
    path.parent.mkdir(exist_ok=True)
    return week(path.parent, path.name, *rows)


def test_process_killed_in_the_middle_of_a_run_leaves_the_ledger_as_before(tmp_path, ledger):
    first = week(tmp_path, "week1.csv", "CLM-1,#1,2026-02-27,Breakage,Weapon (large),,1")
    assert run_cli(first, "-o", tmp_path / "first.xlsx", "--ledger", ledger).exit_code == 0
    before = sqlite3.connect(ledger).execute("SELECT * FROM lines").fetchall()
    small = _claims_csv(tmp_path / "inputs" / "a-small.csv", 10, "A")
    _claims_csv(tmp_path / "inputs" / "b-large.csv", 40000, "B")
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-c", "from xl_claims.cli import main; main()", "process",
         str(small.parent), "--output-dir",
         str(out), "--ledger", str(ledger), "--quiet"],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not (out / "a-small.csv.xlsx").exists() and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)  # the first file is recorded, the run not committed
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    connection = sqlite3.connect(ledger)
    assert connection.execute("SELECT * FROM lines").fetchall() == before
    assert connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_the_run_summary_names_the_ledger_and_a_failed_file_is_recorded_with_its_error(
    tmp_path, ledger, policy
):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    week(inputs, "a.csv", "CLM-1,#1,2026-02-27,Breakage,Weapon (large),,1")
    week(inputs, "b.csv", "CLM-1,#1,2026-02-27,Breakage,Weapon (large),,1")
    (inputs / "c.xlsx").write_bytes(b"not a workbook")
    out = tmp_path / "out"
    process_files([inputs / "a.csv"], policy=policy, output=tmp_path / "a.xlsx", ledger=ledger,
                  now=MONDAY)  # fmt: skip
    result = process_files(
        [inputs / "b.csv", inputs / "c.xlsx"], policy=policy, output_dir=out, ledger=ledger,
        now=NEXT_MONDAY,
    )  # fmt: skip
    summary = summary_pairs(out / "summary.xlsx")
    assert (summary["Ledger"], summary["Ledger run"], summary["Cross-run duplicates"]) == (
        str(ledger),
        2,
        1,
    )
    connection = sqlite3.connect(ledger)
    assert connection.execute(
        "SELECT name, sheet, error IS NOT NULL FROM inputs WHERE run_id = 2 ORDER BY id"
    ).fetchall() == [("b.csv", "b", 0), ("c.xlsx", None, 1)]
    assert result.exit_code() == 1


def test_every_reference_in_the_ledger_points_at_a_row_after_runs_of_every_kind(
    tmp_path, ledger, policy
):
    """Foreign keys are not enforced row by row (schema.connect says why): the code that writes
    must keep them. Runs of each kind (new lines, a duplicate, a changed line, the same file
    again, a void, a failed file) leave no reference dangling."""
    week1 = week(tmp_path, "week1.csv", "CLM-1,#1,2026-02-27,Breakage,Weapon (large),,1")
    week2 = week(
        tmp_path,
        "week2.csv",
        "CLM-1,#1,2026-02-27,Breakage,Weapon (large),,1",
        "CLM-2,#2,2026-03-01,Breakage,Weapon (small),,1",
    )
    week3 = week(tmp_path, "week3.csv", "CLM-2,#2,2026-03-01,Breakage,Weapon (small),Low,1")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    process(week1, ledger, MONDAY, policy)
    process(week2, ledger, NEXT_MONDAY, policy)
    process(week2, ledger, NEXT_MONDAY + dt.timedelta(days=1), policy)
    process(week3, ledger, NEXT_MONDAY + dt.timedelta(days=2), policy)
    with Ledger(ledger) as book:
        void_run(book, 2, "wrong export", NEXT_MONDAY + dt.timedelta(days=3))
    process_files(
        [week1, broken],
        policy=policy,
        output_dir=tmp_path / "out",
        ledger=ledger,
        now=NEXT_MONDAY + dt.timedelta(days=4),
    )
    with sqlite3.connect(ledger) as connection:
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        rules = {rule for (rule,) in connection.execute("SELECT rule FROM decisions")}
        errors = connection.execute("SELECT COUNT(*) FROM inputs WHERE error IS NOT NULL")
        assert errors.fetchone() == (1,)
    assert {"duplicate.earlier-run", "review.changed-since-run"} <= rules


@pytest.mark.parametrize("which", ["output", "input", "summary"])
def test_a_ledger_that_is_also_an_input_or_output_of_the_run_is_refused(tmp_path, which):
    """An output written over the ledger would lose the history the run has just recorded."""
    week1 = week(tmp_path, "week1.csv", "CLM-1,#1,2026-02-27,Breakage,Weapon (large),,1")
    out = tmp_path / "out.xlsx"
    args = {
        "output": (week1, "-o", out, "--ledger", out),
        "input": (week1, "-o", out, "--ledger", week1),
        "summary": (week1, "--output-dir", tmp_path, "--ledger", tmp_path / "summary.xlsx"),
    }[which]
    result = run_cli(*args)
    assert result.exit_code == 2
    role = "an input" if which == "input" else "an output"
    assert (
        f"Error: --ledger {args[-1]} is also {role} of this run; give the ledger a file of its "
        "own, such as claims-ledger.sqlite.\n"
    ) in result.output
    assert not out.exists() and not (tmp_path / "summary.xlsx").exists()
    assert week1.read_text(encoding="utf-8").startswith("Claim ID,")
