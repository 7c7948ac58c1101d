"""Hostile names in report.html, in a real headless Chromium with the network off.

Why: place names are user data; a port named ``<img src=x onerror=...>`` must
show as those characters in every tooltip, popup, table cell and option, and
never run. The test hovers every marker and opens every path's popup (in the
overview and for every pair) and asserts that no script of the data ran: no
``window.__pwned``, no dialog, no console error, no injected element.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from networks.build import load_graph
from routing.compare import compare
from routing.report import node_attributes, write_report
from routing.report_corridors import corridor_results, corridor_section
from tests.browser import guarded_page
from tests.hostile import HOSTILE, hostile_dataset


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory) -> Path:
    root = hostile_dataset(tmp_path_factory.mktemp("hostile") / "data")
    graph = load_graph(root)
    comp = compare(graph, ["GDL", "TIJ"], ["CNSHA", "SGSIN"], "duty_25pct")
    out = tmp_path_factory.mktemp("hostile-report")
    # As `bypass report` writes it: with the gateway corridor section and its map.
    found = corridor_results(graph, comp.pairs, [comp.scenario], comp.cargo_value)
    section = corridor_section(found, node_attributes(graph), comp.names)
    write_report(comp, out, node_attrs=node_attributes(graph), sections=[section])
    return out / "report.html"


def test_hostile_names_never_run_as_script(hostile_report, tmp_path):
    shown: list[str] = []
    with guarded_page(tmp_path) as (page, log):
        page.goto(hostile_report.as_uri())
        page.wait_for_selector("body[data-map-ready='1']", timeout=20_000)
        scripts_at_load = page.evaluate("document.scripts.length")
        assert page.evaluate("document.querySelectorAll('script[src]').length") == 0
        markers = page.locator("path.leaflet-interactive:not([fill='none'])")
        n_markers = markers.count()
        for i in range(n_markers):
            markers.nth(i).dispatch_event("mouseover")  # some lie outside the view
            page.wait_for_selector(".leaflet-tooltip", timeout=2_000)
            shown.append(page.locator(".leaflet-tooltip").last.inner_text())
        n_paths = 0
        options = [""] + page.locator("#pair option").evaluate_all(
            "opts => opts.map(o => o.value).filter(v => v)")
        for value in options:
            page.select_option("#pair", value)
            paths = page.locator("path.leaflet-interactive[fill='none']")
            for i in range(paths.count()):
                paths.nth(i).dispatch_event("click")
                popup = page.locator(".leaflet-popup-content").last
                popup.wait_for(timeout=2_000)
                shown.append(popup.inner_text())
                n_paths += 1
        pwned = page.evaluate("window.__pwned")
        injected = page.evaluate(
            "document.querySelectorAll('img, iframe, svg[onload], [onerror], [onload]')"
            ".length")
        scripts = page.evaluate("document.scripts.length")
        table_text = page.locator("#pairs").inner_text()
        options_text = page.locator("#pair").inner_text()
    assert n_markers >= 5 and n_paths >= 10, (n_markers, n_paths)
    assert pwned is None
    assert log.dialogs == []
    assert log.errors == [], log.errors
    assert log.external == [], log.external
    assert injected == 0
    assert scripts == scripts_at_load  # nothing added by hovering or opening popups
    text = "\n".join(shown) + table_text + options_text
    # The attacks are shown as text, character for character.
    assert any(HOSTILE[0] in t for t in shown) or HOSTILE[0] in text
    hostile_seen = [h for h in HOSTILE if h in text]
    assert len(hostile_seen) >= 3, hostile_seen
