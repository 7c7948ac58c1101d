"""The warm start of ``bypass route``: the compact route file answers exactly as the full
engine does, or not at all.

``routing.warm.compare`` must equal ``routing.query.compare_route`` whenever it answers,
must answer plain queries (all 130 default pairs under every supported option set), must
never answer from a file of another dataset or a damaged file, and in an exact tie must
give the full engine's own recorded choice or decline.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from networks import store
from networks.build import load_graph
from networks.graph import RoutingGraph
from networks.settings import DATA_DIR
from routing import warm
from routing.bench import hubs_and_asia
from routing.cli import main
from routing.options import RouteOptions
from routing.query import compare_route
from tests.synthetic import add_edge, add_node

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "scipy", "networkx", "shapely", "pandas")


@pytest.fixture(scope="module")
def graph() -> RoutingGraph:
    return load_graph()


@pytest.fixture()
def compact(graph, tmp_path, monkeypatch) -> Path:
    """A fresh cache folder holding the default dataset's compact route file (only)."""
    monkeypatch.setenv("BYPASS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(warm, "_MEMO", {})
    assert warm.remember(graph, None)
    path = warm.compact_path(warm.route_key(None))
    assert path.is_file()
    warm._MEMO.clear()  # read it back from disk, as a new process does
    return path


# --------------------------------------------------------------------------- same answers
#: Option sets of test (a) and how many of the 130 pairs the warm path must answer: all
#: (exact ties between liner services, e.g. TP18 and TP88 into Busan, are answered with
#: the full engine's recorded choice).
CASES = {
    "default": (RouteOptions(), 130),
    "time": (RouteOptions(objective="time"), 130),
    "co2": (RouteOptions(objective="co2"), 130),
    "allow_hypothetical": (RouteOptions(allow_hypothetical=True), 130),
    "strict_waters": (RouteOptions(strict_waters=True), 130),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_answer_equals_the_full_engine(graph, compact, case):
    opts, at_least = CASES[case]
    hubs, asia = hubs_and_asia(graph)
    assert len(hubs) * len(asia) == 130
    answered = 0
    for o in hubs:
        for d in asia:
            found = warm.compare(None, o, d, opts)
            if found is None:
                continue
            answered += 1
            assert found.to_dict() == compare_route(graph, o, d, opts).to_dict(), (o, d)
            assert found.options == opts
    assert answered == at_least
    if case == "default":
        assert warm.compare(None, "MTY", "CNSHA", opts) is not None


def test_names_resolve_as_the_full_engine_resolves_them(graph, compact):
    found = warm.compare(None, "monterrey", "Shanghai")
    assert found is not None and (found.origin, found.destination) == ("MTY", "CNSHA")
    assert found.to_dict() == compare_route(graph, "monterrey", "Shanghai").to_dict()
    # The CLI's kinds: a destination must be a port.
    assert warm.compare(None, "CNSHA", "MTY", destination_kinds=("port",)) is None


@pytest.mark.parametrize("opts", [
    RouteOptions(objective={"cost": 1.0, "time": 20.0}), RouteOptions(via=("MXLZC",)),
    RouteOptions(avoid=("MXZLO",)), RouteOptions(avoid_countries=("CAN",)),
    RouteOptions(avoid_modes=("rail",)), RouteOptions(max_days=60),
    RouteOptions(max_cost=5000), RouteOptions(max_transshipments=1),
])
def test_options_it_does_not_handle_go_to_the_full_engine(compact, opts):
    assert warm.compare(None, "MTY", "CNSHA", opts) is None


def test_unknown_places_and_missing_sides_go_to_the_full_engine(compact):
    assert warm.compare(None, "Nowhere", "CNSHA") is None  # the full path names the error
    assert warm.compare(None, "MTY", "MTY") is None
    assert warm.compare(None, "MTY", "USLGB") is None  # a US port: no US-free side


def test_no_compact_file_no_answer(tmp_path, monkeypatch):
    monkeypatch.setenv("BYPASS_CACHE_DIR", str(tmp_path / "empty"))
    monkeypatch.setattr(warm, "_MEMO", {})
    assert warm.compare(None, "MTY", "CNSHA") is None


# --------------------------------------------------------------------------- the command
def _run(cache: Path, *args: str) -> tuple[str, set[str]]:
    """stdout of ``python -X importtime -m routing.cli ...`` and the packages it imported."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BYPASS_CACHE_DIR": str(cache)}
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "routing.cli", *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    modules = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines()
               if line.startswith("import time:") and "|" in line}
    return proc.stdout, modules


def test_warm_command_prints_the_full_answer_without_heavy_imports(graph, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    # The graph cache file of the default data (so the full path does not rebuild).
    npz = store._cache_path(store.graph_fingerprint(None))
    assert npz.is_file()
    shutil.copy(npz, cache / npz.name)
    key = warm.route_key(None)
    for args in (("route", "--from", "MTY", "--to", "CNSHA", "--json"),
                 ("route", "--from", "Monterrey", "--to", "Shanghai")):
        compact_file = cache / f"route-{key}.json"
        compact_file.unlink(missing_ok=True)
        full, full_modules = _run(cache, *args)  # no compact file: the full engine
        assert compact_file.is_file()  # ... which writes it
        fast, fast_modules = _run(cache, *args)
        assert fast == full
        assert {"numpy", "scipy", "networkx", "shapely"} <= full_modules  # the check bites
        assert not set(HEAVY) & fast_modules
    data = json.loads(_run(cache, "route", "--from", "MTY", "--to", "CNSHA", "--json")[0])
    assert data == compare_route(graph, "MTY", "CNSHA").to_dict()


# --------------------------------------------------------------------------- stale data
def _edited_dataset(folder: Path) -> Path:
    """A copy of the default dataset with Shanghai's import handling 100 USD/TEU dearer."""
    shutil.copytree(DATA_DIR, folder)
    path = folder / "port_charges.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row["locode"] == "CNSHA":
            row["import_handling_usd_per_teu"] = str(
                float(row["import_handling_usd_per_teu"]) + 100.0)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return folder


def test_an_edited_dataset_never_answers_from_the_old_file(graph, compact, tmp_path,
                                                           monkeypatch, caplog, capsys):
    edited = _edited_dataset(tmp_path / "data")
    old = warm.compare(None, "MTY", "CNSHA")
    assert old is not None
    assert warm.route_key(edited) != warm.route_key(None)
    assert warm.compare(edited, "MTY", "CNSHA") is None  # no file for the edited data yet
    # The old file planted under the edited data's name: refused (its key is the old one).
    planted = warm.compact_path(warm.route_key(edited))
    planted.write_bytes(compact.read_bytes())
    with caplog.at_level(logging.WARNING, logger="routing.warm"):
        assert warm.compare(edited, "MTY", "CNSHA") is None
    assert any("key does not match" in r.getMessage() for r in caplog.records)
    # The full engine on the edited data, remembered: the warm path now gives its answer.
    monkeypatch.undo()  # the graph build reads the usual caches (sea legs...)
    g2 = load_graph(edited)
    monkeypatch.setenv("BYPASS_CACHE_DIR", str(compact.parent))
    monkeypatch.setattr(warm, "_MEMO", {})
    assert warm.remember(g2, edited)
    new = warm.compare(edited, "MTY", "CNSHA")
    assert new is not None
    assert new.to_dict() == compare_route(g2, "MTY", "CNSHA").to_dict()
    for side in ("us_free", "via_us"):
        assert getattr(new, side).cost_usd_per_teu == pytest.approx(
            getattr(old, side).cost_usd_per_teu + 100.0)
    # The command with --data answers for the edited data, whatever files are cached.
    assert main(["-q", "--data", str(edited), "route", "--from", "MTY", "--to", "CNSHA",
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == new.to_dict()


# --------------------------------------------------------------------------- damaged files
def _damage(raw: bytes, how: str) -> bytes:
    head, _, body = raw.partition(b"\n")
    if how == "truncated":
        return raw[: len(raw) // 2]
    if how == "garbage":
        return b"\x80\x04\x95 not a compact file"
    if how == "foreign":
        return json.dumps({"schema": "something-else", "format": 1}).encode() + b"\n{}"
    if how == "old_format":
        header = json.loads(head)
        header["format"] = warm.FORMAT + 1
        return json.dumps(header).encode() + b"\n" + body
    if how == "edited_payload":  # a figure changed without updating the checksum
        return head + b"\n" + body.replace(b'"cost":[', b'"cost":[0.0,', 1)
    # Right checksum, wrong content: a planted file must not crash a query either.
    if how == "malformed_payload":
        bad = b'{"nodes": []}'
    else:
        assert how == "wrong_types"
        payload = json.loads(body)
        payload["weights"]["cost"]["primary"][0] = "12"
        payload["arcs"]["head"][-1] = 10**6
        bad = json.dumps(payload).encode()
    header = json.loads(head)
    header["sha256"] = hashlib.sha256(bad).hexdigest()
    return json.dumps(header).encode() + b"\n" + bad


@pytest.mark.parametrize("how", ["truncated", "garbage", "foreign", "old_format",
                                 "edited_payload", "malformed_payload", "wrong_types"])
def test_a_damaged_file_is_ignored_with_a_warning_and_rewritten(graph, compact, capsys, how):
    good = compact.read_bytes()
    compact.write_bytes(_damage(good, how))
    code = main(["route", "--from", "MTY", "--to", "CNSHA", "--json"])
    out, err = capsys.readouterr()
    assert code == 0
    assert json.loads(out) == compare_route(graph, "MTY", "CNSHA").to_dict()
    assert "bypass: warning: compact route file" in err and "rejected" in err
    assert compact.read_bytes() == good  # the full path wrote it again
    warm._MEMO.clear()
    assert warm.compare(None, "MTY", "CNSHA") is not None


# --------------------------------------------------------------------------- ties
def _tiny(second_port_cost: float) -> RoutingGraph:
    """Hub O to port D by sea from P1 or P2 (equal unless the price differs), or via US U."""
    g = RoutingGraph(crs="EPSG:4326")
    add_node(g, "O", "hub", "MEX", -100.0, 25.0)
    add_node(g, "P1", "port", "MEX", -104.0, 19.0)
    add_node(g, "P2", "port", "MEX", -102.0, 18.0)
    add_node(g, "U", "port", "USA", -118.0, 33.0)
    add_node(g, "D", "port", "CHN", 121.0, 31.0)
    for port, cost in (("P1", 100.0), ("P2", second_port_cost), ("U", 90.0)):
        add_edge(g, "O", port, "road", mode="road", kind="road", distance_km=900.0,
                 time_h=20.0, cost=cost, co2=50.0)
        add_edge(g, port, "D", "sea", mode="sea", kind="sea", distance_km=13000.0,
                 time_h=500.0, cost=1000.0, co2=400.0, service="scheduled",
                 services=("X1",), distance_nm=7000.0)
    return g


def test_an_exact_tie_gets_the_full_engines_choice_or_is_declined(tmp_path, monkeypatch):
    monkeypatch.setenv("BYPASS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(warm, "_MEMO", {})
    # The key is the dataset folder's: an empty folder stands for the synthetic graph.
    folder = tmp_path / "synthetic"
    folder.mkdir()
    tied = _tiny(100.0)  # O-P1-D and O-P2-D: equal in everything
    assert warm.remember(tied, folder)
    found = warm.compare(folder, "O", "D")
    assert found is not None  # from the recorded choice of the full engine's Dijkstra
    assert found.to_dict() == compare_route(tied, "O", "D").to_dict()
    compact = warm._load(folder)
    assert compact is not None and any(compact.ties.values())
    for table in compact.ties.values():
        table.clear()  # without the record nothing outside scipy knows its choice
    compact.cache.clear()
    assert warm.compare(folder, "O", "D") is None
    clear = _tiny(101.0)
    warm.compact_path(warm.route_key(folder)).unlink()
    warm._MEMO.clear()
    assert warm.remember(clear, folder)
    found = warm.compare(folder, "O", "D")
    assert found is not None
    assert found.to_dict() == compare_route(clear, "O", "D").to_dict()
    assert found.us_free.nodes == ("O", "P1", "D")
    assert found.via_us.nodes == ("O", "U", "D")


@pytest.mark.parametrize("seed", range(6))
def test_random_graphs_with_ties_zero_weights_and_parallel_arcs(tmp_path, monkeypatch, seed):
    """Small random graphs (weights on a 0.01 grid or not, parallel arcs, US and strict-only
    arcs, hypothetical sea legs): every warm answer is the full engine's."""
    from tests.synthetic import random_graph

    monkeypatch.setenv("BYPASS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(warm, "_MEMO", {})
    folder = tmp_path / "synthetic"
    folder.mkdir()
    answered = 0
    for grid in (True, False):
        g = random_graph(seed, n_nodes=8, n_arcs=22, grid=grid, parallel=0.5)
        warm._MEMO.clear()
        warm.compact_path(warm.route_key(folder)).unlink(missing_ok=True)
        assert warm.remember(g, folder)
        for o in sorted(g.nodes):
            for d in sorted(g.nodes):
                for opts, _ in CASES.values():
                    found = warm.compare(folder, o, d, opts)
                    if found is not None:
                        answered += 1
                        assert found.to_dict() == compare_route(g, o, d, opts).to_dict()
    assert answered > 0


def test_a_graph_the_file_cannot_carry_is_not_written(tmp_path, monkeypatch, caplog):
    """Integer node ids would come back as ints, but legs name nodes as the graph does."""
    monkeypatch.setenv("BYPASS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(warm, "_MEMO", {})
    g = RoutingGraph()
    g.add_node(1, kind="hub", name="One")
    g.add_node(2, kind="port", name="Two")
    g.add_edge(1, 2, key="road", mode="road", cost_usd_per_teu=1.0, time_h=1.0,
               co2_kg_per_teu=1.0)
    with caplog.at_level(logging.WARNING, logger="routing.warm"):
        assert warm.remember(g, tmp_path) is False
    assert any("not written" in r.getMessage() for r in caplog.records)
    assert not warm.compact_path(warm.route_key(tmp_path)).exists()
