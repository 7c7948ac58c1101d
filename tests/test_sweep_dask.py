"""Sweeps on dask.distributed: LocalCluster, worker-count independence, an external
scheduler and worker started as separate processes on loopback, and a fast clear error
for an unreachable scheduler."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from networks.build import load_graph
from routing.cli import main
from routing.sweep_report import run_and_report
from routing.sweep_spec import read_sweep

ROOT = Path(__file__).resolve().parents[1]
SMALL = """
[sweep]
name = "small"
origins = ["MTY", "GDL", "TIJ"]
destinations = ["CNSHA", "JPYOK"]

[inputs."ocean.tp"]
dist = "lognormal"
p05 = 428.0
p95 = 725.0
reference = 721.0
lanes = ["transpacific_wb", "na_to_asia", "mx_pacific_to_asia", "mx_gulf_to_asia"]
source = "test"

[inputs.rail]
dist = "uniform"
low = 0.7
high = 1.3
source = "test"

[inputs.disruption_probability]
dist = "fixed"
value = 0.2
source = "test"

[inputs.disruption_days]
dist = "triangular"
low = 3
mode = 7
high = 21
source = "test"

[inputs.duty_scenario]
dist = "categorical"
choices = { status_quo = 0.8, duty_25pct = 0.2 }
source = "test"
"""


@pytest.fixture(scope="module")
def graph():
    return load_graph()


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def files(folder: Path) -> dict[str, bytes]:
    keep = ("samples", "inputs.parquet", "routes.parquet", "pairs.csv", "policies.csv")
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and str(p.relative_to(folder)).startswith(keep)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def in_process(graph, tmp_path_factory):
    """The reference: the same sweep run chunk by chunk in this process."""
    folder = tmp_path_factory.mktemp("ref") / "w0"
    path = folder.parent / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    run_and_report(graph, read_sweep(path), 24, seed=11, out=folder, workers=0, chunk_size=6)
    return files(folder)


@pytest.mark.parametrize("workers", [1, 2])
def test_local_cluster_same_seed_identical_parquet_whatever_the_workers(
        graph, small, tmp_path, in_process, workers):
    out = tmp_path / f"w{workers}"
    res = run_and_report(graph, read_sweep(small), 24, seed=11, out=out, workers=workers,
                    chunk_size=6)
    assert res.workers == workers  # really ran on a LocalCluster of that many processes
    assert any(k.startswith("samples/corridor=") for k in in_process)
    assert files(out) == in_process


@pytest.fixture
def dask_cluster(tmp_path):
    """`dask scheduler` and `dask worker` as separate processes on 127.0.0.1."""
    from dask.distributed import Client

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    dask = str(Path(sys.executable).parent / "dask")
    log = open(tmp_path / "dask.log", "w")  # noqa: SIM115 - closed in teardown
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], env=env, stdout=log, stderr=log,
                              start_new_session=True)]
    try:
        procs.append(subprocess.Popen([dask, "worker", address, "--nthreads", "1",
                                       "--nworkers", "1", "--no-dashboard", "--no-nanny",
                                       "--host", "127.0.0.1"], env=env, stdout=log,
                                      stderr=log, start_new_session=True))
        deadline = time.monotonic() + 15
        while True:  # bounded wait for the scheduler and its worker
            try:
                with Client(address, timeout=2, set_as_default=False) as c:
                    c.wait_for_workers(1, timeout=max(1, deadline - time.monotonic()))
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield address
    finally:
        for p in reversed(procs):  # worker first, then the scheduler
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=2)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=5)
        log.close()


def test_sweep_through_external_scheduler(dask_cluster, small, tmp_path, graph, capsys):
    out = tmp_path / "ext"
    code = main(["-q", "sweep", str(small), "--samples", "30", "--seed", "4",
                 "--scheduler", dask_cluster, "--out", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "on 1 worker(s)" in " ".join(printed.out.split())
    ref = tmp_path / "ref"
    run_and_report(graph, read_sweep(small), 30, seed=4, out=ref, workers=0)
    assert files(out) == files(ref)


def test_unreachable_scheduler_is_a_fast_one_line_error(small, capsys):
    port = free_port()  # nothing listens there
    t0 = time.monotonic()
    code = main(["-q", "sweep", str(small), "--samples", "5",
                 "--scheduler", f"tcp://127.0.0.1:{port}"])
    took = time.monotonic() - t0
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "cannot reach dask scheduler" in err, err
    assert took < 15


@pytest.mark.parametrize("address", ["not a url", "tcp://127.0.0.1", "http://example.org:80"])
def test_malformed_scheduler_address_is_a_one_line_error(small, capsys, address):
    code = main(["-q", "sweep", str(small), "--samples", "5", "--scheduler", address])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "is not a scheduler address" in err, err
