"""bypass.routing: route queries, solver, frontier, plans, reports and the CLI.

The public API is imported lazily, so the ``bypass`` command starts without
loading OR-Tools for commands that do not solve anything.

``plan``, ``frontier`` and ``corridors`` are both functions and module names
(``routing/plan.py``, ``routing/frontier.py``, ``routing/corridors.py``).
Python's import system sets a package attribute to the submodule when the
submodule is first imported, so after ``from routing.plan import plan`` the
name ``routing.plan`` would be the module and ``from routing import plan``
would hand back a module. The package's module class below keeps the
function in those attributes whatever the import order; ``from routing.plan
import plan`` keeps working.
"""

from __future__ import annotations

import sys
import types
from importlib import import_module
from typing import TYPE_CHECKING, Any

from networks import __version__

_EXPORTS = {
    "corridors": "corridors",
    "CorridorSet": "corridors",
    "frontier": "frontier",
    "plan": "plan",
    "plan_frontier": "plan",
    "alternatives": "query",
    "compare_route": "query",
    "solve_route": "query",
    "RouteOptions": "options",
    "CapacityUse": "results",
    "Frontier": "results",
    "Leg": "results",
    "Plan": "results",
    "PlanFlow": "results",
    "PlanFrontier": "results",
    "Route": "results",
    "RouteComparison": "results",
}

__all__ = [
    "__version__",
    "CapacityUse",
    "CorridorSet",
    "Frontier",
    "Leg",
    "Plan",
    "PlanFlow",
    "PlanFrontier",
    "Route",
    "RouteComparison",
    "RouteOptions",
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
    from .options import RouteOptions
    from .plan import plan, plan_frontier
    from .query import alternatives, compare_route, solve_route
    from .results import (
        CapacityUse,
        Frontier,
        Leg,
        Plan,
        PlanFlow,
        PlanFrontier,
        Route,
        RouteComparison,
    )

#: Functions that share their name with the submodule defining them.
_SHADOWED = ("corridors", "frontier", "plan")


class _Package(types.ModuleType):
    """The package module: a submodule import never replaces a same-named function."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
