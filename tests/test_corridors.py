"""Gateway corridors: exact per family (brute force), switch thresholds tie, scenarios.

The small synthetic graph has every gateway family, a Canadian port reached by
sea (a hypothetical leg) and by land through the US, and a liner service that
calls two Mexican ports (boarding at the Gulf port and staying on board past a
Pacific call), so the gateway is read from where the box boards, not from the
last port the ship calls.
"""

from __future__ import annotations

import itertools
import math

import networkx as nx
import pytest

from routing.corridors import (
    FAMILY_NAMES,
    _hyp_kwargs,
    corridors,
    gateway_family,
    gateway_port,
    in_bond,
)
from routing.query import build_query, build_route
from routing.scenarios import load_scenario, parse_scenario
from tests.synthetic import add_edge, add_node

SOURCE = [{"title": "test", "url": "https://example.org", "date": "2026-01-01"}]


def _port(g, pid, country, lon, lat, region, handling, dwell=24.0):
    add_node(g, pid, "port", country, lon, lat, region=region)
    add_node(g, f"{pid}:out", "berth", country, lon, lat, port=pid)
    add_node(g, f"{pid}:in", "berth", country, lon, lat, port=pid)
    add_edge(g, pid, f"{pid}:out", "load", mode="transfer", kind="load", distance_km=0.0,
             time_h=dwell, cost=handling, co2=5.0)
    add_edge(g, f"{pid}:in", pid, "discharge", mode="transfer", kind="discharge",
             distance_km=0.0, time_h=dwell / 2, cost=handling, co2=5.0)


def _land(g, u, v, km, cost, both=True, mode="rail"):
    for s, t in ((u, v), (v, u)) if both else ((u, v),):
        add_edge(g, s, t, f"{mode}:{s}-{t}", mode=mode, kind=mode, distance_km=km,
                 time_h=km / 40, cost=cost, co2=km * 0.3)


def _sea(g, u, v, km, cost, service="scheduled", key="sea"):
    add_edge(g, u, v, key, mode="sea", kind="sea", distance_km=km, time_h=km / 33,
             cost=cost, co2=km * 0.05, distance_nm=km / 1.852, service=service)


def family_graph() -> nx.MultiDiGraph:
    """Hub H (Mexico) to Asian ports A1, A2 through every gateway family."""
    g = nx.MultiDiGraph()
    add_node(g, "H", "hub", "MEX", -100.3, 25.7)
    add_node(g, "J", "junction", "MEX", -101.0, 21.0)
    add_node(g, "B", "border", "MEX", -99.5, 27.5, countries=("MEX", "USA"))
    add_node(g, "U", "junction", "USA", -97.0, 32.0)
    add_node(g, "W", "junction", "USA", -120.0, 45.0)
    add_node(g, "C", "border", "CAN", -122.7, 49.0, countries=("CAN", "USA"))
    _port(g, "MXP", "MEX", -104.3, 19.1, "mx_pacific", 150)
    _port(g, "MXQ", "MEX", -110.9, 27.9, "mx_pacific", 140)
    _port(g, "MXG", "MEX", -97.9, 22.5, "mx_gulf", 150)
    _port(g, "USP", "USA", -118.2, 33.7, "us_pacific", 750)
    _port(g, "USG", "USA", -95.0, 29.7, "us_gulf", 400)
    _port(g, "CAP", "CAN", -123.1, 49.3, "ca_pacific", 700)
    _port(g, "A1", "CHN", 122.0, 30.6, "asia", 150)
    _port(g, "A2", "KOR", 128.8, 35.1, "asia", 150)
    _land(g, "H", "J", 700, 400)
    _land(g, "J", "MXP", 300, 170)
    _land(g, "J", "MXQ", 900, 520)
    _land(g, "H", "MXG", 500, 280)
    _land(g, "H", "B", 230, 130)
    _land(g, "B", "U", 500, 300)
    _land(g, "U", "USG", 400, 250)
    _land(g, "U", "USP", 2200, 1200)
    _land(g, "USP", "W", 1500, 800)
    _land(g, "W", "C", 400, 220)
    _land(g, "C", "CAP", 50, 30)
    _sea(g, "MXP:out", "A1:in", 13000, 430)
    _sea(g, "MXQ:out", "A1:in", 11500, 470)
    _sea(g, "USP:out", "A1:in", 10700, 360)
    _sea(g, "USG:out", "A1:in", 18000, 900)
    _sea(g, "CAP:out", "A1:in", 9500, 360)
    _sea(g, "MXP:out", "CAP:in", 4300, 600, service="hypothetical")
    _sea(g, "A1:out", "A2:in", 900, 140)
    # A liner service calling the Gulf port, then (through Panama) the Pacific
    # port, then Asia: berth nodes per service, the box stays on board.
    for p in ("MXG", "MXP", "A1"):
        node = g.nodes[p]
        add_node(g, f"{p}:S", "berth", node["country"], node["lon"], node["lat"], port=p)
    add_edge(g, "MXG", "MXG:S", "load-S", mode="transfer", kind="load", distance_km=0.0,
             time_h=30.0, cost=150.0, co2=5.0)
    add_edge(g, "MXP", "MXP:S", "load-S", mode="transfer", kind="load", distance_km=0.0,
             time_h=30.0, cost=150.0, co2=5.0)
    add_edge(g, "A1:S", "A1", "discharge-S", mode="transfer", kind="discharge",
             distance_km=0.0, time_h=12.0, cost=150.0, co2=5.0)
    _sea(g, "MXG:S", "MXP:S", 4500, 100)
    _sea(g, "MXP:S", "A1:S", 13000, 300)
    return g


# --------------------------------------------------------------------------- brute force


def _family_of_path(g, route):
    return gateway_family(g, route)


def brute_force(g, origin, dest, *, allow_hypothetical, dwell=None, value=40_000.0, r=0.2):
    """Cheapest simple path per family (enumerating every simple path)."""
    q = build_query(g, origin, dest, allow_us=True, **_hyp_kwargs(allow_hypothetical))
    c = q.c
    arc_of = {(c.nodes[c.tail[a]], c.nodes[c.head[a]], c.keys[a]): a for a in range(c.m)}
    best: dict[str, float] = {}
    for path in nx.all_simple_edge_paths(g, origin, dest):
        arcs = [arc_of[e] for e in path]
        if not allow_hypothetical and any(c.hypothetical[a] for a in arcs):
            continue
        route = build_route(q, arcs)
        fam = _family_of_path(g, route)
        if fam is None:
            continue
        total = route.cost_usd_per_teu
        for p, h in (dwell or {}).items():
            if p in route.nodes:
                total += h * r * value / 8760
        best[fam] = min(best.get(fam, math.inf), total)
    return best


@pytest.mark.parametrize("hyp", [False, True])
@pytest.mark.parametrize("dest", ["A1", "A2"])
def test_every_family_is_the_exact_constrained_optimum(hyp, dest):
    g = family_graph()
    cs = corridors(g, "H", dest, allow_hypothetical=hyp)
    assert [c.gateway for c in cs.corridors] == list(FAMILY_NAMES)
    truth = brute_force(g, "H", dest, allow_hypothetical=hyp)
    for c in cs.corridors:
        if c.gateway in truth:
            assert c.route is not None, c.reason
            assert c.route.cost_usd_per_teu == pytest.approx(truth[c.gateway], abs=1e-6)
            assert gateway_family(g, c.route) == c.gateway
        else:
            assert c.route is None and c.reason
    assert set(truth) == {c.gateway for c in cs.corridors if c.route is not None}


def test_flags_and_gateways_on_the_synthetic_graph():
    g = family_graph()
    cs = corridors(g, "H", "A1", allow_hypothetical=True)
    flags = {c.gateway: (c.us_transit, c.in_bond, c.gateway_port) for c in cs.corridors}
    assert flags == {
        "mx_pacific": (False, False, "MXP"),
        "mx_gulf": (False, False, "MXG"),
        "ca_pacific_sea": (False, False, "CAP"),
        "ca_pacific_inbond": (True, True, "CAP"),
        "us_pacific": (True, False, "USP"),
        "us_gulf": (True, False, "USG"),
    }
    # The Gulf corridor rides service S past the Pacific call: boarded at MXG.
    gulf = cs["mx_gulf"].route
    assert "MXP:S" in gulf.nodes and gateway_port(g, gulf) == "MXG"
    assert cs["ca_pacific_sea"].route.totals["hypothetical_services"] == 1
    # The in-bond corridor reaches the Canadian port by land through the US.
    inb = cs["ca_pacific_inbond"].route
    first_sea = next(i for i, leg in enumerate(inb.legs) if leg.mode == "sea")
    assert any(leg.us_transit for leg in inb.legs[:first_sea])
    assert in_bond(g, inb) and not in_bond(g, cs["us_pacific"].route)
    d = cs.to_dict()
    assert d["from"] == "H" and d["to"] == "A1" and d["scenario"] == "status_quo"
    assert [x["gateway"] for x in d["corridors"]] == list(FAMILY_NAMES)
    assert d["corridors"][3]["totals"]["in_bond"] is True


def test_without_hypothetical_the_sea_route_to_canada_is_null_with_a_reason():
    g = family_graph()
    cs = corridors(g, "H", "A1")
    sea = cs["ca_pacific_sea"]
    assert sea.route is None
    assert "no scheduled service from Mexico to Canadian Pacific ports" in sea.reason
    assert "--allow-hypothetical" in sea.reason
    assert cs["ca_pacific_inbond"].route is not None


def test_missing_family_says_so():
    g = family_graph()
    g.remove_nodes_from(["USG", "USG:in", "USG:out"])
    cs = corridors(g, "H", "A1")
    assert cs["us_gulf"].route is None and "no US Gulf port" in cs["us_gulf"].reason


def _scenario(**extra):
    raw = {"name": "t", "description": "test", "as_of": "2026-01-01", "sources": SOURCE,
           "us_transit": {}}
    raw.update(extra)
    return parse_scenario(raw)


@pytest.mark.parametrize("hours", [0.0, 200.0, 2000.0])
def test_port_dwell_is_solved_into_the_routes_exactly(hours):
    g = family_graph()
    sc = _scenario(port_dwell={"MXP": hours})
    cs = corridors(g, "H", "A1", scenario=sc, allow_hypothetical=True)
    truth = brute_force(g, "H", "A1", allow_hypothetical=True, dwell={"MXP": hours})
    for c in cs.corridors:
        assert c.total_usd_per_teu == pytest.approx(truth[c.gateway], abs=1e-6), c.gateway
    if hours >= 2000:  # the dwell drives the Pacific corridor to the other Pacific port
        assert cs["mx_pacific"].gateway_port == "MXQ"


def test_forbidding_us_transit_leaves_only_us_free_corridors():
    g = family_graph()
    cs = corridors(g, "H", "A1", scenario=_scenario(policy={"forbid_us_transit": True}),
                   allow_hypothetical=True)
    assert all(not c.us_transit for c in cs.corridors if c.route is not None)
    for name in ("ca_pacific_inbond", "us_pacific", "us_gulf"):
        assert cs[name].route is None and "US transit is closed" in cs[name].reason
    assert cs.best is not None and not cs.best.us_transit


def _assert_thresholds_tie(graph, origin, dest, **kw):
    cs = corridors(graph, origin, dest, **kw)
    best = cs.best
    rows = cs.thresholds()
    for row in rows:
        assert row["switch_usd_per_teu"] >= 0
        re = corridors(graph, origin, dest, **kw,
                       gateway_surcharge_usd_per_teu={best.gateway: row["switch_usd_per_teu"]})
        a = re.objective_value(re[best.gateway])
        b = re.objective_value(re[row["gateway"]])
        assert abs(a - b) < 1.0, (row, a, b)
        # Charged that much more, the winner is no better than the corridor.
        assert re.objective_value(re.best) <= b + 1e-6
        assert a >= b - 1.0
        if kw.get("cargo_value_usd_per_teu"):
            assert row["switch_pct_of_cargo_value"] == pytest.approx(
                row["switch_usd_per_teu"] / kw["cargo_value_usd_per_teu"] * 100)
    return rows


@pytest.mark.parametrize("scenario", ["status_quo", "duty_25pct", "border_closure_risk",
                                      "cusma_review", "mx_pacific_congestion"])
@pytest.mark.parametrize("dest", ["A1", "A2"])
def test_switch_thresholds_tie_on_the_synthetic_graph(scenario, dest):
    rows = _assert_thresholds_tie(family_graph(), "H", dest, scenario=scenario,
                                  allow_hypothetical=True, cargo_value_usd_per_teu=60_000)
    assert len(rows) == 5


@pytest.mark.parametrize("dest", ["A1", "A2"])
def test_switch_thresholds_tie_for_a_blended_objective(dest):
    g = family_graph()
    rows = _assert_thresholds_tie(g, "H", dest, objective={"cost": 1.0, "time": 15.0},
                                  scenario="mx_pacific_congestion", allow_hypothetical=True)
    assert len(rows) == 5
    fast = corridors(g, "H", dest, objective="time", allow_hypothetical=True)
    assert all(math.isnan(r["switch_usd_per_teu"]) for r in fast.thresholds())
    assert fast.best.route.time_h == min(c.route.time_h for c in fast.corridors)


def test_time_objective_and_bad_input():
    g = family_graph()
    fast = corridors(g, "H", "A1", objective="time", allow_hypothetical=True)
    cheap = corridors(g, "H", "A1", allow_hypothetical=True)
    for a, b in zip(fast.corridors, cheap.corridors, strict=True):
        assert a.route.time_h <= b.route.time_h + 1e-9
    from networks.errors import BypassError
    with pytest.raises(BypassError, match="Asian port"):
        corridors(g, "H", "MXP")
    with pytest.raises(BypassError, match="unknown gateway family"):
        corridors(g, "H", "A1", gateway_surcharge_usd_per_teu={"nowhere": 1.0})


def test_shipped_corridor_scenarios_parse():
    sup = load_scenario("inbond_suspended")
    assert sup.forbid_us_transit and sup.sources
    cong = load_scenario("mx_pacific_congestion")
    assert dict(cong.port_extra_dwell_h) == {"MXZLO": pytest.approx(4.42 * 24, abs=0.1)}
    rev = load_scenario("cusma_review")
    assert rev.as_of.year == 2026 and not rev.forbid_us_transit


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def graph():
    from networks.build import load_graph

    return load_graph()


PAIRS = list(itertools.product(["MTY", "GDL", "MEX"], ["CNSHA", "KRPUS"]))


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: "-".join(p))
def test_real_corridors_agree_with_the_two_sided_comparison(graph, pair):
    from routing.query import compare_route

    for hyp in (False, True):
        cs = corridors(graph, *pair, allow_hypothetical=hyp)
        both = compare_route(graph, *pair, **_hyp_kwargs(hyp))
        free = [c.transport_usd_per_teu for c in cs.corridors if c.route and not c.us_transit]
        us = [c.transport_usd_per_teu for c in cs.corridors if c.route and c.us_transit]
        if both["us_free"] is not None:
            assert min(free) == pytest.approx(both["us_free"].cost_usd_per_teu, abs=1e-6)
        if both["via_us"] is not None and gateway_family(graph, both["via_us"]) is not None:
            assert min(us) == pytest.approx(both["via_us"].cost_usd_per_teu, abs=1e-6)


def test_in_bond_means_crossing_us_land_to_board_at_a_non_us_port_on_every_pair(graph):
    """Every corridor route of every default pair: in bond exactly when the route transits
    the US and its gateway (where it boards the service to Asia) is not a US port.

    Regression: Guadalajara's US Pacific route sails Manzanillo - Ensenada first, crosses
    at Otay Mesa and boards at Long Beach; it was called "in bond" because its first load
    leg (Manzanillo) is Mexican.
    """
    from routing.compare import default_destinations, default_origins

    seen = {True: 0, False: 0}
    for o, d in itertools.product(default_origins(graph), default_destinations(graph)):
        for c in corridors(graph, o, d).corridors:
            if c.route is None:
                continue
            gw = c.gateway_port
            expected = bool(c.route.us_transit and gw is not None
                            and graph.nodes[gw].get("country") != "USA")
            assert c.in_bond == c.route.in_bond == expected, (o, d, c.gateway)
            seen[expected] += 1
    assert seen[True] and seen[False]
    gdl = corridors(graph, "GDL", "CNSHA")["us_pacific"]
    assert gdl.route is not None and gdl.route.us_transit and not gdl.in_bond


@pytest.mark.parametrize("pair", PAIRS[:4], ids=lambda p: "-".join(p))
@pytest.mark.parametrize("scenario", ["status_quo", "duty_25pct", "mx_pacific_congestion"])
def test_real_switch_thresholds_tie(graph, pair, scenario):
    _assert_thresholds_tie(graph, *pair, scenario=scenario, allow_hypothetical=True)


def test_real_strict_waters_keeps_the_sea_corridor_out_of_us_waters(graph):
    lax = corridors(graph, "MTY", "CNSHA", allow_hypothetical=True)["ca_pacific_sea"]
    strict = corridors(graph, "MTY", "CNSHA", allow_hypothetical=True,
                       strict_waters=True)["ca_pacific_sea"]
    assert lax.route is not None and strict.route is not None
    assert not strict.route.us_transit  # legs judged by the strict rule
    assert strict.transport_usd_per_teu >= lax.transport_usd_per_teu - 1e-6


def test_real_inbond_suspended_offers_no_us_transit(graph):
    for hyp in (False, True):
        cs = corridors(graph, "MTY", "CNSHA", scenario="inbond_suspended",
                       allow_hypothetical=hyp)
        assert not [c for c in cs.corridors if c.route is not None and c.us_transit]
        assert cs.best is not None


# --------------------------------------------------------------------------- CLI


def _run(capsys, *args):
    from routing.cli import main

    code = main(list(args))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_cli_json_lists_all_six_gateways(capsys, tmp_path):
    import json

    code, out, _ = _run(capsys, "-q", "corridors", "--from", "MTY", "--to", "CNSHA", "--json",
                        "--csv", str(tmp_path / "c.csv"))
    assert code == 0
    data = json.loads(out)
    assert {"from", "to", "scenario", "corridors"} <= set(data)
    assert (data["from"], data["to"], data["scenario"]) == ("MTY", "CNSHA", "status_quo")
    by = {c["gateway"]: c for c in data["corridors"]}
    assert list(by) == list(FAMILY_NAMES)
    for c in data["corridors"]:
        assert set(c) >= {"gateway", "us_transit", "in_bond", "legs", "totals", "reason"}
        assert (c["legs"] is None) == bool(c["reason"])
    inb = by["ca_pacific_inbond"]
    assert inb["us_transit"] is True and inb["in_bond"] is True and inb["legs"]
    assert by["ca_pacific_sea"]["legs"] is None
    assert "--allow-hypothetical" in by["ca_pacific_sea"]["reason"]
    assert {s["scenario"] for s in data["scenarios"]} >= {"inbond_suspended", "cusma_review"}
    import pandas as pd

    frame = pd.read_csv(tmp_path / "c.csv")
    assert set(frame["gateway"]) == set(FAMILY_NAMES)

    code, out, _ = _run(capsys, "-q", "corridors", "--from", "MTY", "--to", "CNSHA", "--json",
                        "--allow-hypothetical")
    sea = {c["gateway"]: c for c in json.loads(out)["corridors"]}["ca_pacific_sea"]
    assert code == 0 and sea["legs"] and sea["us_transit"] is False
    assert sea["totals"]["hypothetical_services"] >= 1


def test_cli_inbond_suspended_and_errors(capsys):
    import json

    code, out, _ = _run(capsys, "-q", "corridors", "--from", "GDL", "--to", "KRPUS", "--json",
                        "--scenario", "inbond_suspended")
    assert code == 0
    assert not [c for c in json.loads(out)["corridors"] if c["us_transit"]]
    code, out, err = _run(capsys, "-q", "corridors", "--from", "MTY", "--to", "MXZLO")
    assert code != 0 and out == "" and len(err.strip().splitlines()) == 1
    assert "Asian port" in err
    code, out, err = _run(capsys, "-q", "corridors", "--from", "MTY", "--to", "CNSHA",
                          "--scenario", "nope")
    assert code == 2 and "unknown scenario" in err


# --------------------------------------------------------------------------- plan


def test_plan_by_corridor_overflows_into_us_and_canadian_gateways():
    import pandas as pd

    from routing.plan import corridor_stress

    g = family_graph()
    for p in ("MXP", "MXQ", "MXG"):
        g.nodes[p]["capacity_teu_per_year"] = 100.0
    demand = pd.DataFrame({"origin": ["H"], "destination": ["A1"], "teu_per_year": [250.0]})
    f = corridor_stress(g, demand, (1.0, 2.0))
    for (factor, _side), grp in f.groupby(["demand_factor", "side"]):
        assert grp["teu_per_year"].sum() == pytest.approx(250.0 * factor)
    vol = f.set_index(["demand_factor", "side", "gateway"])["teu_per_year"]
    mexican = ["mx_pacific", "mx_gulf"]
    # x1: the Mexican gateways carry everything, on both sides.
    for side in ("us_free", "us_allowed"):
        assert sum(vol[(1.0, side, gw)] for gw in mexican) == pytest.approx(250.0)
    # x2: Mexican ports are full; without the US the rest cannot move (the sea leg to
    # Canada also loads at a full Mexican port), with the US it overflows north.
    assert sum(vol[(2.0, "us_free", gw)] for gw in mexican) == pytest.approx(300.0)
    assert vol[(2.0, "us_free", "unserved")] == pytest.approx(200.0)
    north = ["ca_pacific_inbond", "us_pacific", "us_gulf"]
    assert sum(vol[(2.0, "us_allowed", gw)] for gw in north) == pytest.approx(200.0)
    binding = f[(f.demand_factor == 2.0) & (f.side == "us_allowed")]["binding"].iloc[0]
    assert all(p in binding for p in ("MXP", "MXQ", "MXG"))


def test_cli_plan_by_corridor_json(capsys):
    import json

    code, out, _ = _run(capsys, "-q", "plan", "--by-corridor", "--stress", "1.5", "--json")
    assert code == 0
    rows = json.loads(out)["by_corridor"]
    assert {r["demand_factor"] for r in rows} == {1.0, 1.5}
    assert {r["gateway"] for r in rows} >= set(FAMILY_NAMES) | {"unserved"}
    code, _, err = _run(capsys, "-q", "plan", "--stress", "2")
    assert code != 0 and "--by-corridor" in err
