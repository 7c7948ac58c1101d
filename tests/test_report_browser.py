"""report.html in a real headless Chromium with the network off.

Uses Debian's Chromium (/usr/bin/chromium, installed by .ci/run) through
Playwright's Python package; no browser is downloaded. A missing browser or
missing Playwright is a failure, not a skip: the report's promise (renders
offline, loads nothing from the internet) is only checked here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from networks.build import load_graph
from routing.compare import compare
from routing.report import node_attributes, write_report
from tests.browser import guarded_page


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    graph = load_graph()
    comp = compare(graph, ["MTY", "PBC"], ["CNSHA", "SGSIN"], "duty_25pct")
    out = tmp_path_factory.mktemp("browser-report")
    write_report(comp, out, node_attrs=node_attributes(graph))
    return out / "report.html"


def test_report_renders_offline_without_errors(report, tmp_path):
    with guarded_page(tmp_path) as (page, log):
        page.goto(report.as_uri())
        page.wait_for_selector("body[data-map-ready='1']", timeout=20_000)
        overview = page.locator("#map path.leaflet-interactive").count()
        basemap = page.locator("#map path:not(.leaflet-interactive)").count()
        markers = page.locator("#map path.leaflet-interactive[fill='#ffffff']").count()
        page.locator("#map").screenshot(path=str(tmp_path / "map-all.png"))
        page.select_option("#pair", "PBC-SGSIN")
        page.wait_for_function(
            "document.querySelector('#pairs tr.sel')?.dataset.pair === 'PBC-SGSIN'")
        pair_paths = page.locator("#map path.leaflet-interactive").count()
        page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
        rows = page.locator("#pairs tbody tr").count()
    assert log.errors == [], log.errors
    assert log.external == [], log.external
    assert log.failed == [], log.failed
    assert basemap > 50  # country polygons
    assert overview > 4 and markers >= 2  # routes plus hubs (white circles)
    assert 0 < pair_paths < overview + 1
    assert rows == 4
    with Image.open(tmp_path / "map-all.png") as im:
        pixels = np.asarray(im.convert("RGB")).reshape(-1, 3)
    # land, sea, both route colours: a map, not a blank or grey box
    assert len(np.unique(pixels, axis=0)) > 100
    for colour in ((0x1A, 0x7F, 0x3C), (0xC6, 0x28, 0x28)):
        near = np.abs(pixels.astype(int) - colour).sum(axis=1) < 40
        assert near.sum() > 200, colour
