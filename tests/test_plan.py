"""Plan LP: a hand-solved instance, an independent arc LP (scipy HiGHS), the sweep."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from networks.errors import BypassError, UnknownPlaceError
from routing import plan, plan_frontier
from tests.synthetic import add_edge, add_node, corridor_graph

PENALTY = 1000.0


def hand_graph(p2_capacity: float) -> nx.MultiDiGraph:
    """3 hubs, 2 ports (P1 cap 100), one Asian port A.

    Route costs (land + 90 sea), USD/TEU:   via P1   via P2
        H1                                   100      200
        H2                                   110      160
        H3                                   120      140
    Times: via P1 310 h, via P2 210 h.
    """
    g = nx.MultiDiGraph()
    for i, h in enumerate(("H1", "H2", "H3")):
        add_node(g, h, "hub", "MEX", -100 + i, 20)
    add_node(g, "P1", "port", "MEX", -105, 19, capacity_teu_per_year=100.0)
    add_node(g, "P2", "port", "MEX", -95, 19, capacity_teu_per_year=p2_capacity)
    add_node(g, "A", "port", "CHN", 120, 30)
    for p in ("P1", "P2", "A"):
        country = g.nodes[p]["country"]
        add_node(g, f"{p}:out", "berth", country, 0, 0, port=p)
        add_node(g, f"{p}:in", "berth", country, 0, 0, port=p)
        add_edge(g, p, f"{p}:out", "load", mode="transfer", kind="load", distance_km=0,
                 time_h=0, cost=0, co2=0)
        add_edge(g, f"{p}:in", p, "discharge", mode="transfer", kind="discharge",
                 distance_km=0, time_h=0, cost=0, co2=0)
    land = {("H1", "P1"): 10, ("H2", "P1"): 20, ("H3", "P1"): 30,
            ("H1", "P2"): 110, ("H2", "P2"): 70, ("H3", "P2"): 50}
    for (h, p), cost in land.items():
        add_edge(g, h, p, f"road:{h}-{p}", mode="road", kind="road", distance_km=100,
                 time_h=10, cost=cost, co2=1)
    for p, hours in (("P1", 300), ("P2", 200)):
        add_edge(g, f"{p}:out", "A:in", "sea", mode="sea", kind="sea", distance_km=1000,
                 time_h=hours, cost=90, co2=1, distance_nm=540, service="scheduled")
    return g


DEMAND = pd.DataFrame({"origin": ["H1", "H2", "H3"], "destination": ["A", "A", "A"],
                       "teu_per_year": [80.0, 60.0, 50.0]})


def flows_by_port(p):
    return {(f.origin, f.route.ports[0]): pytest.approx(f.teu_per_year) for f in p.flows}


def test_hand_solved_capacity_binds_at_p1():
    """P1 (cap 100) goes to the pairs that lose most without it: H1 (saves 100/TEU),
    then H2 (saves 50); H3 (saves 20) uses P2. One more TEU at P1 moves an H2 box
    from P2 (160) to P1 (110): shadow price 50. P2 (cap 100, used 90) is slack."""
    p = plan(hand_graph(100.0), DEMAND, unserved_penalty_usd_per_teu=PENALTY)
    assert flows_by_port(p) == {("H1", "P1"): 80, ("H2", "P1"): 20, ("H2", "P2"): 40,
                                ("H3", "P2"): 50}
    assert p.transport_cost_usd == pytest.approx(80 * 100 + 20 * 110 + 40 * 160 + 50 * 140)
    assert sum(p.unserved.values()) == 0
    caps = {c.id: c for c in p.capacities}
    assert caps["P1"].binding and caps["P1"].shadow_price_usd_per_teu == pytest.approx(50)
    assert not caps["P2"].binding and caps["P2"].shadow_price_usd_per_teu == 0
    assert caps["P2"].used_teu_per_year == pytest.approx(90)
    assert [c.id for c in p.binding] == ["P1"]


def test_hand_solved_with_unserved_demand():
    """P2 cap 80: 190 TEU demand vs 180 capacity, 10 TEU unserved (penalty 1000).
    Optimum: P1 H1 80 + H2 20; P2 H3 50 + H2 30; H2 10 unserved (total 32000).
    Duals: H2 is split three ways, so pi_H2 = 1000 = 110 + s1 = 160 + s2:
    shadow price P1 = 890, P2 = 840."""
    p = plan(hand_graph(80.0), DEMAND, unserved_penalty_usd_per_teu=PENALTY)
    assert flows_by_port(p) == {("H1", "P1"): 80, ("H2", "P1"): 20, ("H2", "P2"): 30,
                                ("H3", "P2"): 50}
    assert p.unserved[("H2", "A")] == pytest.approx(10)
    assert p.unserved[("H1", "A")] == 0 and p.unserved[("H3", "A")] == 0
    assert p.total_cost_usd == pytest.approx(32000)
    caps = {c.id: c.shadow_price_usd_per_teu for c in p.binding}
    assert caps == {"P1": pytest.approx(890), "P2": pytest.approx(840)}
    rows = p.to_frame()
    assert rows.loc[rows["route"] == "unserved", "teu_per_year"].tolist() == [
        pytest.approx(10)]
    d = p.to_dict()
    assert d["total_cost_usd"] == pytest.approx(32000)
    assert {c["id"] for c in d["binding_capacities"]} == {"P1", "P2"}


def test_edge_capacity_binds():
    g = hand_graph(1000.0)
    g.nodes["P1"]["capacity_teu_per_year"] = 1000.0
    g.edges["P1:out", "A:in", "sea"]["capacity_teu_per_year"] = 100.0
    p = plan(g, DEMAND, unserved_penalty_usd_per_teu=PENALTY)
    assert flows_by_port(p) == {("H1", "P1"): 80, ("H2", "P1"): 20, ("H2", "P2"): 40,
                                ("H3", "P2"): 50}
    (edge,) = p.binding
    assert edge.kind == "edge" and edge.shadow_price_usd_per_teu == pytest.approx(50)


def arc_lp_optimum(g, demand, penalty, allow_us=False):
    """Independent check: the full multi-commodity arc LP, solved by scipy's HiGHS.

    Like the plan's default network it leaves out sea arcs no liner service offers.
    """
    edges = [(u, v, k, d) for u, v, k, d in g.edges(keys=True, data=True)
             if (allow_us or not (d["us_transit"] or g.nodes[u]["us_transit"]
                                  or g.nodes[v]["us_transit"]))
             and not (d["mode"] == "sea" and d.get("service") != "scheduled")]
    nodes = sorted(g)
    idx = {n: i for i, n in enumerate(nodes)}
    pairs = list(demand.itertuples(index=False))
    m, P = len(edges), len(pairs)
    nvar = P * m + P
    cost = np.concatenate([np.tile([d["cost_usd_per_teu"] for *_, d in edges], P),
                           np.full(P, penalty)])
    a_eq, b_eq = [], []
    for p, (o, dst, teu) in enumerate(pairs):
        for n in nodes:
            row = np.zeros(nvar)
            for j, (u, v, _, _) in enumerate(edges):
                if u == n:
                    row[p * m + j] += 1
                if v == n:
                    row[p * m + j] -= 1
            rhs = 0.0
            if n == o:
                row[P * m + p] = 1
                rhs = teu
            elif n == dst:
                row[P * m + p] = -1
                rhs = -teu
            a_eq.append(row)
            b_eq.append(rhs)
    a_ub, b_ub = [], []
    for n, d in g.nodes(data=True):
        if "capacity_teu_per_year" in d:
            row = np.zeros(nvar)
            for p, (o, _, _) in enumerate(pairs):
                for j, (u, v, _, _) in enumerate(edges):
                    if v == n or (u == n and n == o):
                        row[p * m + j] = 1
            a_ub.append(row)
            b_ub.append(d["capacity_teu_per_year"])
    for j, (*_, d) in enumerate(edges):
        if "capacity_teu_per_year" in d:
            row = np.zeros(nvar)
            row[[p * m + j for p in range(P)]] = 1
            a_ub.append(row)
            b_ub.append(d["capacity_teu_per_year"])
    bounds = [(0, None)] * (P * m) + [(0, teu) for *_, teu in pairs]
    res = linprog(cost, A_ub=np.array(a_ub) if a_ub else None, b_ub=b_ub or None,
                  A_eq=np.array(a_eq), b_eq=b_eq, bounds=bounds, method="highs")
    assert res.status == 0 and len(idx) == len(nodes)
    return res.fun


@pytest.mark.parametrize("seed", [0, 1])
def test_plan_equals_full_arc_lp(seed):
    g = corridor_graph(seed, n_hubs=4, n_mx_junctions=5, n_borders=2, n_us_junctions=4,
                       n_mx_ports=3, n_us_ports=2, n_ca_ports=1, n_asia_ports=3,
                       land_degree=2, port_capacity=150.0)
    rng = np.random.default_rng(seed)
    demand = pd.DataFrame([(h, a, float(rng.integers(20, 120)))
                           for h in ("H00", "H01", "H02", "H03") for a in ("AS00", "AS02")],
                          columns=["origin", "destination", "teu_per_year"])
    for allow_us in (False, True):
        p = plan(g, demand, allow_us=allow_us, unserved_penalty_usd_per_teu=5000.0)
        expected = arc_lp_optimum(g, demand, 5000.0, allow_us=allow_us)
        assert p.total_cost_usd == pytest.approx(expected, rel=1e-7)
        assert any(c.binding for c in p.capacities)
        if not allow_us:
            assert not any(f.route.us_transit for f in p.flows)
        served = {k: v for k, v in p.demand.items()}
        for f in p.flows:
            served[(f.origin, f.destination)] -= f.teu_per_year
        for k, left in served.items():
            assert left == pytest.approx(p.unserved[k], abs=1e-6)


def test_max_days_and_seeding_do_not_change_the_optimum():
    g = corridor_graph(2, n_hubs=4, n_mx_junctions=5, n_borders=2, n_us_junctions=4,
                       n_mx_ports=3, n_us_ports=2, n_ca_ports=1, n_asia_ports=3,
                       land_degree=2, port_capacity=100.0)
    demand = pd.DataFrame({"origin": ["H00", "H01", "H02"], "destination": ["AS00"] * 3,
                           "teu_per_year": [90.0, 80.0, 70.0]})
    base = plan(g, demand)
    seeded = plan(g, demand, candidates_per_pair=3)
    assert seeded.total_cost_usd == pytest.approx(base.total_cost_usd, rel=1e-9)
    limit = max(f.route.time_h for f in base.flows) / 24 * 0.97
    tight = plan(g, demand, max_days=limit)
    assert all(f.route.time_h <= limit * 24 + 1e-6 for f in tight.flows)
    assert tight.total_cost_usd >= base.total_cost_usd - 1e-6


def test_plan_frontier_sweep():
    pf = plan_frontier(hand_graph(100.0), DEMAND, 4, unserved_penalty_usd_per_teu=PENALTY)
    cheapest = plan(hand_graph(100.0), DEMAND, unserved_penalty_usd_per_teu=PENALTY)
    assert pf.points[0].total_cost_usd == pytest.approx(cheapest.total_cost_usd)
    # fastest plan that still serves everything: P2 (210 h) full, rest via P1 (310 h)
    assert pf.points[-1].teu_hours == pytest.approx(100 * 210 + 90 * 310, rel=1e-6)
    costs = [p.total_cost_usd for p in pf.points]
    hours = [p.teu_hours for p in pf.points]
    assert costs == sorted(costs) and hours == sorted(hours, reverse=True)
    assert len(pf) == 4 and len(pf.to_frame()) == 4
    assert all(sum(p.unserved.values()) == pytest.approx(0) for p in pf.points)


def test_demand_validation():
    g = hand_graph(100.0)
    with pytest.raises(BypassError):
        plan(g, DEMAND.drop(columns=["teu_per_year"]))
    with pytest.raises(BypassError):
        plan(g, DEMAND.assign(teu_per_year=[-1.0, 1.0, 1.0]))
    with pytest.raises(UnknownPlaceError):
        plan(g, DEMAND.assign(origin=["H1", "H2", "H9"]))
    doubled = pd.concat([DEMAND, DEMAND])
    assert plan(g, doubled).demand[("H1", "A")] == 160
