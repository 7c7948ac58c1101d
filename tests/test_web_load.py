"""A small, bounded version of benchmarks/load_web.py: the real server under concurrent load.

200 route requests at concurrency 8 against uvicorn on a loopback port: every
answer must be a 200 with the route asked for, and the process's resident
memory must not grow by more than a few MiB once warm (the graph is shared,
caches are bounded, nothing accumulates per request). Latency and throughput
are measured by the benchmark, not asserted here.
"""

from __future__ import annotations

import os

from benchmarks.load_web import rss_mb, run_load
from networks.build import load_graph
from routing.web import create_app
from routing.web.server import ServerThread

#: Growth allowed over 200 requests after warm-up (allocator noise, lazily built caches).
MAX_GROWTH_MB = 25.0


def test_concurrent_route_requests_all_succeed_with_flat_memory():
    with ServerThread(create_app(load_graph())) as server:
        result = run_load(server.url, 200, 8, rss=lambda: rss_mb(os.getpid()), warmup=60)
    assert result["errors"] == 0, result["error_kinds"]
    assert result["requests"] == 200
    growth = result["rss_growth_mb"]
    assert growth is not None and growth < MAX_GROWTH_MB, result["rss_mb"]
