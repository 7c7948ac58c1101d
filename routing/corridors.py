"""Gateway corridors: the best route through each gateway family, side by side.

The question behind the project is not only "US-free or through the US" but
*which gateway*: a Mexican Pacific or Gulf port, a Canadian Pacific port
reached by sea (US-free) or by rail through the US in bond, or a US Pacific
or Gulf port. This module answers it per origin and Asian port with one exact
constrained shortest path per gateway family.

Gateway (shared definition, derived, never typed by hand): the port where the
box boards the ocean service that carries it to Asia - the last port of the
Americas on the route where it gets on the ship. It is read from the legs: a
box is *on board* from the first sea leg after a handling step until the next
non-sea leg (a load, discharge or transshipment; kinds in ``ON_BOARD_KINDS``
keep it on board), so a service-expanded sea network (one berth node per
port and service, DESIGN.md) is handled the same way as port-to-port legs.
The boarding port of the ride that first reaches a port of region ``asia`` is
the gateway; its family follows from the port's ``region`` and, for Canadian
Pacific ports, from whether the route transits the US (``ca_pacific_sea``
never does, ``ca_pacific_inbond`` reaches the port by land through the US).

Exactness: each corridor is a shortest path on a small product graph (routing
graph node x boarding phase x "used a US arc"), arcs filtered by the same
masks as every route query (``routing.solver.arc_mask``: scheduled services,
strict waters, avoided places) and weighted by the same tie-safe integer
objective (``routing.solver.objective_arrays``). The phases are: ashore
before the ocean crossing; on board a ride boarded at a port of the family;
on board a ride boarded elsewhere (it may not reach Asia); arrived in Asia.
One Dijkstra tree per origin and family (cached on the compiled graph)
answers every Asian destination, as DESIGN.md suggests.

Prices: a corridor's total is its transport cost plus the scenario's charges
(``routing.scenarios``: US-transit charges on routes through the US, extra
port dwell valued at the carrying cost, extra hours and USD/TEU on sea legs
crossing a scenario passage such as Suez) plus any ``gateway_surcharge``.
Scenarios with port dwell or passage charges are solved with them in the arc
weights, so a congested gateway can lose its traffic to another port of its
family and a route can leave a diverted passage.

Switch thresholds: for every corridor that is not the cheapest, the extra
charge per TEU on the winner (equivalently, the saving on the corridor) at
which both cost the same, ``total(corridor) - total(winner)``; re-solving with
that charge on the winner's gateway (``gateway_surcharge_usd_per_teu``) makes
them tie (tested).
"""

from __future__ import annotations

import dataclasses
import heapq
import inspect
import math
import weakref
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from networks.errors import BypassError, InfeasibleError

from . import solver
from .query import Objective, build_query, build_route, resolve_node
from .results import Route
from .scenarios import BUILTIN, Scenario, load_scenario

__all__ = ["FAMILIES", "FAMILY_NAMES", "Corridor", "CorridorSet", "corridor_frame", "corridors",
           "gateway_family", "gateway_port", "in_bond", "port_of", "region_of", "switch_table"]

#: Region of Asian ports (the destination side).
ASIA_REGION = "asia"
#: Non-sea arc kinds that keep a box on board (a port call in a service rotation).
ON_BOARD_KINDS = frozenset({"call", "port_call", "on_board", "stay_on_board"})
#: Cargo value when the caller gives none (ILLUSTRATIVE, as routing.compare).
DEFAULT_CARGO_VALUE_USD_PER_TEU = 40_000.0
#: Scenarios the corridor view reports (the shipped comparison ones plus the corridor ones).
CORRIDOR_SCENARIOS = (*BUILTIN, "inbond_suspended", "mx_pacific_congestion", "cusma_review")


@dataclass(frozen=True)
class Family:
    """A gateway family: the port region where the box boards, and its US-transit rule.

    ``us`` is ``"forbid"`` (the corridor never transits the US) or ``"require"``
    (it does: a US port, or a Canadian port reached through the US in bond).
    ``land_only_us``: the box reaches the gateway by land through the US: it
    has used a US arc when it first boards a ship, and that ship is at a port
    of the family (no sea leg before, none touching a US port).
    """

    name: str
    region: str
    us: str
    label: str
    land_only_us: bool = False


FAMILIES: tuple[Family, ...] = (
    Family("mx_pacific", "mx_pacific", "forbid", "Mexican Pacific port"),
    Family("mx_gulf", "mx_gulf", "forbid", "Mexican Gulf port"),
    Family("ca_pacific_sea", "ca_pacific", "forbid", "Canadian Pacific port reached by sea"),
    Family("ca_pacific_inbond", "ca_pacific", "require",
           "Canadian Pacific port reached through the US in bond", land_only_us=True),
    Family("us_pacific", "us_pacific", "require", "US Pacific port"),
    Family("us_gulf", "us_gulf", "require", "US Gulf port"),
)
FAMILY_NAMES = tuple(f.name for f in FAMILIES)
_BY_NAME = {f.name: f for f in FAMILIES}

# --------------------------------------------------------------------------- gateways


def port_of(graph: nx.MultiDiGraph, node: str) -> str | None:
    """The port a node belongs to: itself for a port, its ``port`` attribute for a berth."""
    d = graph.nodes[node]
    if d.get("kind") == "port":
        return str(node)
    p = d.get("port")
    return str(p) if p is not None and p in graph else None


def region_of(graph: nx.MultiDiGraph, node: str) -> str | None:
    """Port region of a node (through its port), or None off the ports."""
    p = port_of(graph, node)
    if p is None:
        return graph.nodes[node].get("region")
    return graph.nodes[p].get("region")


def gateway_port(graph: nx.MultiDiGraph, route: Route) -> str | None:
    """Where the box boards the ocean service that carries it to Asia, or None.

    Scans the legs: boarding is a sea leg taken while ashore; the box stays on
    board over further sea legs and ``ON_BOARD_KINDS`` arcs. The boarding port
    of the first ride that reaches an Asian port is the gateway.
    """
    on_board = False
    board: str | None = None
    for leg in route.legs:
        if leg.mode == "sea":
            if not on_board:
                board = port_of(graph, leg.from_id)
                on_board = True
            if region_of(graph, leg.to_id) == ASIA_REGION:
                return board
        elif leg.kind not in ON_BOARD_KINDS:
            on_board = False
    return None


def in_bond(graph: nx.MultiDiGraph, route: Route) -> bool:
    """True when a box crosses US territory to board at a non-US port (through the US in bond).

    One definition, the route's own (:attr:`routing.results.Route.in_bond`,
    derived from its legs); ``graph`` is kept so existing callers work.
    """
    del graph
    return route.in_bond


def _by_land_through_us(graph: nx.MultiDiGraph, route: Route, region: str) -> bool:
    """The in-bond shape: a US leg before the first sea leg, every sea leg from a port of
    ``region`` (the gateway's), and no sea leg touching the US."""
    seen_us = False
    for leg in route.legs:
        if leg.mode == "sea":
            if not seen_us or leg.us_transit:
                return False
            p = port_of(graph, leg.from_id)
            if region_of(graph, leg.to_id) != ASIA_REGION and (
                    p is None or graph.nodes[p].get("region") != region):
                return False
        elif leg.us_transit:
            seen_us = True
    return seen_us


def gateway_family(graph: nx.MultiDiGraph, route: Route) -> str | None:
    """The gateway family of a route (one of ``FAMILY_NAMES``), or None.

    None when the box boards outside the five regions, or the route does not
    have its family's shape: a Mexican or Canadian-by-sea gateway reached
    through the US, or a Canadian gateway reached through the US other than
    by land (these are neither US-free nor in bond by land).
    """
    gw = gateway_port(graph, route)
    if gw is None:
        return None
    region = graph.nodes[gw].get("region")
    us = route.us_transit
    if region == "ca_pacific":
        if not us:
            return "ca_pacific_sea"
        return "ca_pacific_inbond" if _by_land_through_us(graph, route, region) else None
    if region in ("mx_pacific", "mx_gulf"):
        return None if us else region
    if region in ("us_pacific", "us_gulf"):
        return region
    return None


# --------------------------------------------------------------------------- search


@dataclass(eq=False)
class _Topology:
    """Per compiled graph: port, region and on-board facts of nodes and arcs."""

    port: list[int]          # port node index of each node, -1 if none
    region: list[str | None]
    asia: list[bool]
    sea: list[bool]
    keep: list[bool]         # non-sea arc that keeps the box on board


def _topology(graph: nx.MultiDiGraph, c: solver.Compiled) -> _Topology:
    def make() -> _Topology:
        port, region = [], []
        for u in c.nodes:
            p = port_of(graph, u)
            port.append(-1 if p is None else c.index[p])
            region.append(region_of(graph, u))
        kinds = [str(graph.edges[c.nodes[t], c.nodes[h], k].get("kind", ""))
                 for t, h, k in zip(c.tail.tolist(), c.head.tolist(), c.keys, strict=True)]
        return _Topology(port, region, [r == ASIA_REGION for r in region],
                         [bool(s) for s in c.sea.tolist()], [k in ON_BOARD_KINDS for k in kinds])

    return c.cache.get_or(("corridor-topology",), make)


def _adjacency(c: solver.Compiled, f: solver.Filter) -> list[list[int]]:
    def make() -> list[list[int]]:
        adj: list[list[int]] = [[] for _ in range(c.n)]
        for a in np.flatnonzero(solver.arc_mask(c, f)).tolist():
            adj[int(c.tail[a])].append(a)
        return adj

    return c.cache.get_or(("corridor-adj", f), make)


#: Corridor trees per compiled graph, kept apart from the solver's small LRU so a
#: sweep over every hub, family and scenario does not evict the route queries' caches.
_TREES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_TREE_CACHE_SIZE = 1024


def _tree_cache(c: solver.Compiled) -> OrderedDict:
    try:
        cache = _TREES.get(c)
        if cache is None:
            cache = _TREES[c] = OrderedDict()
    except TypeError:  # a compiled graph that cannot be weakly referenced
        cache = c.cache.get_or(("corridor-trees",), OrderedDict)
    return cache


_ASHORE, _RIDE_IN, _RIDE_OUT, _ASIA = 0, 1, 2, 3
State = tuple[int, int, int]  # (node, phase, used a US arc)


def _stepper(graph: nx.MultiDiGraph, c: solver.Compiled, f: solver.Filter, family: Family):
    """The product-graph move: ``step(phase, us, arc) -> (phase, us, boards) | None``.

    ``boards`` is True on the move that reaches Asia on a ride boarded at a
    port of the family (where a gateway surcharge is charged, once per route).
    """
    topo = _topology(graph, c)
    us_arc = solver.arc_us(c, f.strict).tolist()
    members = [topo.region[p] == family.region if p >= 0 else False for p in topo.port]
    head, tail = c.head.tolist(), c.tail.tolist()
    track = family.us == "require"

    def step(ph: int, us: int, a: int) -> tuple[int, int, bool] | None:
        h = head[a]
        asia = topo.asia[h]
        if topo.sea[a]:
            if family.land_only_us and us_arc[a]:
                return None
            if ph == _ASHORE:
                fam = members[tail[a]]
                if family.land_only_us and not (fam and us):
                    return None
                if asia:
                    if not fam:
                        return None
                    nph = _ASIA
                else:
                    nph = _RIDE_IN if fam else _RIDE_OUT
            elif ph == _RIDE_IN:
                nph = _ASIA if asia else _RIDE_IN
            elif ph == _RIDE_OUT:
                if asia:
                    return None
                nph = _RIDE_OUT
            else:
                if not asia:
                    return None
                nph = _ASIA
        elif ph in (_RIDE_IN, _RIDE_OUT):
            nph = ph if topo.keep[a] else _ASHORE
        elif ph == _ASIA:
            if not asia:
                return None
            nph = _ASIA
        else:
            if asia:
                return None
            nph = _ASHORE
        nus = (us or int(us_arc[a])) if track else 0
        return nph, nus, nph == _ASIA and ph != _ASIA

    return step


def _tree(
    graph: nx.MultiDiGraph, c: solver.Compiled, f: solver.Filter, w: solver.Weights,
    origin: int, family: Family, arc_extra: Mapping[int, int], board_extra: int,
    extra_key: Hashable,
) -> dict[State, tuple[int, State | None, int]]:
    """Dijkstra over (node, phase, used-US) from ``origin``: state -> (dist, pred, arc).

    Cached per origin, family, filter, objective and extra charges: one tree
    serves every destination.
    """

    def make() -> dict[State, tuple[int, State | None, int]]:
        adj = _adjacency(c, f)
        step = _stepper(graph, c, f, family)
        primary, secondary, k = w.primary.tolist(), w.secondary.tolist(), w.k
        head = c.head.tolist()
        start = (origin, _ASHORE, 0)
        best: dict[State, tuple[int, State | None, int]] = {start: (0, None, -1)}
        done: set[State] = set()
        heap = [(0, origin, _ASHORE, 0)]
        while heap:
            d, u, ph, us = heapq.heappop(heap)
            state = (u, ph, us)
            if state in done:
                continue
            done.add(state)
            for a in adj[u]:
                moved = step(ph, us, a)
                if moved is None:
                    continue
                nph, nus, boards = moved
                extra = arc_extra.get(a, 0) + (board_extra if boards else 0)
                nd = d + (primary[a] + extra) * k + secondary[a]
                nstate = (head[a], nph, nus)
                old = best.get(nstate)
                if old is None or nd < old[0]:
                    best[nstate] = (nd, state, a)
                    heapq.heappush(heap, (nd, head[a], nph, nus))
        return best

    key = (origin, family.name, f, w.key, extra_key)
    cache = _tree_cache(c)
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    tree = cache[key] = make()
    if len(cache) > _TREE_CACHE_SIZE:
        cache.popitem(last=False)
    return tree


def _path(tree: Mapping[State, tuple[int, State | None, int]], goal: State) -> list[int] | None:
    if goal not in tree:
        return None
    arcs = []
    state = goal
    while True:
        _, prev, a = tree[state]
        if prev is None:
            break
        arcs.append(a)
        state = prev  # type: ignore[assignment]
    arcs.reverse()
    return arcs


def _elementary(
    graph: nx.MultiDiGraph, c: solver.Compiled, f: solver.Filter, w: solver.Weights,
    origin: int, goal: State, family: Family, arc_extra: Mapping[int, int], board_extra: int,
    max_labels: int = 500_000,
) -> list[int] | None:
    """Best simple path to ``goal`` (labels carry the visited set), when the tree's repeats.

    Labels are popped in distance order, so the first label at the goal is the
    optimum over simple paths; a label is dropped when a settled label of the
    same state is no longer and visited a subset of its nodes.
    """
    adj = _adjacency(c, f)
    step = _stepper(graph, c, f, family)
    primary, secondary, k = w.primary.tolist(), w.secondary.tolist(), w.k
    head = c.head.tolist()
    settled: dict[State, list[tuple[int, int]]] = {}
    heap: list[Any] = [(0, 0, origin, _ASHORE, 0, 1 << origin, None)]
    counter = 0
    while heap:
        d, _, u, ph, us, vis, parent = heapq.heappop(heap)
        state = (u, ph, us)
        if any(pd <= d and pv & ~vis == 0 for pd, pv in settled.get(state, ())):
            continue
        settled.setdefault(state, []).append((d, vis))
        if state == goal:
            arcs = []
            while parent is not None:
                a, parent = parent
                arcs.append(a)
            return arcs[::-1]
        counter += 1
        if counter > max_labels:
            raise InfeasibleError(f"corridor search through a {family.label} exceeded its "
                                  "label budget", constraint="gateway", best=None)
        for a in adj[u]:
            h = head[a]
            if (vis >> h) & 1:
                continue
            moved = step(ph, us, a)
            if moved is None:
                continue
            nph, nus, boards = moved
            extra = arc_extra.get(a, 0) + (board_extra if boards else 0)
            nd = d + (primary[a] + extra) * k + secondary[a]
            heapq.heappush(heap, (nd, a, h, nph, nus, vis | (1 << h), (a, parent)))
    return None


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Corridor:
    """The best route through one gateway family (or None and why), priced under a scenario."""

    gateway: str
    route: Route | None
    reason: str = ""
    gateway_port: str | None = None
    in_bond: bool = False
    charges_usd_per_teu: Mapping[str, float] = field(default_factory=dict)
    extra_h: float = 0.0

    @property
    def available(self) -> bool:
        return self.route is not None

    @property
    def us_transit(self) -> bool | None:
        return None if self.route is None else self.route.us_transit

    @property
    def transport_usd_per_teu(self) -> float:
        return math.nan if self.route is None else self.route.cost_usd_per_teu

    @property
    def total_usd_per_teu(self) -> float:
        """Transport cost plus scenario charges and any gateway surcharge."""
        return self.transport_usd_per_teu + float(sum(self.charges_usd_per_teu.values()))

    @property
    def days(self) -> float:
        return math.nan if self.route is None else (self.route.time_h + self.extra_h) / 24.0

    def to_dict(self) -> dict[str, Any]:
        """``{"gateway", "gateway_port", "us_transit", "in_bond", "legs", "totals", "reason"}``."""
        if self.route is None:
            return {"gateway": self.gateway, "gateway_port": None, "us_transit": None,
                    "in_bond": None, "legs": None, "totals": None, "reason": self.reason}
        d = self.route.to_dict()
        tot = d["totals"]
        tot["in_bond"] = self.in_bond
        tot["gateway"] = self.gateway
        tot["gateway_port"] = self.gateway_port
        tot["charges_usd_per_teu"] = {k: float(v) for k, v in self.charges_usd_per_teu.items()}
        tot["total_usd_per_teu"] = self.total_usd_per_teu
        tot["total_days"] = self.days
        return {"gateway": self.gateway, "gateway_port": self.gateway_port,
                "us_transit": self.us_transit, "in_bond": self.in_bond,
                "legs": d["legs"], "totals": tot, "reason": self.reason}


def _num(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


@dataclass(frozen=True)
class CorridorSet:
    """Every gateway family's best route for one origin and Asian port, under one scenario."""

    origin: str
    destination: str
    scenario: Scenario
    cargo_value_usd_per_teu: float
    corridors: tuple[Corridor, ...]
    options: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, gateway: str) -> Corridor:
        for c in self.corridors:
            if c.gateway == gateway:
                return c
        raise KeyError(gateway)

    @cached_property
    def _weights(self) -> tuple[float, float, float]:
        return solver.objective_weights(self.options.get("objective", "cost"))

    def objective_value(self, corridor: Corridor) -> float:
        """The corridor in the objective's units: cost (USD/TEU, scenario charges
        included), time (h, scenario delays and dwell included), CO2, or the blend."""
        if corridor.route is None:
            return math.nan
        wc, wt, wo = self._weights
        return (wc * corridor.total_usd_per_teu + wt * (corridor.route.time_h + corridor.extra_h)
                + wo * corridor.route.co2_kg_per_teu)

    @cached_property
    def best(self) -> Corridor | None:
        """The corridor best on the objective (default: cheapest, scenario charges
        included); ties go to the first in family order."""
        offered = [c for c in self.corridors if c.route is not None]
        if not offered:
            return None
        return min(offered, key=self.objective_value)

    def thresholds(self) -> list[dict[str, Any]]:
        """Per corridor that is not the best: the charge on the winner at which it ties.

        ``switch_usd_per_teu`` (>= 0) is the extra charge per TEU on the
        winner's gateway (or saving on the corridor) that makes both equal on
        the objective: ``total(corridor) - total(winner)`` for the cost
        objective, the objective gap over its USD weight for a blend, and NaN
        for pure time or CO2 (no charge in USD changes those).
        """
        best = self.best
        wc = self._weights[0]
        rows = []
        for c in self.corridors:
            if best is None or c.route is None or c is best:
                continue
            gap = self.objective_value(c) - self.objective_value(best)
            t = gap / wc if wc > 0 else math.nan
            v = self.cargo_value_usd_per_teu
            rows.append({"gateway": c.gateway, "winner": best.gateway,
                         "switch_usd_per_teu": t,
                         "switch_pct_of_cargo_value": t / v * 100.0 if v > 0 else math.nan})
        return rows

    def to_frame(self) -> pd.DataFrame:
        """One row per gateway family: figures, ports, switch threshold, reason."""
        best = self.best
        th = {r["gateway"]: r for r in self.thresholds()}
        rows = []
        for c in self.corridors:
            t = c.route.totals if c.route is not None else None
            rows.append({
                "origin": self.origin, "destination": self.destination,
                "scenario": self.scenario.name, "gateway": c.gateway,
                "gateway_port": c.gateway_port, "available": c.route is not None,
                "us_transit": c.us_transit, "in_bond": c.in_bond if c.route else None,
                "transport_usd_per_teu": c.transport_usd_per_teu,
                "charges_usd_per_teu": float(sum(c.charges_usd_per_teu.values()))
                if c.route else math.nan,
                "total_usd_per_teu": c.total_usd_per_teu,
                "days": c.days,
                "co2_kg_per_teu": math.nan if t is None else t["co2_kg_per_teu"],
                "distance_km": math.nan if t is None else t["distance_km"],
                "hypothetical_services": math.nan if t is None else t["hypothetical_services"],
                "ports": "" if t is None else " > ".join(t["ports"]),
                "best": best is not None and c is best,
                "switch_usd_per_teu": th[c.gateway]["switch_usd_per_teu"]
                if c.gateway in th else (0.0 if best is not None and c is best else math.nan),
                "switch_pct_of_cargo_value": th[c.gateway]["switch_pct_of_cargo_value"]
                if c.gateway in th else (0.0 if best is not None and c is best else math.nan),
                "reason": c.reason,
            })
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """``{"from", "to", "scenario", "cargo_value_usd_per_teu", "best", "corridors", ...}``."""
        best = self.best
        return {
            "from": self.origin, "to": self.destination, "scenario": self.scenario.name,
            "cargo_value_usd_per_teu": self.cargo_value_usd_per_teu,
            "options": dict(self.options),
            "best": None if best is None else best.gateway,
            "corridors": [c.to_dict() for c in self.corridors],
            "switch": [{k: _num(v) for k, v in r.items()} for r in self.thresholds()],
        }


# --------------------------------------------------------------------------- API


def _hyp_kwargs(allow_hypothetical: bool) -> dict[str, Any]:
    """Hypothetical-leg switch in whichever spelling the query API has."""
    params = set(inspect.signature(build_query).parameters)
    try:
        from .options import RouteOptions

        params |= {f.name for f in dataclasses.fields(RouteOptions)}
    except (ImportError, TypeError):  # pragma: no cover - older query API
        pass
    if "allow_hypothetical" in params:
        return {"allow_hypothetical": allow_hypothetical}
    return {"scheduled_only": not allow_hypothetical}


def _passage_arcs(graph: nx.MultiDiGraph, c: solver.Compiled) -> dict[str, list[int]]:
    """Sea arcs by the passages they cross (edge attribute ``passages``), cached."""

    def make() -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for a in np.flatnonzero(c.sea).tolist():
            d = graph.edges[c.nodes[int(c.tail[a])], c.nodes[int(c.head[a])], c.keys[a]]
            for p in d.get("passages") or ():
                out.setdefault(str(p), []).append(a)
        return out

    return c.cache.get_or(("corridor-passages",), make)


def _passages_crossed(graph: nx.MultiDiGraph, route: Route,
                      extra: Mapping[str, tuple[float, float]]
                      ) -> dict[str, tuple[int, float, float]]:
    """Per scenario passage the route crosses: (sea legs crossing it, h, USD/TEU per leg)."""
    out: dict[str, tuple[int, float, float]] = {}
    if not extra:
        return out
    for leg in route.legs:
        if leg.mode != "sea":
            continue
        d = graph.get_edge_data(leg.from_id, leg.to_id, leg.key) or {}
        for p in d.get("passages") or ():
            if p in extra:
                n = out.get(p, (0, 0.0, 0.0))[0]
                out[p] = (n + 1, *extra[p])
    return out


def _origin_countries(c: solver.Compiled, o: int) -> frozenset[str]:
    return frozenset() if c.node_us[o] else frozenset(c.node_countries[o] - {"USA"})


def _reason(graph: nx.MultiDiGraph, fam: Family, scenario: Scenario, origin: str,
            hypothetical_route: Route | None, allow_hypothetical: bool,
            has_ports: bool) -> str:
    if not has_ports:
        return f"no {fam.label} in the dataset (no port with region {fam.region!r})"
    if fam.us == "require" and scenario.forbid_us_transit:
        return (f"US transit is closed to this cargo under scenario {scenario.name}; "
                f"no route through the US is offered")
    if hypothetical_route is not None and not allow_hypothetical:
        if fam.name == "ca_pacific_sea":
            return ("no scheduled service from Mexico to Canadian Pacific ports; "
                    "--allow-hypothetical prices a charter")
        return (f"no route through a {fam.label} on scheduled services; "
                "--allow-hypothetical prices one with a charter leg")
    if fam.name == "ca_pacific_inbond":
        return ("no land route through the US to a Canadian Pacific port in this dataset "
                "(no rail or road link from the US to Vancouver or Prince Rupert)")
    return f"no route from {origin} through a {fam.label}"


def corridors(
    graph: nx.MultiDiGraph,
    origin: str,
    destination: str,
    *,
    objective: Objective = "cost",
    scenario: Scenario | str | None = None,
    allow_hypothetical: bool = False,
    scheduled_only: bool | None = None,
    strict_waters: bool = False,
    avoid: Iterable[str] = (),
    avoid_countries: Iterable[str] = (),
    avoid_modes: Iterable[str] = (),
    cargo_value_usd_per_teu: float | None = None,
    gateway_surcharge_usd_per_teu: Mapping[str, float] | None = None,
    families: Sequence[str] | None = None,
) -> CorridorSet:
    """The best route through each gateway family from ``origin`` to an Asian port.

    Parameters
    ----------
    objective
        ``"cost"`` (default), ``"time"``, ``"co2"`` or a dict of USD weights;
        each corridor minimises it (scenario port dwell and gateway surcharges
        included, valued in the objective's units).
    scenario
        Name, file or Scenario (default ``status_quo``): its charges price
        the corridors; ``forbid_us_transit`` removes the US corridors;
        ``port_dwell`` and ``passages`` (extra hours and USD/TEU per sea leg
        crossing a passage, e.g. the Cape detour of ``red_sea_diversion``) are
        solved into the routes.
    allow_hypothetical
        Add sea legs with no scheduled service (charter/feeder priced, always
        flagged). Off by default: a route nobody can book never drives the
        answer. ``scheduled_only=False`` is the same as ``allow_hypothetical=True``.
    gateway_surcharge_usd_per_teu
        Extra USD/TEU on boarding at a family's gateway, by family name: the
        lever of the switch thresholds ("what if the winner cost T more").
    families
        Subset of ``FAMILY_NAMES`` (default: all six, in that order).

    Returns
    -------
    CorridorSet
        ``.corridors`` (one per family, route or None with a reason),
        ``.best``, ``.thresholds()``, ``.to_dict()``, ``.to_frame()``.
    """
    if scheduled_only is not None:
        allow_hypothetical = not scheduled_only
    sc = load_scenario(scenario)
    value = DEFAULT_CARGO_VALUE_USD_PER_TEU if cargo_value_usd_per_teu is None \
        else float(cargo_value_usd_per_teu)
    if not (value >= 0 and math.isfinite(value)):
        raise BypassError(f"cargo value must be a finite number >= 0 USD/TEU, got {value!r}")
    surcharge = dict(gateway_surcharge_usd_per_teu or {})
    names = list(families) if families is not None else list(FAMILY_NAMES)
    for n in (*names, *surcharge):
        if n not in _BY_NAME:
            raise BypassError(f"unknown gateway family {n!r}; use {', '.join(FAMILY_NAMES)}")
    for n, v in surcharge.items():
        if not math.isfinite(v):
            raise BypassError(f"gateway surcharge for {n} must be finite, got {v!r}")
    origin = resolve_node(graph, origin, "origin")
    destination = resolve_node(graph, destination, "destination")
    if region_of(graph, destination) != ASIA_REGION:
        raise BypassError(f"corridors run to an Asian port (region 'asia'); {destination} "
                          f"is in region {region_of(graph, destination)!r}")
    base: dict[str, Any] = dict(objective=objective, strict_waters=strict_waters, avoid=avoid,
                avoid_countries=avoid_countries, avoid_modes=avoid_modes)
    q = build_query(graph, origin, destination, allow_us=True, **base,
                    **_hyp_kwargs(allow_hypothetical))
    c = q.c
    wc, wt, _ = solver.objective_weights(objective)
    dwell = {p: h for p, h in sc.port_extra_dwell_h if p in c.index}
    arc_extra: dict[int, int] = {}
    if dwell and (wc or wt):
        for p, h in dwell.items():
            usd = sc.port_dwell_usd_per_teu(h, value)
            extra = int(round((wc * usd + wt * h) * solver.SCALE))
            for a in np.flatnonzero(c.head == c.index[p]).tolist():
                arc_extra[a] = extra
    passage_extra = {p: (h, usd) for p, h, usd in sc.passage_extra}
    if passage_extra and (wc or wt):
        crossing = _passage_arcs(graph, c)
        for p, (h, usd) in passage_extra.items():
            extra = int(round((wc * usd + wt * h) * solver.SCALE))
            for a in crossing.get(p, ()):
                arc_extra[a] = arc_extra.get(a, 0) + extra
    ports_by_region: dict[str, list[str]] = {}
    for n, d in graph.nodes(data=True):
        if d.get("kind") == "port":
            ports_by_region.setdefault(str(d.get("region")), []).append(str(n))

    def solve(fam: Family, query) -> Route | None:
        f = replace(query.filter, forbid_us=fam.us == "forbid",
                    no_reentry_from_us=_origin_countries(c, query.origin)
                    if fam.us == "require" else frozenset())
        board = int(round(wc * surcharge.get(fam.name, 0.0) * solver.SCALE))
        extra_key = (tuple(sorted(arc_extra.items())), board)
        tree = _tree(graph, c, f, query.weights, query.origin, fam, arc_extra, board, extra_key)
        goal = (query.dest, _ASIA, 1 if fam.us == "require" else 0)
        arcs = _path(tree, goal)
        if arcs is None:
            return None
        nodes = [int(c.tail[arcs[0]])] + [int(c.head[a]) for a in arcs]
        if len(set(nodes)) != len(nodes):
            arcs = _elementary(graph, c, f, query.weights, query.origin, goal, fam,
                               arc_extra, board)
            if arcs is None:
                return None
        r = build_route(query, arcs)
        return replace(r, constraints={**dict(r.constraints), "gateway": fam.name})

    hyp_q = None
    found: dict[str, tuple[Route | None, str]] = {}
    for name in names:
        fam = _BY_NAME[name]
        has_ports = bool(ports_by_region.get(fam.region))
        if not has_ports or (fam.us == "require" and sc.forbid_us_transit):
            found[name] = (None, _reason(graph, fam, sc, origin, None, allow_hypothetical,
                                         has_ports))
            continue
        try:
            route = solve(fam, q)
            reason = ""
        except InfeasibleError as exc:
            route, reason = None, str(exc)
        if route is None and not reason:
            hyp = None
            if not allow_hypothetical:
                if hyp_q is None:
                    hyp_q = build_query(graph, origin, destination, allow_us=True, **base,
                                        **_hyp_kwargs(True))
                try:
                    hyp = solve(fam, hyp_q)
                except InfeasibleError:
                    hyp = None
            reason = _reason(graph, fam, sc, origin, hyp, allow_hypothetical, has_ports)
        found[name] = (route, reason)

    free = [r.cost_usd_per_teu for r, _ in found.values() if r is not None and not r.us_transit]
    fallback = min(free) if free else None
    out = []
    for name in names:
        route, reason = found[name]
        if route is None:
            out.append(Corridor(name, None, reason))
            continue
        charges: dict[str, float] = {}
        extra_h = 0.0
        if route.us_transit:
            charges.update(sc.charges(route.cost_usd_per_teu, fallback, value))
            extra_h += sc.extra_border_delay_h
        passed = [p for p in dwell if p in set(route.nodes)]
        if passed:
            hours = float(sum(dwell[p] for p in passed))
            charges["port_dwell"] = sc.port_dwell_usd_per_teu(hours, value)
            extra_h += hours
        for p, (legs, h, usd) in _passages_crossed(graph, route, passage_extra).items():
            charges[f"passage_{p}"] = legs * usd
            extra_h += legs * h
        if surcharge.get(name):
            charges["gateway_surcharge"] = float(surcharge[name])
        gw = gateway_port(graph, route)
        out.append(Corridor(name, route, "", gw, in_bond(graph, route), charges, extra_h))
    options = {"objective": objective if isinstance(objective, str) else dict(objective),
               "allow_hypothetical": bool(allow_hypothetical),
               "strict_waters": bool(strict_waters)}
    if surcharge:
        options["gateway_surcharge_usd_per_teu"] = surcharge
    return CorridorSet(origin, destination, sc, value, tuple(out), options)


def switch_table(
    graph: nx.MultiDiGraph,
    origin: str,
    destination: str,
    scenarios: Iterable[Scenario | str] | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """Corridors of one pair under every scenario: one row per scenario and gateway.

    Takes the keyword arguments of ``corridors`` (but not ``scenario``);
    scenarios default to ``CORRIDOR_SCENARIOS``.
    """
    frames = [corridors(graph, origin, destination, scenario=s, **kwargs).to_frame()
              for s in (scenarios if scenarios is not None else CORRIDOR_SCENARIOS)]
    return pd.concat(frames, ignore_index=True)


def corridor_frame(
    graph: nx.MultiDiGraph,
    origins: Iterable[str],
    destinations: Iterable[str],
    scenarios: Iterable[Scenario | str] | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """``switch_table`` for every origin x destination (one tree per origin and family)."""
    scs = [load_scenario(s) for s in (scenarios if scenarios is not None
                                      else CORRIDOR_SCENARIOS)]
    frames = [switch_table(graph, o, d, scs, **kwargs) for o in origins for d in destinations]
    return pd.concat(frames, ignore_index=True)


