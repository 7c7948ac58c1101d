"""Sweep throughput: samples per second on one core and on two Dask workers, memory per worker.

Not part of CI's pass/fail; run by hand (prefix ``nice`` on a shared machine):

    python benchmarks/bench_sweep.py [--samples 10000] [--file transpacific_2026]
                                     [--out benchmarks/results]

Every sample re-solves all default pairs (every hub x every Asian port) in
every gateway family. Measured:

* ``in_process``: chunks one after another in this process (one core, no
  cluster) - the single-core baseline;
* ``local_1`` / ``local_2``: a ``LocalCluster`` of 1 and 2 worker processes,
  started by the benchmark and given to the sweep as ``scheduler=`` so the
  workers' peak RSS can be read afterwards; the time excludes cluster start;
* ``write``: the 2-worker run again with ``out=`` (Parquet + summary).

Scaling efficiency = (rate on 2 workers) / (2 x rate on 1 worker), wall clock.
On a shared machine the wall clock measures the competition; the CPU seconds
each worker spent (``samples_per_worker_cpu_s``) measure the work itself.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import tempfile
import time
from pathlib import Path


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--file", default="transpacific_2026")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args(argv)

    from dask.distributed import Client, LocalCluster

    from networks.atomic import write_text_atomic
    from networks.build import load_graph
    from routing.sweep import DEFAULT_CHUNK, build_model, run_sweep
    from routing.sweep_report import run_and_report
    from routing.sweep_spec import read_sweep

    load0 = round(os.getloadavg()[0], 2)
    graph = load_graph()
    spec = read_sweep(args.file)
    model = build_model(graph, spec)
    n = args.samples
    rows: dict[str, dict] = {}

    def record(name: str, seconds: float, **extra) -> None:
        rows[name] = {"samples": n, "seconds": round(seconds, 3),
                      "samples_per_s": round(n / seconds, 1), **extra}
        print(f"{name:11s} {n} samples in {seconds:7.2f} s = {n / seconds:8.1f} samples/s "
              f"{extra}", file=sys.stderr)

    t, cpu = time.perf_counter(), time.process_time()
    run_sweep(graph, spec, n, seed=1, workers=0)
    cpu = time.process_time() - cpu
    record("in_process", time.perf_counter() - t, cpu_s=round(cpu, 2),
           samples_per_cpu_s=round(n / cpu, 1), driver_peak_rss_mb=round(_peak_rss_mb()))

    for w in (1, 2):
        with LocalCluster(n_workers=w, threads_per_worker=1, processes=True,
                          dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
                Client(cluster, set_as_default=False) as client:
            cpu0 = client.run(time.process_time)
            t, dcpu = time.perf_counter(), time.process_time()
            run_sweep(graph, spec, n, seed=1, scheduler=cluster.scheduler_address)
            seconds = time.perf_counter() - t
            dcpu = time.process_time() - dcpu
            cpu1 = client.run(time.process_time)
            wcpu = [cpu1[k] - cpu0[k] for k in cpu1]
            peak = client.run(_peak_rss_mb)
            now = client.run(_rss_mb)
            record(f"local_{w}", seconds,
                   worker_cpu_s=[round(v, 2) for v in wcpu], client_cpu_s=round(dcpu, 2),
                   samples_per_worker_cpu_s=round(n / sum(wcpu), 1),
                   worker_peak_rss_mb=[round(v) for v in peak.values()],
                   worker_rss_after_mb=[round(v) for v in now.values()])
            if w == 2:
                with tempfile.TemporaryDirectory() as tmp:
                    t = time.perf_counter()
                    run_and_report(graph, spec, n, seed=1, scheduler=cluster.scheduler_address,
                                   out=Path(tmp) / "sweep")
                    seconds = time.perf_counter() - t
                    size = sum(p.stat().st_size for p in (Path(tmp) / "sweep").rglob("*")
                               if p.is_file())
                    record("write_2", seconds, output_mb=round(size / 2**20, 1))
    eff = rows["local_2"]["samples_per_s"] / (2 * rows["local_1"]["samples_per_s"])
    # The same on CPU time: the 1-worker CPU seconds over twice the busier worker's on 2
    # (what the wall clock would show on two otherwise idle cores).
    eff_cpu = sum(rows["local_1"]["worker_cpu_s"]) / (2 * max(rows["local_2"]["worker_cpu_s"]))
    result = {
        "what": "bypass sweep: every sample re-solves every default pair in every family",
        "sweep_file": args.file, "pairs": model.n_pairs, "families": model.families,
        "chunk_size": DEFAULT_CHUNK, "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        # Shared machine: the 1-minute load average before and after says how many cores
        # the runs really had (a load above the core count means they competed).
        "load_average_1min_start_end": [load0, round(os.getloadavg()[0], 2)],
        "runs": rows,
        "scaling_efficiency_2_workers": round(eff, 3),
        "cpu_scaling_efficiency_2_workers": round(eff_cpu, 3),
    }
    text = json.dumps(result, indent=2)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(args.out / "sweep.json", text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
