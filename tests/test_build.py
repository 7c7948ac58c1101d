"""The routing graph: US transit derived from geometry, land links, hand-checked routes."""

from __future__ import annotations

import geopandas as gpd
import pyogrio
import pytest
import shapely

from networks import geography
from networks.build import build_graph, load_graph
from networks.datasets import default_dataset
from networks.errors import InfeasibleError
from routing.query import compare_route, solve_route

ASIA = ("CNSHA", "CNNGB", "CNYTN", "HKHKG", "KRPUS", "JPYOK", "JPTYO", "TWKHH", "SGSIN", "CNTAO")


@pytest.fixture(scope="module")
def graph():
    return load_graph()


def test_graph_has_every_kind_of_node_and_edge(graph):
    kinds = {d["kind"] for _, d in graph.nodes(data=True)}
    assert {"hub", "port", "berth", "border", "junction", "rail_terminal"} <= kinds
    modes = {d["mode"] for *_, d in graph.edges(data=True)}
    assert modes == {"sea", "rail", "road", "transfer"}
    hubs = [n for n, d in graph.nodes(data=True) if d["kind"] == "hub"]
    assert len(hubs) >= 12
    assert graph.graph["warnings"] == ()


def test_edges_carry_the_contract_attributes(graph):
    needed = {"mode", "kind", "distance_km", "time_h", "cost_usd_per_teu", "co2_kg_per_teu",
              "countries", "us_transit", "us_transit_strict", "us_waters_nm", "geometry"}
    for u, v, d in graph.edges(data=True):
        assert needed <= set(d), (u, v)
        assert d["time_h"] >= 0 and d["cost_usd_per_teu"] >= 0 and d["co2_kg_per_teu"] >= 0
        if d["mode"] == "sea":
            assert d["service"] in ("scheduled", "hypothetical")
            assert d["distance_nm"] == pytest.approx(d["distance_km"] / 1.852)


def test_us_free_edges_are_disjoint_from_the_us_and_touch_no_us_node(graph):
    us = geography.country_geometry("USA")
    shapely.prepare(us)
    for u, v, d in graph.edges(data=True):
        if d["us_transit"]:
            continue
        assert not graph.nodes[u]["us_transit"] and not graph.nodes[v]["us_transit"], (u, v)
        geom = geography.split_antimeridian(d["geometry"]) if d["mode"] == "sea" else d["geometry"]
        assert not us.intersects(geom), (u, v)


def test_us_transit_is_derived_not_typed(graph):
    # Every edge touching a US node, or whose geometry meets US land, is flagged; so is a
    # liner ride that calls at a US port on the way (the box stays aboard in a US port).
    us = geography.country_geometry("USA")
    for u, v, d in graph.edges(data=True):
        touches = graph.nodes[u]["us_transit"] or graph.nodes[v]["us_transit"] or any(
            graph.nodes[c]["us_transit"] for c in d.get("calls", ()))
        geom = geography.split_antimeridian(d["geometry"]) if d["mode"] == "sea" else d["geometry"]
        assert d["us_transit"] == (touches or bool(us.intersects(geom))), (u, v)
        assert d["us_transit_strict"] >= d["us_transit"]


def test_ciudad_juarez_tijuana_nuevo_laredo_are_in_mexico(graph):
    assert graph.nodes["CJS"]["country"] == "MEX"
    assert graph.nodes["TIJ"]["country"] == "MEX"
    border = graph.nodes["NLD-LRD:MEX"]
    assert set(border["countries"]) == {"MEX", "USA"}
    assert graph.nodes["ELP"]["country"] == "USA"


def test_land_links_stay_within_their_countries(graph):
    """At most 0.5 km of a link lies on another country's land.

    The last 2 km before a border crossing are left out: Natural Earth's
    boundary line is not surveyed to the metre at the bridges.
    """
    frame = geography.countries()
    for u, v, d in graph.edges(data=True):
        if d["mode"] not in ("rail", "road"):
            continue
        own = {graph.nodes[u]["country"], graph.nodes[v]["country"]}
        line = d["geometry"]
        for end in (u, v):
            if graph.nodes[end]["kind"] == "border":
                nd = graph.nodes[end]
                line = line.difference(shapely.Point(nd["lon"], nd["lat"]).buffer(0.02))
        near = frame[frame.geometry.intersects(line) & ~frame["iso3"].isin(own)]
        if own & {"USA"}:
            near = near[~near["iso3"].isin(geography.US_TERRITORIES)]
        foreign = line.intersection(shapely.union_all(near.geometry.values)) if len(near) else None
        km = geography.geodesic_length_km(foreign) if foreign is not None else 0.0
        assert km <= 0.5, (u, v, own, sorted(near["iso3"]))


def test_corridor_lengths_match_documented_distances():
    links = default_dataset()["land_links"]
    documented = links[links["documented_km"].notna()]
    assert len(documented) >= 10
    for rec in documented.itertuples(index=False):
        assert rec.documented_source, rec.id
        assert abs(rec.distance_km - rec.documented_km) / rec.documented_km <= 0.10, rec.id


def test_land_link_geometry_follows_the_corridor_not_a_chord():
    links = default_dataset()["land_links"]
    long = links[links["distance_km"] > 100]
    for rec in long.itertuples(index=False):
        assert len(rec.geometry.coords) > 3, rec.id
        # OSM geometry runs quay/yard to hub, so it may exceed a city-to-city figure.
        assert geography.geodesic_length_km(rec.geometry) <= rec.distance_km * 1.15, rec.id


def test_monterrey_to_shanghai_via_mexican_pacific_is_us_free(graph):
    for port in ("MXZLO", "MXLZC"):
        route = solve_route(graph, "MTY", "CNSHA", via=[port])
        assert not route.us_transit
        assert port in route.totals["ports"]
        assert all(not leg.us_transit for leg in route.legs)


def test_monterrey_to_shanghai_via_laredo_and_long_beach_is_not(graph):
    # Boarding a Long Beach service (MSC Orient) names the berth of that service: with
    # US export handling dearer than Mexico's, the cheapest *walk* through the Long Beach
    # port node trucks back to Ensenada, and the exact simple-path search it then needs
    # is the solver's slow case (see the #12 report).
    route = solve_route(graph, "MTY", "CNSHA", allow_us=True,
                        via=["NLD-LRD-R:MEX", "USLGB:ORIENT:out"])
    assert route.us_transit
    assert "USLGB" in route.totals["ports"]
    assert any(leg.kind.startswith("border") for leg in route.legs)
    with pytest.raises(InfeasibleError, match="United States") as caught:
        solve_route(graph, "MTY", "CNSHA", via=["USLGB"])
    assert caught.value.constraint == "allow_us"


def test_cpkc_and_houston_nodes_lie_where_the_geometry_says(graph):
    for node in ("KCY", "CHI", "MSP", "USHOU"):
        assert graph.nodes[node]["country"] == "USA" and graph.nodes[node]["us_transit"]
    for node in ("MJW", "CGY", "EDM"):
        assert graph.nodes[node]["country"] == "CAN" and not graph.nodes[node]["us_transit"]
    assert set(graph.nodes["PTL-R:CAN"]["countries"]) == {"CAN", "USA"}


def test_cpkc_links_are_us_transit_only_where_they_touch_the_us(graph):
    assert graph.edges["KCY:rail", "CHI:rail", "rail-KCY-CHI"]["us_transit"]
    assert graph.edges["NLD-LRD-R:USA", "KCY:rail", "rail-NLD-LRD-R-KCY"]["us_transit"]
    assert not graph.edges["CGY:rail", "EDM:rail", "rail-CGY-EDM"]["us_transit"]
    assert not graph.edges["EDM:rail", "RPJ:rail", "rail-EDM-RPJ"]["us_transit"]


def test_monterrey_by_truck_over_laredo_to_houston_is_us_transit_not_in_bond(graph):
    route = solve_route(graph, "MTY", "CNSHA", allow_us=True,
                        via=["NLD-LRD:MEX", "USHOU"], avoid_modes=["rail"])
    assert route.us_transit and not route.in_bond
    assert route.totals["ports"][0] == "USHOU"
    assert [leg.kind for leg in route.legs if leg.kind.startswith("border")] == ["border-road"]


def test_totals_equal_the_sum_of_legs(graph):
    route = solve_route(graph, "GDL", "JPYOK")
    for name in ("distance_km", "time_h", "cost_usd_per_teu", "co2_kg_per_teu"):
        assert route.totals[name] == pytest.approx(sum(getattr(x, name) for x in route.legs))
    assert route.totals["us_waters_nm"]["eez"] == pytest.approx(
        sum(x.us_waters_nm["eez"] for x in route.legs))


def test_every_hub_reaches_every_asian_port_both_ways(graph):
    hubs = sorted(n for n, d in graph.nodes(data=True) if d["kind"] == "hub")
    for hub in hubs:
        for port in ASIA:
            result = compare_route(graph, hub, port)
            for side in ("us_free", "via_us"):
                assert result[side] is not None or result["reasons"][side], (hub, port, side)
            assert result["us_free"] is not None, (hub, port, result["reasons"])
            assert result["via_us"] is not None, (hub, port, result["reasons"])
            assert not result["us_free"].us_transit
            assert result["via_us"].us_transit


def test_results_do_not_change_between_runs():
    first = build_graph(default_dataset())
    second = build_graph(default_dataset())
    a = compare_route(first, "SLP", "KRPUS")
    b = compare_route(second, "SLP", "KRPUS")
    for side in ("us_free", "via_us"):
        assert a[side].to_dict() == b[side].to_dict()
    assert sorted(first.edges(keys=True)) == sorted(second.edges(keys=True))


def test_strict_rule_and_the_juan_de_fuca_exemption(graph):
    # Vancouver's sea legs cross the shared boundary waters: exempt under the strict rule.
    edge = graph.get_edge_data("CAVAN:TP1:out", "JPYOK:TP1:in")["sea"]
    assert edge["us_waters_nm"]["territorial"] > 0
    assert not edge["us_transit_strict"]
    # Ensenada's shortest leg to Asia passes the Channel Islands inside US waters;
    # the strict rule rules it out, and the offshore variant replaces it (TLP5 from its
    # second Ensenada call sails to Yokohama, then Busan, Ningbo, Shanghai).
    legs = graph.get_edge_data("MXESE:TLP5:out", "CNSHA:TLP5:in")
    assert legs["sea"]["us_transit_strict"] and not legs["sea"]["us_transit"]
    assert not legs["sea-offshore"]["us_transit_strict"]
    strict = solve_route(graph, "TIJ", "CNSHA", strict_waters=True)
    assert all(not leg.us_transit for leg in strict.legs)
    assert strict.totals["us_waters_nm"]["territorial"] == 0


def test_hypothetical_services_are_flagged(graph):
    # Every direct port-to-port leg is hypothetical; scheduled sea edges are liner rides.
    edge = graph.get_edge_data("MXZLO:out", "CAPRR:in")["sea"]
    assert edge["service"] == "hypothetical" and edge["services"] == ()
    for u, v, d in graph.edges(data=True):
        if d["mode"] != "sea":
            continue
        if u.endswith(":out") and u.count(":") == 1:
            assert d["service"] == "hypothetical", (u, v)
        else:
            assert d["service"] == "scheduled" and len(d["services"]) == 1, (u, v)
    scheduled = [d for *_, d in graph.edges(data=True) if d.get("service") == "scheduled"]
    assert scheduled and all(d["service_source"] for d in scheduled)


def test_geopackage_export_opens_with_both_layers(graph, tmp_path):
    from networks.export import write_geopackage

    path = tmp_path / "bypass.gpkg"
    write_geopackage(graph, path)
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert layers == {"nodes", "edges"}
    nodes = gpd.read_file(path, layer="nodes")
    edges = gpd.read_file(path, layer="edges")
    assert nodes.crs.to_epsg() == 4326 and edges.crs.to_epsg() == 4326
    assert len(nodes) == graph.number_of_nodes()
    assert len(edges) == graph.number_of_edges()
    assert {"us_transit", "cost_usd_per_teu", "us_territorial_nm"} <= set(edges.columns)
    bounds = edges.total_bounds
    assert bounds[0] >= -180 and bounds[2] <= 180
    assert list(tmp_path.iterdir()) == [path]  # no temp file left behind
