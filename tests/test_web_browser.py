"""The planner page in a real headless Chromium against a live local server.

The server is uvicorn in a background thread on a free loopback port; the
browser may reach nothing else (every other request is aborted and recorded).
The page must load with no console error and no failed request, draw both
routes of a query on the map (real geometry, across the antimeridian), fill
the legs tables, the frontier chart and the break-even table, and answer a
misspelt place with the server's suggestions, shown as text.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from networks.build import load_graph
from routing.web import create_app
from routing.web.server import ServerThread
from tests.browser import guarded_page


@pytest.fixture(scope="module")
def server():
    with ServerThread(create_app(load_graph())) as srv:
        yield srv


def _browse(server, tmp_path, steps):
    # The page may load only from the local server (and inline data).
    with guarded_page(tmp_path, allow=(server.url + "/", "data:", "about:"),
                      viewport=(1300, 1000)) as (page, log):
        result = steps(page)
    return result, log.errors, log.external, log.failed


def test_page_draws_both_routes_offline(server, tmp_path):
    def steps(page):
        page.goto(server.url + "/?from=MTY&to=CNSHA")
        page.wait_for_selector("body[data-state='ready']", timeout=20_000)
        page.wait_for_timeout(300)  # let Leaflet finish its fitBounds animation
        out = {
            "us_free": page.locator("#map path.route-us_free").count(),
            "via_us": page.locator("#map path.route-via_us").count(),
            "basemap": page.locator("#map path:not(.leaflet-interactive)").count(),
            "places": page.locator("#map path.leaflet-interactive.place-port").count(),
            "legs_free": page.locator("#legs-us_free tbody tr").count(),
            "legs_us": page.locator("#legs-via_us tbody tr").count(),
            "frontier": page.locator("#frontier-chart circle").count(),
            "breakeven": page.locator("#breakeven tbody tr").count(),
            "summary": page.locator("#sum-us_free").inner_text(),
            "report": page.locator("#dl-report-html").get_attribute("href"),
        }
        page.locator("#map").screenshot(path=str(tmp_path / "map.png"))
        page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
        # Same query through the form: type part of a name and pick the suggestion.
        page.fill("#from", "guadal")
        page.wait_for_selector("#from-list li", timeout=5_000)
        out["suggested"] = page.locator("#from-list li").first.inner_text()
        page.locator("#from-list li").first.dispatch_event("mousedown")
        page.fill("#to", "busan")
        page.locator("#to-list li").first.dispatch_event("mousedown")
        page.click("#go")
        # (The page's CSP forbids eval, so wait on the URL and DOM, not on a JS predicate.)
        page.wait_for_url("**from=GDL**", timeout=20_000)
        page.wait_for_selector("body[data-state='ready']", timeout=20_000)
        out["second"] = page.locator("#sum-via_us").inner_text()
        return out

    out, errors, external, failed = _browse(server, tmp_path, steps)
    assert errors == [], errors
    assert external == [], external
    assert failed == [], failed
    assert out["us_free"] >= 2 and out["via_us"] >= 2  # land + sea legs of each side
    assert out["basemap"] > 50 and out["places"] >= 2
    assert out["legs_free"] >= 4 and out["legs_us"] >= 4
    assert out["frontier"] >= 2 and out["breakeven"] >= 4
    assert "USD/TEU" in out["summary"] and "CNSHA" in out["summary"]
    assert out["report"].startswith("/api/report.html?") and "CNSHA" in out["report"]
    assert "Guadalajara" in out["suggested"]
    assert "USD/TEU" in out["second"]
    with Image.open(tmp_path / "map.png") as im:
        pixels = np.asarray(im.convert("RGB")).reshape(-1, 3)
    assert len(np.unique(pixels, axis=0)) > 100  # a map, not a blank box
    for colour in ((0x1A, 0x7F, 0x3C), (0xC6, 0x28, 0x28)):  # both route colours drawn
        near = np.abs(pixels.astype(int) - colour).sum(axis=1) < 40
        assert near.sum() > 200, colour


def test_page_shows_errors_and_suggestions_as_text(server, tmp_path):
    evil = "<img src=x onerror=alert(1)>"

    def steps(page):
        page.goto(server.url + "/?from=Monterey&to=CNSHA")
        page.wait_for_selector("body[data-state='error']", timeout=20_000)
        out = {"error": page.locator("#error-text").inner_text(),
               "buttons": page.locator("#error-suggestions button").all_inner_texts()}
        page.locator("#error-suggestions button", has_text="MTY").click()
        page.wait_for_selector("body[data-state='ready']", timeout=20_000)
        out["fixed"] = page.locator("#from").input_value()
        page.fill("#from", evil)
        page.click("#go")
        page.wait_for_selector("body[data-state='error']", timeout=20_000)
        out["evil_text"] = page.locator("#error-text").inner_text()
        out["imgs"] = page.locator("#error img").count()
        return out

    out, errors, external, failed = _browse(server, tmp_path, steps)
    # The 422s are the answers under test; nothing else may fail.
    assert [f for f in failed if not f.startswith("422 ")] == [], failed
    assert [e for e in errors if "422" not in e] == [], errors
    assert external == [], external
    assert "unknown origin 'Monterey'" in out["error"]
    assert "Monterrey (MTY)" in out["buttons"]
    assert out["fixed"] == "MTY"
    assert evil in out["evil_text"] and out["imgs"] == 0


def test_api_docs_render_offline(server, tmp_path):
    def steps(page):
        page.goto(server.url + "/docs")
        page.wait_for_selector("body[data-docs-ready='1']", timeout=20_000)
        page.wait_for_selector(".opblock-summary-path", timeout=10_000)
        return page.locator(".opblock").count()

    blocks, errors, external, failed = _browse(server, tmp_path, steps)
    assert errors == [] and external == [] and failed == [], (errors, external, failed)
    assert blocks >= 10
