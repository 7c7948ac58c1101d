"""The exact cost-vs-time Pareto frontier of one origin-destination pair.

One bi-criteria label search (cost, time in integer micro-units, popped in
lexicographic order with reverse-Dijkstra bounds) yields every non-dominated
(cost, time) point and nothing else: a goal label is accepted only if it is
strictly faster than every cheaper accepted one. Routes with identical
(cost, time) collapse to the first found, which is deterministic (arc order
over sorted ids). DESIGN.md measured this at about 2 ms on a 400-node graph,
against 0.5 s for one budget-constrained CP-SAT solve.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from .options import RouteOptions
from .query import build_query, build_route, diagnose, run_labels
from .results import Frontier

__all__ = ["frontier"]


def frontier(
    graph: nx.MultiDiGraph,
    origin: str,
    destination: str,
    options: RouteOptions | None = None,
    /,
    **constraints: Any,
) -> Frontier:
    """Every non-dominated (total cost, total time) route, cheapest first.

    Takes the options of ``solve_route`` (a :class:`RouteOptions` and/or
    keyword arguments; ``max_days`` and ``max_cost`` cut the frontier;
    ``objective`` is ignored). Raises ``InfeasibleError`` when no route
    satisfies the constraints.
    """
    constraints.pop("objective", None)
    opts = RouteOptions.of(options, **constraints).replace(objective="cost")
    q = build_query(graph, origin, destination, opts)
    found = run_labels(q, ("cost", "time"), mode="pareto")
    if not found:
        raise diagnose(q)
    cons = dict(q.constraints)
    cons.pop("objective", None)
    points = tuple(build_route(q, r.arcs) for r in found)
    return Frontier(q.c.nodes[q.origin], q.c.nodes[q.dest], points, cons)
