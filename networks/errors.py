"""The one error hierarchy of bypass.

The core raises these; only the CLI turns them into a one-line message and an
exit code (``routing.cli.exit_code``). Every message is a single line so a
planner can grep a log for it. Each class is also a ``ValueError`` (bad input:
data, arguments, graph) or a ``LookupError`` (something asked for does not
exist: a place, a route), so code that catches the built-in kinds keeps
working.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "BypassError",
    "CacheError",
    "DatasetError",
    "DatasetErrors",
    "GraphError",
    "InfeasibleError",
    "LabelLimitError",
    "QueryError",
    "ScenarioError",
    "UnknownPlaceError",
]


class BypassError(Exception):
    """Base class: anything the CLI reports as a clean one-line error."""


class QueryError(BypassError, ValueError):
    """An invalid query argument (unknown objective, negative limit, same origin and end)."""


class GraphError(BypassError, ValueError):
    """A routing graph that breaks the contract of ``docs/graph.md`` (names the edge)."""


class ScenarioError(BypassError, ValueError):
    """A tariff scenario that does not exist or does not validate."""


class CacheError(BypassError, ValueError):
    """A cache file that is corrupt, foreign or stale (it is rebuilt, never trusted)."""


class LabelLimitError(BypassError, ValueError):
    """A route search exceeded its work budget: the query needs tighter constraints."""


class DatasetError(BypassError, ValueError):
    """A problem in a dataset file, located by file, row (1-based line), field."""

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


class DatasetErrors(BypassError, ValueError):
    """Several dataset problems reported at once (validation collects them all)."""

    def __init__(self, problems: Sequence[DatasetError]) -> None:
        self.problems = list(problems)
        first = self.problems[0] if self.problems else "no problems"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"{first}{more}")


class UnknownPlaceError(BypassError, LookupError):
    """A port, hub or node id/name that does not resolve; carries suggestions."""

    def __init__(self, query: str, suggestions: Sequence[str] = (), kind: str = "place") -> None:
        self.query, self.kind, self.suggestions = query, kind, list(suggestions)
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown {kind} {query!r}{hint}")

    def __str__(self) -> str:  # LookupError would quote the message like a key
        return str(self.args[0]) if self.args else ""


class InfeasibleError(BypassError, LookupError):
    """A query nothing satisfies; names the binding constraint and the best value."""

    def __init__(self, message: str, *, constraint: str | None = None, best: object = None):
        self.constraint, self.best = constraint, best
        super().__init__(message)
