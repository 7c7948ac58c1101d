"""The `bypass` command as a user runs it: output shapes, exit codes, one-line errors."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from networks.settings import DATA_DIR
from routing.cli import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_distance_json_gives_locodes_nm_and_km(capsys):
    code, out, _ = run(capsys, "-q", "distance", "--from", "prince rupert", "--to", "Yokohama",
                       "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"from", "to", "nm", "km"}
    assert (data["from"], data["to"]) == ("CAPRR", "JPYOK")
    assert data["km"] == pytest.approx(data["nm"] * 1.852, abs=0.2)
    assert 3810 * 0.98 <= data["nm"] <= 3827 * 1.02  # NGA Pub. 151


def test_names_resolve_case_and_accent_insensitively(capsys):
    code, out, _ = run(capsys, "-q", "distance", "--from", "LAZARO CARDENAS", "--to", "mxzlo",
                       "--json")
    assert code == 0
    assert json.loads(out)["from"] == "MXLZC"


def test_unknown_port_is_one_line_with_suggestions(capsys):
    code, out, err = run(capsys, "-q", "distance", "--from", "Manzanilo", "--to", "Shangai")
    assert code == 3
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert "Manzanillo (MXZLO)" in lines[0]
    assert "Traceback" not in err


def test_ports_lists_every_port(capsys):
    code, out, _ = run(capsys, "-q", "ports", "--json")
    assert code == 0
    ports = json.loads(out)
    codes = {p["locode"] for p in ports}
    assert {"MXZLO", "MXLZC", "MXESE", "CAVAN", "CAPRR", "USLGB", "CNSHA", "SGSIN"} <= codes


def test_route_json_shape_is_stable(capsys):
    code, out, _ = run(capsys, "-q", "route", "--from", "MTY", "--to", "CNSHA", "--json")
    assert code == 0
    data = json.loads(out)
    for side in ("us_free", "via_us"):
        assert set(data[side]) == {"legs", "totals"}
        for leg in data[side]["legs"]:
            assert {"mode", "from", "to", "distance_km", "time_h", "cost_usd_per_teu",
                    "co2_kg_per_teu", "us_transit", "us_waters_nm"} <= set(leg)
            assert set(leg["us_waters_nm"]) == {"territorial", "eez"}
            if leg["mode"] == "sea":
                assert leg["service"] in ("scheduled", "hypothetical")
                assert leg["distance_nm"] > 0
        totals = data[side]["totals"]
        assert totals["cost_usd_per_teu"] == pytest.approx(
            sum(leg["cost_usd_per_teu"] for leg in data[side]["legs"]))
    assert not data["us_free"]["totals"]["us_transit"]
    assert data["via_us"]["totals"]["us_transit"]


def test_route_table_flags_hypothetical_services(capsys):
    code, out, _ = run(capsys, "-q", "route", "--from", "Monterrey", "--to", "Shanghai")
    assert code == 0
    assert "US-free route" in out and "Route through the US" in out
    assert "USD/TEU" in out
    # By default every sea leg is a scheduled liner ride, named in the table and the JSON.
    code, data, _ = run(capsys, "-q", "route", "--from", "Monterrey", "--to", "Shanghai",
                        "--json")
    legs = [leg for side in ("us_free", "via_us") for leg in json.loads(data)[side]["legs"]]
    sea = [leg for leg in legs if leg["mode"] == "sea"]
    assert sea and all(leg["service"] == "scheduled" and leg["services"] for leg in sea)
    assert "hypothetical" not in out
    for leg in sea:
        assert f"service {leg['services'][0]}" in out
    # Mazatlan has no liner service: only --allow-hypothetical gives it a sea leg, flagged.
    code, data, _ = run(capsys, "-q", "route", "--from", "MXMZT", "--to", "Shanghai",
                        "--allow-hypothetical", "--json")
    legs = [leg for leg in json.loads(data)["us_free"]["legs"] if leg["mode"] == "sea"]
    hypothetical = sum(leg["service"] == "hypothetical" for leg in legs)
    assert hypothetical == 1 and all(leg["services"] == [] for leg in legs
                                     if leg["service"] == "hypothetical")
    code, out, _ = run(capsys, "-q", "route", "--from", "MXMZT", "--to", "Shanghai",
                       "--allow-hypothetical")
    assert code == 0
    assert out.count("hypothetical service") >= hypothetical
    assert "--allow-hypothetical" in out


def test_data_option_is_accepted_after_the_command(capsys, tmp_path):
    shutil.copy(DATA_DIR / "parameters.toml", tmp_path)  # a dataset of one file
    before = run(capsys, "-q", "--data", str(tmp_path), "route", "--from", "MTY", "--to",
                 "CNSHA", "--json")
    after = run(capsys, "route", "--from", "MTY", "--data", str(tmp_path), "--to", "CNSHA",
                "--json", "--quiet")
    assert before[0] == after[0] == 0
    assert json.loads(before[1]) == json.loads(after[1])
    code, _, err = run(capsys, "ports", f"--data={tmp_path / 'missing'}")
    assert code == 2 and "dataset folder not found" in err


def test_infeasible_query_names_the_binding_constraint(capsys):
    code, _, err = run(capsys, "-q", "route", "--from", "MTY", "--to", "CNSHA",
                       "--max-days", "3", "--json")
    assert code == 4
    assert len(err.strip().splitlines()) == 1
    assert "days" in err


def test_route_alternatives_and_csv(capsys, tmp_path):
    path = tmp_path / "legs.csv"
    code, out, _ = run(capsys, "-q", "route", "--from", "GDL", "--to", "JPYOK", "-k", "3",
                       "--json", "--csv", str(path))
    assert code == 0
    data = json.loads(out)
    alts = data["alternatives"]["us_free"]
    assert 2 <= len(alts) <= 3
    port_sets = [tuple(a["totals"]["ports"]) for a in alts]
    assert len(set(port_sets)) == len(port_sets)
    frame = pd.read_csv(path)
    assert set(frame["side"]) == {"us_free", "via_us"}


def test_frontier_json_lists_non_dominated_points(capsys):
    code, out, _ = run(capsys, "-q", "frontier", "--from", "MTY", "--to", "KRPUS", "--json")
    assert code == 0
    data = json.loads(out)
    for side in ("us_free", "via_us"):
        points = [(p["totals"]["cost_usd_per_teu"], p["totals"]["time_h"]) for p in data[side]]
        assert points == sorted(points)
        for i, (c, t) in enumerate(points):
            for c2, t2 in points[:i]:
                assert c2 <= c and t2 > t  # cheaper ones are slower: nothing dominated


def test_plan_runs_with_no_arguments(capsys):
    code, out, _ = run(capsys, "-q", "plan", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"us_free", "us_allowed"}
    assert data["us_allowed"]["total_cost_usd"] <= data["us_free"]["total_cost_usd"] + 1e-6


def test_export_gpkg_and_csv(capsys, tmp_path):
    gpkg, csv = tmp_path / "net.gpkg", tmp_path / "edges.csv"
    code, _, _ = run(capsys, "-q", "export", "--gpkg", str(gpkg), "--csv", str(csv))
    assert code == 0
    assert gpkg.stat().st_size > 0
    edges = pd.read_csv(csv)
    assert {"from", "to", "mode", "us_transit", "cost_usd_per_teu"} <= set(edges.columns)


def test_bad_option_is_a_one_line_usage_error(capsys):
    code, _, err = run(capsys, "route", "--from", "MTY", "--too", "CNSHA")
    assert code == 2
    assert len(err.strip().splitlines()) == 1


def test_unwritable_output_is_a_clean_error(capsys, tmp_path):
    code, _, err = run(capsys, "-q", "export", "--csv", str(tmp_path / "missing" / "e.csv"))
    assert code == 1
    assert "does not exist" in err and "Traceback" not in err


def test_route_constraints_from_the_command_line(capsys):
    code, out, _ = run(capsys, "-q", "route", "--from", "MTY", "--to", "CNSHA", "--avoid-mode",
                       "road", "--max-transshipments", "0", "--avoid-country", "can", "--json")
    assert code == 0
    data = json.loads(out)
    for side in ("us_free", "via_us"):
        legs = data[side]["legs"]
        assert not any(leg["mode"] == "road" for leg in legs)
        assert sum(leg["mode"] == "sea" for leg in legs) == 1
        assert not any(leg["from"].startswith("CA") for leg in legs)


def test_border_crossing_by_id_in_via_and_avoid(capsys):
    code, out, _ = run(capsys, "-q", "route", "--from", "MTY", "--to", "CNSHA", "--via",
                       "NLD-LRD", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["us_free"] is None and "United States" in data["reasons"]["us_free"]
    assert any(leg["from"].startswith("NLD-LRD") for leg in data["via_us"]["legs"])
    code, out, _ = run(capsys, "-q", "route", "--from", "MTY", "--to", "CNSHA", "--avoid",
                       "NLD-LRD", "--avoid", "NLD-LRD-R", "--json")
    assert code == 0
    legs = json.loads(out)["via_us"]["legs"]
    assert not any(leg["from"].startswith("NLD-LRD") for leg in legs)


def test_plan_frontier_sweep_trades_cost_for_time(capsys):
    code, out, _ = run(capsys, "-q", "plan", "--frontier", "3", "--json")
    assert code == 0
    points = json.loads(out)["frontier"]["us_free"]
    costs = [p["total_cost_usd"] for p in points]
    hours = [p["teu_hours"] for p in points]
    assert costs == sorted(costs) and hours == sorted(hours, reverse=True)


def test_strict_waters_says_which_route_it_rules_out(capsys):
    code, out, _ = run(capsys, "-q", "route", "--from", "TIJ", "--to", "CNSHA",
                       "--strict-waters", "--json")
    assert code == 0
    data = json.loads(out)
    lax = data["ruled_out_by_strict_waters"]
    assert sum(leg["us_waters_nm"]["territorial"] for leg in lax["legs"]) > 0
    assert data["us_free"]["totals"]["us_waters_nm"]["territorial"] == 0
    # GDL -> Shanghai boards the Asia-Mexico express at Manzanillo, which sails straight
    # out to sea (GDL -> Yokohama now rides TLP5 via Ensenada, past the Channel Islands).
    code, out, _ = run(capsys, "-q", "route", "--from", "GDL", "--to", "CNSHA",
                       "--strict-waters", "--json")
    assert "ruled_out_by_strict_waters" not in json.loads(out)  # nothing to rule out there


def test_written_geometry_is_split_at_the_antimeridian(tmp_path):
    import shapely

    from networks.build import load_graph
    from routing.query import solve_route

    route = solve_route(load_graph(), "CAPRR", "JPYOK")
    gdf = route.to_geodataframe()
    bounds = gdf.total_bounds
    assert bounds[0] >= -180 and bounds[2] <= 180
    from networks.export import write_frame

    path = tmp_path / "legs.csv"
    write_frame(pd.DataFrame({"leg": range(len(route.legs)),
                              "geometry": [leg.geometry for leg in route.legs]}), path)
    for wkt in pd.read_csv(path)["geometry"].dropna():
        xs = shapely.get_coordinates(shapely.from_wkt(wkt))[:, 0]
        assert xs.min() >= -180 and xs.max() <= 180
