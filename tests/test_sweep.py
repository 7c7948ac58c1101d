"""Scenario sweeps: exactness against the single-scenario comparison, re-optimisation,
direction of the disruption effect, outputs, and one-line errors for bad sweep files.

Dask engine tests (LocalCluster, worker-count independence, external scheduler) are in
tests/test_sweep_dask.py.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest

from networks.build import load_graph
from routing.cli import main
from routing.compare import compare
from routing.scenarios import HOURS_PER_YEAR
from routing.sweep import (
    FAMILIES,
    SIDES,
    build_model,
    chunks,
    evaluate,
    family_through_us,
    gateway_family,
    run_chunk,
    run_sweep,
    sides_of,
)
from routing.sweep_report import pair_table, run_and_report
from routing.sweep_spec import SWEEP_DIR, SweepError, parse_sweep, read_sweep

ORIGINS = ["MTY", "GDL", "TIJ", "HMO"]
DESTS = ["CNSHA", "JPYOK", "SGSIN"]
TP_LANES = ["transpacific_wb", "na_to_asia", "mx_pacific_to_asia", "mx_gulf_to_asia"]


@pytest.fixture(scope="module")
def graph():
    return load_graph()


def fixed(value: float) -> dict:
    return {"dist": "fixed", "value": value, "source": "test: fixed value"}


def spec_of(inputs: dict, **sweep) -> object:
    return parse_sweep({"sweep": {"name": "t", **sweep}, "inputs": inputs}, "test.toml")


def sides_frame(model, total: np.ndarray) -> pd.DataFrame:
    free, via = sides_of(total, model.columns)
    rows = [{"origin": model.origins[o], "destination": model.destinations[d],
             "free": free[0, p], "via": via[0, p]} for p, (o, d) in enumerate(model.pairs)]
    return pd.DataFrame(rows).set_index(["origin", "destination"])


def assert_same_as_compare(model, total: np.ndarray, comp) -> None:
    got = sides_frame(model, total)
    f = comp.frame.set_index(["origin", "destination"])
    assert len(got) == len(f)
    for key, row in f.iterrows():
        for side, col in (("free", "us_free_total_usd_per_teu"),
                          ("via", "via_us_total_usd_per_teu")):
            want, have = row[col], got.loc[key, side]
            if math.isnan(want):
                assert math.isnan(have), (key, side)
            else:  # exact: same routes, summed in the same order
                assert have == want, (key, side, have, want)


@pytest.mark.parametrize("scenario", ["status_quo", "border_closure_risk", "duty_25pct"])
def test_zero_variance_sweep_equals_single_scenario_comparison(graph, scenario):
    spec = spec_of({"duty_scenario": {"dist": "categorical", "choices": {scenario: 1.0},
                                      "source": "test"},
                    "rail": fixed(1.0), "border_delay_h": fixed(0.0),
                    "disruption_probability": fixed(0.0),
                    "ocean.tp": {**fixed(721.0), "reference": 721.0, "lanes": TP_LANES}})
    model = build_model(graph, spec)
    res = run_chunk(model, seed=7, chunk=0, start=0, count=3)
    assert np.array_equal(res["total"][0], res["total"][2], equal_nan=True)  # no variance
    comp = compare(graph, scenario=scenario, scheduled_only=True)
    assert_same_as_compare(model, res["total"], comp)


def test_sampled_inputs_reoptimise_routes_like_an_edited_graph(graph):
    """Fixed non-neutral inputs = the comparison on a graph whose arcs were re-priced:
    the sweep re-solves the routes, it does not re-price the base routes."""
    rail, road, ocean, delay, price = 3.0, 0.5, 1.6, 5.0, 80.0
    spec = spec_of({"rail": fixed(rail), "road": fixed(road), "border_delay_h": fixed(delay),
                    "co2_price_usd_per_t": fixed(price),
                    "ocean.tp": {**fixed(ocean), "lanes": TP_LANES}},
                   origins=ORIGINS, destinations=DESTS)
    model = build_model(graph, spec)
    res = run_chunk(model, seed=1, chunk=0, start=0, count=1)
    rate = spec.carrying_cost_pct_per_year / 100.0 * spec.cargo_value_usd_per_teu
    g2 = graph.copy()
    for _, _, d in g2.edges(data=True):
        mult = {"rail": rail, "road": road}.get(d.get("mode"), 1.0)
        if d.get("mode") == "sea" and d.get("lane") in TP_LANES:
            mult = ocean
        c = d["cost_usd_per_teu"] * mult
        if str(d.get("kind", "")).startswith("border"):
            c += delay * rate / HOURS_PER_YEAR
            d["time_h"] = d["time_h"] + delay
        d["cost_usd_per_teu"] = c + d.get("co2_kg_per_teu", 0.0) * (price / 1000.0)
    comp = compare(g2, ORIGINS, DESTS, scheduled_only=True)
    assert_same_as_compare(model, res["total"], comp)
    base = run_chunk(build_model(graph, spec_of({}, origins=ORIGINS, destinations=DESTS)),
                     seed=1, chunk=0, start=0, count=1)
    # Tripled rail moves some family's best route off its base route.
    assert (res["route_id"] != base["route_id"]).any()


def test_probability_us_free_cheaper_rises_with_disruption_probability(graph):
    shares = []
    for p in (0.0, 0.3, 0.9):
        spec = spec_of({"disruption_probability": fixed(p),
                        "disruption_days": fixed(14.0)},
                       origins=ORIGINS, destinations=DESTS)
        result = run_sweep(graph, spec, 120, seed=3, workers=0, chunk_size=40)
        shares.append(pair_table(result).set_index(["origin", "destination"])
                      ["p_us_free_cheaper"])
    # Same seed: the same uniforms decide closures, so closures only get added.
    assert (shares[1] >= shares[0]).all() and (shares[2] >= shares[1]).all()
    assert (shares[2] > shares[0]).any()
    # At p = 0 the status-quo answer: the comparison's favoured side, every sample.
    comp = compare(graph, ORIGINS, DESTS, scheduled_only=True).frame \
        .set_index(["origin", "destination"])
    assert (shares[0] == comp["favours_us_free"].astype(float)).all()


def test_same_seed_same_samples_and_chunks_are_fixed_size(graph):
    spec = read_sweep(SWEEP_DIR / "transpacific_2026.toml")
    model = build_model(graph, parse_sweep({"sweep": {"name": "t", "origins": ORIGINS,
                                                      "destinations": DESTS},
                                            "inputs": {k: {**_raw(v)} for k, v in
                                                       spec.inputs.items()}}, "t"))
    a = run_chunk(model, 5, 2, 0, 10)
    b = run_chunk(model, 5, 2, 0, 10)
    c = run_chunk(model, 5, 3, 0, 10)
    assert np.array_equal(a["total"], b["total"], equal_nan=True)
    assert not np.array_equal(a["total"], c["total"], equal_nan=True)
    assert chunks(450, 200) == [(0, 0, 200), (1, 200, 200), (2, 400, 50)]


def _raw(d) -> dict:
    raw = {"dist": d.dist, "source": d.source, "unit": d.unit}
    p = dict(d.params)
    if d.dist == "lognormal" and "p05" in p:
        raw.update(p05=p["p05"], p95=p["p95"])
    elif d.dist == "categorical":
        raw["choices"] = dict(zip(p["names"], p["probs"], strict=True))
    else:
        raw.update(p)
    if d.reference is not None:
        raw["reference"] = d.reference
    if d.lanes:
        raw["lanes"] = list(d.lanes)
    return raw


def test_gateway_family_classification():
    assert gateway_family("ca_pacific", through_us=False) == "ca_pacific_sea"
    assert gateway_family("ca_pacific", through_us=True) == "ca_pacific_inbond"
    assert gateway_family("us_gulf", through_us=True) == "us_gulf"
    assert gateway_family("mx_pacific", through_us=False) == "mx_pacific"
    assert family_through_us("ca_pacific_inbond") and not family_through_us("ca_pacific_sea")


def test_family_routes_board_at_their_family(graph, tmp_path):
    spec = spec_of({}, origins=["MTY", "TIJ"], destinations=["CNSHA"])
    run_sweep(graph, spec, 4, seed=0, workers=0, chunk_size=2, out=tmp_path / "o")
    routes = pd.read_parquet(tmp_path / "o" / "routes.parquet")
    assert len(routes) > 0
    region = {n: d.get("region") for n, d in graph.nodes(data=True) if d.get("kind") == "port"}

    def port(n: str) -> str | None:  # a port node, or the port of a berth node
        return n if n in region else graph.nodes[n].get("port")

    for r in routes.itertuples():
        if r.corridor in SIDES:
            continue
        ports = [port(n) for n in r.nodes.split(" > ") if port(n)]
        americas = [p for p in ports if region[p] != "asia"]
        us = any(graph.nodes[n].get("us_transit") for n in r.nodes.split(" > "))
        assert gateway_family(region[americas[-1]], us) == r.corridor, r


def test_outputs_partitioned_parquet_and_summary(graph, tmp_path):
    out = tmp_path / "sweep"
    spec = read_sweep("transpacific_2026")
    spec = parse_sweep({"sweep": {"name": "t", "origins": ORIGINS, "destinations": DESTS},
                        "inputs": {k: _raw(v) for k, v in spec.inputs.items()}}, "t")
    res = run_and_report(graph, spec, 30, seed=1, workers=0, chunk_size=10, out=out)
    data = pd.read_parquet(out / "samples")
    assert {"sample", "pair", "corridor", "cost_usd_per_teu", "time_h", "co2_kg_per_teu",
            "route_id"} <= set(data.columns)
    assert set(SIDES) <= set(data["corridor"].astype(str)) <= set(res.model.columns)
    assert data["sample"].nunique() == 30
    assert (out / "samples" / "corridor=mx_pacific" / "part-00002.parquet").is_file()
    routes = pd.read_parquet(out / "routes.parquet")
    assert set(data["route_id"]) <= set(routes["route_id"])
    for name in ("pairs.csv", "policies.csv", "sensitivity.csv", "summary.html",
                 "tornado.png", "policies.png", "p_us_free.png", "inputs.parquet", "sweep.json"):
        assert (out / name).is_file(), name
    pairs = pd.read_csv(out / "pairs.csv")
    fam_cols = [c for c in pairs.columns if c.startswith("p_best_")]
    assert np.allclose(pairs[fam_cols].sum(axis=1), 1.0)
    # No US-free route in a sample: that sample does not count as US-free cheaper.
    assert (pairs["p_us_free_cheaper"] <= pairs["p_us_free_route_exists"] + 1e-12).all()
    pol = pd.read_csv(out / "policies.csv").set_index("policy")
    assert pol.loc["choose_per_sample", "expected_usd_per_teu"] <= \
        pol["expected_usd_per_teu"].min() + 1e-9
    sens = pd.read_csv(out / "sensitivity.csv")
    assert set(sens["input"]) == set(spec.inputs) | {"disrupted"}
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no staging left


def test_one_at_a_time_duty_scenario_dominates_when_duty_is_possible(graph):
    spec = spec_of({"duty_scenario": {"dist": "categorical", "source": "test",
                                      "choices": {"status_quo": 0.5, "duty_25pct": 0.5}},
                    "road": {"dist": "uniform", "low": 0.9, "high": 1.1, "source": "test"}},
                   origins=ORIGINS, destinations=DESTS)
    from routing.sweep_report import sensitivity_table

    res = run_sweep(graph, spec, 40, seed=2, workers=0)
    sens = sensitivity_table(res).set_index("input")
    # 25 % of 40,000 USD cargo value = 10,000 USD/TEU on every via-US route.
    assert sens.loc["duty_scenario", "swing_usd_per_teu"] == pytest.approx(10_000.0)
    assert sens.index[0] == "duty_scenario"


def test_evaluate_is_vectorised_over_given_values(graph):
    spec = spec_of({"rail": fixed(1.0)}, origins=ORIGINS, destinations=DESTS)
    model = build_model(graph, spec)
    drawn = {"rail": np.array([1.0, 2.0, 1.0]), "_u_disruption": np.ones(3)}
    res = evaluate(model, drawn)
    assert np.array_equal(res["total"][0], res["total"][2], equal_nan=True)
    assert np.nanmin(res["total"][1] - res["total"][0]) >= 0


# --------------------------------------------------------------------------- bad input

BAD = [
    ('[sweep]\nname = "x"\n[inputs.oceans]\ndist = "fixed"\nvalue = 1\nsource = "s"\n',
     "inputs.oceans: unknown input"),
    ('[sweep]\nname = "x"\n[inputs.rail]\ndist = "lognormal"\nmedian = 1\nsigma = -0.2\n'
     'source = "s"\n', "inputs.rail.sigma: must be >= 0"),
    ('[sweep]\nname = "x"\n[inputs.road]\ndist = "uniform"\nlow = 1.2\nhigh = 0.8\n'
     'source = "s"\n', "inputs.road: low > high"),
    ('[sweep]\nname = "x"\n[inputs.disruption_probability]\ndist = "uniform"\nlow = 0\n'
     'high = 1.5\nsource = "s"\n', "probability must lie within 0..1"),
    ('[sweep]\nname = "x"\n[inputs.duty_scenario]\ndist = "categorical"\nsource = "s"\n'
     'choices = { status_quo = 0.7, duty_25pct = 0.2 }\n', "must sum to 1"),
    ('[sweep]\nname = "x"\n[inputs.duty_scenario]\ndist = "categorical"\nsource = "s"\n'
     'choices = { status_quo = 1.2, duty_25pct = -0.2 }\n', "within 0..1"),
    ('[sweep]\nname = "x"\n[inputs.rail]\ndist = "fixed"\nvalue = 1\n',
     "inputs.rail.source: every input needs a source"),
    ('[sweep]\nname = "x"\n[inputs.rail]\ndist = "gamma"\nvalue = 1\nsource = "s"\n',
     "inputs.rail.dist: unknown distribution"),
    ('[sweep]\nname = "x"\n[inputs.rail]\ndist = "fixed"\nvalue = 1\nwidth = 2\nsource = "s"\n',
     "inputs.rail.width: unknown field"),
    ('[sweep]\nname = "x"\n[inputs."ocean.no_such_lane"]\ndist = "fixed"\nvalue = 1\n'
     'source = "s"\n', "no sea edge has lane no_such_lane"),
    ('[sweep]\nname = "x"\n[inputs.duty_scenario]\ndist = "categorical"\nsource = "s"\n'
     'choices = { no_such_scenario = 1.0 }\n', "inputs.duty_scenario.choices.no_such_scenario"),
    ('[sweep]\nname = "x"\n[inputs.border_delay_h]\ndist = "triangular"\nlow = -1\nmode = 0\n'
     'high = 2\nsource = "s"\n', "border_delay_h cannot be negative"),
    ('[sweep]\nname = "x"\norigins = ["NOPE"]\n', "sweep.origins: unknown node 'NOPE'"),
    ('[sweep]\nname = "x"\n[inputs.rail\n', "not valid TOML"),
    ('[inputs.rail]\ndist = "fixed"\nvalue = 1\nsource = "s"\n', "missing [sweep]"),
]


@pytest.mark.parametrize("text,expected", BAD)
def test_bad_sweep_file_is_one_line_error(tmp_path, capsys, text, expected):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    code = main(["-q", "sweep", str(path), "--samples", "2", "--workers", "0"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(path) in err and expected in err, err


@pytest.mark.parametrize("args,expected", [
    (["--samples", "-5"], "--samples must be a positive integer"),
    (["--samples", "0"], "--samples must be a positive integer"),
    (["--workers", "-1"], "--workers must be >= 0"),
    (["--seed", "-3", "--workers", "0"], "--seed must be a non-negative integer"),
])
def test_bad_sweep_options_are_one_line_errors(capsys, args, expected):
    code = main(["-q", "sweep", "transpacific_2026", *args])
    err = capsys.readouterr().err
    assert code != 0 and err.count("\n") == 1 and expected in err, err


def test_missing_sweep_file(capsys, tmp_path):
    code = main(["sweep", str(tmp_path / "none.toml")])
    err = capsys.readouterr().err
    assert code == 2 and "cannot read sweep file" in err and err.count("\n") == 1


def test_out_folder_that_is_not_a_sweep_is_left_alone(graph, tmp_path):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    with pytest.raises(SweepError, match="not a sweep output"):
        run_sweep(graph, spec_of({}, origins=["MTY"], destinations=["CNSHA"]), 2,
                  workers=0, out=out)
    assert (out / "keep.txt").read_text() == "x"


def test_shipped_example_parses_and_cites_every_input():
    spec = read_sweep(SWEEP_DIR / "transpacific_2026.toml")
    assert len(spec.inputs) >= 8
    for name, d in spec.inputs.items():
        assert "http" in d.source or d.source.startswith("ASSUMPTION"), name


def test_cli_sweep_in_process_prints_tables(tmp_path, capsys):
    t0 = time.perf_counter()
    code = main(["-q", "sweep", "transpacific_2026", "--samples", "40", "--workers", "0",
                 "--out", str(tmp_path / "s")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "choose_per_sample" in out and "duty_scenario" in out
    assert (tmp_path / "s" / "summary.html").is_file()
    assert time.perf_counter() - t0 < 60


def test_allow_hypothetical_matches_the_comparison_with_hypothetical_legs(graph):
    spec = spec_of({}, allow_hypothetical=True)
    model = build_model(graph, spec)
    res = run_chunk(model, seed=0, chunk=0, start=0, count=1)
    # Always ask the comparison for hypothetical legs (RouteOptions.allow_hypothetical):
    # a guard on solve_route's signature silently compared against scheduled-only routes
    # once the option moved into RouteOptions.
    comp = compare(graph, allow_hypothetical=True)
    assert comp.route_kwargs.get("allow_hypothetical") is True
    assert_same_as_compare(model, res["total"], comp)
    # Rows that ride a sea leg with no liner service are flagged; never by default.
    assert not run_chunk(build_model(graph, spec_of({})), 0, 0, 0, 1)["hypothetical"].any()


def test_realised_closure_charges_the_scenario_formula_in_closed_samples(graph):
    """A closed corridor costs the US families C_fallback + days * V * r / 365 (the
    border_closure_risk formula with probability 1); an open one costs nothing extra."""
    from routing.scenarios import DAYS_PER_YEAR

    spec = spec_of({"disruption_probability": fixed(0.4), "disruption_days": fixed(10.0)},
                   origins=ORIGINS, destinations=DESTS)
    model = build_model(graph, spec)
    res = run_chunk(model, seed=9, chunk=0, start=0, count=400)
    closed = res["inputs"]["disrupted"]
    assert 0.3 < closed.mean() < 0.5  # Bernoulli(0.4), 400 draws
    us = np.array([family_through_us(f) for f in model.columns])
    free = res["transport"][:, model.columns.index("best_us_free"), :]
    rate = spec.carrying_cost_pct_per_year / 100.0 * spec.cargo_value_usd_per_teu
    expect = free + 10.0 * rate / DAYS_PER_YEAR
    for f in np.flatnonzero(us):
        ch = res["charges"][:, f, :]
        ok = ~np.isnan(ch) & ~np.isnan(free)
        assert np.allclose(ch[closed][ok[closed]], expect[closed][ok[closed]], rtol=0, atol=1e-9)
        assert (ch[~closed][ok[~closed]] == 0).all()
    assert (res["charges"][:, ~us, :][~np.isnan(res["charges"][:, ~us, :])] == 0).all()


def test_origins_in_several_countries_match_the_comparison(graph):
    """Origins outside Mexico (a US port, a Canadian port) get their own no-return rule:
    one layered copy per origin country set, as compare_route builds per query."""
    origins = ["MTY", "USLAX", "CAVAN", "TIJ"]
    spec = spec_of({}, origins=origins, destinations=DESTS)
    model = build_model(graph, spec)
    res = run_chunk(model, seed=0, chunk=0, start=0, count=1)
    comp = compare(graph, origins, DESTS, scheduled_only=True)
    assert_same_as_compare(model, res["total"], comp)


def test_family_routes_match_routing_corridors(graph):
    """Each family column is the best route of that gateway family as routing.corridors
    finds it (its own search, route-based classification): same transport cost."""
    from routing.corridors import FAMILY_NAMES, corridors

    assert set(FAMILY_NAMES) == set(FAMILIES)
    origins, dests = ["MTY", "GDL", "TIJ", "HMO"], ["CNSHA", "SGSIN"]
    model = build_model(graph, spec_of({}, origins=origins, destinations=dests))
    res = run_chunk(model, seed=0, chunk=0, start=0, count=1)
    checked = 0
    for p, (o, d) in enumerate(model.pairs):
        cs = corridors(graph, origins[o], dests[d])
        for f, fam in enumerate(model.families):
            mine, theirs = res["transport"][0, f, p], cs[fam].transport_usd_per_teu
            if math.isnan(theirs):
                assert math.isnan(mine), (origins[o], dests[d], fam)
            else:
                assert mine == pytest.approx(theirs, rel=0, abs=1e-6), (origins[o], dests[d], fam)
                checked += 1
    assert checked >= len(model.pairs)  # at least one family per pair has a route


def test_in_bond_column_reaches_canada_by_land_through_the_us(graph):
    """In bond means by land through the US (routing.corridors): the route's first sea leg
    comes after its first US arc and boards at a Canadian Pacific port; no sea leg touches
    the US. GDL once took a Manzanillo-Ensenada coastal leg before trucking through the US."""
    from routing import solver
    from routing.corridors import region_of

    model = build_model(graph, spec_of({}, origins=ORIGINS, destinations=DESTS))
    res = run_chunk(model, seed=0, chunk=0, start=0, count=1)
    c = solver.compile_graph(graph)
    us = solver.arc_us(c, False)
    f = model.columns.index("ca_pacific_inbond")
    seen = 0
    for p in range(model.n_pairs):
        rid = int(res["route_id"][0, f, p])
        if rid == -1:
            continue
        arcs = res["catalog"][rid]
        sea = [i for i, a in enumerate(arcs) if c.mode[a] == "sea"]
        first_us = next(i for i, a in enumerate(arcs) if us[a])
        assert sea and sea[0] > first_us, model.pair_labels()[p]
        for i in sea:
            a = arcs[i]
            assert not us[a], model.arc_labels[a]
            assert region_of(graph, c.nodes[c.tail[a]]) in ("ca_pacific", "asia"), \
                model.arc_labels[a]
        seen += 1
    assert seen > 0  # the CPKC / BNSF rail corridors reach Vancouver from every hub


def test_build_model_warns_when_a_ride_can_pass_a_port_without_boarding(graph, caplog):
    """The family columns treat every sea leg as a boarding (true on the service network);
    an on-board arc into a berth with a sea departure breaks that and is logged."""
    spec = spec_of({}, origins=["MTY"], destinations=["CNSHA"])
    with caplog.at_level("WARNING", logger="routing.sweep"):
        build_model(graph, spec)
    assert "stay on board" not in caplog.text
    g = graph.copy()
    u, v, k, d = next((u, v, k, d) for u, v, k, d in g.edges(keys=True, data=True)
                      if d.get("kind") == "transship")
    g.add_edge(u, v, key="stay", **{**d, "kind": "stay_on_board"})
    caplog.clear()
    with caplog.at_level("WARNING", logger="routing.sweep"):
        build_model(g, spec)
    assert "stay on board" in caplog.text
