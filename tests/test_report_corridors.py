"""The report's corridor section: escaped HTML, its data, and an offline render in Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from networks.build import load_graph
from routing.compare import compare
from routing.corridors import FAMILY_NAMES
from routing.report import node_attributes, write_report
from routing.report_corridors import FAMILY_COLOURS, corridor_results, corridor_section
from tests.browser import guarded_page
from tests.test_corridors import family_graph

SCENARIOS = ["duty_25pct", "status_quo", "inbond_suspended"]


def test_section_escapes_names_and_embeds_data_safely():
    g = family_graph()
    g.nodes["H"]["name"] = "<script>alert(1)</script>"
    res = corridor_results(g, [("H", "A1"), ("H", "A2")], ["status_quo"],
                           allow_hypothetical=True)
    body, script = corridor_section(res, node_attributes(g), {"H": g.nodes["H"]["name"]})
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body
    payload = re.match(r"window\.BYPASS_CORRIDORS = (.*?);\n", script, re.S).group(1)
    data = json.loads(payload)
    assert [p["pair"] for p in data["pairs"]] == ["H-A1", "H-A2"]
    assert [c["gateway"] for c in data["pairs"][0]["corridors"]] == list(FAMILY_NAMES)
    assert "innerHTML" not in script  # table text is set with textContent only
    assert "bindTooltip(p.name" not in script and "bindPopup('" not in script


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    graph = load_graph()
    comp = compare(graph, ["MTY", "GDL"], ["CNSHA", "KRPUS"], "duty_25pct")
    res = corridor_results(graph, comp.pairs, SCENARIOS, allow_hypothetical=True)
    out = tmp_path_factory.mktemp("corridor-report")
    attrs = node_attributes(graph)
    write_report(comp, out, node_attrs=attrs, sections=[corridor_section(res, attrs, comp.names)])
    return out / "report.html"


def test_corridor_section_renders_offline_with_a_layer_per_corridor(report, tmp_path):
    shot = tmp_path / "corridors.png"
    with guarded_page(tmp_path) as (page, log):
        page.goto(report.as_uri())
        page.wait_for_selector("body[data-corridors-ready='1']", timeout=20_000)
        rows = page.locator("#corridor-table tbody tr").count()
        first = page.locator("#corridor-table tbody tr").first.inner_text()
        overlays = page.locator("#corridor-map .leaflet-control-layers-overlays label")
        n_layers = overlays.count()
        lines = page.locator("#corridor-map path.leaflet-interactive").count()
        switch_rows = page.locator("#corridor-switch tbody tr").count()
        page.select_option("#corridor-pair", "GDL-KRPUS")
        page.wait_for_timeout(200)
        later = page.locator("#corridor-table tbody tr").count()
        page.locator("#corridors").screenshot(path=str(shot))
    assert log.errors == [] and log.external == [] and log.failed == []
    assert rows == 6 and later == 6
    assert first.startswith("mx_pacific")
    assert n_layers >= 4  # one toggle per corridor that has a route
    assert lines >= n_layers
    assert switch_rows == len(SCENARIOS)
    with Image.open(shot) as im:
        pixels = np.asarray(im.convert("RGB")).reshape(-1, 3)
    for colour in (FAMILY_COLOURS["mx_pacific"], FAMILY_COLOURS["us_pacific"]):
        rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
        # Drawn in its own colour: corridors share lanes (the US Pacific route rides the
        # Manzanillo loop to Long Beach under the Mexican one), so only the lanes a corridor
        # does not share show its colour; dozens of pixels, not a threshold on the picture.
        assert (np.abs(pixels.astype(int) - rgb).sum(axis=1) < 40).sum() > 50, colour
