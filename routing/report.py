"""The comparison report: CSV, Parquet, a self-contained HTML page and a static map.

The HTML page loads nothing from the network: Leaflet (vendored in
``routing/assets``, BSD-2-Clause) is inlined, the basemap is GeoJSON drawn
from the project's own Natural Earth countries, markers are circleMarkers
(Leaflet's default icons are image URLs) and the scenario chart is inline SVG.
Everything is built from a ``Comparison``, so the page shows exactly the
routes and numbers ``bypass compare`` prints.

Maps are Pacific-centred: the interactive map uses longitudes in
[60, 420) (continuous across 180; lines are cut where they cross 60 E, in
the Arabian Sea), the static map a Robinson projection centred at 160 W with
lines cut at its seam (20 E) and at the antimeridian before projecting.
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
from collections.abc import Mapping, MutableMapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, box, mapping

from networks import geography
from networks.atomic import staged_folder, write_atomic, write_text_atomic
from networks.errors import BypassError
from networks.export import write_frame

from .compare import SIDES, Comparison, scenario_summary
from .results import Route
from .scenarios import Scenario, builtin_scenarios

__all__ = [
    "ASSETS",
    "BASEMAP_TOLERANCE_DEG",
    "COLOURS",
    "COUNTRY_FILL",
    "LABELS",
    "ROUTE_TOLERANCE_DEG",
    "STATIC_CRS",
    "STATIC_LON0",
    "WEST",
    "basemap_geojson",
    "leaflet_css",
    "leg_coords",
    "leg_refs",
    "map_data",
    "node_attributes",
    "render_html",
    "scenario_chart_svg",
    "split_at_meridian",
    "static_map_figure",
    "static_parts",
    "write_report",
]

ASSETS = Path(__file__).resolve().parent / "assets"

#: Interactive map frame: longitudes [WEST, WEST + 360) with the Pacific in the middle.
WEST = 60.0
SOUTH, NORTH = -58.0, 82.0
#: Central meridian of the static map (its seam is the opposite meridian, 20 E).
STATIC_LON0 = -160.0
BASEMAP_TOLERANCE_DEG = 0.05
ROUTE_TOLERANCE_DEG = 0.01

COLOURS = {"us_free": "#1a7f3c", "via_us": "#c62828"}
LABELS = {"us_free": "US-free", "via_us": "through the US"}
COUNTRY_FILL = {"USA": "#f3d6d3", "MEX": "#dcebd5", "CAN": "#e3e6ef"}
LAND, SEA = "#eeeae0", "#d7e6f0"
STATIC_CRS = f"+proj=robin +lon_0={STATIC_LON0:g} +datum=WGS84 +units=m +no_defs"


# --------------------------------------------------------------------------- map data (pure)


def split_at_meridian(line, meridian: float) -> list[LineString]:
    """Parts of a line cut wherever it crosses ``meridian`` (+- 360 k), each part with
    continuous longitudes inside [meridian, meridian + 360]."""
    off = 180.0 - meridian
    shifted = shapely.transform(line, lambda c: c + np.array([off, 0.0]))
    back = 360.0 - off
    return [shapely.transform(part, lambda c: c + np.array([back, 0.0]))
            for part in geography.split_antimeridian(shifted).geoms]


def leg_coords(geometry) -> list[list[list[float]]]:
    """A leg as parts of [[lat, lon], ...] in the map frame (Leaflet order), simplified."""
    if geometry is None or geometry.is_empty:
        return []
    line = shapely.simplify(geometry, ROUTE_TOLERANCE_DEG, preserve_topology=False)
    out = []
    for part in split_at_meridian(line, WEST):
        coords = [[round(float(y), 3), round(float(x), 3)] for x, y in part.coords]
        if len(coords) >= 2:
            out.append(coords)
    return out


def static_parts(geometry) -> list[LineString]:
    """A line cut at the static map's seam and at the antimeridian, lons in [-180, 180].

    Cut points are nudged off the seam so the projection cannot put them on the
    wrong edge of the map (which would draw a line across the whole map).
    """
    seam = STATIC_LON0 + 180.0
    lo, hi = np.array([seam + 1e-6, -90.0]), np.array([seam + 360.0 - 1e-6, 90.0])
    return [p for part in split_at_meridian(geometry, seam)
            for p in geography.split_antimeridian(
                shapely.transform(part, lambda c: np.clip(c, lo, hi))).geoms]


def _node_marker(graph_nodes, node: str) -> dict[str, Any]:
    d = graph_nodes.get(node, {})
    lon = float(d.get("lon", 0.0))
    lon = lon + 360.0 * (-math.floor((lon - WEST) / 360.0))
    return {"id": node, "name": str(d.get("name", node)), "kind": str(d.get("kind", "")),
            "country": str(d.get("country", "")), "lat": round(float(d.get("lat", 0.0)), 4),
            "lon": round(lon, 4)}


def leg_refs(route: Route, leg_ids: dict[tuple[str, str, str], str],
             legs: MutableMapping[str, Any], prefix: str) -> tuple[list[str], list[bool]]:
    """The drawable legs of ``route`` as ids into ``legs`` (shared by every route using them).

    Why: the page ships each leg's coordinates once however many routes ride it;
    ``leg_ids`` and ``legs`` are filled in place. Returns the ids in route order
    and, for each, whether it is a hypothetical sea leg (drawn dashed).
    """
    ids: list[str] = []
    hyp: list[bool] = []
    for leg in route.legs:
        if leg.geometry is None or leg.mode == "transfer":
            continue
        key = (leg.from_id, leg.to_id, str(leg.key))
        if key not in leg_ids:
            coords = leg_coords(leg.geometry)
            if not coords:
                continue
            leg_ids[key] = f"{prefix}{len(leg_ids)}"
            legs[leg_ids[key]] = coords
        ids.append(leg_ids[key])
        hyp.append(leg.service == "hypothetical")
    return ids, hyp


def map_data(comparison: Comparison, node_attrs: dict[str, dict] | None = None) -> dict[str, Any]:
    """Legs (deduplicated), routes per pair and side, and the places they touch."""
    legs: dict[str, list[list[list[float]]]] = {}
    leg_ids: dict[tuple[str, str, str], str] = {}
    routes = []
    places: dict[str, dict[str, Any]] = {}
    frame = comparison.frame.set_index(["origin", "destination"])
    for o, d in comparison.pairs:
        row = cast(pd.Series, frame.loc[(o, d)])  # one row per pair
        for side in SIDES:
            route = comparison.routes[(o, d)].get(side)
            if route is None:
                continue
            ids, hyp = leg_refs(route, leg_ids, legs, "l")
            routes.append({
                "pair": f"{o}-{d}", "origin": o, "destination": d, "side": side, "legs": ids,
                "hypothetical": hyp,
                "total_usd_per_teu": round(float(row[f"{side}_total_usd_per_teu"]), 2),
                "transport_usd_per_teu": round(float(row[f"{side}_transport_usd_per_teu"]), 2),
                "days": round(float(row[f"{side}_days"]), 2),
                "co2_kg_per_teu": round(float(row[f"{side}_co2_kg_per_teu"]), 1),
                "ports": str(row[f"{side}_ports"]),
            })
            for node in route.nodes:
                kind = (node_attrs or {}).get(node, {}).get("kind")
                if node_attrs is not None and kind in ("hub", "port"):
                    places.setdefault(node, _node_marker(node_attrs, node))
    return {"legs": legs, "routes": routes, "places": list(places.values()),
            "colours": COLOURS, "labels": LABELS}


@lru_cache(maxsize=2)
def basemap_geojson(tolerance_deg: float = BASEMAP_TOLERANCE_DEG) -> str:
    """Countries as compact GeoJSON in the interactive map's frame (simplified)."""
    frame = geography.countries()
    geoms = frame.geometry.simplify(tolerance_deg, preserve_topology=True)
    view = box(WEST, SOUTH, WEST + 360.0, NORTH)
    features = []
    for iso3, name, geom in zip(frame["iso3"], frame["name"], geoms, strict=True):
        part = shapely.intersection(geography._in_frame(geom, WEST, WEST + 360.0), view)
        if part.is_empty or part.area < 1e-4:
            continue
        part = shapely.transform(part, lambda c: np.round(c, 2))
        features.append({"type": "Feature", "properties": {"iso3": iso3, "name": name},
                         "geometry": mapping(part)})
    return json.dumps({"type": "FeatureCollection", "features": features},
                      separators=(",", ":"))


# --------------------------------------------------------------------------- chart (pure)


def scenario_chart_svg(summary: pd.DataFrame) -> str:
    """Horizontal bars: share of pairs and of demand volume favouring US-free, per scenario."""
    bar_h, gap, left, width = 14, 16, 190, 420
    rows = len(summary)
    height = 40 + rows * (2 * bar_h + gap) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{left + width + 70}" '
           f'height="{height}" viewBox="0 0 {left + width + 70} {height}" '
           'aria-label="Share favouring the US-free route by scenario" class="chart">']
    out.append('<g font-family="system-ui, sans-serif" font-size="12" fill="#222">')
    for pct in (0, 25, 50, 75, 100):
        x = left + width * pct / 100
        out.append(f'<line x1="{x:.1f}" y1="30" x2="{x:.1f}" y2="{height - 28}" '
                   'stroke="#ccc" stroke-width="1"/>')
        out.append(f'<text x="{x:.1f}" y="{height - 12}" text-anchor="middle">{pct} %</text>')
    series = (("share_pairs_us_free", "#1a7f3c", "share of pairs"),
              ("share_teu_us_free", "#7fbf8f", "share of demand volume (TEU)"))
    for i, (_, colour, label) in enumerate(series):
        x = left + i * 210
        out.append(f'<rect x="{x}" y="8" width="12" height="12" fill="{colour}"/>'
                   f'<text x="{x + 18}" y="18">{label}</text>')
    for i, rec in enumerate(summary.to_dict(orient="records")):
        y0 = 36 + i * (2 * bar_h + gap)
        out.append(f'<text x="{left - 8}" y="{y0 + bar_h + 4}" text-anchor="end">'
                   f'{html.escape(str(rec["scenario"]))}</text>')
        for j, (col, colour, _) in enumerate(series):
            v = rec.get(col)
            y = y0 + j * bar_h
            if v is None or not math.isfinite(v):
                out.append(f'<text x="{left + 4}" y="{y + 11}" fill="#777">no data</text>')
                continue
            out.append(f'<rect x="{left}" y="{y}" width="{width * v:.1f}" height="{bar_h - 2}" '
                       f'fill="{colour}"><title>{html.escape(str(rec["scenario"]))}: '
                       f'{v:.1%}</title></rect>')
            out.append(f'<text x="{left + width * v + 4:.1f}" y="{y + 11}">{v:.0%}</text>')
    out.append("</g></svg>")
    return "".join(out)


# --------------------------------------------------------------------------- HTML (pure)


def _asset(name: str) -> str:
    try:
        return (ASSETS / name).read_text(encoding="utf-8")
    except OSError as exc:
        raise BypassError(f"report asset {name} missing from {ASSETS} ({exc.strerror})") from exc


def leaflet_css() -> str:
    """Leaflet's stylesheet with its control images inlined as data URIs."""
    css = _asset("leaflet.css")

    def inline(match: re.Match) -> str:
        data = (ASSETS / match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode('ascii')})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)
    return css.replace("behavior: url(#default#VML);", "")


def _script_json(payload: Any) -> str:
    """JSON safe to place inside a <script> element."""
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _fmt(v: Any, spec: str, missing: str = "–") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return missing
    return format(v, spec)


def _pair_table(frame: pd.DataFrame) -> str:
    heads = [("pair", "text"), ("US-free USD/TEU", "num"), ("US-free days", "num"),
             ("US-free ports", "text"), ("via US USD/TEU", "num"), ("via US days", "num"),
             ("via US ports", "text"), ("Δ cost USD/TEU", "num"), ("Δ cost %", "num"),
             ("Δ days", "num"), ("CO2 kg/TEU US-free / via US", "text"),
             ("break-even USD/TEU", "num"), ("break-even % of value", "num"),
             ("favours", "text")]
    out = ['<table id="pairs"><thead><tr>']
    for i, (h, kind) in enumerate(heads):
        out.append(f'<th data-col="{i}" data-kind="{kind}" title="click to sort">'
                   f'{html.escape(h)}</th>')
    out.append("</tr></thead><tbody>")
    for r in frame.to_dict(orient="records"):
        pair = f"{r['origin']}-{r['destination']}"
        hyp = {s: " <span class=hyp title='uses a hypothetical sea service'>H</span>"
               if r[f"{s}_hypothetical"] else "" for s in SIDES}
        fav = {"us_free": "US-free", "via_us": "via US"}.get(r["favours"], "–")
        cells = [
            f"{html.escape(r['origin_name'])} → {html.escape(r['destination_name'])}",
            _fmt(r["us_free_total_usd_per_teu"], ",.0f"), _fmt(r["us_free_days"], ".1f"),
            html.escape(r["us_free_ports"] or r["us_free_reason"] or "–") + hyp["us_free"],
            _fmt(r["via_us_total_usd_per_teu"], ",.0f"), _fmt(r["via_us_days"], ".1f"),
            html.escape(r["via_us_ports"] or r["via_us_reason"] or "–") + hyp["via_us"],
            _fmt(r["diff_cost_usd_per_teu"], "+,.0f"), _fmt(r["diff_cost_usd_per_teu_pct"], "+.0f"),
            _fmt(r["diff_days"], "+.1f"),
            f"{_fmt(r['us_free_co2_kg_per_teu'], ',.0f')} / "
            f"{_fmt(r['via_us_co2_kg_per_teu'], ',.0f')}",
            _fmt(r["breakeven_usd_per_teu"], "+,.0f"),
            _fmt(r["breakeven_pct_of_cargo_value"], "+.1f"),
            f'<span class="fav-{r["favours"] or "none"}">{fav}</span>',
        ]
        out.append(f'<tr data-pair="{html.escape(pair)}">'
                   + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _teu_share(summary: Mapping[Any, Any]) -> str:
    if not summary["teu_per_year"] > 0:
        return "no demand data"
    return (f"{summary['teu_per_year_us_free']:,.0f} TEU/yr "
            f"({_fmt(summary['share_teu_us_free'], '.0%')})")


def _summary_table(summary: pd.DataFrame) -> str:
    out = ['<table class="small"><thead><tr><th>scenario</th><th>pairs favouring US-free</th>'
           '<th>TEU/yr favouring US-free</th><th>median break-even USD/TEU</th></tr></thead>'
           '<tbody>']
    for r in summary.to_dict(orient="records"):
        out.append(
            f"<tr><td>{html.escape(str(r['scenario']))}</td>"
            f"<td>{r['pairs_us_free']} of {r['pairs']} "
            f"({_fmt(r['share_pairs_us_free'], '.0%')})</td>"
            f"<td>{_teu_share(r)}</td>"
            f"<td>{_fmt(r['median_breakeven_usd_per_teu'], '+,.0f')}</td></tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _scenario_list(scenarios: Sequence[Scenario], current: str) -> str:
    out = ['<dl class="scenarios">']
    for s in scenarios:
        mark = " (this report)" if s.name == current else ""
        terms = (f"surcharge {s.surcharge_usd_per_teu:,.0f} USD/TEU; duty "
                 f"{s.duty_pct_of_cargo_value:g} % of cargo value; extra border delay "
                 f"{s.extra_border_delay_h:g} h; disruption probability "
                 f"{s.disruption_probability:g} with {s.disruption_delay_days:g} days' delay; "
                 f"carrying cost {s.carrying_cost_pct_per_year:g} %/yr")
        srcs = "; ".join(
            f'<a href="{html.escape(src.url)}">{html.escape(src.title)}</a> '
            f'({html.escape(src.date)})'
            for src in s.sources)
        out.append(f"<dt>{html.escape(s.name)}{mark}, as of "
                   f"{s.as_of.isoformat() if s.as_of else 'n.d.'}</dt>"
                   f"<dd>{html.escape(s.description)}<br><small>{terms}</small>"
                   f"<br><small>Sources: {srcs}</small></dd>")
    out.append("</dl>")
    return "".join(out)


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d1d1d;
background:#fafafa;line-height:1.4}
header,section,footer{max-width:1280px;margin:0 auto;padding:12px 20px}
h1{font-size:1.5rem;margin:.4em 0} h2{font-size:1.15rem;margin:.8em 0 .4em}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:8px 12px;font-size:.92rem}
.figures{display:flex;flex-wrap:wrap;gap:12px;margin:10px 0}
.figure{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:170px}
.figure b{display:block;font-size:1.35rem}
#map{height:600px;border:1px solid #bbb;border-radius:6px;background:#d7e6f0}
.controls{margin:6px 0;display:flex;gap:12px;align-items:center;flex-wrap:wrap}
.legend{background:#fff;padding:6px 10px;border-radius:4px;box-shadow:0 1px 4px #0003;
font-size:12px;line-height:1.6}
.legend i{display:inline-block;width:22px;height:0;border-top:3px solid;vertical-align:middle;
margin-right:6px}
.legend i.dash{border-top-style:dashed}
table{border-collapse:collapse;font-size:.82rem;background:#fff;width:100%}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:right;white-space:nowrap}
th{white-space:normal;vertical-align:bottom}
td:nth-child(1),td:nth-child(4),td:nth-child(7){white-space:normal;min-width:9em}
td:nth-child(1),td:nth-child(4),td:nth-child(7),th{text-align:left}
table.small{width:auto;margin:8px 0} table.small td:first-child{text-align:left}
th{background:#eef1f4;cursor:pointer;position:sticky;top:0}
tbody tr:hover{background:#f4f8ff;cursor:pointer} tbody tr.sel{background:#e3f0ff}
.tablewrap{max-height:520px;overflow:auto;border:1px solid #ddd}
.fav-us_free{color:#1a7f3c;font-weight:600}.fav-via_us{color:#c62828;font-weight:600}
.hyp{background:#fff1c2;border-radius:3px;padding:0 3px;font-size:.75rem}
dl.scenarios dt{font-weight:600;margin-top:8px} dl.scenarios dd{margin-left:16px}
.chart{max-width:100%;height:auto;background:#fff;border:1px solid #ddd;border-radius:6px}
footer{font-size:.8rem;color:#555}
"""

_JS = r"""
(function(){
const D = window.BYPASS_DATA;
const map = L.map('map', {worldCopyJump:false, zoomSnap:0.25, preferCanvas:false});
map.attributionControl.setPrefix('Leaflet (BSD-2-Clause)');
map.attributionControl.addAttribution('Natural Earth (public domain); routes: bypass');
const fills = D.countryFill;
L.geoJSON(D.basemap, {interactive:false, style: f => ({
  color:'#9a9a9a', weight:0.6, fillColor: fills[f.properties.iso3] || D.land,
  fillOpacity:1})}).addTo(map);
// Every string from the data is text, never markup: tooltips and popups are DOM
// nodes whose text is set with createTextNode (a port named like an HTML tag
// shows those characters). Leaflet takes an element wherever it takes HTML.
const BR = {br: true};
const bold = text => ({bold: String(text)});
function content(parts) {
  const div = document.createElement('div');
  for (const part of parts) {
    if (part === BR) { div.appendChild(document.createElement('br')); continue; }
    if (part !== null && typeof part === 'object') {
      const b = document.createElement('b');
      b.appendChild(document.createTextNode(part.bold));
      div.appendChild(b);
      continue;
    }
    div.appendChild(document.createTextNode(String(part)));
  }
  return div;
}
const layers = {};
const all = L.featureGroup().addTo(map);
const fmt = v => v.toLocaleString('en-US', {maximumFractionDigits:0});
const style = (side, hyp) => ({color: D.colours[side], weight: side === 'us_free' ? 4.5 : 2,
  opacity: 0.85, dashArray: hyp ? '7 6' : null});
// Overview: every lane once per side, so dashes of shared lanes stay in phase.
// US-free wide underneath, through-the-US narrow on top: shared lanes show both.
const overview = L.featureGroup();
for (const side of ['us_free', 'via_us']) {
  const users = {};
  for (const r of D.routes.filter(x => x.side === side)) {
    r.legs.forEach((id, i) => { (users[id] = users[id] || {hyp: r.hypothetical[i], pairs: []})
      .pairs.push(r.pair); });
  }
  for (const [id, u] of Object.entries(users)) {
    L.polyline(D.legs[id], style(side, u.hyp)).bindPopup(content([
      bold(D.labels[side]), ' lane' + (u.hyp ? ' (hypothetical service)' : '') +
      ', best route of ' + u.pairs.length + ' pair(s): ' + u.pairs.slice(0, 12).join(', ') +
      (u.pairs.length > 12 ? ', ...' : '')])).addTo(overview);
  }
}
for (const side of ['us_free', 'via_us']) {
  for (const r of D.routes.filter(x => x.side === side)) {
    const g = L.featureGroup();
    r.legs.forEach((id, i) => L.polyline(D.legs[id], style(side, r.hypothetical[i])).addTo(g));
    g.bindPopup(content([
      bold(r.pair), ' ' + D.labels[side], BR,
      fmt(r.total_usd_per_teu) + ' USD/TEU' +
      (r.total_usd_per_teu !== r.transport_usd_per_teu ?
        ' (transport ' + fmt(r.transport_usd_per_teu) + ')' : '') +
      ', ' + r.days.toFixed(1) + ' days, ' + fmt(r.co2_kg_per_teu) + ' kg CO2/TEU', BR,
      r.ports]));
    (layers[r.pair] = layers[r.pair] || []).push(g);
  }
}
all.addLayer(overview);
const places = L.featureGroup().addTo(map);
for (const p of D.places) {
  const hub = p.kind === 'hub';
  const us = p.country === 'USA';
  L.circleMarker([p.lat, p.lon], {radius: hub ? 4 : 5, weight: 1.5, color: '#222',
    fillColor: hub ? '#ffffff' : (us ? '#c62828' : '#1f4e79'), fillOpacity: 1})
    .bindTooltip(content([p.name + ' (' + p.id + ')'])).addTo(places);
}
const legend = L.control({position:'bottomleft'});
legend.onAdd = function(){
  const div = L.DomUtil.create('div', 'legend');
  div.innerHTML = '<i style="border-color:' + D.colours.us_free + '"></i>US-free route<br>' +
    '<i style="border-color:' + D.colours.via_us + '"></i>route through the US<br>' +
    '<i class="dash" style="border-color:#555"></i>hypothetical sea service<br>' +
    '<span style="color:#555">○ hub &nbsp; ● port (red: US)</span>';
  return div;
};
legend.addTo(map);
// Start on the places (a Gulf port to Asia may sail the other way round).
const all_bounds = places.getLayers().length ? places.getBounds() : all.getBounds();
map.fitBounds(all_bounds, {padding:[10,10]});
const sel = document.getElementById('pair');
function show(pair) {
  all.clearLayers();
  if (pair) (layers[pair] || []).forEach(g => all.addLayer(g));
  else all.addLayer(overview);
  document.querySelectorAll('#pairs tbody tr').forEach(
    tr => tr.classList.toggle('sel', tr.dataset.pair === pair));
  if (pair && all.getLayers().length) map.fitBounds(all.getBounds(), {padding:[30,30]});
  else map.fitBounds(all_bounds, {padding:[10,10]});
}
sel.addEventListener('change', () => show(sel.value));
document.querySelectorAll('#pairs tbody tr').forEach(tr => tr.addEventListener('click', () => {
  sel.value = tr.dataset.pair; show(tr.dataset.pair);
  document.getElementById('map').scrollIntoView({behavior:'smooth'});
}));
document.querySelectorAll('#pairs th').forEach(th => th.addEventListener('click', () => {
  const body = document.querySelector('#pairs tbody');
  const col = +th.dataset.col, num = th.dataset.kind === 'num';
  const dir = th.dataset.dir === 'asc' ? -1 : 1; th.dataset.dir = dir > 0 ? 'asc' : 'desc';
  const val = tr => { const t = tr.children[col].textContent.replace(/[,+%\s]/g, '');
    return num ? (t === '–' ? Infinity : parseFloat(t.replace('−', '-')))
      : tr.children[col].textContent; };
  [...body.rows].sort((a, b) => { const x = val(a), y = val(b);
    return (num ? x - y : String(x).localeCompare(String(y))) * dir; })
    .forEach(r => body.appendChild(r));
}));
document.body.dataset.mapReady = '1';
})();
"""


def render_html(comparison: Comparison, summary: pd.DataFrame,
                scenarios: Sequence[Scenario], node_attrs: dict[str, dict] | None = None,
                extra: Sequence[tuple[str, str]] = ()) -> str:
    """The whole report page as one self-contained HTML string.

    ``extra``: (section HTML, script) pairs of other report modules (e.g.
    ``routing.report_corridors``), placed before the footer and run last.
    """
    s = comparison.summary()
    frame = comparison.frame
    sc = comparison.scenario
    data = map_data(comparison, node_attrs)
    data.update({"countryFill": COUNTRY_FILL, "land": LAND})
    pairs_opts = "".join(
        f'<option value="{html.escape(o)}-{html.escape(d)}">'
        f'{html.escape(comparison.names.get(o, o))} → '
        f'{html.escape(comparison.names.get(d, d))}</option>'
        for o, d in comparison.pairs)
    hyp = int(frame["us_free_hypothetical"].sum() + frame["via_us_hypothetical"].sum())
    opts = ", ".join(f"{k}={v}" for k, v in comparison.route_kwargs.items()) or "defaults"
    figures = [
        ("pairs compared", f"{s['pairs']}"),
        ("pairs favouring US-free",
         f"{s['pairs_us_free']} ({_fmt(s['share_pairs_us_free'], '.0%')})"),
        ("demand volume favouring US-free", _teu_share(s)),
        ("median break-even", f"{_fmt(s['median_breakeven_usd_per_teu'], '+,.0f')} USD/TEU"),
    ]
    fig_html = "".join(f'<div class="figure">{html.escape(k)}<b>{html.escape(v)}</b></div>'
                       for k, v in figures)
    css = leaflet_css()
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bypass: Mexico to Asia, US-free vs through the US ({html.escape(sc.name)})</title>
<style>{css}</style><style>{_CSS}</style></head>
<body>
<header><h1>Mexico → Asia: US-free routes vs routes through the United States</h1>
<p>Scenario <b>{html.escape(sc.name)}</b> (as of {sc.as_of.isoformat() if sc.as_of else 'n.d.'}):
{html.escape(sc.description)}</p>
<p class="note">Goods moving in bond through the US are normally not dutiable (19 CFR 123.31).
The duty and disruption scenarios model policy risk, not current law. Costs are transport
costs per TEU from the project's sourced parameters plus the scenario's charges on the route
through the US; cargo value and demand volumes are illustrative.</p></header>
<section id="summary"><h2>Summary</h2><div class="figures">{fig_html}</div>
<p>Δ = US-free minus through the US (negative: US-free is cheaper or faster). Break-even:
the extra US-transit charge at which both routes cost the same; zero or negative means the
US-free route already wins. {hyp} route(s) use a sea leg with no scheduled liner service
(dashed on the map, <span class="hyp">H</span> in the table).
Route options: {html.escape(opts)}.</p>
</section>
<section id="map-section"><h2>Map</h2>
<div class="controls"><label>Pair <select id="pair"><option value="">all pairs</option>
{pairs_opts}</select></label>
<span>click a route for its figures, a table row to show its pair</span></div>
<div id="map"></div></section>
<section id="scenarios"><h2>Scenarios</h2>{scenario_chart_svg(summary)}
{_summary_table(summary)}
{_scenario_list(scenarios, sc.name)}
<p>Charges on a route through the US, per TEU (V cargo value, r carrying cost per year,
C<sub>fallback</sub> the pair's best US-free transport cost): surcharge + duty % × V +
extra border delay h × V × r / 8760 + disruption probability × (C<sub>fallback</sub> +
disruption delay days × V × r / 365).</p></section>
<section id="table"><h2>All pairs ({len(frame)})</h2>
<div class="tablewrap">{_pair_table(frame)}</div></section>
{"".join(section for section, _ in extra)}
<footer>Made with bypass. Map: Leaflet 1.9.4 (BSD-2-Clause, © Volodymyr Agafonkin,
CloudMade), country outlines Natural Earth 1:10m (public domain), corridor geometry derived
from © OpenStreetMap contributors (ODbL). This page loads nothing from the internet.</footer>
<script>{_asset("leaflet.js")}</script>
<script>window.BYPASS_DATA = {_script_json(data)};
window.BYPASS_DATA.basemap = {basemap_geojson()};</script>
<script>{_JS}</script>
{"".join(f"<script>{script}</script>" for _, script in extra)}
</body></html>
"""
    return page


# --------------------------------------------------------------------------- static map


_Point = tuple[str, float, float]


def _label_groups(points: list[_Point], km: float) -> list[_Point]:
    """Ports closer than ``km`` (in projected metres / 1000) share one label."""
    groups: list[list[_Point]] = []
    for p in sorted(points):
        for g in groups:
            if any(math.hypot(p[1] - q[1], p[2] - q[2]) < km * 1000.0 for q in g):
                g.append(p)
                break
        else:
            groups.append([p])
    return [("/".join(q[0] for q in g), min(q[1] for q in g), max(q[2] for q in g))
            for g in groups]


def _place_labels(ax, labels: list[_Point], metres_per_pt: float, size: float = 6.5) -> None:
    """Port labels at the first of four offsets whose box overlaps no earlier label."""
    boxes: list[tuple[float, float, float, float]] = []
    for text, x, y in labels:
        w, h = len(text) * size * 0.62 * metres_per_pt, size * 1.2 * metres_per_pt
        choice = None
        for dx, dy, ha in ((4, 3, "left"), (4, -10, "left"), (-4, 3, "right"),
                           (-4, -10, "right")):
            x0 = x + dx * metres_per_pt - (w if ha == "right" else 0.0)
            y0 = y + dy * metres_per_pt
            rect = (x0, y0, x0 + w, y0 + h)
            if not any(rect[0] < b[2] and b[0] < rect[2] and rect[1] < b[3] and b[1] < rect[3]
                       for b in boxes):
                choice = (dx, dy, ha, rect)
                break
        dx, dy, ha, rect = choice or (4, 3, "left", (x, y, x + w, y + h))
        boxes.append(rect)
        ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha,
                    fontsize=size, color="#222", zorder=7)


def static_map_figure(comparison: Comparison, node_attrs: dict[str, dict] | None = None):
    """A matplotlib Figure: Mexico, Canada, the US and the Pacific with both routes per pair."""
    import geopandas as gpd
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from pyproj import Transformer
    from shapely.geometry import MultiLineString

    seam = STATIC_LON0 + 180.0
    world = geography.countries()
    window = [box(-180.0, -60.0, seam - 0.01, 84.0), box(seam + 0.01, -60.0, 180.0, 84.0)]
    parts = []
    for w in window:
        clipped = world.copy()
        clipped["geometry"] = clipped.geometry.intersection(w)
        parts.append(clipped[~clipped.geometry.is_empty])
    base = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs="EPSG:4326")
    base["geometry"] = base.geometry.simplify(0.03, preserve_topology=True)
    base = base.to_crs(STATIC_CRS)
    # View: Singapore to the Gulf of Mexico, the equator to Alaska.
    tr = Transformer.from_crs("EPSG:4326", STATIC_CRS, always_xy=True)
    px, py = tr.transform([95.0, -58.0, -160.0, 95.0, -58.0], [-4.0, -4.0, 62.0, 62.0, 62.0])
    xmin, xmax, ymin, ymax = min(px), max(px), min(py), max(py)
    width_in = 13.0
    fig = Figure(figsize=(width_in, width_in * (ymax - ymin) / (xmax - xmin) + 0.6), dpi=130,
                 layout="constrained")
    ax = fig.add_subplot()
    ax.set_facecolor(SEA)
    base.plot(ax=ax, color=[COUNTRY_FILL.get(i, LAND) for i in base["iso3"]],
              edgecolor="#9a9a9a", linewidth=0.4)
    # US-free wide underneath, through-the-US narrow on top: shared lanes show both.
    for side, z, width in (("us_free", 3, 2.6), ("via_us", 4, 1.1)):
        lines, hyp, seen = [], [], set()
        for o, d in comparison.pairs:
            route = comparison.routes[(o, d)].get(side)
            for leg in route.legs if route is not None else ():
                key = (leg.from_id, leg.to_id, leg.key)
                if (leg.mode == "transfer" or leg.geometry is None or leg.geometry.is_empty
                        or key in seen):
                    continue
                seen.add(key)
                lines.append(MultiLineString(static_parts(leg.geometry)))
                hyp.append(leg.service == "hypothetical")
        if not lines:
            continue
        frame = gpd.GeoDataFrame({"hyp": hyp}, geometry=lines, crs="EPSG:4326").to_crs(STATIC_CRS)
        for flag, style in ((False, "-"), (True, (0, (4, 3)))):
            sub = frame[frame["hyp"] == flag]
            if len(sub):
                sub.plot(ax=ax, color=COLOURS[side], linewidth=width, linestyle=style,
                         alpha=0.8, zorder=z)
    if node_attrs:
        used = sorted({n for res in comparison.routes.values() for side in SIDES
                       if res.get(side) is not None for n in res[side].nodes
                       if node_attrs.get(n, {}).get("kind") in ("hub", "port")})
        xs, ys = tr.transform([node_attrs[n]["lon"] for n in used],
                              [node_attrs[n]["lat"] for n in used])
        for kind, marker, size in (("hub", "o", 14), ("port", "s", 18)):
            idx = [i for i, n in enumerate(used) if node_attrs[n]["kind"] == kind]
            if not idx:
                continue
            colours = ["#ffffff" if kind == "hub" else (
                "#c62828" if node_attrs[used[i]].get("country") == "USA" else "#1f4e79")
                for i in idx]
            ax.scatter([xs[i] for i in idx], [ys[i] for i in idx], s=size, marker=marker,
                       c=colours, edgecolors="#222", linewidths=0.6, zorder=6)
        ports = [(n, xs[i], ys[i]) for i, n in enumerate(used)
                 if node_attrs[n]["kind"] == "port"]
        _place_labels(ax, _label_groups(ports, km=120.0), (xmax - xmin) / (width_in * 72.0))
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    sc = comparison.scenario
    s = comparison.summary()
    ax.set_title(f"Mexico → Asia, US-free (green) vs through the US (red); scenario {sc.name}: "
                 f"{s['pairs_us_free']} of {s['pairs']} pairs favour US-free", fontsize=11)
    handles = [Line2D([], [], color=COLOURS["us_free"], lw=2, label="US-free route"),
               Line2D([], [], color=COLOURS["via_us"], lw=2, label="route through the US"),
               Line2D([], [], color="#555", lw=1.5, ls=(0, (4, 3)),
                      label="hypothetical sea service"),
               Line2D([], [], marker="s", ls="", mfc="#1f4e79", mec="#222", label="port"),
               Line2D([], [], marker="s", ls="", mfc="#c62828", mec="#222", label="US port"),
               Line2D([], [], marker="o", ls="", mfc="#fff", mec="#222", label="hub")]
    ax.legend(handles=handles, loc="lower center", fontsize=8, framealpha=0.9, ncols=3)
    ax.text(0.995, 0.005, "Natural Earth (public domain); Robinson projection centred 160°W",
            transform=ax.transAxes, ha="right", va="bottom", fontsize=6.5, color="#555")
    return fig


# --------------------------------------------------------------------------- writer (I/O)


def write_report(
    comparison: Comparison,
    out_dir: str | Path,
    *,
    scenarios: Sequence[Scenario] | None = None,
    node_attrs: dict[str, dict] | None = None,
    sections: Sequence[tuple[str, str]] = (),
) -> dict[str, Path]:
    """Write comparison.csv, comparison.parquet, report.html and map.png into ``out_dir``.

    The four files are one unit: they are written into a staging folder beside
    ``out_dir`` and swapped in together at the end, so a failed or interrupted
    run leaves the previous report intact (never a new CSV beside an old map).
    ``scenarios`` (default: the shipped ones, plus the comparison's own if it
    is not one of them) feed the scenario chart. ``sections`` are extra HTML
    sections as (section HTML, script) pairs, already rendered (and escaped) by
    their own modules, such as the corridor section of
    :mod:`routing.report_corridors`, placed before the footer.
    """
    out = Path(out_dir)
    scs = list(scenarios) if scenarios is not None else builtin_scenarios()
    if comparison.scenario.name not in {s.name for s in scs}:
        scs.append(comparison.scenario)
    summary = scenario_summary(comparison, scs)
    names = ("comparison.csv", "comparison.parquet", "report.html", "map.png")
    extra = list(sections)  # pre-rendered, e.g. routing.report_corridors.corridor_section
    with staged_folder(out) as staging:
        write_frame(comparison.frame, staging / "comparison.csv")
        write_frame(comparison.frame, staging / "comparison.parquet")
        page = render_html(comparison, summary, scs, node_attrs, extra)
        write_text_atomic(staging / "report.html", page)
        fig = static_map_figure(comparison, node_attrs)
        write_atomic(staging / "map.png", lambda tmp: fig.savefig(tmp, format="png"))
    return {name: out / name for name in names}


def node_attributes(graph) -> dict[str, dict]:
    """Plain node attributes (kind, name, country, lon, lat) for the map writers."""
    keep = ("kind", "name", "country", "lon", "lat")
    return {str(n): {k: d[k] for k in keep if k in d} for n, d in graph.nodes(data=True)
            if d.get("kind") in ("hub", "port")}
