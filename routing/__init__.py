"""bypass.routing: route queries, solver, frontier, plans, reports and the CLI."""

from .frontier import frontier
from .plan import plan, plan_frontier
from .query import alternatives, compare_route, solve_route
from .results import CapacityUse, Frontier, Leg, Plan, PlanFlow, PlanFrontier, Route

__all__ = [
    "CapacityUse",
    "Frontier",
    "Leg",
    "Plan",
    "PlanFlow",
    "PlanFrontier",
    "Route",
    "alternatives",
    "compare_route",
    "frontier",
    "plan",
    "plan_frontier",
    "solve_route",
]
