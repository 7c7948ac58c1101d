"""The ``red_sea_diversion`` scenario: Cape of Good Hope routing of Suez traffic.

Figures (networks/data/scenarios/red_sea_diversion.toml): the Cape detour adds
about 3,500 nm, 7-14 days on Asia-Europe (Mexico Business News, 18 Dec 2023);
Maersk's transit disruption surcharge is 200 USD per 20-ft box to the US East
Coast (Reuters, 22 Dec 2023). Net of the Suez toll (40.25 USD/TEU) and canal
transit (14 h) a Suez-crossing sea leg already carries: +219.3 h, +159.75 USD/TEU.
"""

from __future__ import annotations

import math

import pytest

from networks.build import load_graph
from networks.errors import ScenarioError
from routing.corridors import corridors
from routing.scenarios import load_scenario, parse_scenario


@pytest.fixture(scope="module")
def graph():
    return load_graph()


def _sea_passages(graph, route):
    out = []
    for leg in route.legs:
        if leg.mode == "sea":
            out.extend(graph.edges[leg.from_id, leg.to_id, leg.key].get("passages") or ())
    return out


def _raw(**passages):
    sc = load_scenario("red_sea_diversion")
    return {"name": "t", "description": "t", "as_of": "2024-01-05",
            "sources": [s.to_dict() for s in sc.sources],
            "us_transit": {}, "passages": passages}


def test_scenario_reads_its_cited_figures():
    sc = load_scenario("red_sea_diversion")
    assert sc.passage_extra == (("suez", 219.3, 159.75),)
    # 3,500 nm at the model's 15 kn, less the 14 h canal transit, inside the cited 7-14 days.
    assert 7 * 24 <= sc.passage_extra[0][1] <= 14 * 24
    assert sc.to_dict()["passages"] == {"suez": {"extra_h": 219.3, "extra_usd_per_teu": 159.75}}
    # No charge on US transit: the diversion is a sea-side scenario.
    assert sc.charges(1000.0, 900.0, 40_000.0) == {
        "surcharge": 0.0, "duty": 0.0, "delay": 0.0, "disruption": 0.0}


@pytest.mark.parametrize("passages, message", [
    ({"suez": {"extra_days": 10}}, "unknown field 'extra_days'"),
    ({"suez": 219.3}, "[passages.suez] must be a table"),
    ({"suez": {"extra_h": -1}}, "extra_h must be within"),
])
def test_bad_passage_table_is_one_clear_error(passages, message):
    with pytest.raises(ScenarioError, match=None) as exc:
        parse_scenario(_raw(**passages))
    assert message in str(exc.value) and "\n" not in str(exc.value)


def test_a_suez_leg_pays_the_detour(graph):
    # Puebla -> Singapore through a Mexican Gulf port: only a hypothetical
    # Veracruz -> Singapore leg exists, and its path crosses Suez.
    base = corridors(graph, "PBC", "SGSIN", allow_hypothetical=True, families=["mx_gulf"])
    red = corridors(graph, "PBC", "SGSIN", scenario="red_sea_diversion",
                    allow_hypothetical=True, families=["mx_gulf"])
    b, r = base["mx_gulf"], red["mx_gulf"]
    assert "suez" in _sea_passages(graph, b.route)
    assert r.route.nodes == b.route.nodes  # no other way through a Mexican Gulf port
    assert r.charges_usd_per_teu == {"passage_suez": pytest.approx(159.75)}
    assert r.total_usd_per_teu == pytest.approx(b.total_usd_per_teu + 159.75)
    assert r.days == pytest.approx(b.days + 219.3 / 24)


def test_passage_charges_are_solved_into_the_routes(graph):
    # The same mechanism re-routes: price the Panama Canal like a closure and
    # Puebla's box for Prince Rupert leaves Veracruz (through Panama) for a
    # Pacific port.
    raw = _raw(panama={"extra_h": 0.0, "extra_usd_per_teu": 5000.0})
    closed = parse_scenario(raw)
    base = corridors(graph, "PBC", "SGSIN", allow_hypothetical=True,
                     families=["ca_pacific_sea"])["ca_pacific_sea"]
    moved = corridors(graph, "PBC", "SGSIN", scenario=closed, allow_hypothetical=True,
                      families=["ca_pacific_sea"])["ca_pacific_sea"]
    assert "panama" in _sea_passages(graph, base.route)
    assert "panama" not in _sea_passages(graph, moved.route)
    assert moved.charges_usd_per_teu == {}
    assert base.total_usd_per_teu < moved.total_usd_per_teu < base.total_usd_per_teu + 5000.0


def test_no_scheduled_service_crosses_suez_so_default_answers_do_not_change(graph):
    # The finding: Mexico -> Asia liner services sail the Pacific; none uses Suez.
    for _, _, d in graph.edges(data=True):
        if d.get("mode") == "sea" and d.get("service") == "scheduled":
            assert "suez" not in (d.get("passages") or ())
    for origin in ("MTY", "PBC"):
        base = corridors(graph, origin, "SGSIN")
        red = corridors(graph, origin, "SGSIN", scenario="red_sea_diversion")
        for b, r in zip(base.corridors, red.corridors, strict=True):
            assert b.gateway == r.gateway
            if b.route is None:
                assert r.route is None
                continue
            assert r.route.nodes == b.route.nodes
            assert math.isclose(r.total_usd_per_teu, b.total_usd_per_teu)


def test_compare_says_it_ignores_the_diversion(graph, caplog):
    from routing.compare import compare

    with caplog.at_level("WARNING", logger="routing.compare"):
        comp = compare(graph, ["MTY"], ["SGSIN"], scenario="red_sea_diversion")
    assert comp.scenario.name == "red_sea_diversion"
    assert any("[passages] not applied by compare" in r.getMessage() for r in caplog.records)
