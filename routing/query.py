"""Route queries: one best route, k alternatives, and the US-free vs via-US pair.

Queries without a resource limit (objective, filters, "via the US", required
nodes) go to exact shortest-path trees on the compiled graph and their joins
(``routing.trees``; the label search only when the best walk repeats a node);
a budget or transshipment limit goes to the exact label search (see
``routing.solver``), which carries a work budget ("query too hard").
See docs/solvers.md.
Filters (US, countries, avoided nodes and modes) are views of the graph, so a
US-free answer cannot contain a US arc whatever the prices are.
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import networkx as nx

from networks.errors import InfeasibleError, QueryError
from networks.places import resolve_place

from . import solver, trees
from .options import Objective, RouteOptions
from .results import Leg, Route, RouteComparison
from .solver import SCALE, Compiled, Filter, Weights

__all__ = [
    "SIDE_FILTERS",
    "Objective",
    "RouteOptions",
    "alternatives",
    "build_query",
    "compare_route",
    "compare_routes",
    "resolve_node",
    "solve_route",
]


@dataclass(eq=False)
class Query:
    """A validated query against the compiled graph (internal, shared with frontier).

    Treated as immutable (derive variants with ``dataclasses.replace``); not
    frozen only because a frozen dataclass's ``__init__`` costs a tenth of a
    fresh query.
    """

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
    options: RouteOptions

    @property
    def constraints(self) -> dict[str, Any]:
        """The options as routes record them (a new dict: ``RouteOptions.to_dict``)."""
        return self.options.to_dict()

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
    """The graph node a place id or name designates (see :func:`resolve_place`).

    A border crossing resolves to its first side node (sorted).
    """
    return resolve_place(graph, node_id, what=what)[0]


def _micro_limit(value: float) -> int:
    """A limit in integer micro-units; a finite limit beyond float range binds nothing."""
    scaled = value * SCALE
    return int(round(scaled)) if math.isfinite(scaled) else 2**63


def check_countries(graph: nx.MultiDiGraph, countries: Sequence[str]) -> None:
    """Every avoided country must be a real ISO 3166 alpha-3 code.

    Why: a typo (``--avoid-country ZZZ``) would otherwise avoid nothing and
    answer as if the constraint held.
    """
    if not countries:
        return
    import difflib

    from networks import geography

    known = {geography._fold(c) for c in geography.countries()["iso3"]}
    for _, d in graph.nodes(data=True):
        known.update(d.get("countries", ()) or ())
        if d.get("country"):
            known.add(d["country"])
    for c in countries:
        if c not in known:
            near = [k for k in sorted(known) if k[:2] == c[:2]]
            near = list(dict.fromkeys(
                near + difflib.get_close_matches(c, sorted(known), n=3, cutoff=0.6)))[:3]
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            raise QueryError(f"avoid_countries {c!r}: not an ISO 3166 alpha-3 country "
                              f"code{hint}")


def build_query(
    graph: nx.MultiDiGraph,
    origin: str,
    destination: str,
    options: RouteOptions | None = None,
    /,
    **kwargs: Any,
) -> Query:
    """Resolve places and build the filtered view of the graph for one query.

    ``options`` (a :class:`RouteOptions`) and/or the keyword arguments of
    ``solve_route``; ``require_us`` implies that US arcs are allowed.
    """
    opts = RouteOptions.of(options, **kwargs)
    check_countries(graph, opts.avoid_countries)
    c = solver.compile_graph(graph)
    o = c.index[resolve_place(graph, origin, what="origin")[0]]
    d = c.index[resolve_place(graph, destination, what="destination")[0]]
    if o == d:
        raise QueryError(f"origin and destination are the same node {c.nodes[o]!r}")
    # A border crossing as a via is its first side node; avoided, both sides.
    via_ids = tuple(dict.fromkeys(
        c.index[resolve_place(graph, v, what="via place")[0]] for v in opts.via)) \
        if opts.via else ()
    avoid_ids = frozenset(c.index[n] for v in opts.avoid
                          for n in resolve_place(graph, v, what="avoided place")) \
        if opts.avoid else frozenset()
    allow_us = opts.allow_us or opts.require_us
    # A route "through the US" for comparison leaves its origin country for good:
    # no arc from a US node back into it.
    reentry = (c.node_countries[o] - {"USA"}) if opts.no_return_from_us and not c.node_us[o] \
        else frozenset()
    f = Filter(
        forbid_us=not allow_us,
        strict=opts.strict_waters,
        avoid_countries=frozenset(opts.avoid_countries),
        avoid_nodes=avoid_ids,
        avoid_modes=frozenset(opts.avoid_modes),
        # Sea legs no liner service offers are opt-in (allow_hypothetical, #12).
        scheduled_only=opts.scheduled_only or not opts.allow_hypothetical,
        no_reentry_from_us=frozenset(reentry),
    )
    q = Query(
        graph=graph, c=c, origin=o, dest=d, filter=f,
        weights=solver.objective_arrays(c, solver.objective_weights(opts.objective)),
        via=tuple(v for v in via_ids if v not in (o, d)),
        require_us=opts.require_us,
        max_time_u=None if opts.max_days is None else _micro_limit(opts.max_days * 24),
        max_cost_u=None if opts.max_cost is None else _micro_limit(opts.max_cost),
        max_sea=None if opts.max_transshipments is None else opts.max_transshipments + 1,
        options=opts,
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


def _via_bound(q: Query, name: str) -> dict[int, tuple[list[int | None], int | None]]:
    """Per required node: every node's distance to it, and its distance to the destination."""
    out: dict[int, tuple[list[int | None], int | None]] = {}
    for v in q.via:
        to = _bound(replace(q, dest=v), name)
        out[v] = (to, _bound(q, name)[v])
    return out


def run_labels(
    q: Query, lead: Sequence[str], mode: str = "best", k: int = 1,
    class_nodes: frozenset[int] = frozenset(), upper: int | None = None,
) -> list[solver.LabelResult]:
    """Label search with ``lead`` criteria first, then every constrained resource.

    ``upper``: a known achievable value of the first criterion (a bound that
    prunes, from ``trees.best_join``). Raises ``QueryTooHardError`` (naming the
    query) when the search exceeds its work budget.
    """
    limits = limits_of(q)
    columns = tuple(lead) + tuple(r for r in limits if r not in lead)
    wkey = q.weights.key if "obj" in columns else None
    adj = solver.adjacency(q.c, q.filter, (columns, wkey), [_array(q, n) for n in columns])
    lbs = [_bound(q, n) for n in columns]
    pre = [_layered_bound(q, n) for n in columns] if q.require_us else None
    via_bits = {v: 1 << i for i, v in enumerate(q.via)}
    via_lbs = [_via_bound(q, n) for n in columns] if q.via else None
    lims = [limits.get(n) for n in columns]
    if upper is not None:
        lims[0] = upper if lims[0] is None else min(lims[0], upper)
    try:
        return solver.label_search(
            adj, q.origin, q.dest, lbs=lbs, limits=lims, pre_us_lbs=pre,
            via_bits=via_bits, require_us=q.require_us,
            us_arcs=solver.arc_us(q.c, q.filter.strict), class_nodes=class_nodes, mode=mode,
            k=k, via_lbs=via_lbs,
        )
    except solver.QueryTooHardError as err:
        raise solver.QueryTooHardError(f"{err} [{q.scope}route {q.where()}]") from None


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


def _join(q: Query) -> trees.Join | None:
    """The trees' best join of the query's required places, or None when inexact."""
    try:
        return trees.best_join(q.c, q.weights, q.filter, q.origin, q.dest, q.via, q.require_us)
    except trees.InexactError:
        return None


def _exists(q: Query) -> bool:
    """Whether any route satisfies ``q`` (trees when they can tell, else the label search)."""
    if _joinable(q):
        join = _join(q)
        if join is not None and (join.certain or join.upper is not None):
            return join.arcs is not None or join.upper is not None
    return bool(run_labels(q, ("obj",)))


def diagnose(q: Query) -> InfeasibleError:
    """Name the binding constraint and the best value achievable without it."""
    limits = limits_of(q)
    for res in ("time", "cost", "sea"):
        if res not in limits:
            continue
        unlimited: dict[str, Any] = {_LIMIT_FIELD[res]: None}
        relaxed = replace(q, **unlimited)
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
        if _exists(with_us):
            return InfeasibleError(
                f"no US-free route {q.where()}; every route transits the United States",
                constraint="allow_us", best=None,
            )
    if q.via and not _exists(replace(bare, via=())):
        return InfeasibleError(f"no {q.scope}route {q.where()}", constraint="network", best=None)
    constraint = "via" if q.via else ("require_us" if q.require_us else "network")
    return InfeasibleError(f"no {q.scope}route {q.where()}", constraint=constraint, best=None)


# --------------------------------------------------------------------------- routes


def build_route(q: Query, arcs: Sequence[int], dest: int | None = None) -> Route:
    """Turn arc ids into a Route with legs read from the original graph.

    Legs are immutable, so each arc's Leg is built once per compiled graph and
    US rule and shared by every route that travels it (bulk comparisons build
    thousands of routes from a few hundred arcs).
    """
    strict = q.filter.strict
    made = q.c.cache.get_or(("legs", strict), dict)
    legs = []
    for a in arcs:
        leg = made.get(a)
        if leg is None:
            leg = made[a] = _make_leg(q, a)
        legs.append(leg)
    c = q.c
    end = q.dest if dest is None else dest  # bulk comparisons share one query per origin
    return Route(c.nodes[q.origin], c.nodes[end], tuple(legs), q.constraints)


def _make_leg(q: Query, a: int) -> Leg:
    """The Leg of compiled arc ``a`` under the query's US rule."""
    c, g = q.c, q.graph
    u, v, key = c.nodes[c.tail[a]], c.nodes[c.head[a]], c.keys[a]
    e = g[u][v][key]
    waters = e.get("us_waters_nm") or {}
    sea = e.get("mode") == "sea"
    return Leg(
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


def _joinable(q: Query) -> bool:
    """No resource limit: shortest-path trees (and their joins) answer the query."""
    return (q.max_time_u is None and q.max_cost_u is None and q.max_sea is None
            and len(q.via) <= trees.MAX_JOIN_VIAS)


def best_arcs(q: Query) -> list[int]:
    """Arcs of the optimal route of a query, or raise InfeasibleError.

    Trees first (``routing.trees``: exact, milliseconds); the label search
    only when a resource limit applies or the trees' best walk repeats a node,
    bounded then by the best simple route the trees found.
    """
    upper = None
    if _joinable(q):
        join = _join(q)
        if join is not None:
            if join.arcs is not None:
                return join.arcs
            if join.bound is None:
                raise diagnose(q)
            if join.upper is not None:
                upper = join.upper[0] * q.weights.k + join.upper[1]
    found = run_labels(q, ("obj",), upper=upper)
    if not found:
        raise diagnose(q)
    return list(found[0].arcs)


def solve_route(
    graph: nx.MultiDiGraph,
    origin: str,
    destination: str,
    options: RouteOptions | None = None,
    /,
    **kwargs: Any,
) -> Route:
    """The best route for the objective under the filters and constraints.

    Why: the one question bypass answers, as a function; every other query
    (comparison, alternatives, frontier, plan) is built from the same parts.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The routing graph (``load_graph()``); edits to it are seen by the
        next query.
    origin, destination : str
        Node ids or place names, accent-insensitive (``"monterrey"``,
        ``"lazaro cardenas"``, ``"CNSHA"``).
    options : RouteOptions, optional
        The query options; or give them as keyword arguments
        (``objective="time"``, ``allow_us=True``, ``max_days=25``,
        ``via=["MXLZC"]``, ``avoid=["NLD-LRD"]``...; see :class:`RouteOptions`).

    Returns
    -------
    Route
        Legs read from the graph, totals, and the options it was solved under.

    Raises
    ------
    UnknownPlaceError
        For a place that does not resolve (with suggestions).
    InfeasibleError
        When no route satisfies the query; names the binding constraint and
        the best value reachable without it.
    QueryError
        For invalid options.
    """
    q = build_query(graph, origin, destination, options, **kwargs)
    return build_route(q, best_arcs(q))


def alternatives(
    graph: nx.MultiDiGraph, origin: str, destination: str, k: int,
    options: RouteOptions | None = None, /, **kwargs: Any,
) -> list[Route]:
    """Up to ``k`` routes, best first, each with a different set of ports and borders.

    Why: a planner wants the next-best *different* way (another port, another
    crossing), not the same corridor with a detour. Route i is the best route
    whose set of port/border nodes differs from those of routes 1..i-1 (exact:
    one label search whose states carry that set).

    Parameters
    ----------
    graph, origin, destination, options, **kwargs
        As for :func:`solve_route`.
    k : int
        How many routes at most.

    Returns
    -------
    list of Route
        Best first; fewer than ``k`` when fewer distinct port/border sets exist.

    Raises
    ------
    InfeasibleError
        When no route satisfies the query.
    """
    if k < 1:
        return []
    q = build_query(graph, origin, destination, options, **kwargs)
    classes = frozenset(i for i, kind in enumerate(q.c.kind) if kind in ("port", "border"))
    found = run_labels(q, ("obj",), mode="classes", k=k, class_nodes=classes)
    if not found:
        raise diagnose(q)
    return [build_route(q, r.arcs) for r in found]


#: The two sides every comparison puts next to each other, as solver filters:
#: no US arc at all, and at least one US arc without looping back home.
SIDE_FILTERS: tuple[tuple[str, dict[str, bool]], ...] = (
    ("us_free", {"allow_us": False, "require_us": False}),
    ("via_us", {"require_us": True, "no_return_from_us": True}),
)


def compare_route(
    graph: nx.MultiDiGraph, origin: str, destination: str,
    options: RouteOptions | None = None, /, **kwargs: Any,
) -> RouteComparison:
    """Best US-free route and best route through the US, side by side.

    Why one call: the two sides are the comparison every planner asks for,
    and they share one search (the US-free network is layer 0 of the
    two-layer network the via-US side is searched on, see
    :func:`compare_routes`).

    Parameters
    ----------
    graph, origin, destination, options, **kwargs
        As for :func:`solve_route` (``allow_us`` and ``require_us`` are set
        per side).

    Returns
    -------
    RouteComparison
        ``.us_free`` and ``.via_us`` (a ``Route`` or None), ``.reasons`` (why
        a side is missing); ``result["us_free"]`` still works.
    """
    opts = RouteOptions.of(options, **kwargs)
    o = resolve_place(graph, origin, what="origin")[0]
    d = resolve_place(graph, destination, what="destination")[0]
    bases: dict[tuple[str, int], Query | None] = {}
    for i, (_, side_opts) in enumerate(_sides(opts)):
        if not side_opts.via:
            try:
                bases[(o, i)] = build_query(graph, o, d, side_opts)
            except (InfeasibleError, QueryError):
                bases[(o, i)] = None  # the per-pair path says why
    return _compare_pair(graph, o, d, opts, bases, {})


@functools.lru_cache(maxsize=256)
def _sides(opts: RouteOptions) -> tuple[tuple[str, RouteOptions], ...]:
    """The options of each comparison side (``SIDE_FILTERS`` applied); options are immutable."""
    return tuple((side, opts.replace(**extra)) for side, extra in SIDE_FILTERS)


def compare_routes(
    graph: nx.MultiDiGraph, pairs: Iterable[tuple[str, str]],
    options: RouteOptions | None = None, /, **kwargs: Any,
) -> dict[tuple[str, str], RouteComparison]:
    """``compare_route`` for many pairs: one query build and one tree per origin.

    Why: building and validating a query costs more than reading a route off
    a cached shortest-path tree, and every pair of an origin shares its query
    but for the destination. Each answer is exactly ``compare_route``'s (the
    same trees; the per-pair path for anything unusual: required nodes, a
    destination that is avoided, in the US or the origin itself).

    Both sides read one tree: the via-US side is searched on the two-layer
    network (layer 1 entered by a US arc), whose layer 0 is exactly the
    US-free network (the same filters less the US arcs; the via-US side's
    "no return from the US" rule only removes US arcs), and layer 0 cannot be
    re-entered, so its distances and paths are the US-free side's.
    """
    opts = RouteOptions.of(options, **kwargs)
    names: dict[tuple[str, str], str] = {}

    def place(text: str, what: str) -> str:
        if (text, what) not in names:
            names[(text, what)] = resolve_place(graph, text, what=what)[0]
        return names[(text, what)]

    sides = _sides(opts)
    out: dict[tuple[str, str], RouteComparison] = {}
    bases: dict[tuple[str, int], Query | None] = {}
    tree_of: dict[tuple[str, int], trees.Tree | None] = {}
    for pair in pairs:
        o, d = place(pair[0], "origin"), place(pair[1], "destination")
        for i, (_, side_opts) in enumerate(sides):
            if (o, i) not in bases and not side_opts.via:
                bases[(o, i)] = _origin_query(graph, o, side_opts)
        out[pair] = _compare_pair(graph, o, d, opts, bases, tree_of)
    return out


def _shares_layer0(free: Query, via_us: Query) -> bool:
    """True when the US-free query is layer 0 of the via-US query's two-layer search."""
    # Layer 0 is the via-US filter with every US arc removed (the no-return rule only
    # removes US arcs); compared as a whole, so a new Filter field can never be missed.
    return (free.weights is via_us.weights and free.origin == via_us.origin
            and free.filter == replace(via_us.filter, forbid_us=True,
                                       no_reentry_from_us=frozenset()))


def _compare_pair(
    graph: nx.MultiDiGraph, o: str, d: str, opts: RouteOptions,
    bases: Mapping[tuple[str, int], Query | None],
    tree_of: dict[tuple[str, int], trees.Tree | None],
) -> RouteComparison:
    """Both sides of one pair from the origin's base queries and (shared) trees.

    ``bases[(o, side)]``: a validated query from ``o`` under the side's
    options (its destination is replaced), or None; ``tree_of`` memoises the
    origin's trees across pairs. Anything the trees cannot answer at once
    goes to the per-pair path (``best_arcs``), which also diagnoses.
    """
    sides = _sides(opts)
    routes: dict[str, Route | None] = {"us_free": None, "via_us": None}
    reasons: dict[str, str] = {}
    qs = [bases.get((o, i)) for i in range(len(sides))]
    shared = qs[0] is not None and qs[1] is not None and _shares_layer0(qs[0], qs[1])
    for i, (side, side_opts) in enumerate(sides):
        try:
            q0 = qs[i]
            di = q0.c.index.get(d) if q0 is not None else None
            if q0 is None or di is None or di == q0.origin or q0.via or limits_of(q0) \
                    or di in q0.filter.avoid_nodes \
                    or (q0.filter.forbid_us and q0.c.node_us[di]):
                q = build_query(graph, o, d, side_opts)
                routes[side] = build_route(q, best_arcs(q))
                continue
            # What best_arcs does first, on the origin's tree held here: the
            # two-layer tree answers the US-free side too when it is layer 0.
            src = 1 if shared else i
            if (o, src) not in tree_of:
                qt = qs[src]
                assert qt is not None
                try:
                    tree_of[(o, src)] = trees.shortest_tree(
                        qt.c, qt.weights, qt.filter, qt.origin, layered=qt.require_us)
                except trees.InexactError:
                    tree_of[(o, src)] = None
            t = tree_of[(o, src)]
            join = None if t is None else trees.route_on_tree(t, q0.c.n, di, q0.require_us)
            if join is not None and join.arcs is not None:
                routes[side] = build_route(q0, join.arcs, di)
                continue
            # No route (diagnosed there) or a walk to branch on: the per-pair path.
            q = copy.copy(q0)  # dataclasses.replace re-runs __init__: slower
            q.dest = di
            routes[side] = build_route(q, best_arcs(q))
        except InfeasibleError as err:
            reasons[side] = str(err)
    return RouteComparison(o, d, routes["us_free"], routes["via_us"], reasons, opts)


def _origin_query(graph: nx.MultiDiGraph, origin: str, opts: RouteOptions) -> Query | None:
    """A validated query from ``origin`` (to any other valid node), or None if none builds."""
    for other in graph.nodes:
        if other != origin:
            try:
                return build_query(graph, origin, str(other), opts)
            except (InfeasibleError, QueryError):
                continue
    return None
