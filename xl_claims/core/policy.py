"""Load and validate the policy file; resolve grade, issue and part names against it."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

from xl_claims.core.errors import PolicyError, UnknownNameError
from xl_claims.core.names import normalize_name, suggest

POLICY_ENV_VAR = "XL_CLAIMS_POLICY"
DEPENDS = "Depends"
OUTCOMES = ("refund", "discount", "not_covered")
#: Aliases this short (L, M, H, Med) are abbreviations: "Did you mean" offers the name instead.
ABBREVIATION_LENGTH = 3
_VERSION_KEYS = {"id", "effective_from", "source", "currency", "grade", "issue", "part"}
_GRADE_KEYS = {"name", "rate", "aliases"}
_ISSUE_KEYS = {"name", "wording", "grade", "outcome", "value_part", "discount_rate", "aliases"}
_PART_KEYS = {"name", "max_value", "aliases"}


@dataclass(frozen=True, slots=True)
class Grade:
    name: str
    rate: Decimal | None  # None = Depends: a person decides


@dataclass(frozen=True, slots=True)
class Issue:
    name: str
    wording: str
    grade: str | None  # canonical grade name; None for outcomes that are not graded
    outcome: str
    value_part: str | None
    discount_rate: Decimal | None


@dataclass(frozen=True, slots=True)
class Part:
    name: str
    max_value: Decimal | None  # None = Depends


@dataclass(eq=False)
class PolicyVersion:
    """One edition of the policy, with name lookups built once."""

    id: str
    effective_from: dt.date
    source: str
    currency: str
    grades: dict[str, Grade]
    issues: dict[str, Issue]
    parts: dict[str, Part]
    lookup: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    aliases: dict[str, dict[str, list[str]]] = field(default_factory=dict, repr=False)
    #: Names already resolved, as written (``weapon small`` → ``Weapon (small)``): a batch meets
    #: the same few spellings on every line, and each is normalised once.
    resolved: dict[tuple[str, str], str] = field(default_factory=dict, repr=False, compare=False)

    def grade(self, name: object) -> Grade:
        return self.grades[self._resolve("grade", name)]

    def issue(self, name: object) -> Issue:
        return self.issues[self._resolve("issue", name)]

    def part(self, name: object) -> Part:
        return self.parts[self._resolve("part", name)]

    def graded_names(self) -> list[str]:
        """The grades that carry a rate (Low, Medium, High): what staff may give for Depends."""
        return [g.name for g in self.grades.values() if g.rate is not None]

    def _resolve(self, kind: str, name: object) -> str:
        if type(name) is str:
            known = self.resolved.get((kind, name))
            if known is not None:
                return known
        table = self.lookup[kind]
        canonical = table.get(normalize_name(name))
        if canonical is None:
            raise UnknownNameError(kind, name, self.suggestions(name, kind))
        if type(name) is str and len(self.resolved) < 10_000:
            self.resolved[(kind, name)] = canonical
        return canonical

    def suggestions(self, name: object, *kinds: str) -> list[str]:
        """The known names closest to ``name`` among ``kinds``, for "Did you mean …?".

        An alias and its name are offered once; an abbreviation (M, H, Med) is shorthand, not a
        word to offer, so its name is offered instead.
        """
        spellings = [s for kind in kinds for s in self.spellings(kind)]
        best_per_name: dict[tuple[str, str], str] = {}
        for spelling in suggest(name, spellings):
            key = normalize_name(spelling)
            kind = next(k for k in kinds if key in self.lookup[k])
            meant = self.lookup[kind][key]
            shown = spelling if len(key) > ABBREVIATION_LENGTH else meant
            best_per_name.setdefault((kind, meant), shown)
        return list(best_per_name.values())

    def names(self, kind: str) -> list[str]:
        """The canonical names of ``kind`` (grade, issue, part), in the policy's order."""
        tables: dict[str, dict] = {"grade": self.grades, "issue": self.issues, "part": self.parts}
        return list(tables[kind])

    def spellings(self, kind: str) -> list[str]:
        """The canonical names, then every alias: what "Did you mean" chooses from."""
        canonical = self.names(kind)
        others = [a for names in self.aliases[kind].values() for a in names]
        return canonical + [a for a in others if a not in canonical]


@dataclass(eq=False)
class Policy:
    """A policy file: its versions, oldest first."""

    path: str
    versions: list[PolicyVersion]
    latest: PolicyVersion = field(init=False, repr=False)  # the one a dateless claim uses

    def __post_init__(self) -> None:
        self.latest = self.versions[-1]

    def for_date(self, date: dt.date | None) -> PolicyVersion:
        """The version in force on ``date``; the latest one when there is no date.

        A date before the first version is decided under the first one (the oldest policy the
        shop has on file) rather than refused.
        """
        if date is None:
            return self.latest
        if isinstance(date, dt.datetime):
            date = date.date()
        chosen = self.versions[0]
        for version in self.versions:
            if version.effective_from <= date:
                chosen = version
        return chosen

    def predates(self, date: dt.date | None) -> bool:
        """True for a claim dated before the first version (decided under it, and said so)."""
        if date is None:
            return False
        if isinstance(date, dt.datetime):
            date = date.date()
        return date < self.versions[0].effective_from

    def version(self, version_id: str) -> PolicyVersion:
        for version in self.versions:
            if version.id == version_id:
                return version
        known = ", ".join(v.id for v in self.versions)
        raise PolicyError(self.path, [f"no version {version_id!r} (versions: {known})"])


def default_policy_path() -> Path:
    """The policy file in force: $XL_CLAIMS_POLICY, else the one shipped with the package."""
    override = os.environ.get(POLICY_ENV_VAR)
    if override:
        return Path(override)
    return Path(str(resources.files("xl_claims") / "data" / "policy.toml"))


def load_policy(path: str | os.PathLike | None = None) -> Policy:
    """Read and validate a policy file; raise ``PolicyError`` listing every problem by key."""
    path = Path(path) if path is not None else default_policy_path()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyError(str(path), [f"cannot read the file: {exc.strerror or exc}"]) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(str(path), [f"not valid TOML: {exc}"]) from None
    problems: list[str] = []
    versions = _build_versions(data, problems)
    if problems:
        raise PolicyError(str(path), problems)
    return Policy(path=str(path), versions=versions)


def check_policy(path: str | os.PathLike) -> list[str]:
    """Every problem of a policy file, by key; an empty list means it is usable."""
    try:
        load_policy(path)
    except PolicyError as exc:
        return exc.problems
    return []


def _build_versions(data: dict, problems: list[str]) -> list[PolicyVersion]:
    if data.get("format") != 1:
        problems.append(f"format: expected 1, got {data.get('format')!r}")
    for key in sorted(set(data) - {"format", "version"}):
        problems.append(f"{key}: unknown key")
    raw_versions = data.get("version")
    if not isinstance(raw_versions, list) or not raw_versions:
        problems.append("version: expected at least one [[version]] table")
        return []
    versions = [_build_version(raw, index, problems) for index, raw in enumerate(raw_versions)]
    seen_ids: set[str] = set()
    seen_dates: set[dt.date] = set()
    for version in versions:
        if version.id in seen_ids:
            problems.append(f"version[{version.id}].id: duplicate version id")
        if version.effective_from in seen_dates:
            problems.append(
                f"version[{version.id}].effective_from: another version starts on "
                f"{version.effective_from.isoformat()}"
            )
        seen_ids.add(version.id)
        seen_dates.add(version.effective_from)
    return sorted(versions, key=lambda v: v.effective_from)


def _build_version(raw: dict, index: int, problems: list[str]) -> PolicyVersion:
    version_id = raw.get("id") if isinstance(raw.get("id"), str) and raw.get("id") else None
    where = f"version[{version_id or index}]"
    if version_id is None:
        problems.append(f"{where}.id: expected a non-empty string")
        version_id = str(index)
    for key in sorted(set(raw) - _VERSION_KEYS):
        problems.append(f"{where}.{key}: unknown key")
    effective = raw.get("effective_from")
    if not isinstance(effective, dt.date) or isinstance(effective, dt.datetime):
        problems.append(
            f"{where}.effective_from: expected a date like 2026-01-01, got {effective!r}"
        )
        effective = dt.date.min
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        problems.append(f"{where}.source: expected the policy's title")
        source = ""
    currency = raw.get("currency", "USD")
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
        problems.append(f"{where}.currency: expected a 3-letter code such as USD, got {currency!r}")
        currency = "USD"
    version = PolicyVersion(
        id=version_id,
        effective_from=effective,
        source=source,
        currency=currency.upper(),
        grades={},
        issues={},
        parts={},
        lookup={"grade": {}, "issue": {}, "part": {}},
        aliases={"grade": {}, "issue": {}, "part": {}},
    )
    _build_tables(version, raw, where, problems)
    return version


def _build_tables(version: PolicyVersion, raw: dict, where: str, problems: list[str]) -> None:
    """Grades, then parts, then issues (which name grades and parts), with every spelling."""
    lookup, aliases = version.lookup, version.aliases
    for entry in _entries(raw, "grade", where, _GRADE_KEYS, problems):
        name, key = entry["name"], f"{where}.grade[{entry['name']}]"
        rate = _amount(entry.get("rate"), f"{key}.rate", problems, upper=Decimal(1))
        version.grades[name] = Grade(name=name, rate=rate)
        _register(lookup["grade"], aliases["grade"], entry, key, problems)
    for entry in _entries(raw, "part", where, _PART_KEYS, problems):
        name, key = entry["name"], f"{where}.part[{entry['name']}]"
        value = _amount(entry.get("max_value"), f"{key}.max_value", problems)
        version.parts[name] = Part(name=name, max_value=value)
        _register(lookup["part"], aliases["part"], entry, key, problems)
    for entry in _entries(raw, "issue", where, _ISSUE_KEYS, problems):
        name, key = entry["name"], f"{where}.issue[{entry['name']}]"
        version.issues[name] = _build_issue(
            entry, key, version.grades, version.parts, lookup, problems
        )
        _register(lookup["issue"], aliases["issue"], entry, key, problems)
        wording = entry.get("wording")
        if isinstance(wording, str) and normalize_name(wording) not in lookup["issue"]:
            lookup["issue"][normalize_name(wording)] = name
    for kind in ("grade", "issue", "part"):
        if not version.names(kind):
            problems.append(f"{where}.{kind}: expected at least one [[version.{kind}]] table")


def _build_issue(entry, key, grades, parts, lookup, problems) -> Issue:
    outcome = entry.get("outcome", "refund")
    if outcome not in OUTCOMES:
        problems.append(f"{key}.outcome: expected one of {', '.join(OUTCOMES)}, got {outcome!r}")
    grade = entry.get("grade")
    if outcome == "refund":
        canonical = lookup["grade"].get(normalize_name(grade)) if grade is not None else None
        if canonical is None:
            known = ", ".join(grades)
            problems.append(f"{key}.grade: expected one of {known}, got {grade!r}")
        grade = canonical
    elif grade is not None:
        problems.append(f"{key}.grade: only issues with outcome 'refund' are graded")
        grade = None
    value_part = entry.get("value_part")
    if value_part is not None:
        canonical = lookup["part"].get(normalize_name(value_part))
        if canonical is None:
            problems.append(f"{key}.value_part: {value_part!r} is not a part of this version")
        value_part = canonical
    discount_rate = None
    if outcome == "discount":
        discount_rate = _amount(
            entry.get("discount_rate"), f"{key}.discount_rate", problems, upper=Decimal(1)
        )
    elif "discount_rate" in entry:
        problems.append(f"{key}.discount_rate: only issues with outcome 'discount' take a rate")
    wording = entry.get("wording", entry["name"])
    if not isinstance(wording, str):
        problems.append(f"{key}.wording: expected the policy's text as a string")
        wording = entry["name"]
    return Issue(
        name=entry["name"],
        wording=wording,
        grade=grade,
        outcome=outcome,
        value_part=value_part,
        discount_rate=discount_rate,
    )


def _entries(raw: dict, kind: str, where: str, allowed: set[str], problems: list[str]):
    items = raw.get(kind, [])
    if not isinstance(items, list):
        problems.append(f"{where}.{kind}: expected [[version.{kind}]] tables")
        return
    for position, entry in enumerate(items):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not normalize_name(name):
            problems.append(f"{where}.{kind}[{position}].name: expected a non-empty string")
            continue
        for extra in sorted(set(entry) - allowed):
            problems.append(f"{where}.{kind}[{name}].{extra}: unknown key")
        yield entry


def _register(table: dict, alias_names: dict, entry: dict, key: str, problems: list[str]) -> None:
    aliases = entry.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        problems.append(f"{key}.aliases: expected a list of strings")
        aliases = []
    for spelling in [entry["name"], *aliases]:
        folded = normalize_name(spelling)
        owner = table.get(folded)
        if owner is not None and owner != entry["name"]:
            problems.append(f"{key}.aliases: {spelling!r} already names {owner!r}")
            continue
        table[folded] = entry["name"]
        if spelling != entry["name"]:
            alias_names.setdefault(entry["name"], []).append(spelling)


def _amount(value: object, key: str, problems: list[str], upper: Decimal | None = None):
    """A non-negative exact amount, or None for "Depends"."""
    if isinstance(value, str) and normalize_name(value) == normalize_name(DEPENDS):
        return None
    expected = f'a number{" from 0 to " + str(upper) if upper else " >= 0"} or "{DEPENDS}"'
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        problems.append(f"{key}: expected {expected}, got {value!r}")
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        problems.append(f"{key}: expected {expected}, got {value!r}")
        return None
    if not amount.is_finite() or amount < 0 or (upper is not None and amount > upper):
        problems.append(f"{key}: expected {expected}, got {value!r}")
        return None
    return amount
