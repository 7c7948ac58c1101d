"""The one error hierarchy of bypass.

The core raises these; only the CLI turns them into a one-line message and an
exit code. Every message is a single line so a planner can grep a log for it.
"""

from __future__ import annotations

from collections.abc import Sequence


class BypassError(Exception):
    """Base class: anything the CLI reports as a clean one-line error."""

    exit_code = 1


class DatasetError(BypassError):
    """A problem in a dataset file, located by file, row (1-based line), field."""

    exit_code = 2

    def __init__(
        self,
        file: str,
        message: str,
        *,
        row: int | None = None,
        field: str | None = None,
        value: object = None,
        expected: str | None = None,
    ) -> None:
        self.file, self.row, self.field = file, row, field
        self.value, self.expected, self.detail = value, expected, message
        super().__init__(self._format())

    def _format(self) -> str:
        where = str(self.file)
        if self.row is not None:
            where += f":{self.row}"
        if self.field is not None:
            where += f" field '{self.field}'"
        text = f"{where}: {self.detail}"
        if self.value is not None:
            text += f" (got {self.value!r}"
            text += f", expected {self.expected})" if self.expected else ")"
        elif self.expected:
            text += f" (expected {self.expected})"
        return " ".join(text.split())


class DatasetErrors(BypassError):
    """Several dataset problems reported at once (validation collects them all)."""

    exit_code = 2

    def __init__(self, problems: Sequence[DatasetError]) -> None:
        self.problems = list(problems)
        first = self.problems[0] if self.problems else "no problems"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"{first}{more}")


class UnknownPlaceError(BypassError):
    """A port, hub or node id/name that does not resolve; carries suggestions."""

    exit_code = 3

    def __init__(self, query: str, suggestions: Sequence[str] = (), kind: str = "place") -> None:
        self.query, self.kind, self.suggestions = query, kind, list(suggestions)
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown {kind} {query!r}{hint}")


class InfeasibleError(BypassError):
    """A query nothing satisfies; names the binding constraint and the best value."""

    exit_code = 4

    def __init__(self, message: str, *, constraint: str | None = None, best: object = None):
        self.constraint, self.best = constraint, best
        super().__init__(message)
