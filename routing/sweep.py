"""Monte Carlo scenario sweeps: re-optimised routes per sampled future, on Dask.

A single scenario answers "what if"; a sweep answers "how likely, and how
robust". Each sample draws the inputs of a sweep file (``routing.sweep_spec``),
re-prices every arc of the compiled graph with numpy, and re-solves the best
route of every hub x Asian port pair in every gateway family (the last port of
the Americas where the box boards its ocean service to Asia) - routes are
re-optimised per sample, never re-priced fixed routes.

Engine (why it is fast): the graph is compiled once into a *block graph*, one
copy per gateway family. US-free families (``mx_pacific``, ``mx_gulf``,
``ca_pacific_sea``) are copies without US arcs; through-the-US families
(``us_pacific``, ``us_gulf``, ``ca_pacific_inbond``) are two-layer copies
(layer 1 is entered by a US arc, as in ``routing.solver``), and every copy
keeps only the ocean departures (Americas port -> Asian port) of its family.
The in-bond copy also keeps ``routing.corridors``' "by land" shape: no sea
arc before the first US arc, and after it only non-US sea arcs from Canadian
Pacific ports (or within Asia).
Two more copies, with no family restriction, give the comparison's sides
(best US-free, best through the US) exactly as ``routing.compare`` does, even
for a route no family claims (a US origin boarding in Mexico, a US feeder to
Canada). A sample is then one ``scipy.sparse.csgraph.dijkstra`` call over that block
graph with one tree per (family, origin); only the edge weights change
between samples, so the sparse structure is built once. Path totals are
summed in route order, so a sample equal to the base model reproduces
``routing.compare`` to the last bit.

Chunks of samples run on ``dask.distributed``: a ``LocalCluster`` of
processes by default, an existing scheduler with ``scheduler=``. Each chunk
has its own random stream (``numpy.random.SeedSequence(seed,
spawn_key=(chunk,))``) and a fixed size, so results do not depend on the
number of workers or the order chunks finish in.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from networks.errors import BypassError, UnknownPlaceError

from . import solver
from .scenarios import DAYS_PER_YEAR, HOURS_PER_YEAR, ScenarioError, load_scenario
from .sweep_spec import SweepError, SweepSpec

__all__ = [
    "AMERICAS", "CONNECT_TIMEOUT_S", "DEFAULT_CHUNK", "FAMILIES", "POLICIES", "SIDES",
    "SweepModel", "SweepResult", "build_model", "check_scheduler_address", "chunk_rng",
    "chunks", "cvar", "draw", "evaluate", "family_through_us", "gateway_family",
    "lane_multipliers", "one_at_a_time", "policy_costs", "run_chunk", "run_sweep",
    "sample_inputs", "sides_of",
]

log = logging.getLogger(__name__)

#: Samples per chunk: fixed (never derived from the worker count) so results
#: are identical whatever the cluster.
DEFAULT_CHUNK = 200
#: Seconds to wait for an existing scheduler before giving up.
CONNECT_TIMEOUT_S = 5.0
#: Port regions of the Americas (where a box can board its ocean service to Asia).
AMERICAS = ("mx_pacific", "mx_gulf", "ca_pacific", "us_pacific", "us_gulf")
#: Gateway families in report order; families with no departure in the graph are dropped.
FAMILIES = ("mx_pacific", "mx_gulf", "ca_pacific_sea", "us_pacific", "us_gulf",
            "ca_pacific_inbond")
#: The two comparison sides, solved as columns of their own (no family restriction), so
#: they are exactly ``routing.compare``'s US-free and through-the-US routes.
SIDES = ("best_us_free", "best_via_us")
#: Policies compared in the summary: the columns each may use (re-optimised per sample).
POLICIES = {
    "always_us_free": ("best_us_free",),
    "always_via_us": ("best_via_us",),
    "always_canadian_port": ("ca_pacific_sea", "ca_pacific_inbond"),
    "choose_per_sample": SIDES,
}
_HASH_MUL = np.uint64(1_099_511_628_211)  # FNV-64 prime: route ids from arc sequences


def gateway_family(region: str, through_us: bool) -> str:
    """Gateway family of a route from its boarding port's region and its US transit.

    The one place a route is classified: the family is the region of the
    port where the box boards the ocean ride that reaches Asia (the last
    Americas port), with Canadian Pacific ports split by whether the route
    reached them through the US (in bond, by land) or not. The sweep applies
    it per ocean departure (a sea arc from an Americas port to an Asian one)
    when it builds one graph copy per family; ``routing.corridors`` classifies
    whole routes with the same definitions and is the reference for routes.
    """
    if region == "ca_pacific":
        return "ca_pacific_inbond" if through_us else "ca_pacific_sea"
    return region


def family_through_us(family: str) -> bool:
    """True when every route of the family (or side) transits the US (layered copy)."""
    return family in ("us_pacific", "us_gulf", "ca_pacific_inbond", "best_via_us")


# --------------------------------------------------------------------------- model


@dataclass(eq=False)
class SweepModel:
    """Everything a worker needs: base arc figures, block graph, pairs, input plan.

    Plain numpy arrays and strings, built once on the client from the graph and
    the sweep file, shipped to each worker once (``Client.scatter``).
    """

    spec: SweepSpec
    nodes: list[str]
    origins: list[str]
    destinations: list[str]
    pairs: list[tuple[int, int]]            # (origin index, destination index)
    families: list[str]
    columns: list[str]                       # families, then the two SIDES
    cost: np.ndarray
    time: np.ndarray
    co2: np.ndarray
    lane_of_arc: np.ndarray                  # index into lanes, -1 if not a sea arc
    lanes: list[str]
    rail: np.ndarray
    road: np.ndarray
    border: np.ndarray
    hypothetical: np.ndarray                 # sea arcs with no scheduled liner service
    arc_labels: list[str]
    # block graph (sorted by (row, col); one csr entry per distinct (row, col))
    n_block: int
    entry_arc: np.ndarray
    group_start: np.ndarray
    group_key: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    multi_groups: np.ndarray
    multi_arcs: np.ndarray                   # padded with -1
    sources: np.ndarray                      # [F, O] block node of each origin
    targets: np.ndarray                      # [F, O, D] block node of each destination
    scenario_names: list[str] = field(default_factory=list)
    scenario_params: np.ndarray = field(default_factory=lambda: np.zeros((0, 6)))

    @property
    def n_pairs(self) -> int:
        return len(self.pairs)

    def pair_labels(self) -> list[str]:
        return [f"{self.origins[o]}-{self.destinations[d]}" for o, d in self.pairs]


def _port_of(graph: nx.MultiDiGraph, node: str) -> str | None:
    d = graph.nodes[node]
    if d.get("kind") == "port":
        return node
    port = d.get("port")
    return str(port) if port in graph else None


def _check_every_sea_arc_boards(c: solver.Compiled, is_sea: np.ndarray,
                                 kinds: np.ndarray) -> None:
    """Warn when a box can stay on board from one sea arc into the next.

    The family copies restrict arcs, not rides: they assume every sea arc is
    a boarding at its tail port, as on the service-expanded network (berths
    are entered by ``load`` or ``transship``, left by one sea arc). On a graph
    where a sea arc or an on-board arc (``routing.corridors.ON_BOARD_KINDS``)
    leads into a node with a sea departure, a ride can pass a port without
    boarding there, and the family columns may then differ from
    ``routing.corridors`` (the comparison sides are unaffected).
    """
    from .corridors import ON_BOARD_KINDS

    aboard = is_sea | np.isin(kinds, list(ON_BOARD_KINDS))
    boards = np.zeros(c.n, dtype=bool)
    boards[c.tail[is_sea]] = True
    chained = np.flatnonzero(aboard & boards[c.head])
    if len(chained):
        a = int(chained[0])
        log.warning("sweep: a box can stay on board from %s>%s into a sea leg (%d such arcs); "
                    "gateway family columns treat every sea leg as a boarding and may differ "
                    "from routing.corridors", c.nodes[c.tail[a]], c.nodes[c.head[a]],
                    len(chained))


def build_model(graph: nx.MultiDiGraph, spec: SweepSpec) -> SweepModel:
    """Compile the graph and the sweep file into a SweepModel (validates against the graph)."""
    from .compare import default_destinations, default_origins

    c = solver.compile_graph(graph)
    where = spec.path
    g = graph
    regions: dict[str, str] = {}
    for u in c.nodes:
        p = _port_of(g, u)
        if p is not None:
            regions[u] = str(g.nodes[p].get("region", ""))
    edges = [g[c.nodes[t]][c.nodes[h]][k] for t, h, k in zip(c.tail, c.head, c.keys, strict=True)]
    lane_names = sorted({str(e.get("lane")) for e in edges
                         if e.get("mode") == "sea" and e.get("lane") is not None})
    for key, dist in spec.inputs.items():
        if dist.lanes and not set(dist.lanes) & set(lane_names):
            raise SweepError(f"{where}: inputs.{key}: no sea edge has lane "
                             f"{', '.join(dist.lanes)} (lanes: {', '.join(lane_names) or 'none'})")
    lane_idx = {name: i for i, name in enumerate(lane_names)}
    lane_of_arc = np.array([lane_idx.get(str(e.get("lane")), -1) if e.get("mode") == "sea"
                            else -1 for e in edges], dtype=np.int64)
    kinds = np.array([str(e.get("kind", "")) for e in edges], dtype=object)
    mode = np.asarray(c.mode, dtype=object)

    def resolve(ids: tuple[str, ...], default: list[str], what: str) -> list[str]:
        if not ids:
            return default
        out = []
        for x in ids:
            if x not in c.index:
                raise SweepError(f"{where}: sweep.{what}s: unknown node {x!r}")
            out.append(x)
        return list(dict.fromkeys(out))

    origins = resolve(spec.origins, default_origins(graph), "origin")
    dests = resolve(spec.destinations, default_destinations(graph), "destination")
    pairs = [(i, j) for i, o in enumerate(origins) for j, d in enumerate(dests) if o != d]
    if not pairs:
        raise SweepError(f"{where}: no origin-destination pair to sweep")
    n = c.n
    us = solver.arc_us(c, spec.strict_waters)
    base = np.ones(c.m, dtype=bool)
    if spec.scheduled_only:
        base &= ~c.hypothetical
    # A route "through the US" never comes back into its origin country from the US
    # (routing.query no_return_from_us): one layered copy per distinct origin country set.
    groups: dict[frozenset[str], list[int]] = {}
    for i, o in enumerate(origins):
        k = c.index[o]
        home = frozenset() if c.node_us[k] else c.node_countries[k] - {"USA"}
        groups.setdefault(home, []).append(i)

    def reentry_ok(home: frozenset[str]) -> np.ndarray:
        into = np.array([bool(cs & home) and not u
                         for cs, u in zip(c.node_countries, c.node_us, strict=True)], dtype=bool)
        return ~(c.node_us[c.tail] & into[c.head]) if c.m else np.ones(0, dtype=bool)
    # Ocean departures: a sea arc from an Americas port to an Asian one.
    tail_region = np.array([regions.get(c.nodes[t], "") for t in c.tail], dtype=object)
    head_region = np.array([regions.get(c.nodes[h], "") for h in c.head], dtype=object)
    is_sea = mode == "sea"
    departure = is_sea & (head_region == "asia") & (tail_region != "asia")
    _check_every_sea_arc_boards(c, is_sea, kinds)
    families = []
    for fam in FAMILIES:
        region = "ca_pacific" if fam.startswith("ca_pacific") else fam
        if np.any(departure & (tail_region == region)):
            families.append(fam)
    others = sorted(set(tail_region[departure]) - set(AMERICAS))
    if others:
        log.warning("sweep: ocean departures from regions %s are not in a gateway family "
                    "and are left out", ", ".join(map(str, others)))
    rows, cols, arcs = [], [], []
    columns = [*families, *SIDES]
    sources = np.zeros((len(columns), len(origins)), dtype=np.int64)
    targets = np.zeros((len(columns), len(origins), len(dests)), dtype=np.int64)
    offset = 0
    o_idx = np.array([c.index[o] for o in origins])
    d_idx = np.array([c.index[d] for d in dests])
    for f, fam in enumerate(columns):
        if fam in SIDES:
            allowed = base
        else:
            region = "ca_pacific" if fam.startswith("ca_pacific") else fam
            allowed = base & ~(departure & (tail_region != region))
        if not family_through_us(fam):
            a = np.flatnonzero(allowed & ~us)
            rows.append(c.tail[a] + offset)
            cols.append(c.head[a] + offset)
            arcs.append(a)
            sources[f] = o_idx + offset
            targets[f] = d_idx[None, :] + offset
            offset += n
            continue
        sea_free = is_sea  # sea arcs allowed before the first US arc (layer 0)
        if fam == "ca_pacific_inbond":
            # In bond = through the US *by land* (routing.corridors' land_only_us): the box
            # first boards a ship after it has used a US arc, at a Canadian Pacific port,
            # and no sea leg touches the US (a US port feeder to Canada, or a Mexican
            # coastal leg before the US, is neither US-free nor in bond by land). On the
            # service network every sea arc is a boarding (berths are entered by load or
            # transship, never on board), so the rule is one of arcs: no sea arc in layer
            # 0; in layer 1 only non-US sea arcs from a ca_pacific port, or within Asia.
            allowed = allowed & ~(is_sea & us) & ~(
                is_sea & (tail_region != "ca_pacific") & (tail_region != "asia"))
            sea_free = np.zeros_like(is_sea)
        for home, members in groups.items():
            ok = allowed & reentry_ok(home)
            free = np.flatnonzero(ok & ~us & (sea_free | ~is_sea))
            every = np.flatnonzero(ok)
            usa = np.flatnonzero(ok & us & (sea_free | ~is_sea))
            rows += [c.tail[free] + offset, c.tail[every] + offset + n, c.tail[usa] + offset]
            cols += [c.head[free] + offset, c.head[every] + offset + n,
                     c.head[usa] + offset + n]
            arcs += [free, every, usa]
            sources[f, members] = o_idx[members] + offset
            targets[f, members] = d_idx[None, :] + offset + n
            offset += 2 * n
    r = np.concatenate(rows)
    col = np.concatenate(cols)
    a = np.concatenate(arcs)
    order = np.lexsort((a, col, r))
    r, col, a = r[order], col[order], a[order]
    new = np.ones(len(r), dtype=bool)
    new[1:] = (r[1:] != r[:-1]) | (col[1:] != col[:-1])
    group_start = np.flatnonzero(new)
    g_rows, g_cols = r[group_start], col[group_start]
    indptr = np.zeros(offset + 1, dtype=np.int64)
    np.cumsum(np.bincount(g_rows, minlength=offset), out=indptr[1:])
    sizes = np.diff(np.append(group_start, len(r)))
    multi = np.flatnonzero(sizes > 1)
    width = int(sizes.max()) if len(sizes) else 1
    multi_arcs = np.full((len(multi), width), -1, dtype=np.int64)
    for i, gi in enumerate(multi):
        s = group_start[gi]
        multi_arcs[i, : sizes[gi]] = a[s: s + sizes[gi]]
    scen_names, scen_params = [], []
    duty = spec.inputs.get("duty_scenario")
    for name in (duty.params["names"] if duty is not None else ()):
        try:
            sc = load_scenario(name)
        except ScenarioError as exc:
            raise SweepError(f"{where}: inputs.duty_scenario.choices.{name}: {exc}") from exc
        scen_names.append(name)
        scen_params.append([sc.surcharge_usd_per_teu, sc.duty_pct_of_cargo_value,
                            sc.extra_border_delay_h, sc.disruption_probability,
                            sc.disruption_delay_days, sc.carrying_cost_pct_per_year])
    return SweepModel(
        spec=spec, nodes=list(c.nodes), origins=origins, destinations=dests, pairs=pairs,
        families=families, columns=columns, cost=c.cost.copy(), time=c.time.copy(),
        co2=c.co2.copy(),
        lane_of_arc=lane_of_arc, lanes=lane_names,
        rail=(mode == "rail"), road=(mode == "road"),
        border=np.array([str(k).startswith("border") for k in kinds], dtype=bool),
        hypothetical=np.asarray(c.hypothetical, dtype=bool).copy(),
        arc_labels=[f"{c.nodes[t]}>{c.nodes[h]}" for t, h in zip(c.tail, c.head, strict=True)],
        n_block=offset, entry_arc=a, group_start=group_start,
        group_key=g_rows * offset + g_cols, indptr=indptr, indices=g_cols.astype(np.int32),
        multi_groups=multi, multi_arcs=multi_arcs, sources=sources, targets=targets,
        scenario_names=scen_names,
        scenario_params=np.array(scen_params, dtype=float).reshape(-1, 6),
    )


# --------------------------------------------------------------------------- sampling


def chunk_rng(seed: int, chunk: int) -> np.random.Generator:
    """The random stream of one chunk: independent of worker count and finishing order."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(chunk,)))


def draw(dist: Any, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` draws of one Distribution (categorical: indices into its choices)."""
    p = dist.params
    if dist.dist == "fixed":
        return np.full(n, p["value"], dtype=float)
    if dist.dist == "uniform":
        return p["low"] + (p["high"] - p["low"]) * rng.random(n)
    if dist.dist == "triangular":
        if p["low"] == p["high"]:
            return np.full(n, p["low"], dtype=float)
        return rng.triangular(p["low"], p["mode"], p["high"], n)
    if dist.dist == "lognormal":
        # median * exp(sigma z): sigma = 0 gives the median exactly.
        return p["median"] * np.exp(p["sigma"] * rng.standard_normal(n))
    if dist.dist == "beta":
        return rng.beta(p["a"], p["b"], n)
    return rng.choice(len(p["names"]), size=n, p=np.array(p["probs"]))


def sample_inputs(spec: SweepSpec, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Draw every input (sorted by name, then the disruption events) for ``n`` samples."""
    out = {name: draw(spec.inputs[name], rng, n) for name in sorted(spec.inputs)}
    out["_u_disruption"] = rng.random(n)
    return out


def lane_multipliers(spec: SweepSpec, drawn: Mapping[str, np.ndarray], n: int,
                     lanes: list[str]) -> np.ndarray:
    """[n, lanes] multipliers of sea freight (1 for lanes the file leaves fixed)."""
    memo: dict[str, np.ndarray] = {}

    def mult(key: str) -> np.ndarray:
        if key not in memo:
            d = spec.inputs[key]
            m = drawn[key] / d.reference if d.reference else drawn[key].copy()
            if d.relative_to:
                m = m * mult(d.relative_to)
            memo[key] = m
        return memo[key]

    out = np.ones((n, len(lanes)))
    col = {lane: i for i, lane in enumerate(lanes)}
    for key, dist in spec.inputs.items():
        for lane in dist.lanes:
            if lane in col:
                out[:, col[lane]] = mult(key)
    return out


# --------------------------------------------------------------------------- one chunk


def _scalar(drawn: Mapping[str, np.ndarray], key: str, n: int, default: float) -> np.ndarray:
    return drawn[key] if key in drawn else np.full(n, default)


def run_chunk(model: SweepModel, seed: int, chunk: int, start: int, count: int
              ) -> dict[str, Any]:
    """Sample and solve ``count`` samples (global ids ``start..start+count-1``).

    Returns plain arrays: per (sample, family, pair) transport cost, charges,
    total, time, CO2 and route id (NaN / -1 where the family has no route),
    the drawn inputs, and the arc sequence of every route id seen.
    """
    drawn = sample_inputs(model.spec, chunk_rng(seed, chunk), count)
    res = evaluate(model, drawn)
    res.update(chunk=chunk, start=start)
    return res


def evaluate(model: SweepModel, drawn: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """Solve every pair in every family for given input values (one row per sample).

    ``drawn`` maps input names to arrays (``duty_scenario``: choice indices)
    and ``_u_disruption`` to uniforms deciding the corridor closure. Used by
    ``run_chunk`` on random draws and by the one-at-a-time sensitivity on
    chosen values.
    """
    spec = model.spec
    count = len(drawn["_u_disruption"])
    lane_m = lane_multipliers(spec, drawn, count, model.lanes)
    rail_m = _scalar(drawn, "rail", count, 1.0)
    road_m = _scalar(drawn, "road", count, 1.0)
    delay_h = _scalar(drawn, "border_delay_h", count, 0.0)
    co2_price = _scalar(drawn, "co2_price_usd_per_t", count, 0.0)
    p_disr = _scalar(drawn, "disruption_probability", count, 0.0)
    d_days = _scalar(drawn, "disruption_days", count, 0.0)
    disrupted = drawn["_u_disruption"] < p_disr
    value = spec.cargo_value_usd_per_teu
    rate = spec.carrying_cost_pct_per_year / 100.0 * value  # USD per TEU-year of delay
    if model.scenario_names:
        scen_idx = drawn["duty_scenario"].astype(np.int64)
        sp = model.scenario_params[scen_idx]
    else:
        scen_idx = np.full(count, -1)
        sp = np.zeros((count, 6))
        sp[:, 5] = spec.carrying_cost_pct_per_year
    F, P = len(model.columns), model.n_pairs
    o_of = np.array([o for o, _ in model.pairs])
    d_of = np.array([d for _, d in model.pairs])
    src = model.sources.ravel()
    rows_t = (np.arange(F)[:, None] * len(model.origins) + o_of[None, :]).ravel()
    node_t = model.targets[:, o_of, d_of].ravel()
    shape = (count, F, P)
    transport = np.full(shape, np.nan)
    t_h = np.full(shape, np.nan)
    co2 = np.full(shape, np.nan)
    rid = np.full(shape, -1, dtype=np.int64)
    hyp = np.zeros(shape, dtype=bool)
    catalog: dict[int, tuple[int, ...]] = {}
    sea = model.lane_of_arc >= 0
    lane_ix = np.where(sea, model.lane_of_arc, 0)
    entry = model.entry_arc
    gs = model.group_start
    pad = model.multi_arcs < 0
    for s in range(count):
        mult = np.ones(len(model.cost))
        mult[sea] = lane_m[s, lane_ix[sea]]
        mult[model.rail] = rail_m[s]
        mult[model.road] = road_m[s]
        w_cost = model.cost * mult
        w_time = model.time.copy()
        if delay_h[s] != 0.0:
            w_time[model.border] += delay_h[s]
            w_cost[model.border] += delay_h[s] * rate / HOURS_PER_YEAR
        if co2_price[s] != 0.0:
            w_cost = w_cost + model.co2 * (co2_price[s] / 1000.0)
        wu = np.rint(w_cost * solver.SCALE)
        data = np.minimum.reduceat(wu[entry], gs)
        chosen = entry[gs].copy()
        if len(model.multi_groups):
            wm = np.where(pad, np.inf, wu[model.multi_arcs])
            chosen[model.multi_groups] = model.multi_arcs[
                np.arange(len(model.multi_groups)), np.argmin(wm, axis=1)]
        mat = csr_matrix((data, model.indices, model.indptr),
                         shape=(model.n_block, model.n_block))
        dist, pred = dijkstra(mat, directed=True, indices=src, return_predecessors=True)
        reach = np.isfinite(dist[rows_t, node_t])
        cur = node_t.copy()
        active = reach.copy()
        steps = []
        while True:
            p = pred[rows_t, cur]
            act = active & (p >= 0)
            if not act.any():
                break
            arc = np.full(len(cur), -1, dtype=np.int64)
            key = p[act].astype(np.int64) * model.n_block + cur[act]
            arc[act] = chosen[np.searchsorted(model.group_key, key)]
            steps.append(arc)
            cur = np.where(act, p, cur)
            active = act
        tot_c = np.zeros(len(cur))
        tot_t = np.zeros(len(cur))
        tot_o = np.zeros(len(cur))
        h = np.zeros(len(cur), dtype=np.uint64)
        flag = np.zeros(len(cur), dtype=bool)
        for arc in reversed(steps):  # route order: origin first, as Route.totals sums
            on = arc >= 0
            a = np.where(on, arc, 0)
            tot_c += np.where(on, w_cost[a], 0.0)
            tot_t += np.where(on, w_time[a], 0.0)
            tot_o += np.where(on, model.co2[a], 0.0)
            h = np.where(on, h * _HASH_MUL + (a + 1).astype(np.uint64), h)
            flag |= on & model.hypothetical[a]
        ids = h.view(np.int64)
        transport[s] = np.where(reach, tot_c, np.nan).reshape(F, P)
        t_h[s] = np.where(reach, tot_t, np.nan).reshape(F, P)
        co2[s] = np.where(reach, tot_o, np.nan).reshape(F, P)
        rid[s] = np.where(reach, ids, -1).reshape(F, P)
        hyp[s] = (reach & flag).reshape(F, P)
        if steps:
            seen, first = np.unique(np.where(reach, ids, -1), return_index=True)
            new = [(int(i), int(t)) for i, t in zip(seen.tolist(), first.tolist(), strict=True)
                   if i != -1 and i not in catalog]
            if new:
                mat_steps = np.stack(steps)  # [L, T]
                for i, t in new:
                    seq = mat_steps[::-1, t]
                    catalog[i] = tuple(int(x) for x in seq[seq >= 0])
    # Charges on families through the US (flat per route: they never change the route).
    us_f = np.array([family_through_us(f) for f in model.columns])
    i_free = model.columns.index("best_us_free")
    free_cost = transport[:, i_free, :]  # [S, P]: the fallback, as in routing.scenarios
    has_free = np.isfinite(free_cost)
    fb_time = t_h[:, i_free, :]
    fb_co2 = co2[:, i_free, :]
    scen_rate = (sp[:, 5] / 100.0 * value)[:, None, None]
    fallback = np.where(has_free[:, None, :], free_cost[:, None, :], transport)
    charges = (0.0 + sp[:, 0][:, None, None]
               + sp[:, 1][:, None, None] / 100.0 * value
               + sp[:, 2][:, None, None] * scen_rate / HOURS_PER_YEAR
               + sp[:, 3][:, None, None] * (fallback + sp[:, 4][:, None, None] * scen_rate
                                            / DAYS_PER_YEAR))
    realised = np.where(disrupted[:, None, None],
                        fallback + d_days[:, None, None] * rate / DAYS_PER_YEAR, 0.0)
    charges = np.where(us_f[None, :, None], charges + realised, 0.0)
    charges = np.where(np.isfinite(transport), charges, np.nan)
    extra_h = np.where(us_f[None, :, None], sp[:, 2][:, None, None], 0.0)
    fb_t = np.where(has_free, fb_time, np.nan)[:, None, :]
    fb_o = np.where(has_free, fb_co2, np.nan)[:, None, :]
    hit = us_f[None, :, None] & disrupted[:, None, None] & has_free[:, None, :]
    time_out = np.where(hit, fb_t + d_days[:, None, None] * 24.0, t_h) + extra_h
    co2_out = np.where(hit, fb_o, co2)
    inputs = {k: v for k, v in drawn.items() if not k.startswith("_")}
    if "duty_scenario" in inputs:
        inputs["duty_scenario"] = scen_idx
    inputs["disrupted"] = disrupted
    return {
        "chunk": 0, "start": 0, "count": count,
        "transport": transport, "charges": charges, "total": transport + charges,
        "time_h": time_out, "co2": co2_out, "route_id": rid, "hypothetical": hyp,
        "inputs": inputs, "catalog": catalog,
    }


# --------------------------------------------------------------------------- engine


def chunks(samples: int, chunk_size: int) -> list[tuple[int, int, int]]:
    """(chunk index, first sample, count) covering ``samples`` in fixed-size chunks."""
    return [(i, s, min(chunk_size, samples - s))
            for i, s in enumerate(range(0, samples, chunk_size))]


def check_scheduler_address(address: str) -> None:
    """Reject a malformed scheduler address before a Client is built from it.

    Why: a Client whose constructor fails on the address is still finalised at
    exit, which then waits 10 s and prints a traceback; a bad address is user
    input and gets one line instead.
    """
    from distributed.comm import parse_address
    from distributed.comm.addressing import parse_host_port
    from distributed.comm.registry import get_backend

    try:
        scheme, loc = parse_address(address, strict=True)
        get_backend(scheme)
        if scheme != "inproc":
            parse_host_port(loc)
    except (ValueError, TypeError) as exc:
        raise SweepError(f"--scheduler {address!r} is not a scheduler address, e.g. "
                         f"tcp://10.0.0.5:8786 ({' '.join(str(exc).split())})") from None


class _Cluster:
    """A dask.distributed client: a fresh LocalCluster, or an existing scheduler."""

    def __init__(self, scheduler: str | None, workers: int | None) -> None:
        from dask.distributed import Client, LocalCluster

        self.cluster = None
        if scheduler:
            check_scheduler_address(scheduler)
            try:
                self.client = Client(scheduler, timeout=CONNECT_TIMEOUT_S,
                                     set_as_default=False)
            except (OSError, TimeoutError, ValueError, TypeError) as exc:
                raise SweepError(f"cannot reach dask scheduler {scheduler!r} within "
                                 f"{CONNECT_TIMEOUT_S:g} s ({' '.join(str(exc).split())})"
                                 ) from None
            try:
                self.client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
            except (OSError, TimeoutError) as exc:
                self.client.close()
                raise SweepError(f"dask scheduler {scheduler!r} has no workers (waited "
                                 f"{CONNECT_TIMEOUT_S:g} s)") from exc
            return
        n = workers or min(os.cpu_count() or 1, 4)
        self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                    dashboard_address=None, silence_logs=logging.ERROR)
        self.client = Client(self.cluster, set_as_default=False)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _frames(model: SweepModel, res: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """One long table per family for a chunk's result (unreachable rows dropped)."""
    count = res["count"]
    P = model.n_pairs
    sample = np.repeat(np.arange(res["start"], res["start"] + count), P)
    pair_o = np.tile([model.origins[o] for o, _ in model.pairs], count)
    pair_d = np.tile([model.destinations[d] for _, d in model.pairs], count)
    pair = np.tile(model.pair_labels(), count)
    out = {}
    for f, fam in enumerate(model.columns):
        tr = res["transport"][:, f, :].ravel()
        keep = np.isfinite(tr)
        out[fam] = pd.DataFrame({
            "sample": sample[keep].astype(np.int64),
            "pair": pair[keep], "origin": pair_o[keep], "destination": pair_d[keep],
            "transport_usd_per_teu": tr[keep],
            "charges_usd_per_teu": res["charges"][:, f, :].ravel()[keep],
            "cost_usd_per_teu": res["total"][:, f, :].ravel()[keep],
            "time_h": res["time_h"][:, f, :].ravel()[keep],
            "co2_kg_per_teu": res["co2"][:, f, :].ravel()[keep],
            "route_id": res["route_id"][:, f, :].ravel()[keep],
            # a sea leg no liner service offers (only with allow_hypothetical)
            "hypothetical": res["hypothetical"][:, f, :].ravel()[keep],
        })
    return out


@dataclass
class SweepResult:
    """Per-sample totals gathered on the client, plus where the files went."""

    model: SweepModel
    samples: int
    seed: int
    total: np.ndarray          # [S, columns, P] USD/TEU incl. charges (NaN: no route)
    inputs: pd.DataFrame       # one row per sample
    routes: pd.DataFrame
    out: Path | None = None
    seconds: float = 0.0
    workers: int = 0


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path,
                   compression="zstd")


def _staging(out: Path) -> Path:
    parent = out.parent
    if not parent.is_dir():
        raise SweepError(f"--out {out}: folder {parent} does not exist")
    if out.exists() and not (out / "sweep.json").is_file() and any(out.iterdir()):
        raise SweepError(f"--out {out}: exists and is not a sweep output; give a new folder")
    stage = parent / f".{out.name}.staging-{os.getpid()}"
    if stage.exists():
        shutil.rmtree(stage)
    (stage / "samples").mkdir(parents=True)
    return stage


def _commit(stage: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        os.replace(out, old)
    os.replace(stage, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def run_sweep(
    graph: nx.MultiDiGraph,
    spec: SweepSpec,
    samples: int,
    *,
    seed: int = 0,
    out: str | os.PathLike | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Callable[[int, int], None] | None = None,
    finish: Callable[[SweepResult, Path], Any] | None = None,
) -> SweepResult:
    """Run a sweep on Dask and (with ``out``) write Parquet and the summary atomically.

    ``samples`` futures are drawn in chunks of ``chunk_size`` with one random
    stream per chunk, so the same ``seed`` gives identical results on any
    number of workers. ``progress(done, total)`` is called as chunks finish.
    ``workers=0`` (no ``scheduler``) runs the chunks one after another in this
    process: the single-core baseline, and small runs without a cluster.
    Output (``out``): ``samples/corridor=<column>/part-<chunk>.parquet``,
    ``inputs.parquet``, ``routes.parquet``, ``sweep.json`` and whatever
    ``finish(result, folder)`` writes (``routing.sweep_report.run_and_report``
    passes the summary tables and charts); all in a staging folder renamed
    into place at the end, so an interrupted sweep leaves no output.
    """
    import json

    from dask.distributed import as_completed

    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise SweepError(f"--samples must be a positive integer, got {samples!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SweepError(f"--seed must be a non-negative integer, got {seed!r}")
    if chunk_size < 1:
        raise SweepError(f"chunk size must be >= 1, got {chunk_size!r}")
    if workers is not None and workers < 0:
        raise SweepError(f"--workers must be >= 0 (0: in this process), got {workers!r}")
    try:
        model = build_model(graph, spec)
    except UnknownPlaceError as exc:
        raise SweepError(f"{spec.path}: {exc}") from exc
    out_path = Path(out) if out is not None else None
    stage = _staging(out_path) if out_path is not None else None
    plan = chunks(samples, chunk_size)
    F, P = len(model.columns), model.n_pairs
    total = np.full((samples, F, P), np.nan)
    inputs: dict[str, np.ndarray] = {}
    catalog: dict[int, tuple[int, ...]] = {}
    route_meta: dict[int, tuple[str, str, str]] = {}
    t0 = time.perf_counter()
    done = 0
    cluster = None
    n_workers = 0

    def results():
        nonlocal cluster, n_workers
        if workers == 0 and not scheduler:  # in this process, one chunk after another
            for i, s, n in plan:
                yield run_chunk(model, seed, i, s, n)
            return
        cluster = _Cluster(scheduler, workers)
        client = cluster.client
        n_workers = len(client.scheduler_info().get("workers", {}))
        remote = client.scatter(model, broadcast=True)
        futures = [client.submit(run_chunk, remote, seed, i, s, n, pure=False)
                   for i, s, n in plan]
        for fut in as_completed(futures, loop=client.loop):
            try:
                res = fut.result()
            except BypassError:
                raise
            except Exception as exc:  # a worker failed: say so in one line
                raise BypassError(
                    f"sweep chunk failed on a dask worker: {type(exc).__name__}: "
                    f"{' '.join(str(exc).split())} (workers need the same bypass version "
                    "as this client)") from exc
            yield res
            fut.release()

    try:
        if progress:
            progress(0, samples)
        for res in results():
            a, n = res["start"], res["count"]
            total[a: a + n] = res["total"]
            for k, v in res["inputs"].items():
                inputs.setdefault(k, np.empty(samples, dtype=v.dtype))[a: a + n] = v
            ids, first = np.unique(res["route_id"].reshape(n, F * P), return_index=True)
            for i, pos in zip(ids.tolist(), (first % (F * P)).tolist(), strict=True):
                if i != -1 and i not in route_meta:
                    o, d = model.pairs[pos % P]
                    route_meta[i] = (model.origins[o], model.destinations[d],
                                     model.columns[pos // P])
            catalog.update(res["catalog"])
            if stage is not None:
                for fam, frame in _frames(model, res).items():
                    folder = stage / "samples" / f"corridor={fam}"
                    folder.mkdir(exist_ok=True)
                    _write_parquet(frame, folder / f"part-{res['chunk']:05d}.parquet")
            done += n
            if progress:
                progress(done, samples)
    except BaseException:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)
        raise
    finally:
        if cluster is not None:
            cluster.close()
    frame_inputs = pd.DataFrame({"sample": np.arange(samples, dtype=np.int64)})
    for k in sorted(inputs):
        v = inputs[k]
        if k == "duty_scenario":
            frame_inputs[k] = np.array(model.scenario_names, dtype=object)[v]
        else:
            frame_inputs[k] = v
    routes = pd.DataFrame(
        [{"route_id": i, "origin": route_meta[i][0], "destination": route_meta[i][1],
          "corridor": route_meta[i][2],
          "nodes": " > ".join([model.arc_labels[catalog[i][0]].split(">")[0]]
                              + [model.arc_labels[a].split(">")[1] for a in catalog[i]])}
         for i in sorted(route_meta) if i in catalog],
        columns=["route_id", "origin", "destination", "corridor", "nodes"])
    result = SweepResult(model, samples, seed, total, frame_inputs, routes, out_path,
                         time.perf_counter() - t0, n_workers)
    if stage is not None and out_path is not None:
        try:
            _write_parquet(frame_inputs, stage / "inputs.parquet")
            _write_parquet(routes, stage / "routes.parquet")
            if finish is not None:
                finish(result, stage)
            meta = {"spec": spec.to_dict(), "samples": samples, "seed": seed,
                    "chunk_size": chunk_size, "families": model.families,
                    "columns": model.columns,
                    "origins": model.origins, "destinations": model.destinations}
            (stage / "sweep.json").write_text(json.dumps(meta, indent=2, default=str),
                                              encoding="utf-8")
            _commit(stage, out_path)
        except OSError as exc:
            shutil.rmtree(stage, ignore_errors=True)
            raise BypassError(f"--out {out_path}: cannot write ({exc.strerror or exc})") from exc
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
    return result


def policy_costs(result: SweepResult) -> dict[str, np.ndarray]:
    """[S, P] cost of each policy: its best allowed family per sample (NaN if none)."""
    out = {}
    fams = result.model.columns
    for name, allowed in POLICIES.items():
        idx = [i for i, f in enumerate(fams) if f in allowed]
        if not idx:
            out[name] = np.full(result.total.shape[::2], np.nan)
            continue
        with np.errstate(all="ignore"):
            sub = result.total[:, idx, :]
            best = np.where(np.isnan(sub), np.inf, sub).min(axis=1)
        out[name] = np.where(np.isfinite(best), best, np.nan)
    return out


def cvar(values: np.ndarray, level: float = 0.95, axis: int = 0) -> np.ndarray:
    """Mean of the worst ``1 - level`` share (CVaR): the expected cost in bad futures."""
    v = np.sort(values, axis=axis)
    n = v.shape[axis]
    k = max(1, int(math.ceil(n * (1 - level))))
    tail = np.take(v, np.arange(n - k, n), axis=axis)
    return tail.mean(axis=axis)


def sides_of(total: np.ndarray, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """[S, P] best US-free and best via-US total cost from [S, columns, P] (NaN where none)."""
    return total[:, columns.index("best_us_free"), :], total[:, columns.index("best_via_us"), :]


def one_at_a_time(result: SweepResult) -> tuple[pd.DataFrame, float]:
    """Tornado swings: each input at its sampled P10 and P90, the others at their medians.

    Why not conditional means of the Monte Carlo samples: with a heavy input
    (a duty scenario) the other inputs' conditional means are mostly noise.
    These are a handful of extra exact solves (one batch), measured on the
    network mean of (US-free minus via-US) cost over pairs that have both.
    Categorical inputs run every category; the corridor closure runs
    closed and open. Returns the table and the all-median value.
    """
    model, spec, inp = result.model, result.model.spec, result.inputs
    base: dict[str, Any] = {}
    for name, d in spec.inputs.items():
        if name == "duty_scenario":
            base[name] = int(np.argmax(d.params["probs"]))
        else:
            base[name] = float(np.median(inp[name].to_numpy(dtype=float)))
    base["_u_disruption"] = 1.0  # open corridor
    cases: list[tuple[str, str, str, Any]] = [("", "", "", None)]
    for name in sorted(spec.inputs):
        if name == "duty_scenario":
            for i, choice in enumerate(model.scenario_names):
                cases.append((name, choice, name, i))
        else:
            lo, hi = np.percentile(inp[name].to_numpy(dtype=float), [10, 90])
            cases += [(name, f"P10 {lo:.4g}", name, lo), (name, f"P90 {hi:.4g}", name, hi)]
    cases += [("disrupted", "open", "_u_disruption", 1.0),
              ("disrupted", "closed", "_u_disruption", 0.0)]
    drawn = {k: np.full(len(cases), v, dtype=np.int64 if k == "duty_scenario" else float)
             for k, v in base.items()}
    for i, (_, _, key, value) in enumerate(cases):
        if key:
            drawn[key][i] = value
    res = evaluate(model, drawn)
    free, via = sides_of(res["total"], model.columns)
    delta = free - via
    both = ~np.isnan(delta).any(axis=0)
    y = delta[:, both].mean(axis=1) if both.any() else np.full(len(cases), np.nan)
    rows = []
    for name in dict.fromkeys(c[0] for c in cases[1:]):
        idx = [i for i, c in enumerate(cases) if c[0] == name]
        vals = y[idx]
        lo_i, hi_i = idx[int(np.argmin(vals))], idx[int(np.argmax(vals))]
        if name not in ("duty_scenario", "disrupted"):
            lo_i, hi_i = idx[0], idx[1]  # P10 and P90, whichever way they move the answer
        rows.append({"input": name, "low": cases[lo_i][1], "high": cases[hi_i][1],
                     "delta_at_low_usd_per_teu": float(y[lo_i]),
                     "delta_at_high_usd_per_teu": float(y[hi_i]),
                     "swing_usd_per_teu": float(abs(y[hi_i] - y[lo_i]))})
    frame = pd.DataFrame(rows, columns=["input", "low", "high", "delta_at_low_usd_per_teu",
                                        "delta_at_high_usd_per_teu", "swing_usd_per_teu"])
    return frame, float(y[0])
