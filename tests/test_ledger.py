"""The ledger file and its store: creation, the cross-run rule, one transaction per run, a
killed run, two runs at once, damaged and newer files, voids, money as exact text."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

import pytest

from xl_claims.core.errors import (
    LedgerBusyError,
    LedgerCorruptError,
    LedgerError,
    LedgerVersionError,
)
from xl_claims.core.model import Decision, Resolution, Status
from xl_claims.ledger import (
    SCHEMA_VERSION,
    Ledger,
    LedgerLine,
    claim_history,
    iter_rows,
    list_runs,
    standing_lines,
    standing_query_plan,
    void_run,
)

ROOT = Path(__file__).resolve().parent.parent
MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
NEXT_MONDAY = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)
MARCH_1 = dt.date(2026, 3, 1)


def line(row: int, claim: str | None, refund: str | None, status: str = "OK", **extra):
    part = extra.pop("part", "Weapon (large)")
    decision = Decision(
        status=Status(status),
        refund=None if refund is None else Decimal(refund),
        resolution=Resolution.REFUND if refund is not None else None,
        rule="refund.graded",
        explanation="High (100%) × ...",
        policy_version="AS-2026.1",
        currency="USD",
        issue="Breakage",
        part=part,
        grade="High",
    )
    key = None if claim is None else claim.casefold()
    return LedgerLine("Claims", row, claim, key, part.casefold(), "#1001", MARCH_1, decision)


def record(ledger: Ledger, when: dt.datetime, files: dict[str, list[LedgerLine]]):
    """One run over ``files`` (name → lines, SHA-256 = name): applies the cross-run rule to each
    line as the batch does and returns {(file, row): verdict when it changed the line, else
    None}."""
    run = ledger.begin_run(started_at=when, tool_version="test", options={"inputs": list(files)})
    verdicts = {}
    for name, lines in files.items():
        recording = run.start_file(name, name)
        recording.begin(name, "Claims")
        for item in lines:
            key = None if item.claim_key is None else (item.claim_key, item.part_key)
            made, verdict = item.decision, None
            if key is not None:
                resolution = None if made.resolution is None else str(made.resolution)
                verdict = recording.check(key, item.row, made.status, made.refund, resolution)
            changed = verdict if verdict is not None and verdict.rule else None
            verdicts[(name, item.row)] = changed
            if changed is not None:
                made = dataclasses.replace(
                    made,
                    status=Status(changed.status),
                    refund=changed.refund,
                    explanation=changed.explanation,
                    rule=changed.rule,
                    resolution=None,
                )
                item = item._replace(decision=made)
            recording.add_line(item, verdict)
        recording.finish()
    run.policy_versions.add("AS-2026.1")
    run.finish(when)
    return verdicts


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "claims-ledger.sqlite"


def test_a_new_ledger_is_a_wal_sqlite_file_with_the_schema_version_and_umask_permissions(path):
    old = os.umask(0o022)
    try:
        Ledger(path, create=True).close()
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 1
    assert connection.execute("PRAGMA application_id").fetchone()[0] == 0x58434C47


def test_commands_other_than_process_do_not_create_a_missing_ledger(path):
    with pytest.raises(LedgerError) as caught:
        Ledger(path)
    assert str(caught.value) == f"Ledger {path} does not exist; check the path."
    assert not path.exists()


def test_an_overlapping_line_in_a_later_run_is_duplicate_naming_run_file_row_and_date(path):
    with Ledger(path, create=True) as ledger:
        record(ledger, MONDAY, {"week1.xlsx": [line(3, "CLM-1", "15.00")]})
        verdicts = record(
            ledger, NEXT_MONDAY, {"week2.xlsx": [line(5, "clm-1", "15.00"), line(6, "C-2", "5")]}
        )
        assert verdicts[("week2.xlsx", 5)].status == "DUPLICATE"
        assert verdicts[("week2.xlsx", 5)].refund is None
        assert verdicts[("week2.xlsx", 5)].explanation == (
            "Duplicate of run 1: week1.xlsx row 3, decided 15.00 on 2026-03-02; counted once "
            "there. [rule duplicate.earlier-run]"
        )
        assert verdicts[("week2.xlsx", 6)] is None
        rows = list(iter_rows(ledger))
        assert [(r.run, r.file, r.row, r.status, r.refund, r.counts) for r in rows] == [
            (1, "week1.xlsx", 3, "OK", Decimal("15.00"), "yes"),
            (2, "week2.xlsx", 5, "DUPLICATE", None, "no"),
            (2, "week2.xlsx", 6, "OK", Decimal("5"), "yes"),
        ]
        assert rows[1].earlier == "run 1, week1.xlsx row 3"
        runs = list_runs(ledger)
        assert [(r.id, r.lines, r.refund_total, r.duplicates, r.changes) for r in runs] == [
            (1, 1, Decimal("15.00"), 0, 0),
            (2, 2, Decimal("5"), 1, 0),
        ]


def test_a_changed_line_is_review_with_both_amounts_and_never_a_second_refund(path):
    with Ledger(path, create=True) as ledger:
        record(ledger, MONDAY, {"week1.xlsx": [line(3, "CLM-1", "20.00")]})
        verdicts = record(ledger, NEXT_MONDAY, {"week2.xlsx": [line(4, "CLM-1", "40.00")]})
        verdict = verdicts[("week2.xlsx", 4)]
        assert (verdict.status, verdict.refund, verdict.counts) == ("REVIEW", None, False)
        assert verdict.explanation == (
            "Decided 20.00 in run 1 on 2026-03-02; now 40.00 (week1.xlsx row 3): the policy or "
            "the line changed; review it, never a second refund. [rule review.changed-since-run]"
        )
        # a third run still compares with the line that counts: run 1's
        third = record(ledger, NEXT_MONDAY, {"week3.xlsx": [line(2, "CLM-1", "40.00")]})
        assert "decided 20.00 in run 1" in third[("week3.xlsx", 2)].explanation.casefold()


def test_an_earlier_open_review_line_is_replaced_by_the_decision_of_a_later_run(path):
    with Ledger(path, create=True) as ledger:
        record(ledger, MONDAY, {"week1.xlsx": [line(3, "CLM-1", None, status="REVIEW")]})
        verdicts = record(ledger, NEXT_MONDAY, {"week2.xlsx": [line(3, "CLM-1", "20.00")]})
        assert verdicts[("week2.xlsx", 3)] is None  # decided now: counts, output unchanged
        [standing] = standing_lines(ledger)
        assert (standing.run, standing.status, standing.refund) == (2, "OK", Decimal("20.00"))


def test_the_same_file_again_adds_no_line_and_is_not_a_duplicate_of_itself(path):
    with Ledger(path, create=True) as ledger:
        record(ledger, MONDAY, {"week1.xlsx": [line(3, "CLM-1", "15.00"), line(4, None, "5")]})
        verdicts = record(
            ledger, NEXT_MONDAY, {"week1.xlsx": [line(3, "CLM-1", "15.00"), line(4, None, "5")]}
        )
        assert verdicts == {("week1.xlsx", 3): None, ("week1.xlsx", 4): None}
        assert len(list(iter_rows(ledger))) == 2
        runs = list_runs(ledger)
        assert [(r.id, r.files, r.lines, r.refund_total) for r in runs] == [
            (1, 1, 2, Decimal("20.00")),
            (2, 1, 0, Decimal("0.00")),
        ]
        recorded_in = ledger.connection.execute(
            "SELECT recorded_in FROM inputs WHERE run_id = 2"
        ).fetchone()[0]
        assert recorded_in == 1


def test_a_voided_run_stops_counting_and_the_next_run_decides_its_lines_afresh(path):
    with Ledger(path, create=True) as ledger:
        record(ledger, MONDAY, {"week1.xlsx": [line(3, "CLM-1", "15.00")]})
        voided = void_run(ledger, 1, "  ran on the wrong export ", NEXT_MONDAY)
        assert (voided.voided_at, voided.void_reason) == (
            "2026-03-09T09:00:00Z",
            "ran on the wrong export",
        )
        assert standing_lines(ledger) == []
        verdicts = record(ledger, NEXT_MONDAY, {"week2.xlsx": [line(3, "CLM-1", "15.00")]})
        assert verdicts[("week2.xlsx", 3)] is None
        history = claim_history(ledger, " clm-1 ")
        assert [(h.run, h.run_void, h.counts) for h in history] == [
            (1, "2026-03-09T09:00:00Z: ran on the wrong export", "yes"),
            (2, None, "yes"),
        ]
        with pytest.raises(LedgerError, match=r"^Run 1 was already voided at 2026-03-09T09:00"):
            void_run(ledger, 1, "again", NEXT_MONDAY)
        with pytest.raises(LedgerError, match=r"has no run 7; `xl-claims ledger runs` lists"):
            void_run(ledger, 7, "typo", NEXT_MONDAY)
        with pytest.raises(LedgerError, match=r"^Give the reason"):
            void_run(ledger, 2, "  ", NEXT_MONDAY)


def test_money_is_stored_as_the_exact_decimal_text(path):
    with Ledger(path, create=True) as ledger:
        record(ledger, MONDAY, {"w.xlsx": [line(3, "C-1", "0.10"), line(4, "C-2", "1441.20")]})
    connection = sqlite3.connect(path)
    assert connection.execute(
        "SELECT typeof(d.refund), d.refund FROM lines AS l JOIN decisions AS d "
        "ON d.id = l.decision_id ORDER BY l.id"
    ).fetchall() == [
        ("text", "0.10"),
        ("text", "1441.20"),
    ]
    assert connection.execute("SELECT refund_total FROM runs").fetchone()[0] == "1441.30"


def test_the_cross_run_look_up_searches_the_key_index_one_claim_or_many_at_once(path):
    with Ledger(path, create=True) as ledger:
        record(ledger, MONDAY, {"week1.xlsx": [line(n, f"C-{n}", "1.00") for n in range(2, 50)]})
        one = standing_query_plan(ledger)
        many = standing_query_plan(ledger, keys=2000)
    by_key = [
        "SEARCH d USING INTEGER PRIMARY KEY (rowid=?)",
        "SEARCH i USING INTEGER PRIMARY KEY (rowid=?)",
        "SEARCH r USING INTEGER PRIMARY KEY (rowid=?)",
    ]
    assert one == ["SEARCH l USING INDEX lines_by_key (claim_key=?)", *by_key]
    assert many[0] == "SEARCH l USING INDEX lines_by_key (claim_key=?)"
    assert many[1:4] == by_key
    assert not any(step.startswith("SCAN") for step in one + many)


def test_an_aborted_run_leaves_the_ledger_as_it_was(path):
    with Ledger(path, create=True) as ledger:
        record(ledger, MONDAY, {"week1.xlsx": [line(3, "CLM-1", "15.00")]})
        run = ledger.begin_run(started_at=NEXT_MONDAY, tool_version="test", options={})
        recording = run.start_file("w2", "w2")
        recording.begin("w2", "Claims")
        recording.add_line(line(9, "C-9", "1"))
        recording.finish()
        run.abort()
        assert [r.id for r in list_runs(ledger)] == [1]
        assert len(list(iter_rows(ledger))) == 1


_HOLD_A_RUN = textwrap.dedent(
    """
    import datetime as dt, sys
    from decimal import Decimal
    from xl_claims.core.model import Decision, Status
    from xl_claims.ledger import Ledger, LedgerLine
    ledger = Ledger(sys.argv[1], create=True)
    run = ledger.begin_run(started_at=dt.datetime.now(dt.UTC), tool_version="t", options={})
    recording = run.start_file("big.xlsx", "big.xlsx")
    recording.begin("big", "Claims")
    for n in range(2, 20002):
        made = Decision(Status.OK, Decimal("1.00"), None, "r", "e", "v", "USD", part="Part")
        recording.add_line(LedgerLine("Claims", n, f"C-{n}", f"c-{n}", "part", None, None, made))
    recording.finish()
    print("recorded", flush=True)
    sys.stdin.readline()
    run.finish(dt.datetime.now(dt.UTC))
    print("committed", flush=True)
    """
)


def _hold(path: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLD_A_RUN, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "recorded"
    return process


def test_a_run_killed_in_the_middle_leaves_the_ledger_exactly_as_before(path):
    with Ledger(path, create=True) as ledger:
        record(ledger, MONDAY, {"week1.xlsx": [line(3, "CLM-1", "15.00")]})
        before = list(iter_rows(ledger)), list_runs(ledger)
    process = _hold(path)  # 20,000 lines written inside its transaction, not committed
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    with Ledger(path) as ledger:
        assert (list(iter_rows(ledger)), list_runs(ledger)) == before
        assert ledger.connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        record(ledger, NEXT_MONDAY, {"week2.xlsx": [line(4, "CLM-2", "5.00")]})
        assert [r.id for r in list_runs(ledger)] == [1, 2]


def test_a_second_run_waits_a_bounded_time_then_fails_saying_the_ledger_is_in_use(path):
    Ledger(path, create=True).close()
    process = _hold(path)
    try:
        with Ledger(path, wait=0.5) as ledger:
            started = time.monotonic()
            with pytest.raises(LedgerBusyError) as caught:
                ledger.begin_run(started_at=NEXT_MONDAY, tool_version="t", options={})
            waited = time.monotonic() - started
            assert str(caught.value) == (
                f"Ledger {path} is in use by another run (waited 0.5 s); try again when that "
                "run has finished."
            )
            assert 0.4 <= waited < 5
            assert list_runs(ledger) == []  # readers see the last committed state meanwhile
    finally:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write("\n")
        process.stdin.flush()
        assert process.stdout.readline().strip() == "committed"
        process.wait(timeout=30)
    with Ledger(path) as ledger:
        assert [(r.id, r.lines) for r in list_runs(ledger)] == [(1, 20000)]
        assert ledger.connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _big_ledger(path: Path) -> None:
    with Ledger(path, create=True) as ledger:
        lines = [line(n, f"C-{n}", "1.00") for n in range(2, 3002)]
        record(ledger, MONDAY, {"week1.xlsx": lines})


def test_a_truncated_ledger_is_refused_and_left_untouched(path):
    _big_ledger(path)
    size = path.stat().st_size
    assert size > 40 * 4096
    with open(path, "r+b") as handle:
        handle.truncate(size // 2 // 4096 * 4096)
    damaged = path.read_bytes()
    with pytest.raises(LedgerCorruptError) as caught:
        Ledger(path, create=True)
    assert str(caught.value) == (
        f"Ledger {path} is damaged (it is cut short: {len(damaged)} bytes, {size} expected): "
        "restore it from a backup; xl-claims never recreates a ledger."
    )
    assert path.read_bytes() == damaged


def test_a_ledger_cut_mid_page_is_refused(path):
    _big_ledger(path)
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size - 100)
    with pytest.raises(LedgerCorruptError, match=r"is damaged \(it is cut short"):
        Ledger(path)


def test_a_ledger_from_a_newer_version_is_refused(path):
    Ledger(path, create=True).close()
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    with pytest.raises(LedgerVersionError) as caught:
        Ledger(path, create=True)
    assert str(caught.value) == (
        f"Ledger {path} was written by a newer xl-claims (schema version 2; this version knows "
        "up to 1): upgrade xl-claims to use it."
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"",
            "is empty (0 bytes), so it is not a ledger: restore it from a backup, or give a "
            "new file name to start a new ledger.",
        ),
        (
            b"Claim ID,Part\nC-1,Weapon\n",
            "is not an xl-claims ledger (not a SQLite database); check the path.",
        ),
    ],
    ids=["empty", "csv"],
)
def test_a_file_that_is_not_a_ledger_is_refused_and_never_recreated(path, content, message):
    path.write_bytes(content)
    with pytest.raises(LedgerCorruptError) as caught:
        Ledger(path, create=True)
    assert str(caught.value) == f"Ledger {path} {message}"
    assert path.read_bytes() == content


def test_another_programs_sqlite_database_is_refused(path):
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE notes (text TEXT)")
    connection.commit()
    connection.close()
    with pytest.raises(LedgerCorruptError) as caught:
        Ledger(path, create=True)
    assert str(caught.value) == (
        f"Ledger {path} is a SQLite database but not an xl-claims ledger; check the path."
    )


def test_damage_inside_a_page_is_reported_as_a_damaged_ledger_not_a_traceback(path):
    _big_ledger(path)
    data = bytearray(path.read_bytes())
    for offset in range(4096 * 3, 4096 * 20, 4096):
        data[offset : offset + 64] = b"\xff" * 64  # wreck page headers of the tables
    path.write_bytes(bytes(data))
    damaged = r"^Ledger .* is damaged \(.*\): restore it"
    with pytest.raises(LedgerCorruptError, match=damaged), Ledger(path) as ledger:
        list(iter_rows(ledger))


def test_an_older_ledger_is_migrated_step_by_step_inside_one_transaction(path, monkeypatch):
    from xl_claims.ledger import schema

    with Ledger(path, create=True) as ledger:
        record(ledger, MONDAY, {"week1.xlsx": [line(3, "CLM-1", "15.00")]})
    step = ("ALTER TABLE runs ADD COLUMN operator TEXT", "UPDATE runs SET operator = 'batch'")
    monkeypatch.setitem(schema.MIGRATIONS, 2, step)
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 2)
    with Ledger(path) as ledger:
        assert ledger.connection.execute("PRAGMA user_version").fetchone()[0] == 2
        assert ledger.connection.execute("SELECT id, operator FROM runs").fetchall() == [
            (1, "batch")
        ]
        assert [r.lines for r in list_runs(ledger)] == [1]


def test_a_failing_migration_leaves_the_ledger_at_its_version(path, monkeypatch):
    from xl_claims.ledger import schema

    Ledger(path, create=True).close()
    step = ("ALTER TABLE runs ADD COLUMN operator TEXT", "SELECT * FROM no_such_table")
    monkeypatch.setitem(schema.MIGRATIONS, 2, step)
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 2)
    with pytest.raises(LedgerError, match=r"no such table: no_such_table"):
        Ledger(path)
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA user_version").fetchone()[0] == 1
    columns = [row[1] for row in connection.execute("PRAGMA table_info(runs)")]
    assert "operator" not in columns


def test_the_same_file_again_keeps_only_its_changed_line_and_the_next_file_its_own_lines(path):
    """Each input's lines are one range of line ids (no index by input): after the same file's
    unchanged lines are dropped, the next file of the run starts its own range."""
    week1 = [line(3, "CLM-1", "15.00"), line(4, "CLM-2", "5.00"), line(5, "CLM-3", "7.00")]
    changed = [week1[0], line(4, "CLM-2", "6.00"), week1[2]]
    with Ledger(path, create=True) as ledger:
        record(ledger, MONDAY, {"week1.xlsx": week1})
        record(
            ledger, NEXT_MONDAY, {"week1.xlsx": changed, "week2.xlsx": [line(3, "CLM-9", "1.00")]}
        )
        assert [(r.run, r.file, r.row, r.status) for r in iter_rows(ledger)] == [
            (1, "week1.xlsx", 3, "OK"),
            (1, "week1.xlsx", 4, "OK"),
            (1, "week1.xlsx", 5, "OK"),
            (2, "week1.xlsx", 4, "REVIEW"),
            (2, "week2.xlsx", 3, "OK"),
        ]
        ranges = ledger.connection.execute(
            "SELECT i.name, i.run_id, i.first_line, i.last_line, "
            "(SELECT group_concat(l.row) FROM lines AS l WHERE l.input_id = i.id) "
            "FROM inputs AS i ORDER BY i.id"
        ).fetchall()
        assert ranges == [
            ("week1.xlsx", 1, 1, 3, "3,4,5"),
            ("week1.xlsx", 2, 5, 5, "4"),  # ids 4 and 6 (rows 3 and 5, as recorded) dropped
            ("week2.xlsx", 2, 6, 6, "3"),
        ]
        again = record(ledger, NEXT_MONDAY + dt.timedelta(days=1), {"week1.xlsx": changed})
        assert again[("week1.xlsx", 3)] is None and again[("week1.xlsx", 5)] is None
        assert again[("week1.xlsx", 4)].status == "REVIEW"  # still changed since run 1
        assert len(list(iter_rows(ledger))) == 5
        assert ledger.connection.execute("PRAGMA foreign_key_check").fetchall() == []
