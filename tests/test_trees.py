"""Shortest-path trees, their joins (--via) and the work budget, against independent methods.

Independent references: brute force over every simple path (networkx) on
small random graphs, and the exact label search on the real graph. Values
are compared on the composite objective (primary, then the tie-breaking
secondary), so "same answer" means same cost *and* same tie-break.
"""

from __future__ import annotations

from itertools import product

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from networks.build import load_graph
from networks.errors import BypassError, InfeasibleError
from routing import solver, trees
from routing.cli import main
from routing.compare import compare, default_destinations, default_origins
from routing.query import best_arcs, build_query, compare_route, run_labels, solve_route
from tests.synthetic import random_graph

CHECK = settings(max_examples=120, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def graph():
    return load_graph()


def _arc_ids(q):
    c = q.c
    return {(c.nodes[int(c.tail[a])], c.nodes[int(c.head[a])], str(c.keys[a])): a
            for a in range(c.m)}


def brute_composite(g, q) -> int | None:
    """Least composite over every simple path meeting the query's filter, vias and US rule."""
    ids, c = _arc_ids(q), q.c
    mask = solver.arc_mask(c, q.filter)
    us = solver.arc_us(c, q.filter.strict)
    comp = q.weights.composite
    best = None
    for path in nx.all_simple_edge_paths(g, c.nodes[q.origin], c.nodes[q.dest]):
        arcs = [ids[(u, v, str(k))] for u, v, k in path]
        if not all(mask[a] for a in arcs):
            continue
        nodes = {q.origin} | {int(c.head[a]) for a in arcs}
        if any(v not in nodes for v in q.via):
            continue
        if q.require_us and not any(us[a] for a in arcs):
            continue
        value = int(comp[arcs].sum())
        best = value if best is None else min(best, value)
    return best


def _value(q, arcs) -> int:
    return int(q.weights.composite[list(arcs)].sum())


def _simple(q, arcs) -> bool:
    nodes = [q.origin, *(int(q.c.head[a]) for a in arcs)]
    return len(set(nodes)) == len(nodes)


@CHECK
@given(seed=st.integers(0, 10**6), n_via=st.integers(0, 3), require_us=st.booleans(),
       objective=st.sampled_from(["cost", "time", "co2"]), branches=st.sampled_from([0, 1, 300]))
def test_join_is_exact_on_random_graphs(seed, n_via, require_us, objective, branches):
    """best_arcs (trees, branch and bound, label fallback) == brute force over simple paths."""
    g = random_graph(seed, n_nodes=8, n_arcs=26)
    via = [f"N{i}" for i in range(1, 1 + n_via)]
    kw = {"require_us": True} if require_us else {"allow_us": seed % 2 == 0}
    try:
        q = build_query(g, "N0", "N7", objective=objective, via=via, **kw)
    except InfeasibleError:  # a via node is a US node on the US-free side
        return
    expected = brute_composite(g, q)
    join = trees.best_join(q.c, q.weights, q.filter, q.origin, q.dest, q.via, q.require_us,
                           max_branches=branches)
    if join.arcs is not None:
        assert _value(q, join.arcs) == expected
        assert _simple(q, join.arcs)
    elif join.bound is None:
        assert expected is None
    elif expected is not None:
        lower = join.bound[0] * q.weights.k + join.bound[1]
        assert lower <= expected
        if join.upper is not None:
            assert expected <= join.upper[0] * q.weights.k + join.upper[1]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(trees, "MAX_BRANCHES", branches)  # 0/1: exercise the label fallback
        if expected is None:
            with pytest.raises(InfeasibleError):
                best_arcs(q)
            return
        arcs = best_arcs(q)
    assert _value(q, arcs) == expected
    assert _simple(q, arcs)


@CHECK
@given(seed=st.integers(0, 10**6), objective=st.sampled_from(["cost", "time"]),
       layered=st.booleans(), grid=st.booleans())
def test_tree_distances_match_networkx(seed, objective, layered, grid):
    """Every node's tree value is the networkx shortest (primary) distance; paths add up."""
    g = random_graph(seed, n_nodes=9, n_arcs=30, grid=grid)
    q = build_query(g, "N0", "N8", objective=objective, allow_us=True)
    c, w = q.c, q.weights
    t = trees.shortest_tree(c, w, q.filter, q.origin, layered=layered)
    h = nx.DiGraph()
    us = solver.arc_us(c, False)
    n = c.n
    for a in range(c.m):
        if c.hypothetical[a]:
            continue  # sea arcs no liner service offers are opt-in (issue #12)
        u, v = int(c.tail[a]), int(c.head[a])
        edges = [(u, v)] if not layered else [(u + n, v + n)] + ([(u, v + n)] if us[a] else
                                                               [(u, v)])
        for e in edges:
            p = int(w.primary[a])
            if not h.has_edge(*e) or h.edges[e]["w"] > p:
                h.add_edge(*e, w=p)
    dist = nx.single_source_dijkstra_path_length(h, q.origin, weight="w") \
        if q.origin in h else {q.origin: 0}
    for node in range(2 * n if layered else n):
        value = t.value(node)
        if node not in dist:
            assert value is None
            continue
        assert value is not None and value[0] == dist[node]
        arcs = t.path(node)
        assert int(w.primary[arcs].sum()) == value[0]
        assert int(w.secondary[arcs].sum()) == value[1]


@CHECK
@given(seed=st.integers(0, 10**6), objective=st.sampled_from(["cost", "time", "co2"]),
       layered=st.booleans(), grid=st.booleans())
def test_composite_tree_equals_two_pass_tree(seed, objective, layered, grid):
    """The one-pass composite search and the primary-then-secondary passes agree exactly.

    The two-pass search still answers whenever composite totals leave the exact
    float range, so both must give every node the same (primary, secondary)
    value and a path that adds up to it.
    """
    from dataclasses import replace

    g = random_graph(seed, n_nodes=9, n_arcs=30, grid=grid)
    q = build_query(g, "N0", "N8", objective=objective, allow_us=True)
    tg = trees.tree_graph(q.c, q.weights, q.filter, layered)
    one = trees._composite_tree(tg, q.origin)
    assert one is not None  # small integer weights: exact
    two = trees._lexicographic_tree(replace(tg, k=0, mat_s=None), q.origin)
    assert two._secondary is None  # the two-pass search (a composite tree has it at once)
    for node in range(tg.size):
        assert one.value(node) == two.value(node)
        arcs = one.path(node)
        if arcs is not None:
            assert (int(q.weights.primary[arcs].sum()),
                    int(q.weights.secondary[arcs].sum())) == one.value(node)


# --------------------------------------------------------------------------- real graph


def _label_value(q) -> int | None:
    found = run_labels(q, ("obj",))
    return _value(q, found[0].arcs) if found else None


@pytest.mark.parametrize("side", [{}, {"require_us": True, "no_return_from_us": True}])
def test_unconstrained_trees_match_label_search_on_all_pairs(graph, side):
    for o, d in product(default_origins(graph), default_destinations(graph)):
        q = build_query(graph, o, d, **side)
        expected = _label_value(q)
        if expected is None:
            with pytest.raises(InfeasibleError):
                best_arcs(q)
            continue
        assert _value(q, best_arcs(q)) == expected, (o, d)


PORTS = sorted(n for n, d in load_graph().nodes(data=True) if d.get("kind") == "port")


@pytest.mark.parametrize("side", [{}, {"require_us": True, "no_return_from_us": True}])
def test_via_every_port_matches_label_search(graph, side):
    """--via any port (the query that used to run for minutes) == the exact label search."""
    for o, d, p in product(("MTY", "SAL"), ("CNSHA", "SGSIN"), PORTS):
        if p in (o, d):
            continue
        try:
            q = build_query(graph, o, d, via=[p], **side)
        except InfeasibleError:
            continue
        expected = _label_value(q)
        if expected is None:
            with pytest.raises(InfeasibleError):
                best_arcs(q)
            continue
        arcs = best_arcs(q)
        assert _value(q, arcs) == expected, (o, d, p)
        assert p in {graph_node for graph_node in _nodes(q, arcs)}


def _nodes(q, arcs):
    return [q.c.nodes[q.origin], *(q.c.nodes[int(q.c.head[a])] for a in arcs)]


def test_bulk_compare_equals_per_pair_solves_in_any_order(graph):
    """Per-origin trees do not make an answer depend on which pairs ran before."""
    result = compare(graph)
    c = solver.compile_graph(graph)
    for o, d in reversed(result.pairs):
        trees.clear_trees(c)
        again = compare_route(graph, o, d)
        for side in ("us_free", "via_us"):
            a, b = result.routes[(o, d)][side], again[side]
            assert (a is None) == (b is None)
            if a is not None:
                assert a.to_dict() == b.to_dict(), (o, d, side)


def _route_value(q, route) -> int:
    """Composite value of a Route under a query's weights (legs matched to arcs)."""
    ids = _arc_ids(q)
    return _value(q, [ids[(leg.from_id, leg.to_id, leg.key)] for leg in route.legs])


@pytest.mark.parametrize("options", [{}, {"objective": "time"}, {"allow_hypothetical": True},
                                     {"strict_waters": True}])
def test_one_search_for_both_sides_equals_separate_solves(graph, options):
    """compare_route reads the US-free side off layer 0 of the via-US two-layer search.

    Every pair, each side's value (cost, then the tie-break) equals a separate
    solve of that side alone; the routes may differ only in an exact tie.
    """
    for o, d in product(default_origins(graph), default_destinations(graph)):
        both = compare_route(graph, o, d, **options)
        for side, flags in (("us_free", {}), ("via_us", {"require_us": True,
                                                        "no_return_from_us": True})):
            q = build_query(graph, o, d, **options, **flags)
            try:
                alone = _value(q, best_arcs(q))
            except InfeasibleError:
                alone = None
            route = both[side]
            assert (route is None) == (alone is None), (o, d, side)
            if route is not None:
                assert _route_value(q, route) == alone, (o, d, side)
                assert not (side == "us_free" and route.totals["us_transit"])


@CHECK
@given(seed=st.integers(0, 10**6), objective=st.sampled_from(["cost", "time"]))
def test_one_search_for_both_sides_on_random_graphs(seed, objective):
    """The shared search against brute force over simple paths, both sides, random graphs."""
    g = random_graph(seed, n_nodes=8, n_arcs=26)
    both = compare_route(g, "N0", "N7", objective=objective)
    for side, flags in (("us_free", {}), ("via_us", {"require_us": True,
                                                    "no_return_from_us": True})):
        try:
            q = build_query(g, "N0", "N7", objective=objective, **flags)
        except InfeasibleError:
            assert both[side] is None
            continue
        expected = brute_composite(g, q)
        route = both[side]
        assert (route is None) == (expected is None), side
        if route is not None:
            assert _route_value(q, route) == expected, side


@pytest.mark.parametrize("options", [{"max_days": 25}, {"max_cost": 1500},
                                     {"avoid": ["MXZLO"]}, {"via": ["MXLZC"]},
                                     {"objective": "co2", "allow_hypothetical": True}])
def test_bulk_compare_with_options_equals_per_pair(graph, options):
    """compare_routes under limits and filters answers exactly what compare_route does.

    Regression: the per-origin trees once ignored ``max_days`` (a 30.5-day route
    came back under a 25-day limit).
    """
    from routing.query import compare_routes

    pairs = list(product(("MTY", "GDL", "TIJ"), ("CNSHA", "SGSIN", "KRPUS")))
    bulk = compare_routes(graph, pairs, **options)
    for o, d in pairs:
        one = compare_route(graph, o, d, **options)
        assert bulk[(o, d)].to_dict() == one.to_dict(), (o, d)
        for side in ("us_free", "via_us"):
            r = one[side]
            if r is not None and "max_days" in options:
                assert r.totals["time_days"] <= options["max_days"] + 1e-9
            if r is not None and "max_cost" in options:
                assert r.totals["cost_usd_per_teu"] <= options["max_cost"] + 1e-6


# --------------------------------------------------------------------------- work budget


def test_label_search_budget_raises_query_too_hard(graph, monkeypatch):
    monkeypatch.setattr(solver, "WORK_LIMIT", 50)
    with pytest.raises(solver.QueryTooHardError, match="query too hard.*MTY.*CNSHA"):
        solve_route(graph, "MTY", "CNSHA", max_days=40, require_us=True)
    assert issubclass(solver.QueryTooHardError, BypassError)


def test_cli_reports_query_too_hard_in_one_line(capsys, monkeypatch):
    monkeypatch.setattr(solver, "WORK_LIMIT", 50)
    # 40 days: above the fastest routes (about 30.5 d US-free with the half-headway waits of
    # the liner services), so the budget makes the label search work rather than being
    # refused by its bounds at once.
    code = main(["-q", "route", "--from", "MTY", "--to", "CNSHA", "--max-days", "40"])
    err = capsys.readouterr().err.strip()
    assert code != 0
    assert "query too hard" in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
