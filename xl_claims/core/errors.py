"""One exception hierarchy, so that adapters catch one thing and show its message."""


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

    def __init__(self, kind: str, value: object, suggestions: list[str]):
        self.kind = kind
        self.value = value
        self.suggestions = suggestions
        message = f"Unknown {kind} {str(value)!r}."
        if suggestions:
            quoted = [f"'{s}'" for s in suggestions]
            choices = (
                quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
            )
            message += f" Did you mean {choices}?"
        super().__init__(message)


class InvalidValueError(ClaimsError, ValueError):
    """A claim field whose value has the wrong form (quantity 2.5, value override 'abc')."""


class WorkbookError(ClaimsError):
    """An input file that cannot be read as a claims workbook; the message names file and fix."""
