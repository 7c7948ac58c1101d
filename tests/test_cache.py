"""Caches keyed by content: an edited graph is the graph solved; cache files hold data only.

The bar is an analyst's notebook: load, solve, edit (a cost x1000, a removed
node, a capacity), solve again and see the edited graph's answer.
"""

from __future__ import annotations

import io
import logging
import math
import multiprocessing
import pickle
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from networks import store
from networks.build import load_graph
from networks.errors import BypassError, GraphError
from networks.graph import RoutingGraph, validate_graph
from routing import plan, solve_route
from routing.query import compare_route

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def graph() -> RoutingGraph:
    return load_graph()


def _sea_out(g: nx.MultiDiGraph, port: str):
    """Sea edges leaving a port: from any of its berths (one per liner service, plus the
    hypothetical layer's ``P:out``)."""
    return [d for u, _, d in g.edges(data=True)
            if d["mode"] == "sea" and g.nodes[u].get("port") == port and u.endswith(":out")]


def test_edit_cost_x1000_changes_the_answer(graph):
    g = load_graph()
    before = solve_route(g, "MTY", "CNSHA")
    port = before.ports[0]
    for d in _sea_out(g, port):
        d["cost_usd_per_teu"] *= 1000
    after = solve_route(g, "MTY", "CNSHA")
    assert after.ports[0] != port
    assert after.totals["cost_usd_per_teu"] > before.totals["cost_usd_per_teu"]
    # Leg figures come from the edited graph, not from stale arrays.
    for leg in after.legs:
        assert leg.cost_usd_per_teu == g.edges[leg.from_id, leg.to_id, leg.key][
            "cost_usd_per_teu"]
    # Undoing the edit brings the first answer back (the arrays follow both ways).
    for d in _sea_out(g, port):
        d["cost_usd_per_teu"] /= 1000
    assert solve_route(g, "MTY", "CNSHA").legs == before.legs


def test_edit_with_networkx_api_and_node_removal(graph):
    g = load_graph()
    first = compare_route(g, "MTY", "CNSHA")
    port = first.us_free.ports[0]
    nx.set_edge_attributes(
        g, {(u, v, k): 1e7 for u, v, k, d in g.edges(keys=True, data=True)
            if d["mode"] == "sea" and g.nodes[u].get("port") == port
            and u.endswith(":out")}, "cost_usd_per_teu")
    assert compare_route(g, "MTY", "CNSHA").us_free.ports[0] != port
    second = compare_route(g, "MTY", "CNSHA").us_free.ports[0]
    g.remove_node(second)
    # Without Manzanillo (priced out) and Lazaro Cardenas (removed) no other Mexican port
    # has a liner service Monterrey can reach without the US: the priced-out port is
    # back by default, and a third port appears once hypothetical legs are allowed.
    third = solve_route(g, "MTY", "CNSHA")
    assert second not in third.nodes and third.ports[0] == port
    fourth = solve_route(g, "MTY", "CNSHA", allow_hypothetical=True)
    assert second not in fourth.nodes and fourth.ports[0] not in (port, second)


def test_edit_capacity_moves_the_plan(graph):
    g = load_graph()
    # Below Mazatlán's 48,380 TEU/yr (2017 SCT), so one port carries it all at first.
    demand = pd.DataFrame({"origin": ["MTY"], "destination": ["CNSHA"],
                           "teu_per_year": [30_000.0]})
    base = plan(g, demand)
    used = {f.route.ports[0] for f in base.flows}
    assert len(used) == 1
    port = used.pop()
    g.nodes[port]["capacity_teu_per_year"] = 10_000.0
    capped = plan(g, demand)
    through = sum(f.teu_per_year for f in capped.flows if f.route.ports[0] == port)
    assert through == pytest.approx(10_000.0)
    assert capped.transport_cost_usd > base.transport_cost_usd


def test_plain_networkx_graph_edits_are_seen_too(graph):
    g = nx.MultiDiGraph(load_graph())  # a foreign class: checked by snapshot every query
    before = solve_route(g, "MTY", "CNSHA")
    for d in _sea_out(g, before.ports[0]):
        d["cost_usd_per_teu"] *= 1000
    assert solve_route(g, "MTY", "CNSHA").ports[0] != before.ports[0]


def test_load_graph_returns_a_fresh_graph_each_time(graph):
    g = load_graph()
    g.remove_node("CNSHA")
    g.graph["crs"] = "edited"
    again = load_graph()
    assert "CNSHA" in again and again.graph["crs"] == "EPSG:4326"
    assert again is not g and isinstance(again, RoutingGraph)


def test_cached_graph_round_trips_exactly(graph):
    fp = "0" * 24
    back = store.decode_graph(store.encode_graph(graph, fp), fp)
    assert back.graph == graph.graph
    assert list(back.nodes(data=True)) == list(graph.nodes(data=True))
    a = list(graph.edges(keys=True, data=True))
    b = list(back.edges(keys=True, data=True))
    assert [e[:3] for e in a] == [e[:3] for e in b]
    for (*_, da), (*_, db) in zip(a, b, strict=True):
        assert da.keys() == db.keys()
        for k in da:
            if k == "geometry":
                assert da[k].equals_exact(db[k], 0.0)
            else:
                assert da[k] == db[k] and type(da[k]) is type(db[k])


# --------------------------------------------------------------------------- no pickle
class _Planted:
    """Unpickling this writes a marker file: proof that a cache ran code."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (Path(self.marker), "ran"))


def _cache_file() -> Path:
    return store._cache_path(store.graph_fingerprint(None))


def _tiny(*_args) -> RoutingGraph:
    g = RoutingGraph(crs="EPSG:4326")
    g.add_node("A", kind="hub")
    g.add_node("B", kind="port")
    g.add_edge("A", "B", key="road", mode="road", cost_usd_per_teu=1.0, time_h=1.0,
               co2_kg_per_teu=1.0)
    return g


@pytest.fixture()
def tmp_cache(tmp_path, monkeypatch):
    """An empty cache folder and a builder that makes a tiny graph (counted)."""
    monkeypatch.setenv("BYPASS_CACHE_DIR", str(tmp_path / "cache"))
    builds: list[int] = []

    def build(*_args):
        builds.append(1)
        return _tiny()

    monkeypatch.setattr(store, "_MEMO", {})
    return builds, build


@pytest.mark.parametrize("content", ["pickle", "garbage", "foreign_npz", "wrong_fingerprint"])
def test_planted_corrupt_or_foreign_cache_is_rebuilt_with_a_warning(
        tmp_cache, tmp_path, caplog, content):
    builds, build = tmp_cache
    path = _cache_file()
    path.parent.mkdir(parents=True)
    marker = tmp_path / "marker"
    if content == "pickle":
        path.write_bytes(pickle.dumps(_Planted(str(marker))))
    elif content == "garbage":
        path.write_bytes(b"PK\x03\x04 not really a zip")
    elif content == "foreign_npz":
        buf = io.BytesIO()
        np.savez(buf, header=np.frombuffer(b'{"schema": "other"}', dtype=np.uint8))
        path.write_bytes(buf.getvalue())
    else:
        path.write_bytes(store.encode_graph(_tiny(), "f" * 24))
    with caplog.at_level(logging.WARNING, logger="networks.store"):
        g = store.load_or_build(None, build)
    assert not marker.exists()
    assert builds == [1] and list(g.edges) == [("A", "B", "road")]
    assert any("rejected" in r.message and "rebuilding" in r.message for r in caplog.records)
    # The rebuilt file is a data-only npz that loads with pickles refused.
    with np.load(path, allow_pickle=False) as npz:
        assert set(npz.files) == {"header", "body", "wkb", "offsets"}
    store._MEMO.clear()
    store.load_or_build(None, build)
    assert builds == [1]  # the rebuilt cache is trusted next time


def test_no_pickle_in_the_source_tree():
    offenders = [str(p.relative_to(ROOT)) for folder in ("networks", "routing")
                 for p in (ROOT / folder).rglob("*.py")
                 if "import pickle" in p.read_text(encoding="utf-8")
                 or "allow_pickle=True" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_unwritable_cache_folder_warns_once_and_works(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("BYPASS_CACHE_DIR", str(blocker / "cache"))
    builds: list[int] = []

    def build(*_args):
        builds.append(1)
        return _tiny()

    monkeypatch.setattr(store, "_MEMO", {})
    monkeypatch.setattr("networks.atomic._WARNED", set())
    with caplog.at_level(logging.WARNING, logger="networks"):
        assert list(store.load_or_build(None, build).edges) == [("A", "B", "road")]
        assert list(store.load_or_build(None, build).edges) == [("A", "B", "road")]
        store._MEMO.clear()
        assert list(store.load_or_build(None, build).edges) == [("A", "B", "road")]
    assert builds == [1, 1]
    warned = [r for r in caplog.records if "not writable" in r.message]
    assert len(warned) == 1 and str(blocker / "cache") in warned[0].getMessage()
    assert [r for r in caplog.records if r.levelname == "WARNING"] == warned


def _cold_run(cache: str, log_file: str, out: str) -> None:
    import os

    os.environ["BYPASS_CACHE_DIR"] = cache

    def build(*_args):
        with open(log_file, "a") as fh:
            fh.write("built\n")
        time.sleep(1.0)  # a slow build: the others must wait, not build too
        return _tiny()

    store._MEMO.clear()
    g = store.load_or_build(None, build)
    Path(out).write_text(",".join(map(str, g.edges)))


def test_concurrent_cold_runs_build_once(tmp_path):
    ctx = multiprocessing.get_context("fork")
    log_file = tmp_path / "builds.log"
    procs = [ctx.Process(target=_cold_run, args=(str(tmp_path / "cache"), str(log_file),
                                                  str(tmp_path / f"out{i}")))
             for i in range(8)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert log_file.read_text().splitlines() == ["built"]
    assert {(tmp_path / f"out{i}").read_text() for i in range(8)} == {"('A', 'B', 'road')"}


def test_warm_load_imports_no_pandas(graph):
    code = ("import sys; from networks.store import load_or_build; "
            "g = load_or_build(None, None); "
            "bad = [m for m in ('pandas', 'geopandas', 'matplotlib') if m in sys.modules]; "
            "print(g.number_of_edges(), bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True, timeout=60).stdout.split()
    assert out == [str(graph.number_of_edges()), "[]"]


# --------------------------------------------------------------------------- contract
@pytest.mark.parametrize("bad", [None, -1.0, math.nan, math.inf, "fast"])
def test_foreign_graph_with_bad_figure_is_named(bad):
    g = _tiny()
    g.add_node("C", kind="port")
    g.add_edge("B", "C", key="sea", mode="sea", time_h=1.0, co2_kg_per_teu=1.0)
    if bad is not None:
        g.edges["B", "C", "sea"]["cost_usd_per_teu"] = bad
    with pytest.raises(GraphError, match=r"edge B -> C \(key 'sea'\).*cost_usd_per_teu"):
        solve_route(g, "A", "C", allow_us=True)
    with pytest.raises(ValueError):
        validate_graph(g)


def test_negative_distance_is_named_too():
    g = _tiny()
    g.edges["A", "B", "road"]["distance_km"] = -5.0
    with pytest.raises(GraphError, match=r"edge A -> B \(key 'road'\): distance_km"):
        solve_route(g, "A", "B")


def test_fixing_the_graph_after_an_error_solves():
    g = _tiny()
    g.edges["A", "B", "road"]["time_h"] = -1.0
    with pytest.raises(GraphError):
        solve_route(g, "A", "B")
    g.edges["A", "B", "road"]["time_h"] = 2.0
    assert solve_route(g, "A", "B").totals["time_h"] == 2.0


def test_error_hierarchy():
    from networks import errors

    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, BypassError)
        assert cls is BypassError or issubclass(cls, ValueError | LookupError), name
        assert not hasattr(cls, "exit_code")


def test_cache_key_covers_every_readable_table_file(tmp_path):
    from networks.datasets import READERS
    from networks.schema import TABLE_EXTENSIONS

    assert set(READERS) == set(TABLE_EXTENSIONS)
    before = store.graph_fingerprint(tmp_path)
    (tmp_path / "land_links.json").write_text('{"type": "FeatureCollection", "features": []}')
    with_links = store.graph_fingerprint(tmp_path)
    assert with_links != before
    (tmp_path / "demand.csv").write_text("origin,destination,teu_per_year\n")
    with_demand = store.graph_fingerprint(tmp_path)
    assert with_demand == with_links  # the graph does not depend on demand
    (tmp_path / "parameters.toml").write_text("")
    assert store.graph_fingerprint(tmp_path) != with_demand


def test_cache_folder_keeps_only_the_most_recently_used_files_of_each_kind(tmp_path):
    """Every new dataset or engine version has a new key; the folder must not grow for ever."""
    import os

    from networks.atomic import CACHE_KEEP, prune_cache, touch_cache, write_cache

    for i in range(CACHE_KEEP + 5):
        path = tmp_path / f"graph-{i:04d}.npz"
        path.write_bytes(b"x")
        path.with_suffix(".lock").touch()
        os.utime(path, (1_000_000 + i, 1_000_000 + i))  # written one second apart
    other = tmp_path / "sea-legs-0001.json"
    write_cache(other, b"{}")
    touch_cache(tmp_path / "graph-0000.npz")  # the oldest, read just now: kept
    write_cache(tmp_path / "graph-9999.npz", b"x")
    kept = sorted(p.name for p in tmp_path.glob("graph-*.npz"))
    assert len(kept) == CACHE_KEEP
    assert "graph-0000.npz" in kept and "graph-9999.npz" in kept
    assert "graph-0001.npz" not in kept  # least recently used went first
    assert not (tmp_path / "graph-0001.lock").exists()  # its lock went with it
    assert other.exists()  # another kind is not touched
    failed = tmp_path / "graph-failedbuild.lock"  # a build that never wrote its file
    fresh = tmp_path / "graph-building.lock"  # a build still running
    failed.touch()
    fresh.touch()
    os.utime(failed, (1_000_000, 1_000_000))
    write_cache(tmp_path / "graph-next.npz", b"x")
    assert not failed.exists() and fresh.exists()
    assert prune_cache(tmp_path / "nodash.json") == 0
