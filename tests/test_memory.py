"""Memory stays flat over many route queries in one process.

Why: a long-running service (or a notebook sweep) issues thousands of
queries; the solver caches (compiled graph, per-filter flows, per-destination
bounds) are bounded LRUs, so after warm-up traced memory must stop growing.
The full 10,000-query run is in the benchmark (``bypass bench``); this test
runs 3,000 to stay fast under tracemalloc.
"""

from __future__ import annotations

from networks.build import load_graph
from routing.bench import memory_growth, random_queries


def test_random_queries_are_valid_and_seeded():
    g = load_graph()
    a, b = random_queries(g, 200, seed=3), random_queries(g, 200, seed=3)
    assert a == b and len(a) == 200
    assert all(o != d and o in g and d in g for o, d in a)


def test_memory_flat_over_many_queries():
    m = memory_growth(load_graph(), n=3_000, mark=1_000, seed=9)
    # Growth after warm-up below 256 KB (a leak of one Route per query would
    # be several MB over 2,000 queries).
    assert m["growth_kb"] < 256, m
