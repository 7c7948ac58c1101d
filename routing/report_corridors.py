"""The corridor section of ``bypass report``: gateways side by side, switch thresholds, map.

Built from ``routing.corridors`` results only (``CorridorSet`` per pair and
scenario), so the page shows what ``bypass corridors`` prints. Every user
string placed in HTML goes through ``html.escape``; the data for the
interactive part is embedded with ``routing.report._script_json`` and the
script writes table text with ``textContent`` only. The map is a second
Leaflet map (Leaflet is already inlined by the main report) with one layer
per gateway corridor of the selected pair.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import networkx as nx

from .corridors import (
    CORRIDOR_SCENARIOS,
    FAMILIES,
    FAMILY_NAMES,
    CorridorSet,
    corridors,
)
from .scenarios import Scenario, load_scenario

__all__ = ["corridor_data", "corridor_frame", "corridor_results", "corridor_section"]

#: One colour per gateway family (colour-blind-safe Okabe-Ito palette).
FAMILY_COLOURS = {
    "mx_pacific": "#009E73",
    "mx_gulf": "#56B4E9",
    "ca_pacific_sea": "#0072B2",
    "ca_pacific_inbond": "#CC79A7",
    "us_pacific": "#D55E00",
    "us_gulf": "#E69F00",
}
FAMILY_LABELS = {f.name: f.label for f in FAMILIES}


def corridor_results(
    graph: nx.MultiDiGraph,
    pairs: Iterable[tuple[str, str]],
    scenarios: Sequence[Scenario | str] | None = None,
    cargo_values: Mapping[tuple[str, str], float] | None = None,
    **kwargs: Any,
) -> dict[tuple[str, str], list[CorridorSet]]:
    """``corridors`` of every pair under every scenario (first scenario: the report's).

    ``cargo_values`` per pair (e.g. ``Comparison.cargo_value``) price the
    scenario charges as the comparison does; other keywords go to ``corridors``.
    """
    scs = [load_scenario(s) for s in (scenarios if scenarios is not None
                                      else CORRIDOR_SCENARIOS)]
    values = cargo_values or {}
    out = {}
    for o, d in pairs:
        kw = dict(kwargs)
        if (o, d) in values and kwargs.get("cargo_value_usd_per_teu") is None:
            kw["cargo_value_usd_per_teu"] = values[(o, d)]
        out[(o, d)] = [corridors(graph, o, d, scenario=s, **kw) for s in scs]
    return out


def _round(v: float, nd: int = 2) -> float | None:
    return None if v is None or not math.isfinite(v) else round(float(v), nd)


def corridor_data(results: Mapping[tuple[str, str], Sequence[CorridorSet]],
                  node_attrs: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """JSON-ready data of the section: legs (deduplicated), pairs, corridors, thresholds."""
    from .report import _node_marker, leg_refs

    legs: dict[str, Any] = {}
    leg_ids: dict[tuple[str, str, str], str] = {}
    places: dict[str, dict[str, Any]] = {}
    pairs = []
    for (o, d), sets in results.items():
        main = sets[0]
        items = []
        for c in main.corridors:
            item: dict[str, Any] = {"gateway": c.gateway, "label": FAMILY_LABELS[c.gateway],
                                    "reason": c.reason}
            if c.route is not None:
                ids, hyp = leg_refs(c.route, leg_ids, legs, "c")
                t = c.route.totals
                item.update({
                    "gateway_port": c.gateway_port, "us_transit": bool(c.us_transit),
                    "in_bond": bool(c.in_bond), "legs": ids, "hypothetical": hyp,
                    "total_usd_per_teu": _round(c.total_usd_per_teu),
                    "transport_usd_per_teu": _round(c.transport_usd_per_teu),
                    "days": _round(c.days), "co2_kg_per_teu": _round(t["co2_kg_per_teu"], 1),
                    "ports": " > ".join(t["ports"]),
                    "hypothetical_services": int(t["hypothetical_services"]),
                })
                if node_attrs is not None:
                    for node in c.route.nodes:
                        if node_attrs.get(node, {}).get("kind") in ("hub", "port"):
                            places.setdefault(node, _node_marker(node_attrs, node))
            items.append(item)
        switch = []
        for s in sets:
            th = {r["gateway"]: r for r in s.thresholds()}
            switch.append({
                "scenario": s.scenario.name,
                "best": None if s.best is None else s.best.gateway,
                "usd": {g: _round(th[g]["switch_usd_per_teu"]) for g in th},
                "pct": {g: _round(th[g]["switch_pct_of_cargo_value"]) for g in th},
            })
        pairs.append({"pair": f"{o}-{d}", "origin": o, "destination": d,
                      "cargo_value_usd_per_teu": main.cargo_value_usd_per_teu,
                      "best": None if main.best is None else main.best.gateway,
                      "corridors": items, "switch": switch})
    return {"families": list(FAMILY_NAMES), "colours": FAMILY_COLOURS, "labels": FAMILY_LABELS,
            "legs": legs, "pairs": pairs, "places": list(places.values())}


def _wins_table(results: Mapping[tuple[str, str], Sequence[CorridorSet]]) -> str:
    """Per scenario: how many pairs each gateway family wins (server-side, escaped)."""
    if not results:
        return ""
    names = [s.scenario.name for s in next(iter(results.values()))]
    head = "".join(f"<th>{html.escape(f)}</th>" for f in FAMILY_NAMES)
    rows = []
    for i, name in enumerate(names):
        wins = dict.fromkeys(FAMILY_NAMES, 0)
        none = 0
        for sets in results.values():
            best = sets[i].best
            if best is None:
                none += 1
            else:
                wins[best.gateway] += 1
        cells = "".join(f"<td>{wins[f]}</td>" for f in FAMILY_NAMES)
        rows.append(f"<tr><td>{html.escape(name)}</td>{cells}<td>{none}</td></tr>")
    return (f'<table class="small" id="corridor-wins"><thead><tr><th>scenario</th>{head}'
            f"<th>no route</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def corridor_section(results: Mapping[tuple[str, str], Sequence[CorridorSet]],
                     node_attrs: Mapping[str, Mapping[str, Any]] | None = None,
                     names: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The section's HTML and its script (to run after Leaflet and the main report's)."""
    from .report import _script_json

    names = names or {}
    data = corridor_data(results, node_attrs)
    opts = "".join(
        f'<option value="{html.escape(p["pair"])}">'
        f'{html.escape(names.get(p["origin"], p["origin"]))} → '
        f'{html.escape(names.get(p["destination"], p["destination"]))}</option>'
        for p in data["pairs"])
    scenario = ""
    if results:
        first = next(iter(results.values()))[0]
        scenario = first.scenario.name
        allow = first.options.get("allow_hypothetical")
    hyp_note = ("Sea legs with no scheduled service are allowed here (charter-priced, "
                "dashed)." if results and allow else
                "Only scheduled sea services: a corridor that needs a charter is shown "
                "as unavailable, with the reason.")
    body = f"""
<style>#corridors td{{text-align:right;white-space:nowrap;min-width:0}}
#corridors td:first-child,#corridors th{{text-align:left}}
#corridor-table td:nth-child(5),#corridor-table td:nth-child(9){{text-align:left;
white-space:normal}}</style>
<section id="corridors"><h2>Gateway corridors</h2>
<p>The best route through each gateway family, where the box boards the ocean service to
Asia: a Mexican Pacific or Gulf port, a Canadian Pacific port reached by sea (US-free) or by
land through the US <b>in bond</b> (US transit), a US Pacific or Gulf port. <b>Switch</b>:
the extra charge per TEU on the winning corridor (or saving on the other one) at which that
corridor would tie with it, scenario charges included; % is of cargo value. Scenario of the
table: <b>{html.escape(scenario)}</b>. {html.escape(hyp_note)}</p>
<h3>Pairs won per gateway, every scenario</h3>
{_wins_table(results)}
<div class="controls"><label>Pair <select id="corridor-pair">{opts}</select></label>
<span>toggle corridors in the map's layer control</span></div>
<div class="tablewrap"><table id="corridor-table"><thead><tr><th>gateway</th><th>port</th>
<th>USD/TEU</th><th>days</th><th>route ports</th><th>US transit</th><th>switch USD/TEU</th>
<th>switch % value</th><th>note</th></tr></thead><tbody></tbody></table></div>
<h3>Switch thresholds of this pair under every scenario (USD/TEU)</h3>
<div class="tablewrap"><table id="corridor-switch"><thead></thead><tbody></tbody></table>
</div>
<div id="corridor-map" style="height:520px;border:1px solid #bbb;border-radius:6px;
margin-top:10px;background:#d7e6f0"></div>
</section>
"""
    script = f"window.BYPASS_CORRIDORS = {_script_json(data)};\n{_JS}"
    return body, script


_JS = r"""
(function(){
const C = window.BYPASS_CORRIDORS, D = window.BYPASS_DATA || {};
const el = document.getElementById('corridor-map');
if (!el || !C.pairs.length) { document.body.dataset.corridorsReady = '1'; return; }
const map = L.map(el, {zoomSnap:0.25});
map.attributionControl.setPrefix('Leaflet (BSD-2-Clause)');
if (D.basemap) L.geoJSON(D.basemap, {interactive:false, style: f => ({color:'#9a9a9a',
  weight:0.6, fillColor: (D.countryFill || {})[f.properties.iso3] || D.land || '#eeeae0',
  fillOpacity:1})}).addTo(map);
// Dataset strings reach Leaflet as DOM nodes with textContent, never as HTML.
const text = t => { const s = document.createElement('span'); s.textContent = t; return s; };
const places = L.featureGroup().addTo(map);
for (const p of C.places) {
  L.circleMarker([p.lat, p.lon], {radius: p.kind === 'hub' ? 4 : 5, weight:1.5,
    color:'#222', fillColor: p.kind === 'hub' ? '#ffffff' : '#1f4e79', fillOpacity:1})
    .bindTooltip(text(p.name + ' (' + p.id + ')')).addTo(places);
}
let control = null, groups = [];
const fmt = v => v === null || v === undefined ? '–' :
  v.toLocaleString('en-US', {maximumFractionDigits:0});
function cell(tr, text, cls) { const td = document.createElement('td');
  td.textContent = text; if (cls) td.className = cls; tr.appendChild(td); return td; }
function show(key) {
  const P = C.pairs.find(p => p.pair === key) || C.pairs[0];
  groups.forEach(g => map.removeLayer(g)); groups = [];
  if (control) map.removeControl(control);
  const overlays = {};
  const body = document.querySelector('#corridor-table tbody');
  body.replaceChildren();
  const sw = P.switch[0];
  for (const c of P.corridors) {
    const tr = document.createElement('tr');
    const best = P.best === c.gateway;
    const name = cell(tr, c.gateway); name.style.color = C.colours[c.gateway];
    if (best) name.style.fontWeight = '700';
    if (!c.legs) {
      cell(tr, '–'); cell(tr, '–'); cell(tr, '–'); cell(tr, '–'); cell(tr, '–');
      cell(tr, '–'); cell(tr, '–'); cell(tr, c.reason);
      body.appendChild(tr); continue;
    }
    cell(tr, c.gateway_port); cell(tr, fmt(c.total_usd_per_teu)); cell(tr, c.days.toFixed(1));
    cell(tr, c.ports); cell(tr, c.in_bond ? 'in bond' : (c.us_transit ? 'yes' : 'no'));
    cell(tr, best ? 'best' : fmt(sw.usd[c.gateway]));
    cell(tr, best ? '' : (sw.pct[c.gateway] === undefined ? '–' : sw.pct[c.gateway].toFixed(1)));
    cell(tr, [c.in_bond ? 'through the US in bond' : '',
              c.hypothetical_services ? 'hypothetical sea leg' : ''].filter(Boolean).join('; '));
    body.appendChild(tr);
    const g = L.featureGroup();
    c.legs.forEach((id, i) => L.polyline(C.legs[id], {color: C.colours[c.gateway],
      weight: best ? 5 : 3, opacity: 0.85, dashArray: c.hypothetical[i] ? '7 6' : null})
      .addTo(g));
    const pop = document.createElement('div');
    const b = document.createElement('b'); b.textContent = c.gateway; pop.appendChild(b);
    pop.appendChild(document.createTextNode(': ' + fmt(c.total_usd_per_teu) + ' USD/TEU, ' +
      c.days.toFixed(1) + ' days, ' + c.ports));
    g.bindPopup(pop);
    g.addTo(map); groups.push(g);
    overlays[c.gateway] = g;
  }
  control = L.control.layers(null, overlays, {collapsed:false}).addTo(map);
  const head = document.querySelector('#corridor-switch thead');
  const sbody = document.querySelector('#corridor-switch tbody');
  head.replaceChildren(); sbody.replaceChildren();
  const hr = document.createElement('tr');
  ['scenario', 'best', ...C.families].forEach(t => { const th = document.createElement('th');
    th.textContent = t; hr.appendChild(th); });
  head.appendChild(hr);
  for (const s of P.switch) {
    const tr = document.createElement('tr');
    cell(tr, s.scenario); cell(tr, s.best || '–');
    for (const f of C.families) cell(tr, s.best === f ? 'best' : fmt(s.usd[f]));
    sbody.appendChild(tr);
  }
  const bounds = L.featureGroup(groups);
  if (groups.length) map.fitBounds(bounds.getBounds(), {padding:[20,20]});
  else if (places.getLayers().length) map.fitBounds(places.getBounds(), {padding:[20,20]});
}
const sel = document.getElementById('corridor-pair');
sel.addEventListener('change', () => show(sel.value));
show(sel.value);
document.body.dataset.corridorsReady = '1';
})();
"""


def corridor_frame(results: Mapping[tuple[str, str], Sequence[CorridorSet]]):
    """Every pair, scenario and gateway as one table (``corridors.csv`` of the report)."""
    import pandas as pd

    frames = [s.to_frame() for sets in results.values() for s in sets]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
