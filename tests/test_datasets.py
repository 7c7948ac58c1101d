"""Swappable datasets: schemas, precise errors, formats, round trips, swapped ports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from networks.adapters import import_ports
from networks.build import build_graph, load_graph
from networks.build import check_dataset as validate_dataset
from networks.datasets import (
    default_dataset,
    export_dataset,
    load_dataset,
)
from networks.errors import BypassError, DatasetErrors, InfeasibleError
from networks.schema import schema_markdown
from networks.settings import DATA_DIR
from routing.query import compare_route, solve_route

ROOT = Path(__file__).resolve().parents[1]
BROKEN = Path(__file__).resolve().parent / "data" / "broken"

#: folder -> (file, "row field" location as printed, message fragment)
CORPUS = {
    "borders_cell_count": ("borders.csv", ":3:", "7 cells but 12 columns"),
    "demand_negative": ("demand.csv", ":3 field 'teu_per_year'", "negative value (got '-5'"),
    "demand_unknown_place": ("demand.csv", ":3 field 'origin'", "unknown id (got 'ZZZ'"),
    "hubs_empty": ("hubs.csv", ":", "file is empty"),
    "hubs_empty_name": ("hubs.csv", ":4 field 'name'", "empty value"),
    "hubs_lat_out_of_range": ("hubs.csv", ":3 field 'lat'", "got '95.5', expected <= 90"),
    "hubs_latin1": ("hubs.csv", ":2:", "not valid UTF-8 at byte 59 (got 'f3'"),
    "junctions_lon_out_of_range": ("junctions.csv", ":4 field 'lon'",
                                   "got '-200.0', expected >= -180"),
    "land_links_duplicate_id": ("land_links.csv", ":3 field 'id'",
                                "duplicate id (first on row 2) (got 'road-GDL-MXZLO'"),
    "land_links_geojson_bad_value": ("land_links.geojson", ":2 field 'distance_km'",
                                     "not a number (got 'far'"),
    "land_links_geojson_point": ("land_links.geojson", ":1 field 'geometry'",
                                 "not a LINESTRING (got 'Point'"),
    "land_links_geojson_syntax": ("land_links.geojson", ":3:", "invalid JSON"),
    "land_links_gpkg_garbage": ("land_links.gpkg", ":", "cannot read as GeoPackage"),
    "land_links_invalid_wkt": ("land_links.csv", ":3 field 'geometry'", "invalid WKT"),
    "land_links_negative_distance": ("land_links.csv", ":3 field 'distance_km'",
                                     "negative value (got '-12.5'"),
    "land_links_parquet_bad_value": ("land_links.parquet", ":2 field 'distance_km'",
                                     "not a number (got 'far'"),
    "land_links_two_formats": ("land_links.csv", ":", "more than one file for table land_links"),
    "land_links_unknown_node": ("land_links.csv", ":3 field 'to'", "unknown id (got 'XXX'"),
    "params_missing_key": ("parameters.toml", " field 'ocean.speed_kn'", "missing parameter"),
    "params_missing_source": ("parameters.toml", ":34 field 'ocean.port_call_h'",
                              "parameter has no source"),
    "params_missing_unit": ("parameters.toml", ":30 field 'ocean.speed_kn'",
                            "parameter has no unit"),
    "params_negative": ("parameters.toml", ":30 field 'ocean.speed_kn'", "negative parameter"),
    "params_syntax_error": ("parameters.toml", ":32:", "invalid TOML: Invalid value (column 8)"),
    "port_access_polygon": ("port_access.csv", ":2 field 'waypoints'",
                            "not a LINESTRING (got 'Polygon'"),
    "port_far_from_sea": ("ports.csv", ":5 field 'lat/lon'",
                          "port MXTRC is 383 km inland"),
    "ports_bad_locode": ("ports.csv", ":5 field 'locode'", "malformed value (got 'JP-YO'"),
    "ports_bad_region": ("ports.csv", ":5 field 'region'", "value not allowed (got 'atlantic'"),
    "ports_binary_garbage": ("ports.csv", ":", "binary data"),
    "ports_duplicate_id": ("ports.csv", ":5 field 'locode'",
                           "duplicate id (first on row 2) (got 'MXZLO'"),
    "ports_missing_column": ("ports.csv", ":1 field 'lon'", "missing column(s) lon"),
    "ports_negative_handling": ("ports.csv", ":5 field 'handling_usd_per_teu'",
                                "negative value (got '-150'"),
    "ports_not_a_number": ("ports.csv", ":5 field 'lat'", "not a number (got 'north'"),
}


def test_corpus_is_complete():
    folders = {p.name for p in BROKEN.iterdir() if p.is_dir()}
    assert folders == set(CORPUS) and len(folders) >= 20


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_broken_file_is_reported_precisely(case):
    name, where, fragment = CORPUS[case]
    folder = BROKEN / case
    problems, _ = validate_dataset(folder)
    assert len(problems) == 1, [str(p) for p in problems]
    message = str(problems[0])
    assert "\n" not in message
    assert message.startswith(f"{folder / name}{where}"), message
    assert fragment in message, message
    # Loading checks the files; the sea-access check needs the sea network,
    # so it runs when the graph is built (loading never builds it).
    load = load_graph if case == "port_far_from_sea" else load_dataset
    with pytest.raises(DatasetErrors) as caught:
        loaded = load(folder)
        if load is load_dataset:
            loaded.tables.get("demand")  # demand is read on first use (LAZY_TABLES)
    assert str(caught.value.problems[0]) == message


def test_validate_reports_every_problem_at_once(tmp_path):
    for case in ("ports_not_a_number", "hubs_lat_out_of_range", "params_missing_unit",
                 "land_links_negative_distance"):
        for f in (BROKEN / case).iterdir():
            shutil.copy(f, tmp_path / f.name)
    problems, _ = validate_dataset(tmp_path)
    files = sorted(Path(p.file).name for p in problems)
    assert files == ["hubs.csv", "land_links.csv", "parameters.toml", "ports.csv"]


def test_schema_doc_is_generated():
    assert (ROOT / "docs" / "datasets.md").read_text(encoding="utf-8") == schema_markdown()


def _signature(graph):
    nodes = {n: dict(d) for n, d in graph.nodes(data=True)}
    edges = {(u, v, k): {a: (x.wkt if a == "geometry" else x) for a, x in d.items()}
             for u, v, k, d in graph.edges(keys=True, data=True)}
    return nodes, edges


@pytest.fixture(scope="module")
def default_signature():
    return _signature(build_graph(default_dataset()))


@pytest.mark.parametrize("fmt", ["csv", "gpkg"])
def test_export_validate_build_round_trip(tmp_path, fmt, default_signature):
    out = tmp_path / "ds"
    written = export_dataset(default_dataset(), out, land_links=fmt)
    assert f"land_links.{fmt}" in written and "parameters.toml" in written
    assert "SOURCES.md" in written
    problems, warnings = validate_dataset(out)
    assert problems == [] and warnings == []
    dataset = load_dataset(out)
    assert dataset.filled_from_default == ()
    assert _signature(build_graph(dataset)) == default_signature


def test_export_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(BypassError, match="not empty"):
        export_dataset(default_dataset(), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_geojson_and_parquet_land_links_load_like_csv(tmp_path):
    for fmt in ("geojson", "parquet"):
        export_dataset(default_dataset(), tmp_path / fmt, land_links=fmt)
        links = load_dataset(tmp_path / fmt)["land_links"]
        ref = default_dataset()["land_links"]
        assert list(links["id"]) == list(ref["id"])
        assert list(links["distance_km"]) == list(ref["distance_km"])
        assert all(a.equals_exact(b, 0) for a, b in zip(links["geometry"], ref["geometry"],
                                                          strict=True))


def _without(table: str, column: str, value: str, out: Path) -> None:
    """Copy a default table without the rows where column == value."""
    frame = pd.read_csv(DATA_DIR / f"{table}.csv", dtype=str, keep_default_na=False)
    frame[frame[column] != value].to_csv(out / f"{table}.csv", index=False)


def test_dropping_prince_rupert(tmp_path):
    # Only ports.csv swapped: default rows naming CAPRR are left out, with a warning.
    _without("ports", "locode", "CAPRR", tmp_path)
    dataset = load_dataset(tmp_path)
    assert "land_links.csv" in dataset.filled_from_default
    assert any("land_links.csv" in w and "rail-TER-CAPRR" in w for w in dataset.warnings)
    graph = build_graph(dataset)
    assert "CAPRR" not in graph
    assert any("rail-TER-CAPRR" in w for w in graph.graph["warnings"])
    for hub in ("MTY", "GDL", "CJS"):
        for dest in ("CNSHA", "JPYOK"):
            both = compare_route(graph, hub, dest)
            for side in ("us_free", "via_us"):
                route = both[side]
                if route is not None:
                    assert "CAPRR" not in route.totals["ports"]


def test_dropping_a_port_cascades_with_one_warning_per_table(tmp_path, caplog):
    # A full dataset of your own (every file yours), minus Prince Rupert.
    for f in DATA_DIR.iterdir():
        if f.is_file():
            shutil.copy(f, tmp_path / f.name)
    _without("ports", "locode", "CAPRR", tmp_path)
    referencing = {name for name in ("port_access", "land_links", "demand")
                   if "CAPRR" in (DATA_DIR / f"{name}.csv").read_text(encoding="utf-8")}
    assert {"land_links"} <= referencing
    # services.csv names ports inside rotations (no id reference): TP1's Prince Rupert call
    # drops out when the graph is built, with one warning from networks.services.
    assert "CAPRR" in (DATA_DIR / "services.csv").read_text(encoding="utf-8")
    with caplog.at_level("WARNING", logger="networks"):
        problems, warnings = validate_dataset(tmp_path)
    # The rotation's lost call is a warning of the build, kept with the (cached) graph,
    # so a second validation with a warm cache says it too.
    assert [w for w in warnings if w.startswith("service TP1: ") and "CAPRR" in w]
    assert problems == []
    dropped = [w for w in warnings if "left out" in w and not w.startswith("service ")]
    assert sorted(w.split(":")[0] for w in dropped) == sorted(
        str(tmp_path / f"{name}.csv") for name in referencing)
    assert all("CAPRR" in w and "filled from the default" not in w for w in dropped)
    assert [r.getMessage() for r in caplog.records
            if r.name == "networks.datasets" and "left out" in r.getMessage()] == dropped
    dataset = load_dataset(tmp_path)
    assert "rail-TER-CAPRR" not in set(dataset["land_links"]["id"])
    graph = build_graph(dataset)
    assert "CAPRR" not in graph and "CAPRR" not in solve_route(graph, "MTY", "JPYOK").nodes


def test_unknown_id_that_is_no_dropped_port_is_still_an_error(tmp_path):
    shutil.copy(DATA_DIR / "land_links.csv", tmp_path / "land_links.csv")
    text = (tmp_path / "land_links.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    line = next(i for i, t in enumerate(lines, start=1) if t.startswith("rail-TER-CAPRR,"))
    (tmp_path / "land_links.csv").write_text(
        text.replace("rail-TER-CAPRR,TER,CAPRR", "rail-TER-CAPRR,TER,CAPRX"), encoding="utf-8")
    problems, _ = validate_dataset(tmp_path)
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'land_links.csv'}:{line} field 'to': unknown id (got 'CAPRX', "
        "expected an id from hubs/borders/junctions/ports)"
    ]


def test_new_port_from_searoute_with_a_land_link_carries_routes(tmp_path):
    imported, _ = import_ports("searoute", countries=("MEX",))
    tpb = imported[imported["locode"] == "MXTPB"]
    assert tpb["region"].item() == "mx_pacific" and "ASSUMPTION" in tpb["source"].item()
    ports = pd.read_csv(DATA_DIR / "ports.csv", dtype=str, keep_default_na=False)
    pd.concat([ports, tpb.astype(str).replace("None", "")]).to_csv(tmp_path / "ports.csv",
                                                                 index=False)
    hubs = pd.read_csv(DATA_DIR / "hubs.csv", dtype=str, keep_default_na=False)
    new_hub = {"id": "LMM", "name": "Los Mochis", "state": "Sinaloa", "lat": "25.79",
               "lon": "-108.99", "sectors": "agro-industry", "source": "test fixture"}
    pd.concat([hubs, pd.DataFrame([new_hub])]).to_csv(tmp_path / "hubs.csv", index=False)
    links = pd.read_csv(DATA_DIR / "land_links.csv", dtype=str, keep_default_na=False)
    link = {"id": "road-LMM-MXTPB", "from": "LMM", "to": "MXTPB", "mode": "road",
            "distance_km": "24", "geometry": "LINESTRING (-108.99 25.79, -109.0718 25.6173)",
            "source": "test fixture"}
    pd.concat([links, pd.DataFrame([link])]).fillna("").to_csv(tmp_path / "land_links.csv",
                                                               index=False)
    problems, warnings = validate_dataset(tmp_path)
    assert problems == []
    assert any(w.startswith("port MXTPB: no access lane") for w in warnings)
    graph = build_graph(load_dataset(tmp_path))
    # The new port has no liner service in services.csv: by default it carries no route
    # (a planner books scheduled ships); opting in to hypothetical legs gives one, flagged.
    with pytest.raises(InfeasibleError):
        solve_route(graph, "LMM", "CNSHA")
    route = solve_route(graph, "LMM", "CNSHA", allow_hypothetical=True)
    assert route.totals["ports"][0] == "MXTPB"
    assert not route.totals["us_transit"]
    assert route.totals["hypothetical_services"] == 1
    # The port has no port_charges.csv row: default handling, with a warning.
    assert any(w.startswith("port MXTPB: no row in port_charges.csv")
               for w in graph.graph["warnings"])


def test_border_geometry_disagreement_is_a_warning(tmp_path):
    borders = pd.read_csv(DATA_DIR / "borders.csv", dtype=str, keep_default_na=False)
    borders.loc[borders["id"] == "NLD-LRD", "country_b"] = "CAN"
    borders.to_csv(tmp_path / "borders.csv", index=False)
    hubs = pd.read_csv(DATA_DIR / "hubs.csv", dtype=str, keep_default_na=False)
    extra = {"id": "XLT", "name": "Lonely", "state": "Sonora", "lat": "29.0", "lon": "-111.0",
             "sectors": "", "source": "test fixture"}
    pd.concat([hubs, pd.DataFrame([extra])]).to_csv(tmp_path / "hubs.csv", index=False)
    problems, warnings = validate_dataset(tmp_path)
    assert problems == []
    assert any(w.startswith("border NLD-LRD: geometry puts it between MEX/USA") for w in warnings)
    assert "hub XLT: no land link; it cannot reach any port" in warnings


def test_ports_and_hubs_as_points(tmp_path):
    export_dataset(default_dataset(), tmp_path / "ds")
    ports = pd.read_csv(tmp_path / "ds" / "ports.csv")
    import geopandas as gpd

    gdf = gpd.GeoDataFrame(ports.drop(columns=["lat", "lon"]),
                           geometry=gpd.points_from_xy(ports["lon"], ports["lat"]),
                           crs="EPSG:4326")
    gdf.to_file(tmp_path / "ds" / "ports.gpkg", driver="GPKG", engine="pyogrio")
    (tmp_path / "ds" / "ports.csv").unlink()
    loaded = load_dataset(tmp_path / "ds").ports
    assert list(loaded["lat"]) == list(default_dataset().ports["lat"])
