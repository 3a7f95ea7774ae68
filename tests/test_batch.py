"""The batch over several files: duplicates across files, bad files, in-place, macros, outputs."""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from xl_claims.batch import SUMMARY_NAME, plan_outputs, process_files
from xl_claims.core.errors import UsageError
from xl_claims.workbook.safety import OLE2_MAGIC

NOW = dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC)
HEADERS = ["Claim ID", "Part", "Issue", "Qty"]


def export(path: Path, rows, headers=HEADERS) -> Path:
    workbook = Workbook()
    workbook.active.title = "Claims"
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def computed(path: Path, sheet="Claims") -> list[tuple]:
    ws = load_workbook(path)[sheet]
    start = [c.value for c in ws[1]].index("Applied grade") + 1
    return [
        tuple(c.value for c in row)
        for row in ws.iter_rows(min_row=2, min_col=start, max_col=start + 7)
    ]


def test_weekly_exports_that_overlap_count_each_claim_line_once(tmp_path, policy):
    monday = export(
        tmp_path / "monday.xlsx",
        [["C-1", "Weapon (small)", "Breakage", 2], ["C-2", "Weapon (large)", "Breakage", 1]],
    )
    friday = export(
        tmp_path / "friday.xlsx",
        [["C-2", "weapon  (LARGE)", "Breakage", 1], ["C-3", "Weapon (large)", "Detachment", 1]],
    )
    result = process_files([monday, friday], policy=policy, output_dir=tmp_path / "out", now=NOW)
    assert result.counts == {"OK": 3, "REVIEW": 0, "NOT COVERED": 0, "ERROR": 0, "DUPLICATE": 1}
    assert result.total == Decimal("26.25")  # 10.00 + 15.00 + 1.25; the repeat is not counted
    rows = computed(tmp_path / "out" / "friday.xlsx")
    assert rows[0][3:7] == (
        None,
        None,
        "DUPLICATE",
        "Duplicate of monday.xlsx row 3 (claim C-2, part Weapon (large)): counted once there. "
        "[rule duplicate]",
    )
    assert rows[1][3] == 1.25
    assert result.summary == tmp_path / "out" / SUMMARY_NAME
    summary = load_workbook(result.summary)["Summary"]
    labels = {row[0].value: row[1].value for row in summary.iter_rows(max_col=2)}
    assert labels["Total refund"] == 26.25
    assert labels["File 1: Input file"] == "monday.xlsx"
    assert labels["File 1: SHA-256"] == hashlib.sha256(monday.read_bytes()).hexdigest()


def test_one_bad_file_does_not_stop_the_others(tmp_path, policy):
    good = export(tmp_path / "good.xlsx", [["C-1", "Weapon (small)", "Breakage", 1]])
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(OLE2_MAGIC + "EncryptedPackage".encode("utf-16-le"))
    missing = tmp_path / "missing.xlsx"
    result = process_files([locked, good, missing], policy=policy, output_dir=tmp_path / "out")
    assert [(Path(f).name, e.split(":")[0]) for f, e in result.errors] == [
        ("locked.xlsx", "locked.xlsx"),
        ("missing.xlsx", "missing.xlsx"),
    ]
    assert result.errors[1][1] == "missing.xlsx: file not found; check the path."
    assert (tmp_path / "out" / "good.xlsx").exists()
    assert result.exit_code() == 1
    summary = load_workbook(result.summary)["Summary"]
    labels = {row[0].value: row[1].value for row in summary.iter_rows(max_col=2)}
    assert labels["File 1: Error"].startswith("locked.xlsx: the workbook is password-protected")


def test_exit_codes_review_is_normal_error_rows_only_with_strict(tmp_path, policy):
    path = export(
        tmp_path / "in.xlsx",
        [["C-1", "Weapon (small)", "Painting", 1], ["C-2", "Cape", "Breakage", 1]],
    )
    result = process_files([path], policy=policy, output=tmp_path / "out.xlsx")
    assert result.counts["REVIEW"] == 1 and result.counts["ERROR"] == 1
    assert (result.exit_code(), result.exit_code(strict=True)) == (0, 1)


def test_the_input_is_never_modified_without_in_place(tmp_path, policy):
    path = export(tmp_path / "in.xlsx", [["C-1", "Weapon (small)", "Breakage", 1]])
    before = path.read_bytes()
    result = process_files([path], policy=policy)
    assert path.read_bytes() == before
    assert result.files[0].output == tmp_path / "in-processed.xlsx"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in-processed.xlsx", "in.xlsx"]


def test_in_place_rewrites_and_keeps_a_backup(tmp_path, policy):
    path = export(tmp_path / "in.xlsx", [["C-1", "Weapon (small)", "Breakage", 1]])
    before = path.read_bytes()
    result = process_files([path], policy=policy, in_place=True, now=NOW)
    backup = tmp_path / "in.backup-20260316-090000.xlsx"
    assert result.files[0].backup == backup and backup.read_bytes() == before
    assert computed(path)[0][5] == "OK"
    process_files([path], policy=policy, in_place=True, now=NOW + dt.timedelta(seconds=1))
    sheet = load_workbook(path)["Claims"]
    assert sheet.max_column == 4 + 8  # re-run replaced the block
    assert load_workbook(path).sheetnames == ["Claims", "Summary"]


def test_output_never_overwrites_the_input(tmp_path, policy):
    path = export(tmp_path / "in.xlsx", [["C-1", "Weapon (small)", "Breakage", 1]])
    before = path.read_bytes()
    for options in (
        {"output_dir": tmp_path},
        {"output": path},
        {"output_dir": tmp_path, "force": True},
    ):
        with pytest.raises(UsageError) as error:
            process_files([path], policy=policy, **options)
        assert str(error.value) == (
            f"the output {path} would overwrite the input in.xlsx; choose another output, or "
            "use --in-place to rewrite the input (a backup is kept)."
        )
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx"]


def test_missing_headers_error_names_file_and_sheet(tmp_path, policy):
    path = export(tmp_path / "orders.xlsx", [["1", "x"]], headers=["Order", "Customer"])
    result = process_files([path], policy=policy, output=tmp_path / "o.xlsx")
    assert result.errors[0][1].startswith(
        "orders.xlsx: sheet 'Claims': no header row with the needed columns in the first 30 "
        "rows; found headers: 'Order', 'Customer'; expected a part column"
    )


def test_map_option_and_sheet_option(tmp_path, policy):
    path = export(
        tmp_path / "in.xlsx", [["C-1", "Weapon (small)", "Breakage", 1]],
        headers=["Ticket", "Figure piece", "What happened", "Qty"],
    )  # fmt: skip
    result = process_files(
        [path],
        policy=policy,
        output=tmp_path / "o.xlsx",
        sheet="Claims",
        header_map={"part": ["Figure piece"], "issue": ["What happened"]},
    )
    assert result.total == Decimal("5.00")


def test_csv_input_becomes_a_workbook_with_text_kept_as_text(tmp_path, policy):
    path = tmp_path / "shop.csv"
    path.write_text(
        'Claim ID,Part,Issue,Price paid\nC-1,"=cmd|\' /C calc\'!A0",Breakage,"$1,441.20"\n'
        "C-2,Weapon (small),Breakage,$21.83\n",
        encoding="utf-8",
    )
    result = process_files([path], policy=policy, output_dir=tmp_path / "out")
    out = tmp_path / "out" / "shop.csv.xlsx"
    sheet = load_workbook(out)["shop"]
    assert sheet["B2"].value == "=cmd|' /C calc'!A0" and sheet["B2"].data_type == "s"
    assert sheet["D2"].value == "$1,441.20"
    assert result.counts["ERROR"] == 1 and result.total == Decimal("5.00")


def add_vba(source: Path, target: Path) -> Path:
    """Turn an openpyxl workbook into a macro workbook with a (dummy) VBA project part."""
    with zipfile.ZipFile(source) as archive:
        parts = {i.filename: archive.read(i) for i in archive.infolist()}
    types = parts["[Content_Types].xml"].decode()
    types = types.replace(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    ).replace(
        "<Default ",
        '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default ',
        1,
    )
    parts["[Content_Types].xml"] = types.encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    rels = rels.replace(
        "</Relationships>",
        '<Relationship Id="rIdVBA" Type="http://schemas.microsoft.com/office/2006/relationships/'
        'vbaProject" Target="vbaProject.bin"/></Relationships>',
    )
    parts["xl/_rels/workbook.xml.rels"] = rels.encode()
    parts["xl/vbaProject.bin"] = b"VBA-PROJECT-BYTES"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return target


def test_xlsm_keeps_its_macros_and_must_stay_xlsm(tmp_path, policy):
    plain = export(tmp_path / "plain.xlsx", [["C-1", "Weapon (small)", "Breakage", 1]])
    macro = add_vba(plain, tmp_path / "claims.xlsm")
    result = process_files([macro], policy=policy, output_dir=tmp_path / "out")
    out = tmp_path / "out" / "claims.xlsm"
    assert result.errors == [] and result.files[0].output == out
    with zipfile.ZipFile(out) as archive:
        assert archive.read("xl/vbaProject.bin") == b"VBA-PROJECT-BYTES"
        assert b"macroEnabled.main+xml" in archive.read("[Content_Types].xml")
    wrong = process_files([macro], policy=policy, output=tmp_path / "claims.xlsx")
    assert wrong.errors[0][1] == (
        "claims.xlsm: has macros, so its output must end in .xlsm (got claims.xlsx)."
    )


def test_two_part_columns_are_a_warning_naming_both_on_the_summary_sheet(tmp_path, policy):
    path = export(
        tmp_path / "in.xlsx",
        [["C-1", "Weapon (small)", "Breakage", "Cape"]],
        headers=["Claim ID", "Part", "Issue", "Part"],
    )
    result = process_files([path], policy=policy, output=tmp_path / "o.xlsx")
    warning = (
        "Several columns are headed as the part: B ('Part'), D ('Part'); column B is read. "
        "Rename the others to choose another."
    )
    assert result.files[0].warnings == [warning]
    assert result.total == Decimal("5.00")  # B was read: Weapon (small), not the unknown Cape
    summary = load_workbook(tmp_path / "o.xlsx")["Summary"]
    texts = [row[0].value for row in summary.iter_rows(max_col=1)]
    assert texts[texts.index("Warnings") + 1] == warning


def test_folders_and_globs_expand_and_nothing_matched_is_an_error(tmp_path, policy):
    folder = tmp_path / "exports"
    folder.mkdir()
    export(folder / "a.xlsx", [["C-1", "Weapon (small)", "Breakage", 1]])
    export(folder / "b.xlsx", [["C-2", "Weapon (small)", "Breakage", 1]])
    (folder / "~$a.xlsx").write_bytes(b"lock")
    (folder / "a.backup-20260316-090000.xlsx").write_bytes(b"an --in-place backup")
    (folder / "notes.txt.bak").write_text("x")
    result = process_files(
        [folder, str(folder / "*.xlsx"), str(tmp_path / "none*.xlsx")],
        policy=policy,
        output_dir=tmp_path / "out",
    )
    assert [Path(f.input).name for f in result.files] == ["none*.xlsx", "a.xlsx", "b.xlsx"]
    assert result.errors == [
        (str(tmp_path / "none*.xlsx"), "none*.xlsx: no file matches this pattern.")
    ]


def test_usage_errors():
    inputs = [Path("a.xlsx"), Path("b.xlsx")]
    with pytest.raises(UsageError, match="use --output-dir DIR for several inputs"):
        plan_outputs(inputs, output="x.xlsx", output_dir=None, in_place=False)
    with pytest.raises(UsageError, match="2 inputs need --output-dir DIR"):
        plan_outputs(inputs, output=None, output_dir=None, in_place=False)
    with pytest.raises(UsageError, match="not both"):
        plan_outputs(inputs[:1], output="x.xlsx", output_dir="d", in_place=False)
    inputs = [Path("w/a.xlsx"), Path("v/a.xlsx"), Path("a.csv"), Path("m.xlsm")]
    targets = plan_outputs(inputs, output=None, output_dir="out", in_place=False)
    assert [t.name for t in targets] == ["a.xlsx", "a-2.xlsx", "a.csv.xlsx", "m.xlsm"]


def test_control_characters_from_a_csv_do_not_stop_the_file(tmp_path, policy):
    path = tmp_path / "c.csv"
    path.write_text("Claim ID,Part,Issue\nC-1,Weapon\x01 (small),Breakage\n", encoding="utf-8")
    result = process_files([path], policy=policy, output=tmp_path / "o.xlsx")
    assert result.errors == [] and result.counts["ERROR"] == 1
    assert load_workbook(tmp_path / "o.xlsx")["c"]["B2"].value == "Weapon\ufffd (small)"


def test_progress_is_reported_during_and_after_each_file(tmp_path, policy, monkeypatch):
    from xl_claims.batch import run as batch

    monkeypatch.setattr(batch, "PROGRESS_EVERY", 2)
    rows = [[f"C-{n}", "Weapon (small)", "Breakage", 1] for n in range(5)]
    path = export(tmp_path / "in.xlsx", rows)
    calls = []
    process_files(
        [path], policy=policy, output=tmp_path / "o.xlsx", progress=lambda *a: calls.append(a)
    )
    assert calls == [(path, 2, False), (path, 4, False), (path, 5, True)]
