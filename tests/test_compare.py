"""Comparison and scenarios: against the solver itself, exact break-even, directions."""

from __future__ import annotations

import json
import math
import random

import pandas as pd
import pytest

from networks.build import load_graph
from networks.export import write_frame
from routing import compare_route, solve_route
from routing.cli import main
from routing.compare import (
    DEFAULT_CARGO_VALUE_USD_PER_TEU,
    compare,
    default_destinations,
    default_origins,
    scenario_summary,
)
from routing.scenarios import (
    BUILTIN,
    SCENARIO_DIR,
    Scenario,
    ScenarioError,
    builtin_scenarios,
    load_scenario,
    read_scenario,
)
from tests.synthetic import corridor_graph

PAIRS_O = ["MTY", "GDL", "TIJ", "PBC"]
PAIRS_D = ["CNSHA", "JPYOK", "SGSIN"]


@pytest.fixture(scope="module")
def graph():
    return load_graph()


@pytest.fixture(scope="module")
def real(graph):
    return compare(graph, PAIRS_O, PAIRS_D)


@pytest.fixture(scope="module")
def synthetic():
    """A corridor graph where some pairs are cheaper through the US, with demand."""
    g = corridor_graph(2)
    origins, dests = default_origins(g)[:12], default_destinations(g)[:6]
    rng = random.Random(7)
    demand = pd.DataFrame(
        [{"origin": o, "destination": d, "teu_per_year": float(rng.randint(100, 5000)),
          "cargo_value_usd_per_teu": float(rng.choice([20_000, 40_000, 80_000]))}
         for o in origins for d in dests])
    return compare(g, origins, dests, demand=demand)


# --------------------------------------------------------------------------- vs the solver


def test_default_pairs_are_every_hub_times_every_asian_port(graph):
    comp = compare(graph)
    hubs = [n for n, d in graph.nodes(data=True) if d["kind"] == "hub"]
    asia = [n for n, d in graph.nodes(data=True)
            if d["kind"] == "port" and d.get("region") == "asia"]
    assert len(hubs) >= 10 and len(asia) >= 8
    assert set(comp.pairs) == {(h, a) for h in hubs for a in asia}
    assert len(comp.frame) == len(hubs) * len(asia)


def test_rows_match_routes_solved_independently(graph, real):
    frame = real.frame.set_index(["origin", "destination"])
    for o in PAIRS_O:
        for d in PAIRS_D:
            row = frame.loc[(o, d)]
            free = solve_route(graph, o, d)
            us = solve_route(graph, o, d, require_us=True, no_return_from_us=True)
            assert not free.us_transit and us.us_transit
            for side, r in (("us_free", free), ("via_us", us)):
                t = r.totals
                assert row[f"{side}_transport_usd_per_teu"] == pytest.approx(t["cost_usd_per_teu"])
                assert row[f"{side}_days"] == pytest.approx(t["time_h"] / 24)
                assert row[f"{side}_distance_km"] == pytest.approx(t["distance_km"])
                assert row[f"{side}_co2_kg_per_teu"] == pytest.approx(t["co2_kg_per_teu"])
                assert row[f"{side}_transshipments"] == t["transshipments"]
                assert row[f"{side}_border_crossings"] == t["border_crossings"]
                assert row[f"{side}_ports"] == " > ".join(t["ports"])
                assert row[f"{side}_hypothetical"] == bool(t["hypothetical_services"])
                assert row[f"{side}_us_eez_nm"] == pytest.approx(t["us_waters_nm"]["eez"])
                # the kept Route objects are the solver's routes, leg for leg
                kept = real.routes[(o, d)][side]
                assert [(leg.from_id, leg.to_id, leg.key) for leg in kept.legs] == \
                    [(leg.from_id, leg.to_id, leg.key) for leg in r.legs]
            # status quo adds nothing: totals are transport costs
            assert row["via_us_total_usd_per_teu"] == pytest.approx(us.cost_usd_per_teu)
            diff = free.cost_usd_per_teu - us.cost_usd_per_teu
            assert row["diff_cost_usd_per_teu"] == pytest.approx(diff)
            assert row["diff_cost_usd_per_teu_pct"] == pytest.approx(
                diff / us.cost_usd_per_teu * 100)
            assert row["diff_days"] == pytest.approx((free.time_h - us.time_h) / 24)


def test_to_dict_is_json_and_carries_the_routes(graph, real):
    payload = json.loads(json.dumps(real.to_dict(), allow_nan=False))
    assert payload["scenario"]["name"] == "status_quo"
    first = payload["pairs"][0]
    again = compare_route(graph, first["origin"], first["destination"])
    assert first["us_free"] == json.loads(json.dumps(again["us_free"].to_dict()))
    assert first["via_us"]["totals"]["us_transit"] is True
    assert payload["summary"]["pairs"] == len(real.pairs)


# --------------------------------------------------------------------------- break-even


@pytest.mark.parametrize("name", BUILTIN)
def test_breakeven_surcharge_makes_both_routes_cost_the_same(synthetic, real, name):
    for comp in (synthetic.under(name), real.under(name)):
        frame = comp.frame.dropna(subset=["us_free_total_usd_per_teu", "via_us_total_usd_per_teu"])
        assert len(frame) > 5
        for rec in frame.to_dict(orient="records"):
            pair = (rec["origin"], rec["destination"])
            be = rec["breakeven_usd_per_teu"]
            assert (be <= 0) == rec["favours_us_free"]
            assert rec["breakeven_pct_of_cargo_value"] == pytest.approx(
                be / rec["cargo_value_usd_per_teu"] * 100)
            # direct recomputation: charge the break-even on top of the scenario
            shifted = comp.scenario.with_surcharge(be)
            routes = comp.routes[pair]
            us_cost = routes["via_us"].cost_usd_per_teu
            charges = shifted.charges(us_cost, routes["us_free"].cost_usd_per_teu,
                                      rec["cargo_value_usd_per_teu"])
            assert us_cost + sum(charges.values()) == pytest.approx(
                routes["us_free"].cost_usd_per_teu, abs=1e-6)


def test_synthetic_has_pairs_on_both_sides(synthetic):
    fav = synthetic.frame["favours"].value_counts()
    assert fav.get("us_free", 0) > 0 and fav.get("via_us", 0) > 0


def test_real_breakeven_is_negative_exactly_when_us_free_is_cheaper(real):
    f = real.frame
    cheaper = f["us_free_transport_usd_per_teu"] <= f["via_us_transport_usd_per_teu"]
    assert ((f["breakeven_usd_per_teu"] <= 0) == cheaper).all()


# --------------------------------------------------------------------------- scenario directions


def _duty(pct: float) -> Scenario:
    return Scenario(name=f"duty{pct}", duty_pct_of_cargo_value=pct)


def test_higher_duty_never_lowers_the_share_favouring_us_free(synthetic):
    summary = scenario_summary(synthetic, [_duty(p) for p in (0, 0.2, 0.5, 1, 2, 5, 25, 35)])
    for col in ("share_pairs_us_free", "share_teu_us_free"):
        values = summary[col].tolist()
        assert values == sorted(values), col
    assert summary["share_pairs_us_free"].iloc[0] < 1.0
    assert summary["share_pairs_us_free"].iloc[-1] == 1.0
    shipped = scenario_summary(synthetic, ["status_quo", "duty_25pct", "duty_35pct"])
    assert shipped["share_pairs_us_free"].is_monotonic_increasing


def test_extra_border_delay_adds_days_and_cost_only_through_the_us(synthetic):
    base = synthetic.frame
    slow = synthetic.under(Scenario(name="slow", extra_border_delay_h=48.0,
                                    carrying_cost_pct_per_year=20.0)).frame
    both = base["via_us_days"].notna()
    assert (slow.loc[both, "via_us_days"] - base.loc[both, "via_us_days"]).round(9).eq(2.0).all()
    pd.testing.assert_series_equal(slow["us_free_days"], base["us_free_days"])
    value = base.loc[both, "cargo_value_usd_per_teu"]
    expected = 48.0 * value * 0.20 / 8760.0
    got = slow.loc[both, "via_us_total_usd_per_teu"] - base.loc[both, "via_us_total_usd_per_teu"]
    assert got.to_numpy() == pytest.approx(expected.to_numpy())
    assert slow["favours_us_free"].sum() >= base["favours_us_free"].sum()


def test_disruption_is_probability_times_fallback_plus_delay(real):
    risk = load_scenario("border_closure_risk")
    assert risk.disruption_probability > 0 and risk.disruption_delay_days > 0
    f = real.under(risk).frame
    rate = risk.carrying_cost_pct_per_year / 100 * f["cargo_value_usd_per_teu"]
    expected = risk.disruption_probability * (
        f["us_free_transport_usd_per_teu"] + risk.disruption_delay_days * rate / 365)
    assert f["via_us_disruption_usd_per_teu"].to_numpy() == pytest.approx(expected.to_numpy())
    assert f["via_us_delay_usd_per_teu"].to_numpy() == pytest.approx(
        (risk.extra_border_delay_h * rate / 8760).to_numpy())


def test_cargo_value_from_demand_then_option_then_default(graph):
    demand = pd.DataFrame([{"origin": "MTY", "destination": "CNSHA", "teu_per_year": 100.0,
                            "cargo_value_usd_per_teu": 90_000.0}])
    comp = compare(graph, ["MTY"], ["CNSHA", "JPYOK"], "duty_25pct", demand=demand)
    f = comp.frame.set_index("destination")
    assert f.loc["CNSHA", "cargo_value_usd_per_teu"] == 90_000
    assert f.loc["JPYOK", "cargo_value_usd_per_teu"] == DEFAULT_CARGO_VALUE_USD_PER_TEU
    assert f.loc["CNSHA", "via_us_duty_usd_per_teu"] == pytest.approx(22_500)
    assert f.loc["CNSHA", "teu_per_year"] == 100 and math.isnan(f.loc["JPYOK", "teu_per_year"])
    forced = compare(graph, ["MTY"], ["CNSHA"], "duty_25pct", demand=demand,
                     cargo_value_usd_per_teu=10_000).frame
    assert forced.loc[0, "via_us_duty_usd_per_teu"] == pytest.approx(2_500)


# --------------------------------------------------------------------------- scenario files


def test_shipped_scenarios_are_sourced_and_say_what_they_model():
    scenarios = builtin_scenarios()
    assert [s.name for s in scenarios] == list(BUILTIN)
    for s in scenarios:
        assert s.as_of is not None and s.sources
        for src in s.sources:
            assert src.url.startswith("https://") and "shared" not in src.url
        text = (SCENARIO_DIR / f"{s.name}.toml").read_text(encoding="utf-8")
        assert "in bond" in text.lower() or "in-bond" in text.lower()
        if s.name != "status_quo":
            assert "not current law" in text.lower()
    quo = load_scenario("status_quo")
    assert quo.charges(3000.0, 1000.0, 40_000.0) == {
        "surcharge": 0.0, "duty": 0.0, "delay": 0.0, "disruption": 0.0}
    assert load_scenario("duty_35pct").duty_pct_of_cargo_value == 35.0


def test_bad_scenarios_are_one_line_errors(tmp_path):
    good = (SCENARIO_DIR / "duty_25pct.toml").read_text(encoding="utf-8")
    cases = {
        "prob.toml": good.replace("disruption_probability = 0.0", "disruption_probability = 2"),
        "field.toml": good.replace("duty_pct_of_cargo_value", "duty_percent"),
        "broken.toml": good + "\n[[[",
        "nosrc.toml": good.split("[[sources]]")[0] + "\n[us_transit]\n",
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ScenarioError) as err:
            read_scenario(path)
        assert "\n" not in str(err.value) and name in str(err.value)
    with pytest.raises(ScenarioError, match="unknown scenario"):
        load_scenario("duty_99pct")
    custom = tmp_path / "mine.toml"
    custom.write_text(good.replace('name = "duty_25pct"', 'name = "mine"'), encoding="utf-8")
    assert load_scenario(str(custom)).name == "mine"


# --------------------------------------------------------------------------- files and CLI


def test_csv_and_parquet_round_trip(real, tmp_path):
    frame = real.under("border_closure_risk").frame
    write_frame(frame, tmp_path / "c.parquet")
    back = pd.read_parquet(tmp_path / "c.parquet")
    pd.testing.assert_frame_equal(back, frame)
    write_frame(frame, tmp_path / "c.csv")
    csv = pd.read_csv(tmp_path / "c.csv", keep_default_na=False, na_values=[""])
    assert list(csv.columns) == list(frame.columns)
    for col in frame.columns:
        if frame[col].dtype.kind in "fi":
            assert csv[col].to_numpy() == pytest.approx(frame[col].to_numpy(), nan_ok=True)
        else:
            back_col = csv[col].astype(object).where(csv[col].notna(), "")
            assert back_col.astype(str).tolist() == \
                frame[col].astype(str).replace("nan", "").tolist()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "c.parquet"]


def test_cli_compare_json_csv_parquet(tmp_path, capsys):
    csv, pq = tmp_path / "out.csv", tmp_path / "out.parquet"
    code = main(["-q", "compare", "--from", "MTY", "--from", "guadalajara", "--to", "CNSHA",
                 "--scenario", "duty_25pct", "--json", "--csv", str(csv), "--parquet", str(pq)])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert [(p["origin"], p["destination"]) for p in payload["pairs"]] == \
        [("MTY", "CNSHA"), ("GDL", "CNSHA")]
    assert [s["scenario"] for s in payload["scenarios"]] == list(BUILTIN)
    assert len(pd.read_csv(csv)) == 2 and len(pd.read_parquet(pq)) == 2
    assert main(["-q", "compare", "--from", "MTY", "--to", "CNSHA"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "USD/TEU" in text and "break-even" in text and "not current law" in text
    assert main(["-q", "compare", "--scenario", "nope"]) == 2
    assert "unknown scenario" in capsys.readouterr().err
