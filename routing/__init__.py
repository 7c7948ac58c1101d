"""bypass.routing: route queries, solver, frontier, plans, reports and the CLI.

The public API is imported lazily, so the ``bypass`` command starts without
loading OR-Tools for commands that do not solve anything.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "corridors": "corridors",
    "CorridorSet": "corridors",
    "frontier": "frontier",
    "plan": "plan",
    "plan_frontier": "plan",
    "alternatives": "query",
    "compare_route": "query",
    "solve_route": "query",
    "CapacityUse": "results",
    "Frontier": "results",
    "Leg": "results",
    "Plan": "results",
    "PlanFlow": "results",
    "PlanFrontier": "results",
    "Route": "results",
}

__all__ = [
    "CapacityUse",
    "CorridorSet",
    "Frontier",
    "Leg",
    "Plan",
    "PlanFlow",
    "PlanFrontier",
    "Route",
    "alternatives",
    "compare_route",
    "corridors",
    "frontier",
    "plan",
    "plan_frontier",
    "solve_route",
]

if TYPE_CHECKING:  # pragma: no cover
    from .corridors import CorridorSet, corridors
    from .frontier import frontier
    from .plan import plan, plan_frontier
    from .query import alternatives, compare_route, solve_route
    from .results import CapacityUse, Frontier, Leg, Plan, PlanFlow, PlanFrontier, Route


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
