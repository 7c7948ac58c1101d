"""The cost/time frontier against brute-force enumeration of simple paths."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from networks.errors import InfeasibleError
from routing import frontier, solve_route
from tests.synthetic import corridor_graph, random_graph
from tests.test_solver import all_paths, feasible, total

CHECK = settings(max_examples=100, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])


def brute_frontier(g, s, t, **kw):
    """Non-dominated (cost, time) points of all feasible simple paths, ties collapsed."""
    pts = {(round(total(g, p, "cost_usd_per_teu"), 6), round(total(g, p, "time_h"), 6))
           for p in all_paths(g, s, t) if feasible(g, p, **kw)}
    return sorted(p for p in pts
                  if not any(q != p and q[0] <= p[0] and q[1] <= p[1] for q in pts))


@CHECK
@given(seed=st.integers(0, 10**6), kw=st.fixed_dictionaries({}, optional={
    "max_days": st.floats(0.5, 4.0),
    "max_cost": st.floats(20.0, 250.0),
    "require_us": st.just(True),
    "allow_us": st.booleans(),
    "via": st.sampled_from([("N3",), ("N2", "N5")]),
    "max_transshipments": st.integers(0, 1),
}))
def test_frontier_is_exact(seed, kw):
    g = random_graph(seed, n_nodes=8, n_arcs=26)
    expected = brute_frontier(g, "N0", "N7", **kw)
    if not expected:
        with pytest.raises(InfeasibleError):
            frontier(g, "N0", "N7", **kw)
        return
    f = frontier(g, "N0", "N7", **kw)
    got = [(round(r.cost_usd_per_teu, 6), round(r.time_h, 6)) for r in f.points]
    assert got == expected  # every point non-dominated, none missing, cheapest first
    for r in f.points:
        assert feasible(g, [(leg.from_id, leg.to_id, leg.key) for leg in r.legs], **kw)


def test_frontier_ends_are_the_cheapest_and_fastest_routes():
    g = corridor_graph(5)
    for o, d in (("H02", "AS01"), ("H09", "AS10")):
        for allow in (False, True):
            f = frontier(g, o, d, allow_us=allow)
            cheap = solve_route(g, o, d, allow_us=allow)
            fast = solve_route(g, o, d, allow_us=allow, objective="time")
            assert f.points[0].cost_usd_per_teu == pytest.approx(cheap.cost_usd_per_teu)
            assert f.points[-1].time_h == pytest.approx(fast.time_h)
            costs = [r.cost_usd_per_teu for r in f.points]
            times = [r.time_h for r in f.points]
            assert costs == sorted(costs) and times == sorted(times, reverse=True)
            assert len(set(costs)) == len(costs)
            # every budget-constrained optimum is on the frontier
            mid = (f.points[0].time_h + f.points[-1].time_h) / 2 / 24
            best = solve_route(g, o, d, allow_us=allow, max_days=mid)
            on = [r.cost_usd_per_teu for r in f.points if r.time_h <= mid * 24 + 1e-9]
            assert best.cost_usd_per_teu == pytest.approx(min(on))


def test_frontier_deterministic_and_serialisable():
    g = corridor_graph(5)
    a, b = frontier(g, "H04", "AS03"), frontier(g, "H04", "AS03")
    assert a.to_dict() == b.to_dict()
    frame = a.to_frame()
    assert len(frame) == len(a) and list(frame["time_h"]) == [r.time_h for r in a.points]
    assert not any(r.us_transit for r in a.points)
