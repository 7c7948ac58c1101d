"""Volume allocation: yearly demand to routes under port and lane capacities.

The model is the path formulation of a multi-commodity min-cost flow LP:

    min  sum_r cost_r x_r + penalty * sum_p u_p
    s.t. sum_{r of p} x_r + u_p = demand_p             (every pair p)
         sum_{r through n} x_r <= capacity_n            (capacitated ports/edges)
         x, u >= 0

solved by column generation, which makes it exactly the full arc LP: GLOP
solves the LP over the paths found so far, then for every pair the
reduced-cost shortest path (arc weight = cost minus the capacity duals of
the arc and of the node it enters) is priced out; a path with negative
reduced cost is added and the LP re-solved, until none exists. The LP is
then optimal over *all* paths (a missing path would price out negative).
Pricing weights are integer micro-USD like every other query (see
``routing.solver``); the stopping test uses the float reduced cost with a
1e-6 USD/TEU tolerance. Unserved demand is a penalised variable, so the
model is never infeasible.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from networks.errors import BypassError

from . import solver
from .query import Query, alternatives, build_query, build_route
from .results import CapacityUse, Plan, PlanFlow, PlanFrontier
from .solver import SCALE

__all__ = [
    "DEFAULT_UNSERVED_PENALTY",
    "plan",
    "plan_frontier",
]

#: Default penalty for a TEU/yr of demand left unserved; far above any route cost.
DEFAULT_UNSERVED_PENALTY = 20_000.0
_MAX_ROUNDS = 500
_TOL = 1e-6


def _pairs(demand: pd.DataFrame) -> list[tuple[str, str, float]]:
    """Validated, aggregated and sorted (origin, destination, teu_per_year)."""
    missing = {"origin", "destination", "teu_per_year"} - set(demand.columns)
    if missing:
        raise BypassError(f"demand table lacks column(s) {sorted(missing)}")
    teu = pd.to_numeric(demand["teu_per_year"], errors="coerce")
    if teu.isna().any() or (teu < 0).any():
        raise BypassError("demand teu_per_year must be non-negative numbers")
    frame = pd.DataFrame({"origin": demand["origin"].astype(str),
                          "destination": demand["destination"].astype(str), "teu": teu})
    grouped = frame.groupby(["origin", "destination"], sort=True)["teu"].sum()
    out: list[tuple[str, str, float]] = []
    for key, v in grouped.items():
        o, d = cast(tuple[str, str], key)  # the (origin, destination) index built above
        out.append((o, d, float(v)))
    return out


@dataclass
class _Column:
    pair: int
    arcs: tuple[int, ...]
    cost: float
    time: float


class _Model:
    """The growing path LP and its pricing; reused across the frontier sweep."""

    def __init__(self, graph: nx.MultiDiGraph, demand: pd.DataFrame, *, allow_us: bool,
                 strict_waters: bool, max_days: float | None, penalty: float,
                 avoid_countries: Iterable[str], avoid_modes: Iterable[str],
                 allow_hypothetical: bool = False) -> None:
        if penalty <= 0:
            raise BypassError("unserved_penalty_usd_per_teu must be positive")
        self.graph = graph
        self.penalty = float(penalty)
        self.pairs = _pairs(demand)
        self.queries: list[Query] = [
            build_query(graph, o, d, allow_us=allow_us, strict_waters=strict_waters,
                        max_days=max_days, avoid_countries=tuple(avoid_countries),
                        avoid_modes=tuple(avoid_modes),
                        allow_hypothetical=allow_hypothetical)
            for o, d, _ in self.pairs
        ]
        c = self.c = solver.compile_graph(graph)
        self.max_days = max_days
        self.filter = solver.Filter(forbid_us=not allow_us, strict=strict_waters,
                                    avoid_countries=frozenset(avoid_countries),
                                    avoid_modes=frozenset(avoid_modes),
                                    scheduled_only=not allow_hypothetical)
        self.allowed = np.flatnonzero(solver.arc_mask(c, self.filter))
        self.alpha, self.beta = 1.0, 0.0  # objective: alpha * cost + beta * TEU-hours
        lp = self.lp = solver.LinearProgram()
        self.demand_rows = [lp.add_row(dem, dem) for _, _, dem in self.pairs]
        self.node_rows: dict[int, int] = {}
        for n in np.flatnonzero(np.isfinite(c.node_capacity)).tolist():
            self.node_rows[n] = lp.add_row(-lp.inf, float(c.node_capacity[n]))
        self.edge_rows: dict[int, int] = {}
        for a in self.allowed[np.isfinite(c.capacity[self.allowed])].tolist():
            self.edge_rows[a] = lp.add_row(-lp.inf, float(c.capacity[a]))
        self.time_row = lp.add_row(-lp.inf, lp.inf)
        self.unserved_row = lp.add_row(-lp.inf, lp.inf)
        self.unserved_vars = [
            lp.add_var(dem, self.penalty, [(self.demand_rows[p], 1.0), (self.unserved_row, 1.0)])
            for p, (_, _, dem) in enumerate(self.pairs)
        ]
        self.columns: list[_Column] = []
        self.column_vars: list[int] = []
        self.known: set[tuple[int, tuple[int, ...]]] = set()
        self.rounds = 0

    # -- columns ------------------------------------------------------------------
    def add_column(self, pair: int, arcs: tuple[int, ...]) -> bool:
        if (pair, arcs) in self.known or not arcs:
            return False
        c = self.c
        idx = list(arcs)
        col = _Column(pair, arcs, float(c.cost[idx].sum()), float(c.time[idx].sum()))
        coeffs = [(self.demand_rows[pair], 1.0), (self.time_row, col.time)]
        nodes = {int(c.tail[arcs[0]])} | {int(c.head[a]) for a in arcs}
        coeffs += [(self.node_rows[n], 1.0) for n in sorted(nodes) if n in self.node_rows]
        coeffs += [(self.edge_rows[a], 1.0) for a in arcs if a in self.edge_rows]
        var = self.lp.add_var(self.lp.inf, self.alpha * col.cost + self.beta * col.time, coeffs)
        self.columns.append(col)
        self.column_vars.append(var)
        self.known.add((pair, arcs))
        return True

    def set_objective(self, alpha: float, beta: float) -> None:
        self.alpha, self.beta = alpha, beta
        for col, var in zip(self.columns, self.column_vars, strict=True):
            self.lp.set_obj(var, alpha * col.cost + beta * col.time)
        for var in self.unserved_vars:
            self.lp.set_obj(var, alpha * self.penalty)

    # -- pricing ------------------------------------------------------------------
    def _weights(self, duals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Integer reduced arc weights (micro-USD) and the float node charges."""
        c = self.c
        node_charge = np.zeros(c.n)
        for n, row in self.node_rows.items():
            node_charge[n] = max(-duals[row], 0.0)
        edge_charge = np.zeros(c.m)
        for a, row in self.edge_rows.items():
            edge_charge[a] = max(-duals[row], 0.0)
        time_price = self.beta + max(-duals[self.time_row], 0.0)
        w = self.alpha * c.cost + time_price * c.time + edge_charge + node_charge[c.head]
        return np.rint(np.maximum(w, 0.0) * SCALE).astype(np.int64), node_charge

    def _reduced_cost(self, col: _Column, duals: np.ndarray, node_charge: np.ndarray) -> float:
        c = self.c
        nodes = {int(c.tail[col.arcs[0]])} | {int(c.head[a]) for a in col.arcs}
        rc = self.alpha * col.cost + (self.beta - duals[self.time_row]) * col.time
        rc -= duals[self.demand_rows[col.pair]]
        rc += sum(node_charge[n] for n in nodes)
        rc -= sum(duals[self.edge_rows[a]] for a in col.arcs if a in self.edge_rows)
        return float(rc)

    def _paths(self, w: np.ndarray, pairs: list[int]) -> dict[int, tuple[int, ...]]:
        """Min-weight path (arc ids) for each pair under integer weights ``w``."""
        c, out = self.c, {}
        if self.max_days is None:
            keep = solver._dedupe([c.tail[self.allowed], c.head[self.allowed]],
                                  w[self.allowed], self.allowed)
            order = np.lexsort((c.head[keep], c.tail[keep]))
            keep = keep[order]
            indptr = np.zeros(c.n + 1, dtype=np.int64)
            np.cumsum(np.bincount(c.tail[keep], minlength=c.n), out=indptr[1:])
            mat = csr_matrix((w[keep].astype(float), c.head[keep], indptr), shape=(c.n, c.n))
            arc_of = {(int(t), int(h)): int(a)
                      for a, t, h in zip(keep, c.tail[keep], c.head[keep], strict=True)}
            by_origin: dict[int, list[int]] = {}
            for p in pairs:
                by_origin.setdefault(self.queries[p].origin, []).append(p)
            for o, ps in sorted(by_origin.items()):
                dist, pred = dijkstra(mat, directed=True, indices=o, return_predecessors=True)
                for p in ps:
                    d = self.queries[p].dest
                    if not np.isfinite(dist[d]):
                        continue
                    arcs, v = [], d
                    while v != o:
                        u = int(pred[v])
                        arcs.append(arc_of[(u, v)])
                        v = u
                    out[p] = tuple(reversed(arcs))
            return out
        adj = solver.adjacency(c, self.filter, None, [w, c.time_u], cached=False)
        bounds: dict[int, list[int | None]] = {}
        for p in pairs:
            q = self.queries[p]
            if q.dest not in bounds:
                bounds[q.dest] = solver.lower_bounds(c, self.filter, w, None, q.dest,
                                                     cached=False)
            lbs = [bounds[q.dest],
                   solver.lower_bounds(c, self.filter, c.time_u, "time", q.dest)]
            found = solver.label_search(adj, q.origin, q.dest, lbs=lbs,
                                        limits=[None, q.max_time_u])
            if found:
                out[p] = found[0].arcs
        return out

    def solve(self) -> None:
        """Column generation to LP optimality over all paths."""
        for _ in range(_MAX_ROUNDS):
            self.lp.solve()
            duals = self.lp.duals()
            self.rounds += 1
            w, node_charge = self._weights(duals)
            paths = self._paths(w, [p for p, (_, _, dem) in enumerate(self.pairs) if dem > 0])
            added = 0
            for p, arcs in sorted(paths.items()):
                col = _Column(p, arcs, float(self.c.cost[list(arcs)].sum()),
                              float(self.c.time[list(arcs)].sum()))
                rc = self._reduced_cost(col, duals, node_charge)
                scale = max(1.0, abs(duals[self.demand_rows[p]]))
                if rc < -_TOL * scale and self.add_column(p, arcs):
                    added += 1
            if not added:
                return
        raise BypassError(f"plan column generation did not converge in {_MAX_ROUNDS} rounds")

    # -- results ------------------------------------------------------------------
    def result(self, constraints: dict[str, Any]) -> Plan:
        values = self.lp.values()
        duals = self.lp.duals()
        c = self.c
        flows = []
        node_use: dict[int, float] = dict.fromkeys(self.node_rows, 0.0)
        edge_use: dict[int, float] = dict.fromkeys(self.edge_rows, 0.0)
        transport = hours = 0.0
        for col, var in zip(self.columns, self.column_vars, strict=True):
            x = float(values[var])
            if x <= 1e-9 * max(1.0, self.pairs[col.pair][2]):
                continue
            route = build_route(self.queries[col.pair], col.arcs)
            o, d, _ = self.pairs[col.pair]
            flows.append(PlanFlow(o, d, route, x))
            transport += x * col.cost
            hours += x * col.time
            nodes = {int(c.tail[col.arcs[0]])} | {int(c.head[a]) for a in col.arcs}
            for n in nodes & node_use.keys():
                node_use[n] += x
            for a in col.arcs:
                if a in edge_use:
                    edge_use[a] += x
        flows.sort(key=lambda f: (f.origin, f.destination, -f.teu_per_year, f.route.nodes))
        unserved = {(o, d): max(float(values[v]), 0.0) if values[v] > 1e-9 else 0.0
                    for (o, d, _), v in zip(self.pairs, self.unserved_vars, strict=True)}
        caps = [
            CapacityUse("node", c.nodes[n], float(c.node_capacity[n]), node_use[n],
                        max(-float(duals[row]), 0.0) + 0.0)
            for n, row in sorted(self.node_rows.items(), key=lambda t: c.nodes[t[0]])
        ]
        caps += [
            CapacityUse("edge", f"{c.nodes[c.tail[a]]}->{c.nodes[c.head[a]]}:{c.keys[a]}",
                        float(c.capacity[a]), edge_use[a], max(-float(duals[row]), 0.0) + 0.0)
            for a, row in sorted(self.edge_rows.items())
        ]
        return Plan(
            flows=tuple(flows),
            unserved=unserved,
            demand={(o, d): dem for o, d, dem in self.pairs},
            transport_cost_usd=transport,
            unserved_penalty_usd=self.penalty * sum(unserved.values()),
            teu_hours=hours,
            capacities=tuple(caps),
            iterations=self.rounds,
            columns=len(self.columns),
            constraints=constraints,
        )

    def seed(self, candidates_per_pair: int, kwargs: dict[str, Any]) -> None:
        """Initial columns: the cheapest route of each pair, or k port-diverse ones."""
        if candidates_per_pair <= 1:
            return  # the first pricing round (all duals zero but demand) finds them
        for p, (o, d, dem) in enumerate(self.pairs):
            if dem <= 0:
                continue
            try:
                routes = alternatives(self.graph, o, d, candidates_per_pair, **kwargs)
            except BypassError:
                continue
            for r in routes:
                arcs = tuple(self._arc_ids(r))
                self.add_column(p, arcs)

    def _arc_ids(self, route) -> list[int]:
        c = self.c
        out = []
        for leg in route.legs:
            u, v = c.index[leg.from_id], c.index[leg.to_id]
            for a in np.flatnonzero((c.tail == u) & (c.head == v)).tolist():
                if str(c.keys[a]) == leg.key:
                    out.append(a)
                    break
        return out


def _model(graph, demand, allow_us, strict_waters, max_days, penalty, avoid_countries,
           avoid_modes, candidates_per_pair, allow_hypothetical=False
           ) -> tuple[_Model, dict[str, Any]]:
    model = _Model(graph, demand, allow_us=allow_us, strict_waters=strict_waters,
                   max_days=max_days, penalty=penalty, avoid_countries=avoid_countries,
                   avoid_modes=avoid_modes, allow_hypothetical=allow_hypothetical)
    kwargs = {"allow_us": allow_us, "strict_waters": strict_waters, "max_days": max_days,
              "avoid_countries": tuple(avoid_countries), "avoid_modes": tuple(avoid_modes),
              "allow_hypothetical": bool(allow_hypothetical)}
    model.seed(candidates_per_pair, kwargs)
    constraints = dict(kwargs, unserved_penalty_usd_per_teu=penalty,
                       candidates_per_pair=candidates_per_pair)
    return model, constraints


def plan(
    graph: nx.MultiDiGraph,
    demand: pd.DataFrame,
    *,
    allow_us: bool = False,
    strict_waters: bool = False,
    unserved_penalty_usd_per_teu: float = DEFAULT_UNSERVED_PENALTY,
    max_days: float | None = None,
    candidates_per_pair: int = 1,
    avoid_countries: Iterable[str] = (),
    avoid_modes: Iterable[str] = (),
    allow_hypothetical: bool = False,
) -> Plan:
    """Min-cost allocation of ``demand`` (origin, destination, teu_per_year) to routes.

    Respects port-node and edge ``capacity_teu_per_year``; demand that cannot
    be carried is ``unserved`` at ``unserved_penalty_usd_per_teu``.
    ``candidates_per_pair`` seeds the LP with that many port-diverse routes per
    pair (a warm start only: column generation makes the optimum exact anyway).
    """
    model, constraints = _model(graph, demand, allow_us, strict_waters, max_days,
                                unserved_penalty_usd_per_teu, avoid_countries, avoid_modes,
                                candidates_per_pair, allow_hypothetical)
    model.solve()
    return model.result(constraints)


def plan_frontier(
    graph: nx.MultiDiGraph,
    demand: pd.DataFrame,
    n_points: int = 5,
    *,
    allow_us: bool = False,
    strict_waters: bool = False,
    unserved_penalty_usd_per_teu: float = DEFAULT_UNSERVED_PENALTY,
    max_days: float | None = None,
    candidates_per_pair: int = 1,
    avoid_countries: Iterable[str] = (),
    avoid_modes: Iterable[str] = (),
    allow_hypothetical: bool = False,
) -> PlanFrontier:
    """System cost vs total TEU-hours, by an epsilon-constraint sweep.

    Points run from the min-cost plan to the fastest plan that serves as much
    as the min-cost plan does (unserved volume capped at its level, so time
    cannot be "saved" by dropping boxes). Each point is the min-cost plan
    with TEU-hours <= epsilon; the same LP is reused and only that bound
    moves, so GLOP re-solves warm and columns accumulate.
    """
    if n_points < 1:
        raise BypassError("n_points must be >= 1")
    model, constraints = _model(graph, demand, allow_us, strict_waters, max_days,
                                unserved_penalty_usd_per_teu, avoid_countries, avoid_modes,
                                candidates_per_pair, allow_hypothetical)
    lp = model.lp
    model.solve()
    cheapest = model.result(constraints)
    served_cap = sum(cheapest.unserved.values())
    lp.set_row_bounds(model.unserved_row, -lp.inf, served_cap * (1 + 1e-9) + 1e-9)
    model.set_objective(0.0, 1.0)
    model.solve()
    fastest_hours = float(sum(col.time * x for col, x in zip(
        model.columns, lp.values()[model.column_vars], strict=True)))
    model.set_objective(1.0, 0.0)
    points = [cheapest]
    if n_points > 1 and cheapest.teu_hours > fastest_hours * (1 + 1e-9) + 1e-9:
        for eps in np.linspace(cheapest.teu_hours, fastest_hours, n_points)[1:]:
            lp.set_row_bounds(model.time_row, -lp.inf, float(eps) * (1 + 1e-9) + 1e-9)
            model.solve()
            points.append(model.result(dict(constraints, max_teu_hours=float(eps))))
    def same(a: Plan, b: Plan) -> bool:
        return (abs(a.total_cost_usd - b.total_cost_usd) <= 1e-6 * max(1.0, a.total_cost_usd)
                and abs(a.teu_hours - b.teu_hours) <= 1e-6 * max(1.0, a.teu_hours))

    unique: list[Plan] = []
    for p in points:
        if not (unique and same(p, unique[-1])):
            unique.append(p)
    return PlanFrontier(tuple(unique))


# --------------------------------------------------------------------------- corridors


def volume_by_corridor(graph: nx.MultiDiGraph, result: Plan) -> pd.DataFrame:
    """Yearly TEU of a plan per gateway family (``routing.corridors``), plus the rest.

    One row per family in ``FAMILY_NAMES`` order, then ``other`` (routes that
    board outside the five regions or lack their family's shape) and
    ``unserved``. ``gateway_ports`` lists each boarding port's TEU/yr;
    ``hypothetical_teu_per_year`` is volume on sea legs with no scheduled service.
    """
    from .corridors import FAMILY_NAMES, gateway_family, gateway_port

    names = [*FAMILY_NAMES, "other"]
    teu = dict.fromkeys(names, 0.0)
    usd = dict.fromkeys(names, 0.0)
    hyp = dict.fromkeys(names, 0.0)
    ports: dict[str, dict[str, float]] = {n: {} for n in names}
    for f in result.flows:
        fam = gateway_family(graph, f.route) or "other"
        teu[fam] += f.teu_per_year
        usd[fam] += f.teu_per_year * f.route.cost_usd_per_teu
        if f.route.totals["hypothetical_services"]:
            hyp[fam] += f.teu_per_year
        gw = gateway_port(graph, f.route) or "-"
        ports[fam][gw] = ports[fam].get(gw, 0.0) + f.teu_per_year
    total = float(sum(result.demand.values()))
    rows = []
    for n in names:
        rows.append({
            "gateway": n, "teu_per_year": teu[n],
            "share_of_demand": teu[n] / total if total > 0 else float("nan"),
            "transport_usd_per_teu": usd[n] / teu[n] if teu[n] > 0 else float("nan"),
            "hypothetical_teu_per_year": hyp[n],
            "gateway_ports": ", ".join(f"{p} {v:,.0f}" for p, v in
                                       sorted(ports[n].items(), key=lambda t: (-t[1], t[0]))),
        })
    unserved = float(sum(result.unserved.values()))
    rows.append({"gateway": "unserved", "teu_per_year": unserved,
                 "share_of_demand": unserved / total if total > 0 else float("nan"),
                 "transport_usd_per_teu": float("nan"), "hypothetical_teu_per_year": 0.0,
                 "gateway_ports": ""})
    return pd.DataFrame(rows)


def corridor_stress(
    graph: nx.MultiDiGraph,
    demand: pd.DataFrame,
    factors: Iterable[float] = (1.0, 1.5, 2.0),
    **kwargs: Any,
) -> pd.DataFrame:
    """Volume per gateway family as demand grows, without and with US transit.

    For each demand multiplier and side (``us_free``: no US transit;
    ``us_allowed``), solves the capacitated plan and reports
    ``volume_by_corridor`` plus the capacities that bind (``binding``, with
    shadow prices). Shows whether, and from which multiplier, volume
    overflows from the Mexican gateways into Canadian or US ones. Other
    keyword arguments go to ``plan``.
    """
    frames = []
    for factor in factors:
        if not (factor > 0 and np.isfinite(factor)):
            raise BypassError(f"demand multiplier must be a positive number, got {factor!r}")
        scaled = demand.copy()
        scaled["teu_per_year"] = pd.to_numeric(scaled["teu_per_year"]) * float(factor)
        for side, allow in (("us_free", False), ("us_allowed", True)):
            p = plan(graph, scaled, allow_us=allow, **kwargs)
            binding = "; ".join(f"{c.id} ({c.shadow_price_usd_per_teu:,.0f} USD/TEU)"
                                for c in p.binding)
            frames.append(volume_by_corridor(graph, p).assign(
                demand_factor=float(factor), side=side, binding=binding))
    out = pd.concat(frames, ignore_index=True)
    first = ["demand_factor", "side", "gateway"]
    return out[first + [c for c in out.columns if c not in first]]
