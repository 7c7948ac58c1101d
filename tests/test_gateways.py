"""US gateways as shippers use them, in bond, finite capacities, truck hours, border steps.

Published checks cited here:

- CPKC Mexico Midwest Express (single line): Chicago - Laredo "day 3", Chicago -
  Monterrey "day 4" - CPKC debuts direct-to-Mexico intermodal service -
  https://www.insidelogistics.ca/transportation/intermodal/cpkc-debuts-direct-to-mexico-intermodal-service-185427/
  (May 2023). Day 3 / day 4 of a service departing on day 1 is 2 / 3 days of
  elapsed time (48 h / 72 h); the model's rail time must be within 25 % of them.
- FMCSA hours of service (11 h driving, 10 h off, 30 min break after 8 h) and
  NOM-087-SCT-2-2017 (30 min pause per 5 h, at most 14 h of driving, 8 h rest):
  the hand-worked truck times below.
"""

from __future__ import annotations

import math
import shutil

import pytest

from networks import costs
from networks.build import load_graph
from networks.datasets import default_dataset, load_dataset
from networks.errors import DatasetErrors
from networks.settings import DATA_DIR
from routing.plan import plan
from routing.query import alternatives, solve_route

#: CPKC Mexico Midwest Express elapsed times (see module docstring), hours.
MMX_LAREDO_CHICAGO_H = 48.0
MMX_MONTERREY_CHICAGO_H = 72.0


@pytest.fixture(scope="module")
def graph():
    return load_graph()


@pytest.fixture(scope="module")
def cpkc_route(graph):
    """Monterrey -> Prince Rupert -> Shanghai by rail through the US, the west coast ruled out.

    The Blaine crossings are avoided so the only land way into Canada is the
    CPKC line over Portal; scheduled services only, so no coastal ship competes.
    """
    return solve_route(graph, "MTY", "CNSHA", allow_us=True, scheduled_only=True,
                       via=["CAPRR"], avoid=["BLA-SUR-R:USA", "BLA-SUR:USA"])


def _rail_hours(route, start: str, end: str) -> float:
    """Hours of the rail and rail-border legs between two nodes of a route."""
    ids = [leg.from_id for leg in route.legs]
    i, j = ids.index(start), [leg.to_id for leg in route.legs].index(end)
    legs = route.legs[i: j + 1]
    assert all(leg.mode == "rail" or leg.kind == "border-rail" for leg in legs)
    return sum(leg.time_h for leg in legs)


# ------------------------------------------------------------------ CPKC and in bond
def test_cpkc_route_to_a_canadian_pacific_port_is_us_transit_in_bond(cpkc_route):
    r = cpkc_route
    assert r.totals["ports"] == ["CAPRR", "CNSHA"]
    nodes = set(r.nodes)
    assert {"NLD-LRD-R:USA", "KCY:rail", "CHI:rail", "PTL-R:CAN", "EDM:rail"} <= nodes
    assert r.us_transit and r.totals["us_transit"]
    assert r.in_bond and r.to_dict()["totals"]["in_bond"] is True
    rail_ends = {leg.to_id for leg in r.legs if leg.mode == "rail"}
    assert {"KCY:rail", "MJW:rail", "CAPRR:rail"} <= rail_ends


def test_cpkc_rail_time_within_25_percent_of_the_published_schedule(cpkc_route):
    laredo = _rail_hours(cpkc_route, "NLD-LRD-R:MEX", "CHI:rail")
    monterrey = _rail_hours(cpkc_route, "MTY:rail", "CHI:rail")
    assert abs(laredo / MMX_LAREDO_CHICAGO_H - 1) <= 0.25, laredo
    assert abs(monterrey / MMX_MONTERREY_CHICAGO_H - 1) <= 0.25, monterrey


def test_a_route_through_a_us_port_is_us_transit_but_not_in_bond(graph):
    r = solve_route(graph, "MTY", "CNSHA", allow_us=True, via=["USHOU"])
    assert r.us_transit and not r.in_bond
    free = solve_route(graph, "MTY", "CNSHA")
    assert not free.us_transit and not free.in_bond


def test_cli_says_through_the_us_in_bond(capsys):
    from routing.cli import main

    code = main(["route", "--from", "MTY", "--to", "CNSHA", "--via", "CAPRR", "--allow-us",
                 "--scheduled-only", "--avoid", "BLA-SUR-R", "--avoid", "BLA-SUR"])
    out = capsys.readouterr().out
    assert code in (0, None)
    assert "through the US in bond" in out


# ------------------------------------------------------------------ Laredo, Houston
def test_monterrey_via_us_alternatives_cross_at_laredo(graph):
    routes = alternatives(graph, "MTY", "CNSHA", 5, require_us=True, no_return_from_us=True)
    assert any(n.startswith("NLD-LRD") for r in routes for n in r.nodes)


def test_houston_is_a_us_gulf_port_with_a_scheduled_all_water_leg(graph):
    node = graph.nodes["USHOU"]
    assert node["region"] == "us_gulf" and node["country"] == "USA"
    r = solve_route(graph, "MTY", "CNSHA", allow_us=True, via=["USHOU"])
    sea = [leg for leg in r.legs if leg.mode == "sea"]
    assert sea[0].from_id == "USHOU:out" and sea[0].service == "scheduled"
    edge = graph.edges["USHOU:out", sea[0].to_id, "sea"]
    assert "panama" in edge["passages"]


def test_ports_command_lists_houston(capsys):
    from routing.cli import main

    main(["ports"])
    assert "Houston" in capsys.readouterr().out


def test_scheduled_via_us_routes_use_no_unscheduled_americas_sea_leg(graph):
    americas = {n for n, d in graph.nodes(data=True)
                if d.get("kind") == "port" and d.get("region") != "asia"}
    r = solve_route(graph, "MTY", "CNSHA", require_us=True, no_return_from_us=True,
                    scheduled_only=True)
    for leg in r.legs:
        if leg.mode == "sea" and leg.from_id.split(":")[0] in americas \
                and leg.to_id.split(":")[0] in americas:
            assert leg.service == "scheduled"


# ------------------------------------------------------------------ capacities
def test_every_default_port_has_a_finite_sourced_capacity():
    ports = default_dataset().ports
    for rec in ports.itertuples(index=False):
        assert math.isfinite(rec.capacity_teu_per_year) and rec.capacity_teu_per_year > 0
        assert rec.capacity_basis in ("total_throughput", "export_side", "nameplate")
        assert "capacity_teu_per_year:" in rec.source, rec.locode
    # The 2017 SCT figures (Mexicoxport, 2018) for the two small Pacific ports.
    assert ports.loc["MXMZT", "capacity_teu_per_year"] == 48380
    assert ports.loc["MXGYM", "capacity_teu_per_year"] == 16031


def test_unlimited_is_a_user_opt_in_and_an_empty_capacity_an_error(tmp_path):
    text = (DATA_DIR / "ports.csv").read_text(encoding="utf-8")
    assert ",48380,total_throughput," in text
    (tmp_path / "ports.csv").write_text(
        text.replace(",48380,total_throughput,", ",unlimited,unlimited,"), encoding="utf-8")
    ports = load_dataset(tmp_path, check_sea=False).ports
    assert math.isnan(ports.loc["MXMZT", "capacity_teu_per_year"])
    (tmp_path / "ports.csv").write_text(
        text.replace(",48380,total_throughput,", ",,total_throughput,"), encoding="utf-8")
    with pytest.raises(DatasetErrors, match="capacity_teu_per_year.*empty value"):
        load_dataset(tmp_path, check_sea=False)


def test_the_default_dataset_refuses_unlimited(tmp_path, monkeypatch):
    from networks import settings

    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    p = data / "ports.csv"
    p.write_text(p.read_text(encoding="utf-8").replace(
        ",48380,total_throughput,", ",unlimited,unlimited,"), encoding="utf-8")
    monkeypatch.setattr(settings, "DATA_DIR", data)
    with pytest.raises(DatasetErrors, match="capacity missing in the default dataset"):
        load_dataset(data, check_sea=False)


def test_default_plan_never_assigns_a_port_more_than_its_capacity(graph):
    demand = default_dataset()["demand"]
    for allow_us in (False, True):
        result = plan(graph, demand, allow_us=allow_us)
        load: dict[str, float] = {}
        for flow in result.flows:
            for port in set(flow.route.totals["ports"]):
                load[port] = load.get(port, 0.0) + flow.teu_per_year
        assert load, "the default plan carries no flow"
        for port, teu in load.items():
            cap = graph.nodes[port]["capacity_teu_per_year"]
            assert teu <= cap * (1 + 1e-6), (port, teu, cap)
        assert load.get("MXMZT", 0.0) <= 48380 * (1 + 1e-6)


# ------------------------------------------------------------------ truck hours, dwell, border
def test_truck_hours_follow_fmcsa_and_nom_087():
    params = default_dataset().parameters
    # US, 1,285 km at 84.97 km/h = 15.12 h driving: two shifts (11 h + 4.12 h), one
    # 10 h rest, one 30 min break in the first shift (after 8 h) -> 25.62 h.
    d = 1285 / 84.97
    assert costs.truck_hours(params, "USA", d) == pytest.approx(d + 10 + 0.5)
    # Mexico, 1,285 km at 50 km/h = 25.7 h driving: shifts of 14 h + 11.7 h, one 8 h
    # rest, pauses at 5 and 10 h in the first shift and 5, 10 h in the second -> 35.7 h.
    assert costs.truck_hours(params, "MEX", 25.7) == pytest.approx(25.7 + 8 + 4 * 0.5)
    # Short drays need no rest: Monterrey - Saltillo, 80 km at 50 km/h.
    assert costs.truck_hours(params, "MEX", 1.6) == pytest.approx(1.6)
    assert costs.truck_hours(params, "MEX", 5.0) == pytest.approx(5.0)


def test_road_edges_carry_the_driving_rules(graph):
    edge = graph.edges["TRC", "CJS", "road-TRC-CJS"]
    driving = edge["distance_km"] / 50.0
    assert edge["time_h"] > driving + 8.0  # at least one NOM-087 rest on 826 km


def test_dwell_is_per_port_and_direction(graph):
    load = graph.edges["MXZLO", "MXZLO:out", "load"]
    discharge = graph.edges["CNSHA:in", "CNSHA", "discharge"]
    ds = default_dataset().ports
    assert load["time_h"] == ds.loc["MXZLO", "export_dwell_h"]
    assert discharge["time_h"] == ds.loc["CNSHA", "import_dwell_h"] > 0
    assert graph.edges["CAPRR:in", "CAPRR", "discharge"]["time_h"] == 12.0


def test_border_time_is_crossing_plus_customs_plus_interchange(graph):
    params = default_dataset().parameters
    road = graph.edges["NLD-LRD:MEX", "NLD-LRD:USA", "border-road"]
    assert road["time_h"] == pytest.approx(
        params["border"]["default_crossing_h"]["road"]["value"]
        + params["border"]["default_customs_h"]["road"]["value"])
    assert road["capacity_teu_per_year"] == 5_475_000
    laredo_rail = graph.edges["NLD-LRD-R:MEX", "NLD-LRD-R:USA", "border-rail"]
    assert laredo_rail["interchange_h"] == 0.0  # CPKC single line across the bridge
    juarez_rail = graph.edges["CJS-ELP-R:MEX", "CJS-ELP-R:USA", "border-rail"]
    assert juarez_rail["interchange_h"] == params["border"]["default_interchange_h"]["rail"][
        "value"] > 0
    assert juarez_rail["time_h"] == pytest.approx(
        juarez_rail["crossing_h"] + juarez_rail["customs_h"] + juarez_rail["interchange_h"])
