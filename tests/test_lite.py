"""``xl-claims lite``: the generated main.py imports in a plain Python that cannot see the
installed xl_claims, and computes the same cells as ``xl_claims.udfs``."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from xl_claims import __version__
from xl_claims.cli import main
from xl_claims.core.policy import POLICY_ENV_VAR, default_policy_path
from xl_claims.excel import lite, udfs

HEAD = "Head sculpt w/ special functions"

#: Runs main.py the way xlwings Lite does (exec of the file), with the installed xl_claims (and
#: optionally rapidfuzz) made unimportable, and prints the cells it computes as JSON.
RUNNER = textwrap.dedent(
    """
    import json, runpy, sys

    blocked = set(sys.argv[2].split(","))

    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in blocked:
                raise ImportError(f"{name} is not available here")

    sys.meta_path.insert(0, Block())
    ns = runpy.run_path(sys.argv[1])
    grades = [g[0] for g in ns["POLICY_GRADES"]()]
    issues = [i[0] for i in ns["POLICY_ISSUES"]()]
    parts = [p[0] for p in ns["POLICY_PARTS"]()]
    out = {
        "version": ns["POLICY_VERSION"](),
        "refund": [[ns["REFUND"](g, p) for p in parts] for g in grades],
        "claim": [[ns["CLAIM_REFUND"](i, p) for p in parts] for i in issues],
        "range": ns["REFUND"]([[g] for g in grades], [[p] for p in parts[:1] * len(grades)], 2.0),
        "explain": ns["REFUND_EXPLAIN"]("Detachment", "Weapon (large)", 3.0),
        "claim_explain": ns["CLAIM_EXPLAIN"]("Painting", "Weapon (small)", "High"),
        "rate": ns["REFUND_RATE"](["Low", "Medium", "High", "Depends"]),
        "value": ns["PART_VALUE"]("Packaging box"),
        "grade": ns["ISSUE_GRADE"]("Minor packaging damage"),
        "error": ns["REFUND"]("High", "Hed sculpt w/o special functions"),
        "typos": [
            ns["REFUND_EXPLAIN"]("High", "Wepon"),
            ns["REFUND_EXPLAIN"]("Meduim", "Weapon (small)"),
        ],
        "error_input": ns["REFUND"]([["#N/A"]], [["Weapon (small)"]]),
        "engine_file": sys.modules["xl_claims.core.engine"].__file__,
        "matcher": "rapidfuzz" if "rapidfuzz" in sys.modules else "plain Python",
    }
    print(json.dumps(out))
    """
)


def run_main(path, blocked=("xl_claims",), env=None):
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(path), ",".join(blocked)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def as_lite_shows(value):
    """Lite shows a returned "#N/A" / "#VALUE!" as an error value: main.py returns those for
    what the desktop functions show as #REVIEW / #ERROR text (nested lists kept)."""
    if isinstance(value, list):
        return [as_lite_shows(v) for v in value]
    if isinstance(value, str) and value.startswith("#REVIEW: "):
        return "#N/A"
    if isinstance(value, str) and value.startswith("#ERROR: "):
        return "#VALUE!"
    return value


def expected(policy):
    version = policy.latest
    refunds = [[udfs.REFUND(g, p) for p in version.parts] for g in version.grades]
    claims = [[udfs.CLAIM_REFUND(i, p) for p in version.parts] for i in version.issues]
    return {
        "version": version.id,
        "refund": as_lite_shows(refunds),
        "claim": as_lite_shows(claims),
        "range": as_lite_shows(
            udfs.REFUND(
                [[g] for g in version.grades],
                [[next(iter(version.parts))]] * len(version.grades),
                2.0,
            )
        ),
        "explain": udfs.REFUND_EXPLAIN("Detachment", "Weapon (large)", 3.0),
        "claim_explain": udfs.CLAIM_EXPLAIN("Painting", "Weapon (small)", "High"),
        "rate": as_lite_shows(udfs.REFUND_RATE(["Low", "Medium", "High", "Depends"])),
        "value": as_lite_shows(udfs.PART_VALUE("Packaging box")),
        "grade": udfs.ISSUE_GRADE("Minor packaging damage"),
        "error": as_lite_shows(udfs.REFUND("High", "Hed sculpt w/o special functions")),
        "typos": [
            udfs.REFUND_EXPLAIN("High", "Wepon"),
            udfs.REFUND_EXPLAIN("Meduim", "Weapon (small)"),
        ],
        "error_input": [["#VALUE!"]],
    }


@pytest.fixture(scope="module")
def written(tmp_path_factory, policy):
    return lite.write_lite(tmp_path_factory.mktemp("lite"), policy)


@pytest.fixture(autouse=True)
def fresh_policy(monkeypatch):
    monkeypatch.delenv(POLICY_ENV_VAR, raising=False)
    udfs.current_policy.cache_clear()
    yield
    udfs.current_policy.cache_clear()


def test_it_writes_main_py_and_requirements(written):
    main_py, requirements = written
    assert [main_py.name, requirements.name] == ["main.py", "requirements.txt"]
    assert requirements.read_text() == lite.REQUIREMENTS
    assert not [line for line in requirements.read_text().splitlines() if not line.startswith("#")]
    tree = ast.parse(main_py.read_text(encoding="utf-8"))
    imported = next(
        node
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == "xl_claims.excel.udfs"
    )
    assert sorted(a.name for a in imported.names) == sorted(f.__name__ for f in udfs.FUNCTIONS)


def test_main_py_computes_the_same_cells_without_the_installed_package(written, policy):
    got = run_main(written[0])
    assert (
        got["engine_file"] == f"<xl-claims {__version__}: xl_claims/core/engine.py>"
    )  # the embedded copy
    assert got.pop("matcher") == "rapidfuzz"
    del got["engine_file"]
    assert got == expected(policy)
    assert got["refund"][2][2] == 40.0  # High × Head sculpt w/ special functions
    assert got["refund"][3][2] == "#N/A"  # Depends: a real error value in Lite
    assert got["error"] == "#VALUE!"


def test_main_py_works_without_rapidfuzz(written, policy):
    got = run_main(written[0], blocked=("xl_claims", "rapidfuzz"))
    assert got.pop("matcher") == "plain Python"
    del got["engine_file"]
    assert got == expected(policy)  # suggestions included: the same as the desktop's
    assert got["typos"] == [
        "ERROR: Unknown part 'Wepon'. Did you mean 'Weapon (large)' or 'Weapon (small)'? "
        "[rule error.unknown-part, policy AS-2026.1]",
        "ERROR: Unknown issue or grade 'Meduim'. Did you mean 'Medium'? "
        "[rule error.unknown-issue, policy AS-2026.1]",
    ]


def test_main_py_registers_through_xlwings_lite_decorators(written, tmp_path):
    """A stand-in for Lite's xlwings records what main.py's functions register."""
    (tmp_path / "xlwings").mkdir()
    (tmp_path / "xlwings" / "__init__.py").write_text(
        textwrap.dedent(
            """
            registered = {}

            def func(f=None, **kwargs):
                def inner(f):
                    registered.setdefault(f.__name__, {"args": {}})["doc"] = f.__doc__
                    return f
                return inner(f) if f is not None else inner

            def arg(name, **kwargs):
                def inner(f):
                    registered.setdefault(f.__name__, {"args": {}})["args"][name] = kwargs
                    return f
                return inner
            """
        )
    )
    script = (
        "import json, runpy, sys; sys.path.insert(0, sys.argv[2]); "
        "runpy.run_path(sys.argv[1]); import xlwings; print(json.dumps(xlwings.registered))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(written[0]), str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    registered = json.loads(done.stdout)
    assert set(registered) == {f.__name__ for f in udfs.FUNCTIONS}
    assert registered["REFUND"]["args"] == {
        "grade": {"ndim": 2, "err_to_str": True, "doc": udfs.ARG_DOCS["grade"]},
        "part": {"ndim": 2, "err_to_str": True, "doc": udfs.ARG_DOCS["part"]},
        "quantity": {"ndim": 2, "err_to_str": True, "doc": udfs.ARG_DOCS["quantity"]},
    }
    assert registered["POLICY_VERSION"] == {
        "args": {},
        "doc": "Id of the policy version the functions use, e.g. AS-2026.1.",
    }


def test_lite_command_embeds_the_chosen_policy(tmp_path):
    text = (
        default_policy_path()
        .read_text(encoding="utf-8")
        .replace('id = "AS-2026.1"', 'id = "LITE-TEST"')
    )
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["lite", str(out), "--policy", str(policy_file)])
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {out / 'main.py'}\nWrote {out / 'requirements.txt'}\n"
    assert run_main(out / "main.py")["version"] == "LITE-TEST"


def test_lite_command_refuses_a_file_as_folder(tmp_path):
    target = tmp_path / "main.py"
    target.write_text("x")
    result = CliRunner().invoke(main, ["lite", str(target)])
    assert result.exit_code == 2
    assert result.output.endswith(
        f"Error: Invalid value for 'OUT_DIR': Directory '{target}' is a file.\n"
    )
    assert target.read_text() == "x"
