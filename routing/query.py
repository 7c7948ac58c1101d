"""Route queries: one best route, k alternatives, and the US-free vs via-US pair.

Unconstrained queries (objective only, with filters) go to OR-Tools min-cost
flow on the compiled graph, and so does "via the US" alone (two-layer graph,
label search only when that walk repeats a node); anything with a budget, required nodes or a
transshipment limit goes to the exact label search (see ``routing.solver``).
Filters (US, countries, avoided nodes and modes) are views of the graph, so a
US-free answer cannot contain a US arc whatever the prices are.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import networkx as nx

from networks.errors import BypassError, InfeasibleError, UnknownPlaceError

from . import solver
from .results import Leg, Route
from .solver import SCALE, Compiled, Filter, Weights

Objective = str | Mapping[str, float]


@dataclass(frozen=True)
class Query:
    """A validated query against the compiled graph (internal, shared with frontier)."""

    graph: nx.MultiDiGraph
    c: Compiled
    origin: int
    dest: int
    filter: Filter
    weights: Weights
    via: tuple[int, ...]
    require_us: bool
    max_time_u: int | None
    max_cost_u: int | None
    max_sea: int | None
    constraints: Mapping[str, Any]

    @property
    def scope(self) -> str:
        if self.require_us:
            return "via-US "
        return "US-free " if self.filter.forbid_us else ""

    @property
    def unconstrained(self) -> bool:
        """True when a plain shortest path (min-cost flow) answers the query."""
        return (self.max_time_u is None and self.max_cost_u is None and self.max_sea is None
                and not self.via and not self.require_us)

    @property
    def layered(self) -> bool:
        """True when only ``require_us`` is set: the two-layer min-cost flow may answer it."""
        return (self.require_us and self.max_time_u is None and self.max_cost_u is None
                and self.max_sea is None and not self.via)

    def where(self) -> str:
        c = self.c
        text = f"from {c.nodes[self.origin]} to {c.nodes[self.dest]}"
        if self.via:
            text += " via " + ", ".join(c.nodes[v] for v in self.via)
        return text


def resolve_node(graph: nx.MultiDiGraph, node_id: str, what: str = "place") -> str:
    """Return ``node_id`` if it is in the graph, else raise with close matches."""
    if node_id in graph:
        return node_id
    ids = [str(n) for n in graph.nodes]
    names = {str(d.get("name", "")).lower(): str(n) for n, d in graph.nodes(data=True)}
    query = str(node_id)
    hits = difflib.get_close_matches(query.upper(), ids, n=5, cutoff=0.6)
    for name in difflib.get_close_matches(query.lower(), list(names), n=5, cutoff=0.6):
        if names[name] not in hits:
            hits.append(names[name])
    raise UnknownPlaceError(query, sorted(hits[:5]), kind=what)


def _micro_limit(value: float) -> int:
    """A limit in integer micro-units; a finite limit beyond float range binds nothing."""
    scaled = value * SCALE
    return int(round(scaled)) if math.isfinite(scaled) else 2**63


def build_query(
    graph: nx.MultiDiGraph,
    origin: str,
    destination: str,
    *,
    objective: Objective = "cost",
    allow_us: bool = False,
    require_us: bool = False,
    strict_waters: bool = False,
    avoid_countries: Iterable[str] = (),
    max_days: float | None = None,
    max_cost: float | None = None,
    via: Iterable[str] = (),
    avoid: Iterable[str] = (),
    avoid_modes: Iterable[str] = (),
    max_transshipments: int | None = None,
    scheduled_only: bool = False,
    no_return_from_us: bool = False,
    allow_hypothetical: bool = False,
) -> Query:
    """Validate arguments, resolve ids and build the filtered view of the graph.

    ``require_us`` implies that US arcs are allowed (it asks for them).
    """
    c = solver.compile_graph(graph)
    o = c.index[resolve_node(graph, origin, "origin")]
    d = c.index[resolve_node(graph, destination, "destination")]
    if o == d:
        raise BypassError(f"origin and destination are the same node {origin!r}")
    via_ids = tuple(dict.fromkeys(c.index[resolve_node(graph, v, "via node")] for v in via))
    avoid_ids = frozenset(c.index[resolve_node(graph, v, "avoided node")] for v in avoid)
    for name, value in (("max_days", max_days), ("max_cost", max_cost)):
        if value is not None and not (value >= 0 and math.isfinite(value)):
            raise BypassError(f"{name} must be a finite non-negative number, got {value!r}")
    if max_transshipments is not None and max_transshipments < 0:
        raise BypassError(f"max_transshipments must be >= 0, got {max_transshipments!r}")
    constraints = {
        "objective": objective if isinstance(objective, str) else dict(objective),
        "allow_us": bool(allow_us or require_us),
        "require_us": bool(require_us),
        "strict_waters": bool(strict_waters),
        "avoid_countries": sorted(avoid_countries),
        "max_days": max_days,
        "max_cost": max_cost,
        "via": list(dict.fromkeys(via)),
        "avoid": sorted(avoid),
        "avoid_modes": sorted(avoid_modes),
        "max_transshipments": max_transshipments,
        "scheduled_only": bool(scheduled_only or not allow_hypothetical),
        "allow_hypothetical": bool(allow_hypothetical and not scheduled_only),
        "no_return_from_us": bool(no_return_from_us),
    }
    # A route "through the US" for comparison leaves its origin country for good:
    # no arc from a US node back into it.
    reentry = (c.node_countries[o] - {"USA"}) if no_return_from_us and not c.node_us[o] \
        else frozenset()
    f = Filter(
        forbid_us=not (allow_us or require_us),
        strict=bool(strict_waters),
        avoid_countries=frozenset(avoid_countries),
        avoid_nodes=avoid_ids,
        avoid_modes=frozenset(avoid_modes),
        # Sea legs no liner service offers are opt-in (allow_hypothetical).
        scheduled_only=bool(scheduled_only or not allow_hypothetical),
        no_reentry_from_us=frozenset(reentry),
    )
    q = Query(
        graph=graph, c=c, origin=o, dest=d, filter=f,
        weights=solver.objective_arrays(c, solver.objective_weights(objective)),
        via=tuple(v for v in via_ids if v not in (o, d)),
        require_us=bool(require_us),
        max_time_u=None if max_days is None else _micro_limit(max_days * 24),
        max_cost_u=None if max_cost is None else _micro_limit(max_cost),
        max_sea=None if max_transshipments is None else max_transshipments + 1,
        constraints=constraints,
    )
    for v in (o, d, *via_ids):
        if v in avoid_ids:
            raise InfeasibleError(
                f"{c.nodes[v]} is both required and avoided", constraint="avoid", best=None
            )
        if f.forbid_us and c.node_us[v]:
            raise InfeasibleError(
                f"no US-free route: {c.nodes[v]} is in (or on the border of) the United States",
                constraint="allow_us", best=None,
            )
    return q


# --------------------------------------------------------------------------- label plumbing


def _array(q: Query, name: str):
    c = q.c
    return {"obj": q.weights.composite, "time": c.time_u, "cost": c.cost_u, "sea": c.sea}[name]


def _bound(q: Query, name: str) -> list[int | None]:
    if name == "obj":
        w = q.weights
        lb = solver.lower_bounds(q.c, q.filter, w.primary, ("primary", w.key), q.dest)
        return [None if x is None else x * w.k for x in lb]
    return solver.lower_bounds(q.c, q.filter, _array(q, name), name, q.dest)


def _layered_bound(q: Query, name: str) -> list[int | None]:
    """Like ``_bound``, for labels that still have to use a US arc."""
    if name == "obj":
        w = q.weights
        lb = solver.layered_lower_bounds(q.c, q.filter, w.primary, ("primary", w.key), q.dest)
        return [None if x is None else x * w.k for x in lb]
    return solver.layered_lower_bounds(q.c, q.filter, _array(q, name), name, q.dest)


def limits_of(q: Query) -> dict[str, int]:
    """The active resource limits, in integer micro-units (sea: leg count)."""
    out = {"time": q.max_time_u, "cost": q.max_cost_u, "sea": q.max_sea}
    return {k: v for k, v in out.items() if v is not None}


def run_labels(
    q: Query, lead: Sequence[str], mode: str = "best", k: int = 1,
    class_nodes: frozenset[int] = frozenset(),
) -> list[solver.LabelResult]:
    """Label search with ``lead`` criteria first, then every constrained resource."""
    limits = limits_of(q)
    columns = tuple(lead) + tuple(r for r in limits if r not in lead)
    wkey = q.weights.key if "obj" in columns else None
    adj = solver.adjacency(q.c, q.filter, (columns, wkey), [_array(q, n) for n in columns])
    lbs = [_bound(q, n) for n in columns]
    pre = [_layered_bound(q, n) for n in columns] if q.require_us else None
    via_bits = {v: 1 << i for i, v in enumerate(q.via)}
    return solver.label_search(
        adj, q.origin, q.dest, lbs=lbs, limits=[limits.get(n) for n in columns], pre_us_lbs=pre,
        via_bits=via_bits, require_us=q.require_us,
        us_arcs=solver.arc_us(q.c, q.filter.strict), class_nodes=class_nodes, mode=mode, k=k,
    )


def _fmt_limit(resource: str, value: int) -> str:
    if resource == "time":
        return f"within {value / SCALE / 24:g} days"
    if resource == "cost":
        return f"within {value / SCALE:g} USD/TEU"
    return f"with at most {value - 1} transshipment(s)"


def _fmt_best(resource: str, value: int, scope: str) -> str:
    if resource == "time":
        return f"fastest {scope}route takes {value / SCALE / 24:.1f} days"
    if resource == "cost":
        return f"cheapest {scope}route costs {value / SCALE:.2f} USD/TEU"
    return f"fewest possible transshipments is {max(value - 1, 0)}"


_LIMIT_FIELD = {"time": "max_time_u", "cost": "max_cost_u", "sea": "max_sea"}
_CONSTRAINT_NAME = {"time": "max_days", "cost": "max_cost", "sea": "max_transshipments"}


def diagnose(q: Query) -> InfeasibleError:
    """Name the binding constraint and the best value achievable without it."""
    limits = limits_of(q)
    for res in ("time", "cost", "sea"):
        if res not in limits:
            continue
        relaxed = replace(q, **{_LIMIT_FIELD[res]: None})
        found = run_labels(relaxed, (res,))
        if found:
            best = found[0].vec[0]
            best_value = best / SCALE / 24 if res == "time" else (
                best / SCALE if res == "cost" else max(best - 1, 0))
            return InfeasibleError(
                f"no {q.scope}route {q.where()} {_fmt_limit(res, limits[res])}; "
                f"{_fmt_best(res, best, q.scope)}",
                constraint=_CONSTRAINT_NAME[res], best=best_value,
            )
    bare = replace(q, max_time_u=None, max_cost_u=None, max_sea=None)
    if q.filter.forbid_us:
        with_us = replace(bare, filter=replace(q.filter, forbid_us=False))
        if run_labels(with_us, ("obj",)):
            return InfeasibleError(
                f"no US-free route {q.where()}; every route transits the United States",
                constraint="allow_us", best=None,
            )
    if q.via and not run_labels(replace(bare, via=()), ("obj",)):
        return InfeasibleError(f"no {q.scope}route {q.where()}", constraint="network", best=None)
    constraint = "via" if q.via else ("require_us" if q.require_us else "network")
    return InfeasibleError(f"no {q.scope}route {q.where()}", constraint=constraint, best=None)


# --------------------------------------------------------------------------- routes


def build_route(q: Query, arcs: Sequence[int]) -> Route:
    """Turn arc ids into a Route with legs read from the original graph."""
    c, g = q.c, q.graph
    legs = []
    for a in arcs:
        u, v, key = c.nodes[c.tail[a]], c.nodes[c.head[a]], c.keys[a]
        e = g[u][v][key]
        waters = e.get("us_waters_nm") or {}
        sea = e.get("mode") == "sea"
        legs.append(
            Leg(
                mode=str(e.get("mode", "")),
                kind=str(e.get("kind", "")),
                from_id=u,
                to_id=v,
                from_name=c.name[c.tail[a]],
                to_name=c.name[c.head[a]],
                distance_km=float(e.get("distance_km", 0.0) or 0.0),
                time_h=float(c.time[a]),
                cost_usd_per_teu=float(c.cost[a]),
                co2_kg_per_teu=float(c.co2[a]),
                us_transit=bool(solver.arc_us(c, q.filter.strict)[a]),
                us_waters_nm={"territorial": float(waters.get("territorial", 0.0)),
                              "eez": float(waters.get("eez", 0.0))},
                distance_nm=float(e["distance_nm"]) if sea and "distance_nm" in e else None,
                service=e.get("service") if sea else None,
                services=tuple(e.get("services") or ()),
                wait_h=float(e["wait_h"]) if e.get("wait_h") else None,
                geometry=e.get("geometry"),
                key=str(key),
                from_kind=c.kind[c.tail[a]],
                to_kind=c.kind[c.head[a]],
            )
        )
    return Route(c.nodes[q.origin], c.nodes[q.dest], tuple(legs), dict(q.constraints))


def best_arcs(q: Query) -> list[int]:
    """Arcs of the optimal route of a query, or raise InfeasibleError."""
    if q.unconstrained:
        arcs = solver.shortest_path(q.c, q.weights, q.filter, q.origin, q.dest)
        if arcs is None:
            raise diagnose(q)
        return arcs
    if q.layered:
        arcs = solver.simple_layered_path(q.c, q.weights, q.filter, q.origin, q.dest)
        if arcs is not None:
            return arcs
    found = run_labels(q, ("obj",))
    if not found:
        raise diagnose(q)
    return list(found[0].arcs)


def solve_route(
    graph: nx.MultiDiGraph,
    origin: str,
    destination: str,
    *,
    objective: Objective = "cost",
    allow_us: bool = False,
    require_us: bool = False,
    strict_waters: bool = False,
    avoid_countries: Iterable[str] = (),
    max_days: float | None = None,
    max_cost: float | None = None,
    via: Iterable[str] = (),
    avoid: Iterable[str] = (),
    avoid_modes: Iterable[str] = (),
    max_transshipments: int | None = None,
    scheduled_only: bool = False,
    no_return_from_us: bool = False,
    allow_hypothetical: bool = False,
) -> Route:
    """The best route for ``objective`` under the filters and constraints.

    ``objective``: ``"cost"``, ``"time"``, ``"co2"`` or a dict of weights in
    USD per unit (``{"cost": 1, "time": 20}`` values an hour at 20 USD).
    ``allow_us=False`` removes every US arc and node before solving;
    ``require_us=True`` returns the best route that uses at least one;
    ``no_return_from_us`` forbids coming back into the origin country from
    the US (the "through the US" comparison uses both).
    Sea legs with no scheduled liner service (hypothetical direct legs) are
    left out unless ``allow_hypothetical=True``; ``scheduled_only=True`` (the
    former opt-out, now the default) keeps them out whatever else is asked.
    Raises ``UnknownPlaceError`` for unknown ids and ``InfeasibleError``
    (naming the binding constraint and the best reachable value) if no route
    satisfies the query.
    """
    q = build_query(
        graph, origin, destination, objective=objective, allow_us=allow_us,
        require_us=require_us, strict_waters=strict_waters, avoid_countries=avoid_countries,
        max_days=max_days, max_cost=max_cost, via=via, avoid=avoid, avoid_modes=avoid_modes,
        max_transshipments=max_transshipments, scheduled_only=scheduled_only,
        no_return_from_us=no_return_from_us, allow_hypothetical=allow_hypothetical,
    )
    return build_route(q, best_arcs(q))


def alternatives(
    graph: nx.MultiDiGraph, origin: str, destination: str, k: int, **kwargs: Any
) -> list[Route]:
    """Up to ``k`` routes, best first, each with a different set of ports and borders.

    Route i is the best route whose set of port/border nodes differs from
    those of routes 1..i-1 (exact: one label search whose states carry that
    set). Takes the keyword arguments of ``solve_route``.
    """
    if k < 1:
        return []
    q = build_query(graph, origin, destination, **kwargs)
    classes = frozenset(i for i, kind in enumerate(q.c.kind) if kind in ("port", "border"))
    found = run_labels(q, ("obj",), mode="classes", k=k, class_nodes=classes)
    if not found:
        raise diagnose(q)
    return [build_route(q, r.arcs) for r in found]


#: The two sides every comparison puts next to each other, as solver filters:
#: no US arc at all, and at least one US arc without looping back home.
SIDE_FILTERS: tuple[tuple[str, dict[str, bool]], ...] = (
    ("us_free", {"allow_us": False}),
    ("via_us", {"require_us": True, "no_return_from_us": True}),
)


def compare_route(
    graph: nx.MultiDiGraph, origin: str, destination: str, **kwargs: Any
) -> dict[str, Any]:
    """Best US-free route and best route through the US, side by side.

    Returns ``{"us_free": Route|None, "via_us": Route|None, "reasons": {...}}``;
    a missing side carries the InfeasibleError message under its name.
    """
    kwargs = {k: v for k, v in kwargs.items() if k not in ("allow_us", "require_us")}
    out: dict[str, Any] = {"us_free": None, "via_us": None, "reasons": {}}
    for side, extra in SIDE_FILTERS:
        try:
            out[side] = solve_route(graph, origin, destination, **kwargs, **extra)
        except InfeasibleError as err:
            out["reasons"][side] = str(err)
    return out
