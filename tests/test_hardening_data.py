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
from networks.build import check_dataset

DATA = settings.DATA_DIR


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    shutil.copytree(DATA, root)
    return root


def _edit(root: Path, table: str, ident: str, **changes: str) -> None:
    path = root / f"{table}.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    key = "locode" if table in ("ports", "port_access", "port_charges") else "id"
    hit = [r for r in rows if r[key] == ident]
    assert hit, ident
    hit[0].update(changes)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _errors(root: Path) -> list[str]:
    problems, _ = check_dataset(root)
    return [str(p) for p in problems]


def _row(root: Path, table: str, ident: str) -> dict[str, str]:
    with open(root / f"{table}.csv", newline="", encoding="utf-8") as fh:
        key = "locode" if table in ("ports", "port_access", "port_charges") else "id"
        return next(r for r in csv.DictReader(fh) if r[key] == ident)


@pytest.fixture(scope="module")
def clean_copy_validates(tmp_path_factory) -> None:
    """The shipped data, as a user's copy, passes every check (no false alarm)."""
    root = _copy(tmp_path_factory.mktemp("clean"))
    problems, warnings = check_dataset(root)
    assert problems == [], problems
    assert not [w for w in warnings if "declared country" in w], warnings


def test_shipped_data_passes_the_plausibility_checks(clean_copy_validates):
    pass


def test_port_far_out_at_sea_is_a_warning(tmp_path):
    root = _copy(tmp_path)
    _edit(root, "ports", "CNTAO", lat="30.0", lon="150.0")  # mid-Pacific
    (root / "port_access.csv").write_text(
        "\n".join(line for line in (root / "port_access.csv").read_text().splitlines()
                  if not line.startswith("CNTAO")) + "\n")
    problems, warnings = check_dataset(root)
    assert not [p for p in problems if "CNTAO" in str(p)], problems
    assert any("port CNTAO is" in w and "out at sea" in w for w in warnings), warnings


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
    assert any("access lane of port CNSHA starts" in e for e in errors), errors


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
    ("ocean.rate.transpacific_wb.base_usd_per_teu", "1e13", "parameter out of range"),
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
    ("port_charges", "MXZLO", "export_handling_usd_per_teu", "1e13"),
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


# --------------------------------------------------------------------------- other edges


def test_folder_without_any_dataset_file_is_an_error(tmp_path, capsys):
    from routing.cli import main

    (tmp_path / "notes.txt").write_text("not a dataset\n")
    for argv in (["data", "validate", str(tmp_path)],
                 ["--data", str(tmp_path), "route", "--from", "MTY", "--to", "CNSHA"]):
        rc = main(argv)
        err = capsys.readouterr().err
        assert rc == 2 and "no dataset file in this folder" in err, err


def test_fifo_table_is_an_error_not_a_hang(tmp_path):
    import os
    import subprocess
    import sys

    root = tmp_path / "data"
    root.mkdir()
    os.mkfifo(root / "hubs.csv")
    os.mkfifo(root / "parameters.toml")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    for argv in (["data", "validate", str(root)],
                 ["--data", str(root), "route", "--from", "MTY", "--to", "CNSHA"]):
        try:
            done = subprocess.run([sys.executable, "-m", "routing.cli", *argv], env=env,
                                  capture_output=True, text=True, timeout=20)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{argv}: hung on a FIFO")
        assert done.returncode == 2, done.stderr
        assert "hubs.csv: is a named pipe (FIFO), not a regular file" in done.stderr
        assert "parameters.toml: is a named pipe (FIFO)" in done.stderr or \
            argv[0] == "--data"
        assert "Traceback" not in done.stderr


def test_route_does_not_read_demand(tmp_path, capsys):
    """demand.csv is lazy: a broken (or huge) one does not touch route, but compare sees it."""
    from networks.datasets import load_dataset
    from routing.cli import main

    root = tmp_path / "data"
    root.mkdir()
    (root / "demand.csv").write_text("origin,destination,teu_per_year,source\n"
                                     "MTY,CNSHA,lots,x\n", encoding="utf-8")
    dataset = load_dataset(root)
    assert "demand" in dataset.tables and "demand" not in dataset.tables.loaded()
    rc = main(["-q", "--data", str(root), "route", "--from", "MTY", "--to", "CNSHA", "--json"])
    assert rc == 0, capsys.readouterr().err
    capsys.readouterr()
    rc = main(["-q", "--data", str(root), "compare", "--from", "MTY", "--to", "CNSHA"])
    err = capsys.readouterr().err
    assert rc == 2 and "demand.csv:2 field 'teu_per_year': not a number" in err, err
    problems, _ = check_dataset(root)
    assert [p.field for p in problems] == ["teu_per_year"]


def test_demand_validation_streams_in_bounded_memory(tmp_path):
    """Validation checks demand row by row: peak memory does not grow with the file."""
    import tracemalloc

    from networks.datasets import read_table, stream_check_csv
    from networks.schema import DEMAND

    path = tmp_path / "demand.csv"
    row = "MTY,CNSHA,60000,40000,ILLUSTRATIVE: " + "x" * 300 + "\n"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("origin,destination,teu_per_year,cargo_value_usd_per_teu,source\n")
        fh.write(row * 30_000)  # about 10 MB
        fh.write("MTY,CNSHA,-5,40000,bad row\n")
    problems: list = []
    tracemalloc.start()
    stream_check_csv(DEMAND, path, {"hubs": {"MTY"}, "ports": {"CNSHA"}}, problems)
    _, streamed_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [(p.row, p.field) for p in problems] == [(30_002, "teu_per_year")]
    same: list = []
    read_table(DEMAND, path, same)
    assert [str(p) for p in same] == [str(p) for p in problems]  # same messages
    assert streamed_peak < 2_000_000, streamed_peak  # ~10 MB file, < 2 MB held
