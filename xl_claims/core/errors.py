"""Every exception xl-claims raises on purpose, by category, under one base.

Adapters catch ``ClaimsError`` and show its message, which is written for the user: it names the
file, sheet, row, column or value concerned and what would be right. The command line maps the
categories to exit codes (``UsageError`` → 2, an unreadable input → 3 in reconciliation, the rest
→ 1).
"""

from __future__ import annotations


class ClaimsError(Exception):
    """Base of every error xl-claims raises on purpose; its message is for the user."""


class PolicyError(ClaimsError):
    """The policy file cannot be used; ``problems`` lists each one by key."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"Policy file {path} has {len(problems)} problem(s):\n{lines}")


class UnknownNameError(ClaimsError, LookupError):
    """A grade, issue or part name that the policy does not know (with suggestions)."""

    def __init__(self, kind: str, value: object, suggestions: list[str], hint: str = ""):
        self.kind = kind
        self.value = value
        self.suggestions = suggestions
        message = f"Unknown {kind} {str(value)!r}."
        if suggestions:
            quoted = [f"'{s}'" for s in suggestions]
            choices = ", ".join(quoted[:-1]) + " or " + quoted[-1] if len(quoted) > 1 else quoted[0]
            message += f" Did you mean {choices}?"
        if hint:
            message += f" {hint}"
        super().__init__(message)


class InvalidValueError(ClaimsError, ValueError):
    """A value whose form is wrong (quantity 2.5, value override 'abc', a date that is none)."""


class ShapeError(InvalidValueError):
    """Worksheet ranges whose sizes cannot be broadcast together (3 rows against 4 rows)."""


class WorkbookError(ClaimsError):
    """An input file that cannot be read; the message names the file and the fix."""


class PaymentFormatError(WorkbookError):
    """A table that is none of the payment export layouts xl-claims knows."""


class OutputError(ClaimsError):
    """An output that cannot be written (an existing file without --force, a read-only folder,
    a full disk); the message names the output and the real cause."""


class UsageError(ClaimsError):
    """Options or arguments that cannot work together (several inputs with -o, no output
    folder, a template flavour that does not fit the file's suffix)."""


class OutputExistsError(UsageError, OutputError):
    """An output file that exists, refused without ``--force``: nothing was written, and the
    command is run again with another output or ``--force`` (a usage error, exit code 2)."""


class LedgerError(ClaimsError):
    """The claims ledger cannot be used; the message names the file and what to do."""


class LedgerCorruptError(LedgerError):
    """The file is not an xl-claims ledger, or its content is damaged (never recreated)."""


class LedgerVersionError(LedgerError):
    """The ledger was written by a newer xl-claims (its schema version is higher than ours)."""


class LedgerBusyError(LedgerError):
    """Another run holds the ledger for longer than the bounded wait."""
