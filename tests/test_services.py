"""Liner services: rotations, rides, transshipment, rates and the hypothetical layer (#12)."""

from __future__ import annotations

import pandas as pd
import pytest

from networks import costs, services, settings
from networks.build import load_graph
from networks.datasets import default_dataset, parameter
from networks.sea import dataset_legs
from routing.query import solve_route

ASIA = ("CNSHA", "CNNGB", "CNYTN", "HKHKG", "KRPUS", "JPYOK", "JPTYO", "TWKHH", "SGSIN", "CNTAO")


@pytest.fixture(scope="module")
def graph():
    return load_graph()


@pytest.fixture(scope="module")
def dataset_services():
    ds = default_dataset()
    legs, _ = dataset_legs(ds)
    found, _ = services.parse_services(ds.tables["services"], set(ds.ports["locode"]))
    return ds, legs, {s.name: s for s in found}


def hubs(graph):
    return sorted(n for n, d in graph.nodes(data=True) if d["kind"] == "hub")


# Published port-to-port transit days: COSCO/OOCL TLP5, Qingdao-Ensenada 15 d and
# Qingdao-Manzanillo 20 d — "New shipping routes highlight growing Asia-to-Mexico trade",
# FreightWaves, https://www.freightwaves.com/news/new-shipping-routes-highlight-growing-asia-to-mexico-trade
# (May 2024).
@pytest.mark.parametrize("a, b, published_days", [("CNTAO", "MXESE", 15.0),
                                                  ("CNTAO", "MXZLO", 20.0)])
def test_rotation_times_match_published_transit_days(dataset_services, a, b, published_days):
    ds, legs, found = dataset_services
    ride = next(r for r in services.rides(found["TLP5"], legs)
                if (r.origin, r.destination) == (a, b))
    days = services.ride_time_h(ride, parameter(ds.parameters, "ocean.speed_kn"),
                                parameter(ds.parameters, "ocean.port_call_h")) / 24.0
    assert days == pytest.approx(published_days, rel=0.25)
    # The published figures are also in the data, next to their source.
    assert found["TLP5"].transit_days[(a, b)] == published_days


def test_a_ride_follows_the_rotation_not_a_direct_line(dataset_services):
    _, legs, found = dataset_services
    ride = next(r for r in services.rides(found["TLP5"], legs)
                if (r.origin, r.destination) == ("CNTAO", "MXZLO"))
    assert ride.calls == ("CNTAO", "MXESE", "MXZLO")
    assert ride.distance_nm == pytest.approx(
        legs[("CNTAO", "MXESE")].distance_nm + legs[("MXESE", "MXZLO")].distance_nm)
    assert ride.distance_nm > legs[("CNTAO", "MXZLO")].distance_nm


def test_wci_los_angeles_shanghai_leg_lands_in_the_published_range(graph):
    # Drewry WCI Los Angeles-Shanghai, USD per 40 ft, flat from Jan 2025 to Jan 2026:
    # 725 (16 Jan 2025) — airfreight.news, Drewry's World Container Index 16 Jan —
    #   https://airfreight.news/articles/full/drewrys-world-container-index-16-jan
    # 705 (3 Apr 2025) — JIFFA WCI wk 14 — https://www.jiffa.or.jp/en/news/entry-9356.html
    # 714 (3 Jul 2025) — Trasporto Europa — https://www.trasportoeuropa.it/english/
    #   container-freight-rates-from-china-decline-at-the-end-of-june-2025
    # 721 (8 Jan 2026, the dataset's rate date) — Shipping Telegraph —
    #   https://shippingtelegraph.com/freight-news/
    #   drewry-the-world-container-index-increased-16-this-week-02-2026
    low, high = settings.per_teu_from_feu(705.0), settings.per_teu_from_feu(725.0)
    rides = [d for u, v, d in graph.edges(data=True)
             if d["mode"] == "sea" and d["service"] == "scheduled"
             and graph.nodes[u]["port"] == "USLAX" and graph.nodes[v]["port"] == "CNSHA"]
    assert rides
    for d in rides:
        assert low <= d["cost_usd_per_teu"] <= high


def test_south_china_and_taiwan_are_reachable_on_scheduled_services(graph):
    for hub in hubs(graph):
        for port in ("HKHKG", "CNYTN", "TWKHH"):
            r = solve_route(graph, hub, port)
            sea = [leg for leg in r.legs if leg.mode == "sea"]
            assert sea and all(leg.service == "scheduled" and leg.services for leg in sea)
            assert not r.us_transit


def test_default_routes_use_no_hypothetical_leg_and_opt_in_is_flagged(graph):
    r = solve_route(graph, "MTY", "CNSHA")
    assert r.totals["hypothetical_services"] == 0
    hyp = solve_route(graph, "MXMZT", "CNSHA", allow_hypothetical=True)
    # Mazatlan has no liner service: opting in allows its direct (charter) leg.
    assert hyp.totals["hypothetical_services"] == 1
    leg = next(leg for leg in hyp.legs if leg.mode == "sea")
    assert leg.service == "hypothetical" and leg.services == ()
    assert leg.to_dict()["services"] == []
    assert hyp.constraints["allow_hypothetical"] is True
    default = solve_route(graph, "MXMZT", "CNSHA")
    assert default.totals["hypothetical_services"] == 0
    assert "MXMZT" not in [leg.from_id for leg in default.legs if leg.mode == "sea"]


def test_hypothetical_leg_is_priced_above_the_liner_rate(graph):
    params = default_dataset().parameters
    for *_, d in graph.edges(data=True):
        if d["mode"] == "sea" and d["service"] == "hypothetical" and not d["passages"]:
            liner = costs.ocean_rate(params, d["lane"], d["direct_nm"])
            assert d["cost_usd_per_teu"] == pytest.approx(
                liner * parameter(params, "ocean.hypothetical_rate_factor"))


def test_singapore_costs_more_than_busan_from_every_hub_and_needs_a_relay(graph):
    for hub in hubs(graph):
        sg, bu = solve_route(graph, hub, "SGSIN"), solve_route(graph, hub, "KRPUS")
        assert sg.cost_usd_per_teu > bu.cost_usd_per_teu
        # No service runs Mexico-Singapore: the box transships in North Asia.
        assert sg.totals["transshipments"] >= 1
        relay = [leg for leg in sg.legs if leg.kind == "transship"]
        assert relay and len(relay[0].services) == 2
        assert len(sg.totals["ports"]) == 3  # gateway, relay port, Singapore


def test_waiting_is_half_the_headway_and_shown_apart(graph):
    r = solve_route(graph, "MTY", "CNSHA")
    load = next(leg for leg in r.legs if leg.kind == "load")
    assert load.wait_h == pytest.approx(84.0)  # weekly service: 7 d / 2
    assert r.totals["wait_h"] == pytest.approx(sum(leg.wait_h or 0 for leg in r.legs))
    assert load.to_dict()["wait_h"] == pytest.approx(84.0)


def test_intermediate_calls_pay_no_handling(graph):
    # A box riding TLP5 Manzanillo -> Ensenada -> Yokohama pays one freight, no Ensenada lift.
    d = graph.edges["MXZLO:TLP5:out", "JPYOK:TLP5:in", "sea"]
    assert d["calls"] == ("MXZLO", "MXESE", "JPYOK")
    params = default_dataset().parameters
    assert d["cost_usd_per_teu"] == pytest.approx(
        costs.ocean_rate(params, "transpacific_wb", d["direct_nm"]))


def test_a_ride_calling_a_us_port_is_us_transit(graph):
    # PN3 calls Tacoma between Vancouver and Busan: a box left on board transits the US.
    d = graph.edges["CAVAN:PN3:out", "KRPUS:PN3:in", "sea"]
    assert "USTIW" in d["calls"] and d["us_transit"]


def test_calls_at_unknown_ports_drop_out_with_one_warning_per_service(caplog):
    table = pd.DataFrame({
        "service": ["A", "B", "C"], "operators": ["X", "Y", "Z"],
        "rotation": ["CNSHA;ZZAAA;ZZBBB;MXZLO", "ZZAAA;CNSHA", "~ZZCCC;CNSHA;MXZLO"],
        "sailings_per_week": [1.0, 2.0, 1.0], "transit_days": [None, None, None],
        "source": ["s", "s", "s"],
    })
    found, warnings = services.parse_services(table, {"CNSHA", "MXZLO"})
    assert [s.name for s in found] == ["A", "C"]
    assert found[0].calls == found[1].calls == ("CNSHA", "MXZLO")  # "~": left out quietly
    # One note per service that lost an unmarked call (B also lost its service); the
    # builder logs them and keeps them with the cached graph (test_datasets cascade).
    assert len(warnings) == 2 and "ZZAAA, ZZBBB" in warnings[0]
    assert warnings[1].startswith("service B:") and "service left out" in warnings[1]


def test_rides_do_not_go_round_the_pacific(dataset_services):
    ds, legs, found = dataset_services
    side = {c: ("asia" if r == "asia" else "na")
            for c, r in zip(ds.ports["locode"], ds.ports["region"], strict=True)}
    for svc in found.values():
        for ride in services.rides(svc, legs, services.sensible(side)):
            sides = [side[c] for c in ride.calls]
            if sides[0] == sides[-1]:
                assert set(sides) == {sides[0]}, (svc.name, ride.calls)
            else:  # crosses the ocean once, never back
                changes = sum(1 for a, b in zip(sides, sides[1:], strict=False) if a != b)
                assert changes == 1, (svc.name, ride.calls)


def test_sea_co2_follows_the_lane_and_the_distance_sailed(graph):
    # GLEC-style factors by trade lane (parameters.toml [co2.sea_g_per_teu_km.*]) applied to
    # the distance actually sailed along the rotation, not the direct distance.
    params = default_dataset().parameters
    seen = set()
    for *_, d in graph.edges(data=True):
        if d["mode"] != "sea" or d["service"] != "scheduled":
            continue
        factor = parameter(params, f"co2.sea_g_per_teu_km.{d['lane']}")
        assert d["co2_kg_per_teu"] == pytest.approx(d["distance_km"] * factor / 1000.0)
        seen.add(d["lane"])
    assert {"transpacific_wb", "intra_asia"} <= seen
    assert parameter(params, "co2.sea_g_per_teu_km.intra_asia") > parameter(
        params, "co2.sea_g_per_teu_km.transpacific_wb")


def test_canal_tolls_are_charged_on_both_canals():
    params = default_dataset().parameters
    toll, hours = costs.canal_figures(params, ("panama", "suez"))
    assert toll == pytest.approx(parameter(params, "ocean.panama_toll_usd_per_teu")
                                 + parameter(params, "ocean.suez_toll_usd_per_teu"))
    assert hours > 0 and parameter(params, "ocean.suez_toll_usd_per_teu") > 0
    assert costs.canal_figures(params, ()) == (0.0, 0.0)


def test_a_malformed_transit_days_entry_is_a_dataset_error():
    from networks.errors import DatasetError

    table = pd.DataFrame({
        "service": ["A"], "operators": ["X"], "rotation": ["CNSHA;MXZLO"],
        "sailings_per_week": [1.0], "transit_days": ["CNSHA>MXZLO=twenty"], "source": ["s"],
    })
    with pytest.raises(DatasetError, match="bad transit_days entry"):
        services.parse_services(table, {"CNSHA", "MXZLO"})
