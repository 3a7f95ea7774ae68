"""Which files the weekly run reads and writes, decided before any is opened.

Nothing the user has is destroyed or hidden: a folder gives only its claims files (.xlsx, .xlsm,
.csv) and skips, with a note, the tool's own outputs that sit beside them; no existing file is
replaced unless the user says so (``--force``, or ``--in-place`` for the input itself); a CSV
processed in place never replaces a workbook of the same name; a backup never replaces an
earlier backup. Impossible or unsafe plans are ``UsageError`` (exit code 2) naming what the user
gave, raised before any file is written.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from xl_claims.core.errors import OutputError, OutputExistsError, UsageError
from xl_claims.workbook.marks import is_tool_output, skipped_name
from xl_claims.workbook.read import CSV_SUFFIXES, WORKBOOK_SUFFIXES, is_csv

SUMMARY_NAME = "summary.xlsx"
#: What a folder (or a pattern) gives; other suffixes only when a file is named explicitly.
FOLDER_SUFFIXES = (".xlsx", ".xlsm", ".csv")
#: What a file named explicitly may be.
INPUT_SUFFIXES = (*WORKBOOK_SUFFIXES, *CSV_SUFFIXES)
OUTPUT_SUFFIXES = (".xlsx", ".xlsm")
_GLOB_CHARS = set("*?[")


def expand_inputs(
    items: Sequence[str | os.PathLike], notes: list[str] | None = None
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files, folders and glob patterns → input files, and ``(item, problem)`` for each folder
    or pattern that gave none. Files found in a folder or by a pattern that are not claims
    files of their own (lock files, backups, xl-claims outputs) are left out, each with a line
    in ``notes``."""
    found: list[Path] = []
    missing: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for item in items:
        text = str(item)
        path = Path(text)
        if path.is_dir():
            candidates = sorted(p for p in path.iterdir() if p.is_file())
            matches = _claims_files(candidates, FOLDER_SUFFIXES, notes)
            if not matches:
                missing.append((path, _empty_folder(path)))
        elif _GLOB_CHARS & set(text) and not path.exists():
            candidates = sorted(Path(p) for p in glob.glob(text) if Path(p).is_file())
            named = Path(text).suffix.lower()  # "*.tsv" names its suffix; "*" does not
            suffixes = (named,) if named and not _GLOB_CHARS & set(named) else FOLDER_SUFFIXES
            matches = _claims_files(candidates, suffixes, notes)
            if not matches:
                missing.append((path, "no file matches this pattern."))
        else:
            matches = [path]
        for match in matches:
            if match.resolve() not in seen:
                seen.add(match.resolve())
                found.append(match)
    return found, missing


def _claims_files(
    candidates: list[Path], suffixes: Sequence[str], notes: list[str] | None
) -> list[Path]:
    kept = []
    for path in candidates:
        if path.suffix.lower() not in suffixes:
            continue
        why = skipped_name(path)
        if why is None and path.suffix.lower() in OUTPUT_SUFFIXES and is_tool_output(path):
            why = "a workbook with xl-claims' Summary sheet (an earlier output)"
        if why is None:
            kept.append(path)
        elif notes is not None and not path.name.startswith("~$"):
            notes.append(f"Skipped {path}: {why}; name it explicitly to process it.")
    return kept


def _empty_folder(path: Path) -> str:
    return f"the folder holds no claims files ({', '.join(FOLDER_SUFFIXES)}); nothing to do."


def plan_outputs(
    inputs: Sequence[Path],
    *,
    output: str | os.PathLike | None,
    output_dir: str | os.PathLike | None,
    in_place: bool,
    force: bool = False,
) -> list[Path]:
    """Where each input's processed workbook goes; ``UsageError`` for options that cannot work
    and for outputs that would replace a file (the input, or an existing file without
    ``force``). ``output_dir`` also receives ``SUMMARY_NAME`` (checked too)."""
    if output is not None and output_dir is not None:
        raise UsageError("give either -o/--output or --output-dir, not both.")
    if not inputs:
        return []  # nothing to write (an empty folder says so itself)
    if output is not None and (in_place or len(inputs) != 1):
        raise UsageError(
            "-o/--output takes exactly one input without --in-place; "
            "use --output-dir DIR for several inputs."
        )
    if output is not None:
        targets = [_checked_output(Path(output), inputs[0])]
    elif in_place:
        targets = [_in_place_target(path, force) for path in inputs]
    elif output_dir is None and len(inputs) != 1:
        raise UsageError(
            f"{len(inputs)} inputs need --output-dir DIR (one processed workbook each, plus "
            f"{SUMMARY_NAME}), or --in-place."
        )
    elif output_dir is None:
        path = inputs[0]
        targets = [path.with_name(f"{path.stem}-processed{_output_suffix(path)}")]
    else:
        targets = _in_folder(inputs, Path(output_dir))
    for path, target in zip(inputs, targets, strict=True):
        if not in_place and target.exists() and target.resolve() == path.resolve():
            raise UsageError(
                f"the output {target} would overwrite the input {path.name}; choose another "
                "output, or use --in-place to rewrite the input (a backup is kept)."
            )
    if not in_place:
        extra = [Path(output_dir) / SUMMARY_NAME] if output_dir is not None else []
        _refuse_existing([*targets, *extra], force)
    return targets


def _checked_output(target: Path, source: Path) -> Path:
    """``-o``: an .xlsx or .xlsm file in a folder that exists."""
    if target.suffix.lower() not in OUTPUT_SUFFIXES:
        raise UsageError(
            f"-o {target}: the processed workbook is an .xlsx (or .xlsm, for a workbook with "
            f"macros) file, got {target.suffix or 'no suffix'}."
        )
    if not target.parent.is_dir():
        raise UsageError(f"-o {target}: folder {str(target.parent)!r} does not exist.")
    return target


def _in_folder(inputs: Sequence[Path], folder: Path) -> list[Path]:
    taken = {SUMMARY_NAME}
    targets = []
    for path in inputs:
        stem = path.name if is_csv(path) else path.stem  # weekly.csv → weekly.csv.xlsx
        name = f"{stem}{_output_suffix(path)}"
        counter = 2
        while name.casefold() in taken:
            name = f"{stem}-{counter}{_output_suffix(path)}"
            counter += 1
        taken.add(name.casefold())
        targets.append(folder / name)
    return targets


def _refuse_existing(targets: Sequence[Path], force: bool) -> None:
    """No existing file is replaced without ``--force`` (all named, nothing written)."""
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        names = ", ".join(str(t) for t in existing[:5]) + (" ..." if len(existing) > 5 else "")
        raise OutputExistsError(f"{names}: the file exists; give --force to replace it.")


def _output_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    return ".xlsm" if suffix in (".xlsm", ".xltm") else ".xlsx"


def _in_place_target(path: Path, force: bool) -> Path:
    """A workbook is rewritten itself; a CSV cannot hold the computed columns, so its processed
    workbook goes next to it — over an earlier output of its own (kept as a backup), never over
    a workbook of that name the user has."""
    if not is_csv(path):
        return path
    target = path.with_suffix(".xlsx")
    if target.exists() and not force and not is_tool_output(target):
        raise UsageError(
            f"{path.name} --in-place would replace {target.name}, a workbook that is not an "
            "xl-claims output; rename it, use -o, or give --force to replace it."
        )
    return target


def backup_copy(path: Path, when: dt.datetime) -> Path:
    """Copy ``path`` to ``<stem>.backup-YYYYmmdd-HHMMSS[-N]<suffix>`` beside it: a name no file
    has (created exclusively, so two runs in one second never share one), metadata kept."""
    stamp = when.strftime("%Y%m%d-%H%M%S")
    for number in range(1, 10_000):
        suffix = "" if number == 1 else f"-{number}"
        target = path.with_name(f"{path.stem}.backup-{stamp}{suffix}{path.suffix}")
        try:
            with path.open("rb") as source, target.open("xb") as copy:
                shutil.copyfileobj(source, copy, 1 << 20)
        except FileExistsError:
            continue
        shutil.copystat(path, target)
        return target
    raise OutputError(f"{path}: no free backup name for {stamp}; remove old backups.")


def refuse_ledger_clash(
    ledger: str | os.PathLike | None,
    inputs: Sequence[Path],
    targets: Sequence[Path],
    output_dir: str | os.PathLike | None,
) -> None:
    """The ledger is a file of its own: never one of the run's inputs or outputs (an output
    written over it would lose the history the run has just recorded)."""
    if ledger is None:
        return
    place = Path(ledger).resolve()
    outputs = [*targets, *([Path(output_dir) / SUMMARY_NAME] if output_dir is not None else [])]
    for path in [*inputs, *outputs]:
        if path.resolve() == place:
            role = "an input" if path in inputs else "an output"
            raise UsageError(
                f"--ledger {ledger} is also {role} of this run; give the ledger a file of its "
                "own, such as claims-ledger.sqlite."
            )


__all__ = [
    "FOLDER_SUFFIXES",
    "INPUT_SUFFIXES",
    "SUMMARY_NAME",
    "backup_copy",
    "expand_inputs",
    "plan_outputs",
    "refuse_ledger_clash",
]
