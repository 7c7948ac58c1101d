"""Warm both-sides query (US-free + through the US) over every hub x Asian port pair.

Run: ``python benchmarks/bench_both_sides.py`` (prints total and per-pair ms).
Used to check that the service-expanded sea network keeps queries fast
(issue #12: within 2x of the port-to-port model).
"""

from __future__ import annotations

import sys
import time

from networks.build import load_graph
from routing.bench import hubs_and_asia
from routing.query import compare_route


def main() -> None:
    graph = load_graph()
    hubs, asia = hubs_and_asia(graph)
    pairs = [(h, p) for h in hubs for p in asia]
    for h, p in pairs:  # warm: compile, masks, flow instances
        compare_route(graph, h, p)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for h, p in pairs:
            compare_route(graph, h, p)
        best = min(best, time.perf_counter() - t0)
    print(f"nodes={graph.number_of_nodes()} edges={graph.number_of_edges()} pairs={len(pairs)} "
          f"total={best * 1000:.1f} ms per_pair={best * 1000 / len(pairs):.2f} ms")


if __name__ == "__main__":
    sys.exit(main())
