"""Data that parses but cannot be real is a dataset error (or a warning), not an answer.

Why: a port moved inland, a longitude with its sign flipped, a land link drawn
on another continent, a speed of 0 or a cost of 1e13 used to validate and then
give a wrong-but-plausible route (or a ZeroDivisionError, or a wrapped integer
weight that made the dearest route win).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from networks import settings
from networks.datasets import validate_dataset

DATA = settings.DATA_DIR


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    shutil.copytree(DATA, root)
    return root


def _edit(root: Path, table: str, ident: str, **changes: str) -> None:
    path = root / f"{table}.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    key = "locode" if table in ("ports", "port_access") else "id"
    hit = [r for r in rows if r[key] == ident]
    assert hit, ident
    hit[0].update(changes)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _errors(root: Path) -> list[str]:
    problems, _ = validate_dataset(root)
    return [str(p) for p in problems]


def _row(root: Path, table: str, ident: str) -> dict[str, str]:
    with open(root / f"{table}.csv", newline="", encoding="utf-8") as fh:
        key = "locode" if table in ("ports", "port_access") else "id"
        return next(r for r in csv.DictReader(fh) if r[key] == ident)


@pytest.fixture(scope="module")
def clean_copy_validates(tmp_path_factory) -> None:
    """The shipped data, as a user's copy, passes every check (no false alarm)."""
    root = _copy(tmp_path_factory.mktemp("clean"))
    problems, warnings = validate_dataset(root)
    assert problems == [], problems
    assert not [w for w in warnings if "declared country" in w], warnings


def test_shipped_data_passes_the_plausibility_checks(clean_copy_validates):
    pass


def test_port_moved_inland_is_an_error(tmp_path):
    root = _copy(tmp_path)
    _edit(root, "ports", "CNSHA", lat="43.0", lon="105.0")  # Inner Mongolia
    errors = _errors(root)
    assert any("port CNSHA is" in e and "inland" in e for e in errors), errors


def test_port_with_flipped_longitude_is_an_error(tmp_path):
    root = _copy(tmp_path)
    lon = float(_row(root, "ports", "CNSHA")["lon"])
    _edit(root, "ports", "CNSHA", lon=str(-lon))  # off Baja California, far from its lane
    errors = _errors(root)
    assert any("CNSHA" in e and ("at sea" in e or "starts" in e) for e in errors), errors


def test_mexican_port_with_flipped_longitude_is_an_error(tmp_path):
    root = _copy(tmp_path)
    lon = float(_row(root, "ports", "MXZLO")["lon"])
    _edit(root, "ports", "MXZLO", lon=str(-lon))  # 104 E: southern China, inland
    errors = _errors(root)
    assert any("MXZLO" in e for e in errors), errors


def test_port_in_another_country_is_an_error(tmp_path):
    root = _copy(tmp_path)
    _edit(root, "ports", "USLAX", country="MEX")
    errors = _errors(root)
    assert any("port USLAX lies in USA, not in its declared country" in e for e in errors), errors


def test_access_lane_far_from_its_port_is_an_error(tmp_path):
    root = _copy(tmp_path)
    _edit(root, "port_access", "MXZLO", waypoints="LINESTRING (-110 15, -111 14)")
    errors = _errors(root)
    assert any("access lane of port MXZLO starts" in e for e in errors), errors


def test_access_lane_across_land_is_an_error(tmp_path):
    root = _copy(tmp_path)
    # From Manzanillo's quay overland to the Gulf of Mexico.
    _edit(root, "port_access", "MXZLO",
          waypoints="LINESTRING (-104.2 19.2, -100 20, -96 20.5)")
    errors = _errors(root)
    assert any("MXZLO" in e and ("crosses" in e or "starts" in e) for e in errors), errors


def test_land_link_self_loop_is_an_error(tmp_path):
    root = _copy(tmp_path)
    link = _row(root, "land_links", "rail-CEL-QRO")
    _edit(root, "land_links", "rail-CEL-QRO", to=link["from"])
    assert any("rail-CEL-QRO is a self-loop" in e for e in _errors(root))


def test_land_link_on_another_continent_is_an_error(tmp_path):
    root = _copy(tmp_path)
    _edit(root, "land_links", "rail-CEL-QRO",
          geometry="LINESTRING (10.0 50.0, 11.0 50.5, 12.0 51.0)")  # Germany
    errors = _errors(root)
    assert any("rail-CEL-QRO: geometry" in e and "km from node" in e for e in errors), errors


def test_land_link_reversed_geometry_is_named(tmp_path):
    root = _copy(tmp_path)
    geom = _row(root, "land_links", "rail-MXLZC-CEL")["geometry"]
    inner = geom[geom.index("(") + 1:geom.rindex(")")]
    flipped = "LINESTRING (" + ", ".join(reversed(inner.split(", "))) + ")"
    _edit(root, "land_links", "rail-MXLZC-CEL", geometry=flipped)
    errors = _errors(root)
    assert any("rail-MXLZC-CEL" in e and "reversed" in e for e in errors), errors


@pytest.mark.parametrize("km", ["0", "0.001", "5000"])
def test_land_distance_must_match_its_geometry(tmp_path, km):
    root = _copy(tmp_path)
    _edit(root, "land_links", "rail-MXLZC-CEL", distance_km=km)
    errors = _errors(root)
    assert any("rail-MXLZC-CEL" in e or ("distance_km" in e and "land_links" in e)
               for e in errors), errors


def test_land_link_through_a_third_country_is_an_error(tmp_path):
    root = _copy(tmp_path)
    link = _row(root, "land_links", "rail-CEL-QRO")
    coords = link["geometry"][link["geometry"].index("(") + 1:-1].split(", ")
    # Same ends, but a detour through Guatemala and Belize on the way.
    detour = [coords[0], "-91.5 15.0", "-89.0 17.0", coords[-1]]
    _edit(root, "land_links", "rail-CEL-QRO", geometry="LINESTRING (" + ", ".join(detour) + ")",
          distance_km="2500")
    errors = _errors(root)
    assert any("rail-CEL-QRO" in e and "outside" in e for e in errors), errors


# --------------------------------------------------------------------------- ranges


def _set_parameter(root: Path, dotted: str, value: str) -> None:
    import re

    path = root / "parameters.toml"
    text = path.read_text(encoding="utf-8")
    pattern = r"(\[" + re.escape(dotted) + r"\]\nvalue = )[^\n]+"
    new, n = re.subn(pattern, lambda m: m.group(1) + value, text)
    assert n == 1, dotted
    path.write_text(new, encoding="utf-8")


@pytest.mark.parametrize(("key", "value", "message"), [
    ("rail.speed_kmh.MEX", "0", "parameter must be > 0"),
    ("road.speed_kmh.MEX", "0.0", "parameter must be > 0"),
    ("ocean.speed_kn", "0", "parameter must be > 0"),
    ("ocean.speed_kn", "300", "parameter out of range"),
    ("ocean.rate_usd_per_teu.mx_pacific_to_asia", "1e13", "parameter out of range"),
    ("rail.cost_usd_per_teu_km.MEX", "-0.5", "negative parameter"),
    ("co2.g_per_teu_km.sea", "1e300", "parameter out of range"),
])
def test_parameter_outside_its_physical_range_is_an_error(tmp_path, capsys, key, value,
                                                          message):
    from routing.cli import main

    root = _copy(tmp_path)
    _set_parameter(root, key, value)
    errors = _errors(root)
    assert any(f"field '{key}': {message}" in e for e in errors), errors
    # Every command stops at the dataset error: one line, exit 2, no ZeroDivisionError.
    rc = main(["--data", str(root), "route", "--from", "MTY", "--to", "CNSHA"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and key in err, err


@pytest.mark.parametrize(("table", "ident", "field", "value"), [
    ("ports", "MXZLO", "handling_usd_per_teu", "1e13"),
    ("ports", "MXZLO", "capacity_teu_per_year", "0"),
    ("ports", "MXZLO", "capacity_teu_per_year", "5e9"),
    ("ports", "MXZLO", "export_dwell_h", "1e6"),
    ("ports", "MXZLO", "import_dwell_h", "1e6"),
    ("land_links", "rail-CEL-QRO", "distance_km", "0"),
    ("land_links", "rail-CEL-QRO", "distance_km", "1e13"),
    ("borders", "NLD-LRD", "crossing_h_road", "1e7"),
    ("borders", "NLD-LRD", "fee_usd_per_teu_road", "1e13"),
])
def test_table_value_outside_its_physical_range_is_an_error(tmp_path, table, ident, field,
                                                            value):
    root = _copy(tmp_path)
    _edit(root, table, ident, **{field: value})
    errors = _errors(root)
    assert any(f"field '{field}': value out of range" in e and "range" in e
               for e in errors), errors


def test_demand_value_out_of_range(tmp_path):
    root = _copy(tmp_path)
    path = root / "demand.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",40000,", ",1e308,", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = _errors(root)
    assert any("cargo_value_usd_per_teu" in e and "out of range" in e for e in errors), errors


def test_every_numeric_field_has_a_range():
    from networks.schema import PARAMETERS, TABLES, parameter_bound

    for schema in TABLES.values():
        for f in schema.fields:
            if f.type in ("float", "int"):
                assert f.minimum is not None and f.maximum is not None, (schema.name, f.name)
                assert f.unit, (schema.name, f.name)
    for key in PARAMETERS.keys:
        b = parameter_bound(key.key)
        assert b.prefix != key.key or b.unit, key.key  # a documented bound, with its unit
        assert b.unit, key.key
        if "speed" in key.key:
            assert b.exclusive_minimum and b.minimum == 0, key.key


# --------------------------------------------------------------------------- solver overflow


def test_cost_that_would_wrap_the_integer_weights_is_refused():
    from networks.build import load_graph
    from networks.errors import BypassError
    from routing.query import solve_route
    from routing.solver import clear_cache

    g = load_graph().copy()
    first = solve_route(g, "MTY", "CNSHA").legs[0]
    g.edges[first.from_id, first.to_id, first.key]["cost_usd_per_teu"] = 1e13
    clear_cache(g)
    with pytest.raises(BypassError, match=f"edge {first.from_id} -> {first.to_id}: "
                                          "cost_usd_per_teu = 1e\\+13 is too large"):
        solve_route(g, "MTY", "CNSHA")


# --------------------------------------------------------------------------- CLI values


@pytest.mark.parametrize("value", ["inf", "nan", "1e308", "-1", "-inf"])
def test_cargo_value_must_be_finite_and_physical(capsys, value):
    from routing.cli import main

    rc = main(["compare", "--from", "MTY", "--to", "CNSHA", "--cargo-value", value,
               "--scenario", "border_closure_risk", "--json"])
    captured = capsys.readouterr()
    assert rc == 2, captured
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "--cargo-value" in lines[0], captured.err


@pytest.mark.parametrize("value", [float("inf"), float("nan"), 1e308, -1.0])
def test_compare_api_rejects_impossible_cargo_values(value):
    from networks.build import load_graph
    from networks.errors import BypassError
    from routing.compare import compare

    with pytest.raises(BypassError, match="cargo value must be"):
        compare(load_graph(), ["MTY"], ["CNSHA"], cargo_value_usd_per_teu=value)


def test_unknown_avoid_country_is_an_error_with_suggestions(capsys):
    from routing.cli import main

    rc = main(["route", "--from", "MTY", "--to", "CNSHA", "--avoid-country", "USB"])
    err = capsys.readouterr().err
    assert rc == 1 and "not an ISO 3166 alpha-3 country code" in err and "USA" in err, err
    rc = main(["route", "--from", "MTY", "--to", "CNSHA", "--avoid-country", "ZZZ"])
    assert rc == 1 and "'ZZZ'" in capsys.readouterr().err
    assert main(["route", "--from", "MTY", "--to", "CNSHA", "--avoid-country", "gtm",
                 "--json"]) == 0
