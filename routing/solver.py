"""Exact solving engines behind routes, frontiers and plans.

This is the only module that imports OR-Tools (lazily, for plans). It holds:

* ``compile_graph``: the routing graph as numpy arrays, built once per graph
  object and content (``WeakKeyDictionary`` checked against the graph's edit
  counter and a snapshot) so a warm query does no Python loop over edges and
  an edited graph is never solved with stale arrays.
* Integer scaling. Every weight is an integer number of micro-units
  (``SCALE = 10**6``: micro-USD, micro-hours, milligrams... of CO2 per TEU);
  solvers are exact on these integers. The objective is made tie-safe by a
  lexicographic composite ``primary * K + secondary`` where ``secondary`` is
  time (for the time objective: cost) in hundredths and ``K`` exceeds the
  secondary total of any simple path, so the composite can never prefer a
  route with a worse primary total; equal-primary routes go to the faster (or
  cheaper) one, and exact ties (equal in both) to a deterministic choice that
  depends only on the sorted ids, never on edge insertion order. Two routes whose float totals
  differ by less than 1e-6 unit per leg are ties by definition.
* ``routing.trees.shortest_path`` (trees build on this module): a
  lexicographic shortest-path tree per origin (scipy Dijkstra on exact
  integer weights, cached) for
  unconstrained queries; "via the US" uses a two-layer copy of the graph
  (layer 1 is entered by a US arc), so it is one tree too
  (``simple_layered_path``); only a walk that repeats a node falls back to the
  label search. Required nodes join trees (``routing.trees.best_join``).
* ``label_search``: exact multi-criteria label setting (A*-ordered with
  reverse-Dijkstra bounds, dominance per state) for resource constraints,
  required nodes, Pareto frontiers and class-distinct alternatives; with
  ``require_us`` its A* bounds come from the two-layer graph too. Measured
  much faster than CP-SAT on these graphs (DESIGN.md: ms vs 0.5 s), and every
  side constraint here is a label resource, so CP-SAT is not needed.
* ``LinearProgram``: GLOP through pywraplp for the plan LP.
"""

from __future__ import annotations

import heapq
import weakref
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from networks.errors import BypassError, LabelLimitError, QueryError
from networks.graph import RoutingGraph, edit_count, snapshot, validate_graph

__all__ = [
    "Compiled",
    "Filter",
    "LabelLimitError",
    "LabelResult",
    "LinearProgram",
    "OBJECTIVE_FIELDS",
    "SCALE",
    "SECONDARY_SCALE",
    "Weights",
    "adjacency",
    "arc_mask",
    "arc_us",
    "clear_cache",
    "compile_graph",
    "label_search",
    "layered_lower_bounds",
    "lower_bounds",
    "objective_arrays",
    "objective_weights",
]

#: Integer resolution of every weight: 1e-6 of its unit.
SCALE = 1_000_000
#: Resolution of the tie-breaking secondary criterion: 1e-2 of its unit.
SECONDARY_SCALE = 100
#: Keep composite path totals far below the int64 range (label keys, sums).
_MCF_COST_LIMIT = 2**60
_CACHE_SIZE = 256

OBJECTIVE_FIELDS = {"cost": "cost_usd_per_teu", "time": "time_h", "co2": "co2_kg_per_teu"}


def objective_weights(objective: str | Mapping[str, float]) -> tuple[float, float, float]:
    """Normalise an objective to (cost, time, co2) weights; a dict is a USD blend."""
    if isinstance(objective, str):
        if objective not in OBJECTIVE_FIELDS:
            raise QueryError(
                f"unknown objective {objective!r}; use cost, time, co2 or a dict of weights"
            )
        return (
            float(objective == "cost"),
            float(objective == "time"),
            float(objective == "co2"),
        )
    unknown = sorted(set(objective) - set(OBJECTIVE_FIELDS))
    if unknown:
        raise QueryError(f"unknown objective weight(s) {unknown}; use cost, time, co2")
    w = tuple(float(objective.get(k, 0.0)) for k in ("cost", "time", "co2"))
    if any(x < 0 for x in w) or not any(x > 0 for x in w):
        raise QueryError("objective weights must be non-negative and not all zero")
    return w  # type: ignore[return-value]


class _LRU(OrderedDict):
    """Tiny bounded cache: warm queries hit it, odd one-off filters fall out."""

    def get_or(self, key: Hashable, make):
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = make()
        self[key] = value
        if len(self) > _CACHE_SIZE:
            self.popitem(last=False)
        return value


@dataclass(eq=False)
class Compiled:
    """The routing graph as arrays; arc order is sorted by (tail, head, key)."""

    nodes: list[str]
    index: dict[str, int]
    kind: list[str]
    name: list[str]
    node_us: np.ndarray
    node_countries: list[frozenset[str]]
    node_capacity: np.ndarray
    tail: np.ndarray
    head: np.ndarray
    keys: list[Any]
    cost: np.ndarray
    time: np.ndarray
    co2: np.ndarray
    cost_u: np.ndarray
    time_u: np.ndarray
    co2_u: np.ndarray
    sea: np.ndarray
    us: np.ndarray
    us_strict: np.ndarray
    mode: np.ndarray
    countries: list[frozenset[str]]
    capacity: np.ndarray
    hypothetical: np.ndarray  # sea arcs with no scheduled liner service
    #: (edit counter, snapshot) when compiled: see ``compile_graph``.
    fingerprint: tuple[int, Any]
    cache: _LRU = field(default_factory=_LRU)

    @property
    def n(self) -> int:
        return len(self.nodes)

    @property
    def m(self) -> int:
        return len(self.keys)


_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _micro(values: np.ndarray) -> np.ndarray:
    return np.rint(values * SCALE).astype(np.int64)


#: Largest sum of integer weights the solver may form: a path's total and the
#: composite weights must stay far inside int64 (2**63 - 1), else they wrap.
INT_LIMIT = 2**62


def check_integer_range(label: str, values: np.ndarray, n_nodes: int, edges) -> None:
    """Refuse edge figures whose micro-unit sum over a path could overflow int64.

    Why: ``values * SCALE`` cast to int64 wraps silently (a cost of 1e13 USD/TEU
    became negative and the dearest route won). A simple path has fewer edges
    than nodes, so ``max * SCALE * nodes`` bounds every path total.
    """
    if not len(values):
        return
    top = float(values.max())
    limit = INT_LIMIT / SCALE / max(n_nodes, 1)
    if top > limit:
        i = int(values.argmax())
        u, v = edges[i][0], edges[i][1]
        raise BypassError(f"edge {u} -> {v}: {label} = {top:g} is too large for the solver's "
                          f"exact integer weights (at most {limit:.3g} on a graph of "
                          f"{n_nodes} nodes); check the data")


def compile_graph(graph: nx.MultiDiGraph) -> Compiled:
    """Arrays of the graph, cached per graph object and keyed by its content.

    Why: a warm query must not loop over edges in Python, yet an edited graph
    must never be solved with stale arrays. A :class:`~networks.graph.RoutingGraph`
    (what ``load_graph`` returns) counts its edits, so a warm query checks one
    integer; after any edit, and for graphs of other classes on every call, a
    snapshot of the compiled attributes (:func:`networks.graph.snapshot`) is
    compared, and the arrays are rebuilt when it differs. Compiling validates
    the graph contract (:func:`networks.graph.validate_graph`).
    """
    hit = _COMPILED.get(graph)
    tracked = isinstance(graph, RoutingGraph)
    if hit is not None:
        if tracked and hit.fingerprint[0] == edit_count():
            return hit
        snap = snapshot(graph)
        if snap == hit.fingerprint[1]:
            hit.fingerprint = (edit_count(), snap)
            return hit
    else:
        snap = snapshot(graph)
    validate_graph(graph)
    fp = (edit_count(), snap)
    nodes = sorted(graph.nodes, key=str)
    index = {u: i for i, u in enumerate(nodes)}
    nd = graph.nodes
    kind = [str(nd[u].get("kind", "")) for u in nodes]
    name = [str(nd[u].get("name", u)) for u in nodes]
    node_us = np.array([bool(nd[u].get("us_transit", False)) for u in nodes], dtype=bool)
    node_countries = []
    for u in nodes:
        cs = set(nd[u].get("countries", ()) or ())
        if nd[u].get("country"):
            cs.add(nd[u]["country"])
        node_countries.append(frozenset(cs))
    node_capacity = np.array(
        [float(nd[u].get("capacity_teu_per_year", np.nan)) for u in nodes], dtype=float
    )
    edges = sorted(
        graph.edges(keys=True, data=True), key=lambda e: (index[e[0]], index[e[1]], str(e[2]))
    )
    tail = np.array([index[e[0]] for e in edges], dtype=np.int64)
    head = np.array([index[e[1]] for e in edges], dtype=np.int64)

    def col(attr: str) -> np.ndarray:
        # validate_graph guarantees a finite non-negative number on every edge.
        return np.array([float(e[3][attr]) for e in edges], dtype=float)

    cost, time, co2 = col("cost_usd_per_teu"), col("time_h"), col("co2_kg_per_teu")
    for label, arr in (("cost_usd_per_teu", cost), ("time_h", time), ("co2_kg_per_teu", co2)):
        check_integer_range(label, arr, len(nodes), edges)
    ends_us = node_us[tail] | node_us[head] if len(edges) else np.zeros(0, dtype=bool)
    us = np.array([bool(e[3].get("us_transit", False)) for e in edges], dtype=bool) | ends_us
    us_strict = us | np.array([bool(e[3].get("us_transit_strict", False)) for e in edges],
                              dtype=bool)
    compiled = Compiled(
        nodes=nodes,
        index=index,
        kind=kind,
        name=name,
        node_us=node_us,
        node_countries=node_countries,
        node_capacity=node_capacity,
        tail=tail,
        head=head,
        keys=[e[2] for e in edges],
        cost=cost,
        time=time,
        co2=co2,
        cost_u=_micro(cost),
        time_u=_micro(time),
        co2_u=_micro(co2),
        sea=np.array([e[3].get("mode") == "sea" for e in edges], dtype=np.int64),
        us=us,
        us_strict=us_strict,
        mode=np.array([str(e[3].get("mode", "")) for e in edges], dtype=object),
        countries=[frozenset(e[3].get("countries", ()) or ()) for e in edges],
        capacity=np.array(
            [float(e[3].get("capacity_teu_per_year", np.nan)) for e in edges], dtype=float
        ),
        hypothetical=np.array(
            [e[3].get("mode") == "sea" and e[3].get("service") != "scheduled" for e in edges],
            dtype=bool,
        ),
        fingerprint=fp,
    )
    _COMPILED[graph] = compiled
    return compiled


def clear_cache(graph: nx.MultiDiGraph) -> None:
    """Forget the compiled arrays (and solver caches) of a graph.

    Never needed for correctness (edits are detected); frees memory early.
    """
    _COMPILED.pop(graph, None)


# --------------------------------------------------------------------------- weights


@dataclass(frozen=True)
class Weights:
    """Integer weights of one objective: composite = primary * k + secondary."""

    key: tuple[float, float, float]
    primary: np.ndarray
    secondary: np.ndarray
    k: int

    @property
    def composite(self) -> np.ndarray:
        return self.primary * self.k + self.secondary


def objective_arrays(c: Compiled, weights: tuple[float, float, float]) -> Weights:
    """Tie-safe integer weights (see module docstring); cached per objective."""

    def make() -> Weights:
        wc, wt, wo = weights
        primary = np.rint((wc * c.cost + wt * c.time + wo * c.co2) * SCALE).astype(np.int64)
        sec_src = c.cost if weights == (0.0, 1.0, 0.0) else c.time
        div = 1
        while True:
            secondary = np.rint(sec_src * SECONDARY_SCALE / div).astype(np.int64)
            # Any simple path leaves each node at most once: bound its secondary sum.
            per_node = np.zeros(c.n, dtype=np.int64)
            if c.m:
                np.maximum.at(per_node, c.tail, secondary)
            k = int(per_node.sum()) + 1
            top = (int(primary.max()) if c.m else 0) * k + (int(secondary.max()) if c.m else 0)
            if top * (2 * c.n + 2) < _MCF_COST_LIMIT:
                return Weights(weights, primary, secondary, k)
            if k == 1:
                raise BypassError("edge weights too large for exact integer scaling")
            div *= 10
            if div > 10**12:
                secondary = np.zeros_like(secondary)
                return Weights(weights, primary, secondary, 1)

    return c.cache.get_or(("weights", weights), make)


# --------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class Filter:
    """Which arcs a query may use (a filtered view, never a penalty)."""

    forbid_us: bool = True
    strict: bool = False
    avoid_countries: frozenset[str] = frozenset()
    avoid_nodes: frozenset[int] = frozenset()
    avoid_modes: frozenset[str] = frozenset()
    #: Only sea arcs with a scheduled liner service.
    scheduled_only: bool = False
    #: Countries a route may not re-enter from a US node (a route "through the
    #: US" leaves its origin country for good, it does not loop back).
    no_reentry_from_us: frozenset[str] = frozenset()

    def __hash__(self) -> int:
        # Cached: every solver cache key (masks, trees, arc arrays) holds a Filter.
        h = self.__dict__.get("_hash")
        if h is None:
            h = hash((self.forbid_us, self.strict, self.avoid_countries, self.avoid_nodes,
                      self.avoid_modes, self.scheduled_only, self.no_reentry_from_us))
            object.__setattr__(self, "_hash", h)
        return h


def arc_us(c: Compiled, strict: bool) -> np.ndarray:
    """The arcs that count as US transit under the chosen definition."""
    return c.us_strict if strict else c.us


def arc_mask(c: Compiled, f: Filter) -> np.ndarray:
    """Boolean array over arcs: True where the filter lets the arc through."""

    def make() -> np.ndarray:
        mask = np.ones(c.m, dtype=bool)
        if f.forbid_us:
            mask &= ~arc_us(c, f.strict)
        if f.avoid_countries:
            bad_node = np.array([bool(cs & f.avoid_countries) for cs in c.node_countries])
            bad_arc = np.array([bool(cs & f.avoid_countries) for cs in c.countries], dtype=bool)
            if c.m:
                mask &= ~(bad_arc | bad_node[c.tail] | bad_node[c.head])
        if f.avoid_nodes:
            bad = np.zeros(c.n, dtype=bool)
            bad[list(f.avoid_nodes)] = True
            if c.m:
                mask &= ~(bad[c.tail] | bad[c.head])
        if f.avoid_modes:
            mask &= ~np.isin(c.mode, list(f.avoid_modes))
        if f.scheduled_only:
            mask &= ~c.hypothetical
        if f.no_reentry_from_us and c.m:
            into = np.array(
                [bool(cs & f.no_reentry_from_us) and not us
                 for cs, us in zip(c.node_countries, c.node_us, strict=True)],
                dtype=bool,
            )
            mask &= ~(c.node_us[c.tail] & into[c.head])
        return mask

    return c.cache.get_or(("mask", f), make)


# --------------------------------------------------------------------------- shortest paths


def _dedupe(keys: Sequence[np.ndarray], cost: np.ndarray, arcs: np.ndarray) -> np.ndarray:
    """Keep the cheapest (then lowest-index) arc of each parallel group."""
    if len(arcs) == 0:
        return arcs
    order = np.lexsort((arcs, cost, *reversed(keys)))
    sorted_keys = [k[order] for k in keys]
    first = np.ones(len(order), dtype=bool)
    first[1:] = np.zeros(len(order) - 1, dtype=bool)
    for k in sorted_keys:
        first[1:] |= k[1:] != k[:-1]
    return np.sort(arcs[order][first])


# --------------------------------------------------------------------------- label setting


def _exact_list(dist: np.ndarray) -> list[int | None]:
    """Distances as exact Python ints (None where unreachable), converted in bulk."""
    finite = np.isfinite(dist)
    out: list[int | None] = np.rint(np.where(finite, dist, 0.0)).astype(np.int64).tolist()
    for i in np.flatnonzero(~finite).tolist():
        out[i] = None
    return out


def lower_bounds(
    c: Compiled, f: Filter, values: np.ndarray, name: Hashable, dest: int, *, cached: bool = True
) -> list[int | None]:
    """Exact shortest distance of every node to ``dest`` (reverse Dijkstra, scipy).

    A consistent A* heuristic and a feasibility bound for the label search;
    Returned as a list of Python ints (exact; ``None`` = cannot reach ``dest``)
    so label keys stay exact integers.
    """

    def matrix() -> csr_matrix:
        allowed = np.flatnonzero(arc_mask(c, f))
        keep = _dedupe([c.head[allowed], c.tail[allowed]], values[allowed], allowed)
        rows, cols = c.head[keep], c.tail[keep]
        order = np.lexsort((cols, rows))
        rows, cols, data = rows[order], cols[order], values[keep][order].astype(float)
        indptr = np.zeros(c.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=c.n), out=indptr[1:])
        return csr_matrix((data, cols, indptr), shape=(c.n, c.n))

    if not cached:
        mat = matrix()
        dist = dijkstra(mat, directed=True, indices=dest)
        return _exact_list(dist)
    mat = c.cache.get_or(("revmat", f, name), matrix)

    def bounds() -> list[int | None]:
        dist = dijkstra(mat, directed=True, indices=dest)
        return _exact_list(dist)

    return c.cache.get_or(("lb", f, name, dest), bounds)


def layered_lower_bounds(
    c: Compiled, f: Filter, values: np.ndarray, name: Hashable, dest: int
) -> list[int | None]:
    """Exact distance of every node to ``dest`` over walks that still use a US arc.

    Why: a label that has not used a US arc yet must still reach one, so the
    plain bound (``lower_bounds``) can be far too optimistic - a hub next to a
    Mexican port is "0 km away" although a route through the US must detour
    via the US and Asia. Exact simple-path searches (visited sets) explode on
    such loose bounds; this one (reverse Dijkstra on the two-layer graph,
    layer 1 entered by a US arc) keeps them to the few labels that can win.
    """

    def matrix() -> csr_matrix:
        allowed = np.flatnonzero(arc_mask(c, f))
        us = arc_us(c, f.strict)
        flag = us[allowed].astype(np.int64)
        keep = _dedupe([c.head[allowed], c.tail[allowed], flag], values[allowed], allowed)
        free, usa, n = keep[~us[keep]], keep[us[keep]], c.n
        # Reverse arcs (head -> tail): layer 0 non-US, layer 1 all, US arcs 1 -> 0.
        rows = np.concatenate([c.head[free], c.head[keep] + n, c.head[usa] + n])
        cols = np.concatenate([c.tail[free], c.tail[keep] + n, c.tail[usa]])
        data = np.concatenate([values[free], values[keep], values[usa]]).astype(float)
        # Parallel reverse arcs between the same pair of layered nodes: keep the least.
        order = np.lexsort((data, cols, rows))
        rows, cols, data = rows[order], cols[order], data[order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        rows, cols, data = rows[first], cols[first], data[first]
        indptr = np.zeros(2 * n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=2 * n), out=indptr[1:])
        return csr_matrix((data, cols, indptr), shape=(2 * n, 2 * n))

    mat = c.cache.get_or(("revmat2", f, name), matrix)

    def bounds() -> list[int | None]:
        dist = dijkstra(mat, directed=True, indices=dest + c.n)[: c.n]
        return _exact_list(dist)

    return c.cache.get_or(("lb2", f, name, dest), bounds)


def adjacency(
    c: Compiled, f: Filter, columns: Hashable, arrays: Sequence[np.ndarray], *,
    cached: bool = True,
):
    """Per-node out-arcs ``(head, arc, vec)`` with Python-int vectors, cached by ``columns``."""

    def make() -> list[list[tuple[int, int, tuple[int, ...]]]]:
        adj: list[list[tuple[int, int, tuple[int, ...]]]] = [[] for _ in range(c.n)]
        allowed = np.flatnonzero(arc_mask(c, f))
        vals = [np.asarray(a)[allowed].tolist() for a in arrays]
        for j, (a, t, h) in enumerate(
            zip(allowed.tolist(), c.tail[allowed].tolist(), c.head[allowed].tolist(), strict=True)
        ):
            adj[t].append((h, a, tuple(v[j] for v in vals)))
        return adj

    return c.cache.get_or(("adj", f, columns), make) if cached else make()


@dataclass(frozen=True)
class LabelResult:
    """A path found by the label search: its criteria vector and its arcs."""

    vec: tuple[int, ...]
    arcs: tuple[int, ...]
    nodes: tuple[int, ...]


#: The "query too hard" error: an exact search exceeded its work budget and
#: is refused, never left running (a BypassError: the CLI prints one line).
QueryTooHardError = LabelLimitError

#: Default work budget of one label search (labels popped + pushed + dominance
#: comparisons): one to two seconds of CPU.
WORK_LIMIT = 1_000_000


def label_search(
    adj: Sequence[Sequence[tuple[int, int, tuple[int, ...]]]],
    origin: int,
    dest: int,
    *,
    lbs: Sequence[Sequence[int | None] | None],
    limits: Sequence[int | None],
    pre_us_lbs: Sequence[Sequence[int | None] | None] | None = None,
    via_bits: Mapping[int, int] | None = None,
    require_us: bool = False,
    us_arcs: np.ndarray | None = None,
    class_nodes: frozenset[int] = frozenset(),
    mode: str = "best",
    k: int = 1,
    elementary: bool = False,
    max_labels: int | None = None,
    critical: int = 0,
    via_lbs: Sequence[Mapping[int, tuple[Sequence[int | None], int | None]] | None] | None = None,
) -> list[LabelResult]:
    """Exact label setting over simple paths.

    Labels are popped in lexicographic order of ``vec + lower bound`` (A*), so
    the first label reaching the goal is optimal in ``vec[0]`` (ties: later
    dimensions, then deterministic arc order). A label is kept only if no
    permanent label of the same state (node, required-nodes mask, used-US,
    class set) is at least as good in every dimension. Modes:
    ``best`` - the optimum; ``pareto`` - the non-dominated (vec[0], vec[1])
    goal labels; ``classes`` - the best path of each of the first ``k``
    distinct sets of ``class_nodes`` visited. Paths never revisit the origin
    or leave the destination; if a returned path still repeats a node (possible
    only with required nodes/US), the search is rerun with visited sets in the
    labels - over the *critical* nodes only (decremental state-space
    relaxation): the repeated nodes join ``critical`` (a bitmask; ``elementary``
    means every node) and the search reruns until its answer repeats none. Each
    run is exact over paths that repeat no critical node, a superset of the
    simple paths, so an answer that is simple is exact over simple paths;
    usually one or two nodes are critical, so the state space hardly grows. ``pre_us_lbs`` (with
    ``require_us``) are the bounds of labels that have not used a US arc yet
    (``layered_lower_bounds``): still consistent, and far tighter, which is
    what keeps the visited-set rerun small. ``via_lbs`` (per criterion, or
    None): for each required node ``x``, the distances of every node to ``x``
    and of ``x`` to ``dest``; a label that still has to visit the set ``R``
    gets the bound ``min_R d(u, x) + min_R d(x, dest)``, consistent across the
    visits, so required nodes far off the direct path no longer flood the
    search. ``max_labels`` is a work budget (labels popped and pushed plus
    dominance comparisons), shared with the visited-set rerun; beyond it
    ``QueryTooHardError`` is raised.
    """
    if max_labels is None:
        max_labels = WORK_LIMIT
    crit = (1 << len(adj)) - 1 if elementary else critical
    elementary = crit != 0
    via_bits = via_bits or {}
    full = 0
    for b in via_bits.values():
        full |= b
    dims = len(limits)
    lb_lists = list(lbs)
    # Bounds for labels that have not used a US arc yet (require_us only).
    pre_lists = list(pre_us_lbs) if (require_us and pre_us_lbs is not None) else lb_lists
    for lb in (*lb_lists, *pre_lists):
        if lb is not None and lb[origin] is None:
            return []
    us_list = us_arcs.tolist() if (require_us and us_arcs is not None) else None
    inf = float("inf")

    via_items = sorted((b, v) for v, b in via_bits.items())
    via_dims = [(i, m) for i, m in enumerate(via_lbs or ()) if m]
    via_by_dim = dict(via_dims)

    def via_h(i: int, node: int, mask: int) -> int | None:
        """Bound of criterion ``i`` from the required nodes not yet visited."""
        m = via_by_dim[i]
        best_to = best_out = None
        for b, x in via_items:
            if mask & b:
                continue
            to, out = m[x]
            t = to[node]
            if t is None or out is None:
                return None
            best_to = t if best_to is None or t < best_to else best_to
            best_out = out if best_out is None or out < best_out else best_out
        return 0 if best_to is None or best_out is None else best_to + best_out

    def fkey(node: int, vec: tuple[int, ...], us: bool, mask: int = 0
             ) -> tuple[int, ...] | None:
        out = []
        bounds = lb_lists if us else pre_lists
        for i in range(dims):
            lb = bounds[i]
            h = 0 if lb is None else lb[node]
            if h is None:
                return None
            if via_dims and mask != full and i in via_by_dim:
                hv = via_h(i, node, mask)
                if hv is None:
                    return None
                h = max(h, hv)
            v = vec[i] + h
            lim = limits[i]
            if lim is not None and v > lim:
                return None
            out.append(v)
        return tuple(out)

    if not via_dims and dims == 2:  # the frontier's case, unrolled (hot loop)
        zero = [0] * len(adj)
        lb_a, lb_b = (x if x is not None else zero for x in lb_lists)
        pre_a, pre_b = (x if x is not None else zero for x in pre_lists)
        lim_a = limits[0] if limits[0] is not None else inf
        lim_b = limits[1] if limits[1] is not None else inf

        def fkey(node: int, vec: tuple[int, ...], us: bool, mask: int = 0
                 ) -> tuple[int, ...] | None:
            if us:
                ha, hb = lb_a[node], lb_b[node]
            else:
                ha, hb = pre_a[node], pre_b[node]
            if ha is None or hb is None:
                return None
            a, b = vec[0] + ha, vec[1] + hb
            if a > lim_a or b > lim_b:
                return None
            return (a, b)

    start_vec = (0,) * dims
    start_via = via_bits.get(origin, 0)
    start_key = fkey(origin, start_vec, False, start_via)
    if start_key is None:
        return []
    start_cls = frozenset([origin]) & class_nodes if mode == "classes" else frozenset()
    counter = 0
    # heap entry: (fkey, counter, node, vec, via, us, cls, visited, parent)
    heap: list[Any] = [(start_key, 0, origin, start_vec, start_via, False, start_cls,
                        crit & (1 << origin), None)]
    permanent: dict[tuple, list[tuple[tuple[int, ...], int]]] = {}
    results: list[LabelResult] = []
    seen_classes: set[frozenset[int]] = set()
    tmin = inf
    popped = 0

    # Labels are popped in lexicographic order, so every permanent label of a
    # state is lexicographically <= any later one: with one criterion a state
    # is settled by its first label, with two a later label survives only if
    # it is strictly better in the second (kept as the state's running min).
    settled: dict[tuple, int] = {}
    fast = not elementary and dims <= 2

    work = [0]

    def dominated(state: tuple, vec: tuple[int, ...], visited: int) -> bool:
        if fast:
            best = settled.get(state)
            return best is not None and (dims < 2 or best <= vec[1])
        labels = permanent.get(state, ())
        work[0] += len(labels)
        for pvec, pvis in labels:
            if all(p <= v for p, v in zip(pvec, vec, strict=True)) and (
                not elementary or pvis & ~visited == 0
            ):
                return True
        return False

    while heap:
        key, _, node, vec, via, us, cls, visited, parent = heapq.heappop(heap)
        popped += 1
        if popped + counter + work[0] > max_labels:
            raise QueryTooHardError(
                f"query too hard: the exact route search stopped after {max_labels:,} steps "
                "(labels and comparisons); drop or relax a constraint (--via, --avoid, "
                "--max-days, --max-cost, --max-transshipments)")
        if mode == "pareto" and key[1] >= tmin:
            continue
        state = (node, via, us, cls)
        if dominated(state, vec, visited):
            continue
        if fast:
            settled[state] = vec[1] if dims == 2 else 0
        else:
            permanent.setdefault(state, []).append((vec, visited))
        if node == dest:
            if via != full or (require_us and not us):
                continue
            arcs: list[int] = []
            nodes = [dest]
            p = parent
            while p is not None:
                prev, arc, p = p
                arcs.append(arc)
                nodes.append(prev)
            arcs.reverse()
            nodes.reverse()
            if mode == "classes":
                if cls in seen_classes:
                    continue
                seen_classes.add(cls)
            if len(set(nodes)) != len(nodes):
                seen_nodes: set[int] = set()
                repeated = 0
                for v in nodes:
                    if v in seen_nodes:
                        repeated |= 1 << v
                    seen_nodes.add(v)
                if repeated & crit:  # pragma: no cover - visited sets forbid repeats
                    raise BypassError("internal error: a critical node was repeated")
                return label_search(
                    adj, origin, dest, lbs=lbs, limits=limits, pre_us_lbs=pre_us_lbs,
                    via_bits=via_bits,
                    require_us=require_us, us_arcs=us_arcs, class_nodes=class_nodes,
                    mode=mode, k=k, critical=crit | repeated,
                    max_labels=max_labels - popped - counter - work[0], via_lbs=via_lbs,
                )
            results.append(LabelResult(vec, tuple(arcs), tuple(nodes)))
            if mode == "best" or (mode == "classes" and len(results) >= k):
                return results
            if mode == "pareto":
                tmin = key[1]
            continue
        for head, arc, avec in adj[node]:
            if head == origin:
                continue
            if elementary and (visited >> head) & 1:
                continue
            nvec: tuple[int, ...]
            if dims == 1:
                nvec = (vec[0] + avec[0],)
            elif dims == 2:
                nvec = (vec[0] + avec[0], vec[1] + avec[1])
            else:
                nvec = tuple(a + b for a, b in zip(vec, avec, strict=True))
            nus = us or (us_list is not None and us_list[arc])
            nvia = via | via_bits.get(head, 0)
            nkey = fkey(head, nvec, nus, nvia)
            if nkey is None or (mode == "pareto" and nkey[1] >= tmin):
                continue
            ncls = (cls | {head}) if (mode == "classes" and head in class_nodes) else cls
            nvis = visited | (crit & (1 << head))
            if dominated((head, nvia, nus, ncls), nvec, nvis):
                continue
            counter += 1
            heapq.heappush(heap, (nkey, counter, head, nvec, nvia, nus, ncls, nvis,
                                  (node, arc, parent)))
    return results


# --------------------------------------------------------------------------- linear programs


class LinearProgram:
    """A growing LP solved by GLOP through ``pywraplp``.

    Why GLOP/pywraplp: the plan is a pure LP (continuous TEU flows) so a
    simplex gives exact vertex solutions and duals (shadow prices); GLOP keeps
    its basis between solves, so adding columns (column generation) or moving
    one bound (the epsilon-constraint sweep) re-solves warm; pywraplp returns
    duals directly and builds columns with less Python overhead than MathOpt's
    model layer for models of this size.
    """

    def __init__(self) -> None:
        from ortools.linear_solver import pywraplp  # only plans need OR-Tools

        self._pywraplp = pywraplp
        solver = pywraplp.Solver.CreateSolver("GLOP")
        if solver is None:  # pragma: no cover - GLOP ships with OR-Tools
            raise BypassError("OR-Tools GLOP is not available")
        self._s = solver
        self._rows: list[pywraplp.Constraint] = []
        self._vars: list[pywraplp.Variable] = []
        self._obj = solver.Objective()
        self._obj.SetMinimization()
        self.inf = solver.infinity()

    def add_row(self, lb: float, ub: float) -> int:
        self._rows.append(self._s.Constraint(lb, ub))
        return len(self._rows) - 1

    def set_row_bounds(self, row: int, lb: float, ub: float) -> None:
        self._rows[row].SetBounds(lb, ub)

    def add_var(self, ub: float, obj: float, coeffs: Iterable[tuple[int, float]]) -> int:
        var = self._s.NumVar(0.0, ub, "")
        self._obj.SetCoefficient(var, obj)
        for row, coef in coeffs:
            self._rows[row].SetCoefficient(var, coef)
        self._vars.append(var)
        return len(self._vars) - 1

    def set_obj(self, var: int, coef: float) -> None:
        self._obj.SetCoefficient(self._vars[var], coef)

    def solve(self) -> float:
        status = self._s.Solve()
        if status != self._pywraplp.Solver.OPTIMAL:
            raise BypassError(f"plan LP not solved to optimality (GLOP status {status})")
        return float(self._obj.Value())

    def values(self) -> np.ndarray:
        return np.array([v.solution_value() for v in self._vars], dtype=float)

    def duals(self) -> np.ndarray:
        return np.array([r.dual_value() for r in self._rows], dtype=float)

    @property
    def num_vars(self) -> int:
        return len(self._vars)
