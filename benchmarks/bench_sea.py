"""Sea network benchmark: all legs of the default ports, and `bypass distance`.

Side by side with the `searoute` package on the same port pairs (same
machine, same run). Not part of CI's pass/fail; run it by hand:

    python benchmarks/bench_sea.py [--json FILE]

Prints a Markdown table; ``--json`` also writes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--pairs", type=int, default=0, help="limit searoute pairs (0: all)")
    args = parser.parse_args(argv)

    from searoute import searoute

    from networks import sea
    from networks.datasets import default_dataset
    from routing.bench import timed

    dataset = default_dataset()
    ports = {
        c: (float(x), float(y))
        for c, x, y in zip(dataset.ports["locode"], dataset.ports["lon"], dataset.ports["lat"],
                           strict=True)
    }
    results: dict[str, object] = {"ports": len(ports)}

    t0 = time.perf_counter()
    sea.sea_graph.cache_clear()
    graph = sea.sea_graph()
    results["sea_graph_build_s"] = time.perf_counter() - t0
    results["sea_graph_nodes"], results["sea_graph_edges"] = graph.n_nodes, graph.n_edges
    lanes, _ = sea.port_access(dataset.ports, dataset.tables.get("port_access"))
    legs_t = timed(lambda: sea.compute_legs(ports, lanes, graph), 5)
    legs = sea.compute_legs(ports, lanes, graph)
    results["all_legs_s_median"] = statistics.median(legs_t)
    results["legs"] = len(legs)

    # searoute on the same unordered pairs (its own port snapping, its defaults).
    pairs = list(combinations(sorted(ports), 2))
    if args.pairs:
        pairs = pairs[: args.pairs]
    searoute(ports[pairs[0][0]], ports[pairs[0][1]])  # load its graphs first (warm)
    per_pair, diffs = [], []
    for a, b in pairs:
        t0 = time.perf_counter()
        feat = searoute(ports[a], ports[b], units="naut")
        per_pair.append(time.perf_counter() - t0)
        theirs = feat["properties"]["length"]
        ours = legs[(a, b)].distance_nm
        diffs.append({"from": a, "to": b, "bypass_nm": round(ours, 1),
                      "searoute_nm": round(theirs, 1),
                      "diff_pct": round((ours - theirs) / theirs * 100, 2) if theirs else None})
    results["searoute_pairs"] = len(pairs)
    results["searoute_per_pair_ms_median"] = statistics.median(per_pair) * 1000
    results["searoute_all_pairs_s"] = sum(per_pair)
    results["bypass_all_legs_vs_searoute_all_pairs"] = results["all_legs_s_median"] / sum(per_pair)

    # `bypass distance`: cold = a new process with the leg cache on disk;
    # warm = a lookup in a process that has the legs loaded.
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, BYPASS_CACHE_DIR=cache)
        cmd = [sys.executable, "-m", "routing.cli", "distance", "--from", "MXZLO",
               "--to", "CNSHA", "--json"]
        first = timed(lambda: subprocess.run(cmd, env=env, check=True, capture_output=True), 1)
        cold = timed(lambda: subprocess.run(cmd, env=env, check=True, capture_output=True), 5)
    results["distance_cli_first_run_s"] = first[0]
    results["distance_cli_cold_s_median"] = statistics.median(cold)
    loaded, _ = sea.dataset_legs(dataset)
    warm = timed(lambda: loaded[("MXZLO", "CNSHA")].distance_nm, 1000)
    results["distance_warm_us_median"] = statistics.median(warm) * 1e6
    sr = timed(lambda: searoute(ports["MXZLO"], ports["CNSHA"], units="naut"), 20)
    results["searoute_one_query_warm_ms_median"] = statistics.median(sr) * 1000

    over = [d for d in diffs if d["diff_pct"] is not None and abs(d["diff_pct"]) > 2]
    results["pairs_over_2pct_vs_searoute"] = len(over)
    results["worst_vs_searoute"] = sorted(diffs, key=lambda d: -abs(d["diff_pct"] or 0))[:10]

    rows = [
        ("sea graph build (MARNET + overlay)", f"{results['sea_graph_build_s']:.3f} s", "-"),
        (f"all {results['legs']} legs, {len(ports)} ports", f"{results['all_legs_s_median']:.3f} s",
         f"searoute, {len(pairs)} pairs one by one: {results['searoute_all_pairs_s']:.2f} s"),
        ("one distance, warm", f"{results['distance_warm_us_median']:.2f} us",
         f"searoute warm: {results['searoute_one_query_warm_ms_median']:.1f} ms"),
        ("`bypass distance`, cold process (cache on disk)",
         f"{results['distance_cli_cold_s_median']:.2f} s",
         f"first run, empty cache: {results['distance_cli_first_run_s']:.2f} s"),
        ("pairs differing > 2 % from searoute", f"{len(over)} of {len(pairs)}", "-"),
    ]
    print("| measure | bypass | peer / note |\n|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} |")
    print("\nLargest differences from searoute (nm):")
    for d in results["worst_vs_searoute"]:
        print(f"  {d['from']}-{d['to']}: bypass {d['bypass_nm']}, searoute {d['searoute_nm']}"
              f" ({d['diff_pct']:+.1f} %)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
