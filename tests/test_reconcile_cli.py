"""`xl-claims reconcile`: output, exit codes, usage errors, unreadable inputs, samples."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xl_claims.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks" / "payments"
CLAIMS = str(SAMPLES / "claims-2026-03.xlsx")
PAYMENTS = [
    "--payments", str(SAMPLES / "shopify-payments.csv"),
    "--payments", str(SAMPLES / "paypal-activity.csv"),
    "--payments", str(SAMPLES / "stripe-balance-change.csv"),
    "--payments", str(SAMPLES / "generic-refunds.xlsx"),
]  # fmt: skip
MARCH = ["--from", "2026-03-01", "--to", "2026-03-31"]


def run(*args):
    return CliRunner().invoke(main, ["reconcile", *(str(a) for a in args)])


def test_samples_for_march_have_findings_exit_1(tmp_path):
    out = tmp_path / "march.xlsx"
    result = run(CLAIMS, *PAYMENTS, *MARCH, "-o", out)
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [
        "Period: 2026-03-01 to 2026-03-31 (inclusive); tolerance 0.01 USD",
        "Total computed: 268.75 USD",
        "Total paid:     532.24 USD (and 14.00 EUR, not converted)",
        "Difference:     263.49 USD",
        "Open at period end: 40.50 USD",
        "matched: 9, within tolerance: 1, over-paid: 1, under-paid: 1, unpaid: 1, "
        "paid without claim: 4, needs review: 3",
        f"Report: {out}",
        "10 finding(s) to review (exit code 1)",
    ]
    assert openpyxl.load_workbook(out).sheetnames[0] == "Summary"


def test_without_a_period_every_line_and_refund_counts(tmp_path):
    result = run(CLAIMS, *PAYMENTS, "-o", tmp_path / "all.xlsx", "--json")
    assert result.exit_code == 1
    summary = json.loads(result.output)
    # CLM-0990 (February, 15.00) joins the claims; the April refund pays CLM-1008.
    assert (summary["total_computed"], summary["total_paid"]) == ("283.75", "542.24")
    assert summary["statuses"]["unpaid"] == 1  # CLM-0990 now; CLM-1008 is matched
    assert summary["period"] == {"from": None, "to": None}


def test_json_summary(tmp_path):
    out = tmp_path / "march.xlsx"
    result = run(CLAIMS, *PAYMENTS, *MARCH, "-o", out, "--json")
    summary = json.loads(result.output)
    assert summary["total_computed"] == "268.75"
    assert summary["difference"] == "263.49"
    assert summary["paid_other_currencies"] == {"EUR": "14.00"}
    assert summary["statuses"] == {
        "matched": 9,
        "within tolerance": 1,
        "over-paid": 1,
        "under-paid": 1,
        "unpaid": 1,
        "paid without claim": 4,
        "needs review": 3,
    }
    assert [i["format"] for i in summary["inputs"]] == [
        "claims",
        "Shopify Payments",
        "PayPal",
        "Stripe",
        "generic",
    ]
    assert summary["report"] == str(out)


def settled_inputs(tmp_path):
    claims = tmp_path / "claims.csv"
    claims.write_text(
        "Claim ID,Order,Date,Issue,Part,Qty\n"
        "C1,#1,2026-03-02,Breakage,Weapon (large),1\n"
        "C2,#2,2026-03-03,Detachment,Weapon (small),2\n",
        encoding="utf-8",
    )
    refunds = tmp_path / "refunds.csv"
    with refunds.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Refund ID", "Claim ID", "Order", "Amount", "Date", "Currency"])
        writer.writerow(["R1", "C1", "#1", "15.00", "2026-03-04", "USD"])
        writer.writerow(["R2", "", "#2", "2.49", "2026-03-05", "USD"])
    return claims, refunds


def test_everything_settled_exits_0(tmp_path):
    claims, refunds = settled_inputs(tmp_path)
    result = run(claims, "--payments", refunds, "-o", tmp_path / "r.xlsx")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "Everything matches within tolerance"
    assert "matched: 1, within tolerance: 1, over-paid: 0" in result.output


def test_a_tighter_tolerance_turns_a_settled_line_into_a_finding(tmp_path):
    claims, refunds = settled_inputs(tmp_path)
    result = run(claims, "--payments", refunds, "-o", tmp_path / "r.xlsx", "--tolerance", "0")
    assert result.exit_code == 1
    assert "needs review: 1" in result.output  # 2.49 vs 2.50: order only now


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tolerance", "abc"], "Error: Invalid value for --tolerance: expected an amount such "
                                 "as 0.01, got 'abc'"),
        (["--tolerance", "-1"], "Invalid value for --tolerance: expected an amount such as "
                                "0.01, got '-1'"),
        (["--from", "2026-03-31", "--to", "2026-03-01"],
         "Error: --from 2026-03-31 is after --to 2026-03-01."),
        (["--from", "31.03.2026"], "Invalid value for '--from'"),
        (["--map", "colour=Farbe"], "Invalid value for --map: Unknown field 'colour'; fields"),
        (["--map", "part"], "Invalid value for --map: --map expects FIELD=HEADER (or FIELD= to "
                            "switch a field off), got 'part'."),
    ],
)  # fmt: skip
def test_usage_errors_exit_2(tmp_path, args, message):
    claims, refunds = settled_inputs(tmp_path)
    result = run(claims, "--payments", refunds, "-o", tmp_path / "r.xlsx", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "r.xlsx").exists()


def test_missing_required_options_exit_2(tmp_path):
    claims, refunds = settled_inputs(tmp_path)
    assert "Missing option '--payments'" in run(claims, "-o", tmp_path / "r.xlsx").output
    assert run(claims, "-o", tmp_path / "r.xlsx").exit_code == 2
    assert run(claims, "--payments", refunds).exit_code == 2
    result = run(claims, "--payments", refunds, "-o", tmp_path / "r.csv")
    assert result.exit_code == 2
    assert "the report is an .xlsx file" in result.output
    result = run(claims, "--payments", refunds, "-o", tmp_path / "nowhere" / "r.xlsx")
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_the_report_never_overwrites_an_input(tmp_path):
    _claims, refunds = settled_inputs(tmp_path)
    book = tmp_path / "claims.xlsx"
    openpyxl.Workbook().save(book)
    before = book.read_bytes()
    result = run(book, "--payments", refunds, "-o", book)
    assert result.exit_code == 2
    assert "the report would overwrite an input file" in result.output
    assert book.read_bytes() == before


def test_an_unreadable_input_makes_the_report_incomplete_exit_3(tmp_path):
    claims, refunds = settled_inputs(tmp_path)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 truncated")
    strange = tmp_path / "orders.csv"
    strange.write_text("Name,Total\nx,1\n", encoding="utf-8")
    out = tmp_path / "r.xlsx"
    result = CliRunner().invoke(
        main,
        ["reconcile", str(broken), str(claims), "--payments", str(refunds),
         "--payments", str(strange), "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 3
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 2
    assert errors[0].startswith("Error: broken.xlsx: ")
    assert errors[1].startswith(
        "Error: orders.csv: not a payment export xl-claims knows; found headers: 'Name', 'Total'"
    )
    assert "Total computed: 17.50 USD" in result.output  # C1 15.00 + C2 2.50, still reconciled
    assert result.output.splitlines()[-1] == (
        "INCOMPLETE: 2 input(s) could not be read and are left out of every total: "
        "broken.xlsx (claims), orders.csv (payments) (exit code 3)"
    )
    summary = openpyxl.load_workbook(out)["Summary"]
    assert summary["A1"].value == (
        "INCOMPLETE: 2 input(s) could not be read and are left out of every total: "
        "broken.xlsx (claims), orders.csv (payments)"
    )
    assert summary["A2"].value == "Refund reconciliation"
    problems = [r[1] for r in summary.iter_rows(values_only=True, max_col=2) if r[0] == "Problem"]
    assert [p.split(":")[0] for p in problems] == ["broken.xlsx", "orders.csv"]


def test_a_mistyped_claims_file_is_not_a_full_looking_report(tmp_path):
    """Issue 10: `reconcile nosuch.xlsx --payments shopify-payments.csv` printed a report with
    `Total computed: 0.00 USD` and exited 1, the code of ordinary findings."""
    out = tmp_path / "r.xlsx"
    result = run(tmp_path / "nosuch.xlsx", "--payments", SAMPLES / "shopify-payments.csv",
                 "-o", out, "--json")  # fmt: skip
    assert result.exit_code == 3
    summary = json.loads(result.output[result.output.index("{") : result.output.rindex("}") + 1])
    assert summary["complete"] is False
    assert summary["incomplete"] == (
        "INCOMPLETE: 1 input(s) could not be read and are left out of every total: "
        "nosuch.xlsx (claims)"
    )
    assert (
        result.output.rstrip().splitlines()[-1] == f"Error: {summary['incomplete']} (exit code 3)"
    )
    assert openpyxl.load_workbook(out)["Summary"]["A1"].value == summary["incomplete"]


def test_reconcile_is_documented():
    result = run("--help")
    assert result.exit_code == 0
    assert "xl-claims reconcile claims-2026-03.xlsx --payments" in result.output
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Accountants: reconciliation", 1)[1].split("\n## ", 1)[0]
    for word in ("matched", "within tolerance", "over-paid", "under-paid", "unpaid",
                 "paid without claim", "needs review", "Total computed", "Total paid",
                 "Difference", "Open at period end", "By grade", "By part"):  # fmt: skip
        assert f"`{word}`" in section, word


def test_samples_regenerate_identically(tmp_path):
    """scripts/make_payment_samples.py reproduces the committed samples."""
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_payment_samples.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for committed in sorted(SAMPLES.iterdir()):
        fresh = tmp_path / committed.name
        if committed.suffix == ".csv":
            assert fresh.read_bytes() == committed.read_bytes(), committed.name
        else:
            old, new = openpyxl.load_workbook(committed), openpyxl.load_workbook(fresh)
            assert old.sheetnames == new.sheetnames
            for name in old.sheetnames:
                rows = list(old[name].iter_rows(values_only=True))
                assert rows == list(new[name].iter_rows(values_only=True)), committed.name


def test_a_workbook_processed_by_the_batch_reconciles_without_stored_changes(tmp_path):
    processed = tmp_path / "processed.xlsx"
    done = CliRunner().invoke(main, ["process", CLAIMS, "-o", str(processed)])
    assert done.exit_code == 0, done.output
    result = run(processed, *PAYMENTS, *MARCH, "-o", tmp_path / "r.xlsx", "--json")
    summary = json.loads(result.output)
    assert summary["inputs"][0]["format"] == "claims (processed)"
    assert summary["stored_values_changed"] == 0  # the DUPLICATE row included
    assert (summary["total_computed"], summary["findings"]) == ("268.75", 10)
    # The policy changed since: a stored refund that differs is a finding on that line.
    workbook = openpyxl.load_workbook(processed)
    sheet = workbook["Claims"]
    refund = [c.value for c in sheet[1]].index("Refund") + 1
    assert sheet.cell(4, 1).value == "CLM-1002"
    sheet.cell(4, refund).value = 12
    workbook.save(processed)
    result = run(processed, *PAYMENTS, *MARCH, "-o", tmp_path / "r.xlsx", "--json", "--force")
    summary = json.loads(result.output)
    assert (summary["stored_values_changed"], summary["findings"]) == (1, 11)
    claims = openpyxl.load_workbook(tmp_path / "r.xlsx")["Claims"]
    changed = next(r for r in claims.iter_rows(values_only=True) if r[3] == "CLM-1002")
    assert changed[21] == "Refund stored 12.00, recomputed 15.00"


def test_map_names_claim_and_payment_columns(tmp_path):
    claims = tmp_path / "claims.csv"
    claims.write_text(
        "Ticket,Bestellung,Date,Issue,Figure piece\nT-1,#7,2026-03-02,Breakage,Weapon (large)\n",
        encoding="utf-8",
    )
    refunds = tmp_path / "refunds.csv"
    refunds.write_text("Bestellung,Betrag,Currency\n#7,-15.00,USD\n", encoding="utf-8")
    out = tmp_path / "r.xlsx"
    args = ["--map", "part=Figure piece", "--map", "order=Bestellung"]
    result = run(claims, "--payments", refunds, "-o", out, *args, "--map", "refund_paid=Betrag")
    assert result.exit_code == 0, result.output
    row = next(openpyxl.load_workbook(out)["Claims"].iter_rows(min_row=2, values_only=True))
    assert (row[3], row[4], row[7], row[16], row[17]) == (
        "T-1",
        "#7",
        "Weapon (large)",
        "matched",
        "order + amount",
    )
