"""The report files: written atomically, self-contained HTML, maps cut at their seams."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from shapely.geometry import LineString

from networks import geography
from networks.build import load_graph
from networks.datasets import load_dataset
from routing.cli import main
from routing.compare import compare, scenario_summary
from routing.report import (
    ASSETS,
    STATIC_LON0,
    WEST,
    leaflet_css,
    map_data,
    node_attributes,
    scenario_chart_svg,
    split_at_meridian,
    static_parts,
    write_report,
)
from routing.scenarios import builtin_scenarios

FILES = ["comparison.csv", "comparison.parquet", "map.png", "report.html"]


@pytest.fixture(scope="module")
def graph():
    return load_graph()


@pytest.fixture(scope="module")
def comparison(graph):
    # PBC -> SGSIN sails east through Suez: a route that crosses both map seams.
    demand = load_dataset(None).tables["demand"]
    return compare(graph, ["MTY", "PBC", "TIJ"], ["CNSHA", "SGSIN"], "border_closure_risk",
                   demand=demand)


@pytest.fixture(scope="module")
def report_dir(comparison, graph, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    write_report(comparison, out, node_attrs=node_attributes(graph))
    return out


def test_report_writes_exactly_the_four_files(report_dir, comparison):
    assert sorted(p.name for p in report_dir.iterdir()) == FILES  # no temp files left
    pd.testing.assert_frame_equal(pd.read_parquet(report_dir / "comparison.parquet"),
                                  comparison.frame)
    csv = pd.read_csv(report_dir / "comparison.csv")
    assert list(csv.columns) == list(comparison.frame.columns)
    assert csv["breakeven_usd_per_teu"].to_numpy() == pytest.approx(
        comparison.frame["breakeven_usd_per_teu"].to_numpy())
    with Image.open(report_dir / "map.png") as im:
        assert im.format == "PNG" and im.width > 1000 and im.height > 400
        colours = np.asarray(im.convert("RGB"))
        assert len(np.unique(colours.reshape(-1, 3), axis=0)) > 50  # a drawing, not a blank


def test_rewrite_replaces_every_file(comparison, graph, tmp_path):
    """A second run replaces all four files (failure mid-write: tests/test_hardening.py)."""
    out = tmp_path / "r"
    write_report(comparison, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    write_report(comparison.under("duty_35pct"), out)
    assert sorted(p.name for p in out.iterdir()) == FILES
    assert "duty_35pct" in (out / "report.html").read_text(encoding="utf-8")
    for name in ("comparison.csv", "comparison.parquet", "report.html"):
        assert (out / name).read_bytes() != before[name], name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # no staging folder left


def test_html_loads_nothing_from_the_network(report_dir):
    page = (report_dir / "report.html").read_text(encoding="utf-8")
    assert (ASSETS / "leaflet.js").read_text(encoding="utf-8") in page  # inlined
    rest = page.replace((ASSETS / "leaflet.js").read_text(encoding="utf-8"), "")
    assert page.count("<script") == page.count("<script>")  # no <script src=...>
    assert "<link" not in page and "@import" not in page and "<img" not in rest
    assert not re.search(r"\bsrc\s*=", rest)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page)
    assert "images/" not in leaflet_css()  # control images are data URIs
    rest = rest.replace(leaflet_css(), "").replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "tileLayer" not in rest
    urls = re.findall(r"https?://[^\s\"'<>)]+", rest)
    assert urls  # the scenario citations
    for url in urls:  # citations are plain links, never fetched
        assert f'href="{url}"' in rest, url
    assert len(page.encode("utf-8")) < 5_000_000
    assert "not current law" in page and "in bond" in page


def test_leaflet_is_vendored_with_its_licence():
    licence = (ASSETS / "LEAFLET-LICENSE").read_text(encoding="utf-8")
    assert "BSD 2-Clause" in licence and "Agafonkin" in licence
    assert "Leaflet 1.9.4" in (ASSETS / "leaflet.js").read_text(encoding="utf-8")[:300]


def test_map_data_routes_and_dedup(comparison, graph):
    data = map_data(comparison, node_attributes(graph))
    json.dumps(data, allow_nan=False)
    assert len(data["routes"]) == 2 * len(comparison.pairs)
    for r in data["routes"]:
        assert r["legs"] and len(r["legs"]) == len(r["hypothetical"])
        for leg in r["legs"]:
            for part in data["legs"][leg]:
                lons = [p[1] for p in part]
                assert WEST - 1e-6 <= min(lons) and max(lons) <= WEST + 360 + 1e-6
    ids = {p["id"] for p in data["places"]}
    assert {"MTY", "PBC", "TIJ", "CNSHA", "SGSIN"} <= ids


def test_lines_are_cut_at_the_seams():
    # Veracruz east across the Atlantic and Suez to Singapore, then on to Manzanillo
    line = LineString([(-96, 19), (-30, 30), (30, 32), (60, 15), (104, 1), (200, 20), (256, 19)])
    for meridian in (WEST, STATIC_LON0 + 180.0):
        parts = split_at_meridian(line, meridian)
        assert len(parts) == 2  # it crosses each seam once
        for p in parts:
            xs = np.asarray(p.coords)[:, 0]
            assert xs.min() >= meridian - 1e-9 and xs.max() <= meridian + 360 + 1e-9
        total = sum(geography.geodesic_length_km(p) for p in parts)
        assert total == pytest.approx(geography.geodesic_length_km(line), rel=1e-6)
    seam = STATIC_LON0 + 180.0
    for p in static_parts(line):
        xs = np.asarray(p.coords)[:, 0]
        assert xs.min() >= -180 and xs.max() <= 180
        assert not (xs.min() < seam < xs.max())  # no part crosses the projection seam


def test_scenario_chart_has_a_bar_pair_per_scenario(comparison):
    summary = scenario_summary(comparison, builtin_scenarios())
    svg = scenario_chart_svg(summary)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<rect") == 2 + 2 * len(summary)  # legend + two bars each
    for name in summary["scenario"]:
        assert name in svg


def test_cli_report(tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["-q", "report", "--out", str(out), "--from", "GDL", "--to", "KRPUS",
                 "--scenario", "duty_25pct"]) == 0
    assert sorted(p.name for p in out.iterdir()) == FILES
    assert "1 of 1 pairs" in capsys.readouterr().out
