"""Load test of ``bypass serve``: many route requests at fixed concurrency, loopback only.

Starts the real server (``python -m routing.cli serve``) as a subprocess on a
free 127.0.0.1 port, waits for it (bounded), sends ``--requests`` GET
/api/route requests with ``--concurrency`` in flight (httpx AsyncClient),
then stops the server. Queries cycle through every hub x Asian port pair and
the three objectives; every fifth carries ``max_days`` (the exact label
search instead of min-cost flow), so the solver does real work every time
(no response cache exists). Reports p50 / p90 / p99 / max latency,
throughput, the error count, and the server's resident memory (RSS, from
/proc) after warm-up and at every tenth of the run.

Not a unit test (tests/test_web_load.py runs a small bounded version):

    python benchmarks/load_web.py [--requests 10000] [--concurrency 32] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def rss_mb(pid: int) -> float:
    """Resident set size of a process in MiB (Linux /proc)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"no VmRSS for pid {pid}")


def queries(hubs: list[str], ports: list[str]) -> itertools.cycle:
    """Route queries over every pair and objective; every fifth has a days budget."""
    out = []
    for i, (o, d, obj) in enumerate(itertools.product(hubs, ports, ("cost", "time", "co2"))):
        params = {"from": o, "to": d, "objective": obj}
        if i % 5 == 0:
            params["max_days"] = "60"
        out.append(params)
    return itertools.cycle(out)


async def _load(base: str, n: int, concurrency: int, rss: Callable[[], float] | None,
                warmup: int, samples: int = 10) -> dict:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60.0,
                                 trust_env=False) as client:
        hubs = [f["properties"]["id"] for f in (await client.get("/api/hubs")).json()["features"]]
        ports = [f["properties"]["id"] for f in (await client.get("/api/ports")).json()["features"]
                 if f["properties"]["region"] == "asia"]
        source = queries(hubs, ports)
        # The server builds its basemap beside the first requests: let that finish first.
        (await client.get("/api/basemap")).raise_for_status()
        warm = [next(source) for _ in range(warmup)]
        for params in warm:  # warm-up: solver caches, geometry cache, allocator
            (await client.get("/api/route", params=params)).raise_for_status()
        latencies: list[float] = []
        errors: dict[str, int] = {}
        memory = [(0, rss())] if rss else []
        step = max(n // samples, 1)
        todo = iter(range(n))

        async def one(params: dict) -> None:
            t0 = time.perf_counter()
            try:
                resp = await client.get("/api/route", params=params)
                ok = resp.status_code == 200 and resp.json()["to"] == params["to"]
                key = "ok" if ok else f"HTTP {resp.status_code}"
            except httpx.HTTPError as exc:
                key = type(exc).__name__
            latencies.append(time.perf_counter() - t0)
            if key != "ok":
                errors[key] = errors.get(key, 0) + 1

        async def worker() -> None:
            for i in todo:
                await one(next(source))
                if rss and (i + 1) % step == 0:
                    memory.append((i + 1, rss()))

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
    lat = sorted(latencies)

    def q(p: float) -> float:
        return lat[min(len(lat) - 1, int(round(p * (len(lat) - 1))))] * 1000.0

    memory.sort()
    return {
        "requests": n, "concurrency": concurrency, "wall_s": round(wall, 2),
        "throughput_rps": round(n / wall, 1),
        "latency_ms": {"p50": round(q(0.50), 2), "p90": round(q(0.90), 2),
                       "p99": round(q(0.99), 2), "max": round(lat[-1] * 1000.0, 2),
                       "mean": round(statistics.fmean(lat) * 1000.0, 2)},
        "errors": sum(errors.values()), "error_kinds": errors,
        "rss_mb": [(i, round(m, 1)) for i, m in memory],
        "rss_growth_mb": round(memory[-1][1] - memory[0][1], 1) if memory else None,
    }


def run_load(base: str, n: int, concurrency: int,
             rss: Callable[[], float] | None = None, warmup: int = 200) -> dict:
    """Send ``n`` route requests to ``base`` with ``concurrency`` in flight; the figures.

    ``warmup`` requests go first, one at a time, and are not counted.
    """
    if not base.startswith(("http://127.", "http://localhost", "http://[::1]")):
        raise ValueError(f"load tests run against loopback only, not {base}")
    return asyncio.run(_load(base, n, concurrency, rss, warmup))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, timeout_s: float = 60.0) -> subprocess.Popen:
    """``bypass serve`` on 127.0.0.1:port as a subprocess, once it answers /api/health."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "routing.cli", "-q", "serve", "--host", "127.0.0.1",
         "--port", str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1.0,
                         trust_env=False).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"server did not answer within {timeout_s:g} s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--out", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 1_000_000 or not 1 <= args.concurrency <= 1024:
        parser.error("--requests 1..1000000, --concurrency 1..1024")
    port = free_port()
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    proc = start_server(port)
    start_s = time.perf_counter() - t0
    try:
        result = run_load(f"http://127.0.0.1:{port}", args.requests, args.concurrency,
                          rss=lambda: rss_mb(proc.pid))
    finally:
        stop_server(proc)
    result["server_start_s"] = round(start_s, 2)
    result["cpus"] = os.cpu_count()
    # The machine may be shared: other work competes with server and client for the CPUs.
    result["load_average_1min"] = {"before": round(load_before[0], 2),
                                   "after": round(os.getloadavg()[0], 2)}
    text = json.dumps(result, indent=2)
    print(text)
    if args.out is not None:
        from networks.atomic import write_text_atomic

        write_text_atomic(args.out, text + "\n")
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
