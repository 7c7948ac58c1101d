"""Plausibility checks: data that parses and has the right types, but cannot be real.

The schema (:mod:`networks.schema`) checks each cell alone. These checks
compare rows with the world: a port must sit on a coast, in the country it
declares, and reach the sea network by its access lane; a land link's
geometry must run between its two end nodes, inside their countries, and be
about as long as its declared distance. Why: a port moved inland or with its
longitude's sign flipped, or a land link drawn on another continent, used to
validate and then give wrong-but-plausible routes.

Tolerances (ASSUMPTION, each set well above the worst case in the shipped
dataset, measured 2026-12-01, so only real mistakes trip them):

- ``MAX_COAST_KM``: the farthest shipped port from the Natural Earth 10m
  coastline is Shanghai (Yangshan island terminal, 26 km: the island is not
  in the 10m outlines); river ports farther up are given an access lane.
  Farther inland is an error; farther out at sea only a warning (offshore
  terminals exist, e.g. Cayo Arcas, 184 km off Campeche, in searoute's list).
- ``MAX_LANE_START_KM``: the first waypoint of a shipped access lane is at
  most 20 km from its quay.
- ``MAX_LANE_LAND_KM``: shipped lanes cross at most 4 km of land (the quay
  sits on land; Natural Earth 10m blurs harbour shapes).
- ``MAX_LINK_END_KM``: shipped land-link geometries start and end exactly on
  their nodes (0 km).
- ``LINK_RATIO``: shipped ``distance_km`` / geodesic geometry length is
  0.90 .. 1.20 (corridor circuity over simplified geometry).
- ``MAX_LINK_FOREIGN_KM``: the most of a shipped link outside its end nodes'
  countries is 17 km (coastal rail across bays the 10m outlines cut off).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd
import shapely
from pyproj import Geod
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from networks import geography
from networks.errors import DatasetError

__all__ = ["MAX_COAST_KM", "check_access_lanes", "check_dataset", "check_land_links",
           "check_ports", "coast"]

log = logging.getLogger(__name__)
GEOD = Geod(ellps="WGS84")

MAX_COAST_KM = 100.0
MAX_LANE_START_KM = 100.0
MAX_LANE_LAND_KM = 15.0
MAX_LINK_END_KM = 25.0
LINK_RATIO = (0.9, 2.0)
LINK_SLACK_KM = 5.0
MAX_LINK_FOREIGN_KM = 50.0
SAMPLE_KM = 10.0
#: Hubs are Mexican production hubs (the schema has no country column).
HUB_COUNTRY = "MEX"


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2]) / 1000.0


def coast(lon: float, lat: float) -> tuple[str | None, str | None, float]:
    """(country the point is in or None at sea, nearest country, km to the coastline)."""
    tree, parts, codes = geography._country_index()
    x = geography.normalize_lon(lon)
    p = Point(x, lat)
    hits = tree.query(p, predicate="intersects")
    if len(hits):
        i = int(np.min(hits))
        q = nearest_points(parts[i].exterior, p)[0]
        inner = [nearest_points(ring, p)[0] for ring in parts[i].interiors]
        km = min(_km(x, lat, pt.x, pt.y) for pt in [q, *inner])
        return str(codes[i]), str(codes[i]), km
    i = int(tree.nearest(p))
    q = nearest_points(parts[i], p)[0]
    return None, str(codes[i]), _km(x, lat, q.x, q.y)


def _fold(code: str) -> str:
    return geography._fold(str(code))


def check_ports(ports: pd.DataFrame, file: str, problems: list[DatasetError],
                warnings: list[str]) -> None:
    """Each port on a coast and in the country it declares (one problem per row)."""
    reported = {p.row for p in problems if p.file == file}
    for code, country, lon, lat, line in zip(ports["locode"], ports["country"], ports["lon"],
                                             ports["lat"], ports["_line"], strict=True):
        if any(v is None or v != v for v in (code, country, lon, lat)) or line in reported:
            continue  # already reported (schema, sea access)
        inside, nearest, km = coast(lon, lat)
        where = f"{lat:g}, {lon:g}"
        if km > MAX_COAST_KM and inside:
            problems.append(DatasetError(
                file, f"port {code} is {km:,.0f} km inland", row=int(line), field="lat/lon",
                value=where,
                expected=f"a quay within {MAX_COAST_KM:g} km of the coast (check lat/lon "
                         "and the sign of lon: west is negative)"))
            continue
        if km > MAX_COAST_KM:  # offshore terminals exist (Cayo Arcas): a warning
            warnings.append(f"{file}:{int(line)} port {code} is {km:,.0f} km out at sea "
                            f"({where}); an offshore terminal, or check lat/lon and the sign "
                            "of lon")
            continue
        if inside is not None and inside != _fold(country):
            problems.append(DatasetError(
                file, f"port {code} lies in {inside}, not in its declared country",
                row=int(line), field="country", value=country,
                expected=f"{inside}, or lat/lon inside {country}"))
        elif inside is None and nearest != _fold(country):
            warnings.append(f"{file}:{int(line)} port {code}: declared country {country} but "
                            f"the nearest coast ({km:,.0f} km) is {nearest}; check country "
                            "and lat/lon")


def check_access_lanes(ports: pd.DataFrame, access: pd.DataFrame, file: str,
                       problems: list[DatasetError]) -> None:
    """An explicit access lane starts near its quay and runs over water, not land."""
    where = {c: (lon, lat) for c, lon, lat in zip(ports["locode"], ports["lon"], ports["lat"],
                                                  strict=True)}
    land = geography.land()
    for code, lane, line in zip(access["locode"], access["waypoints"], access["_line"],
                                strict=True):
        if code not in where or not isinstance(lane, BaseGeometry) or lane.is_empty:
            continue
        lon, lat = where[code]
        coords = [(float(x), float(y)) for x, y in shapely.get_coordinates(lane)]
        gap = _km(lon, lat, *coords[0])
        if gap > MAX_LANE_START_KM:
            problems.append(DatasetError(
                file, f"access lane of port {code} starts {gap:,.0f} km from the port",
                row=int(line), field="waypoints", value=f"{coords[0][1]:g}, {coords[0][0]:g}",
                expected=f"a first waypoint within {MAX_LANE_START_KM:g} km of the port's "
                         "lat/lon (check both)"))
            continue
        full = LineString([(lon, lat), *coords])
        on_land = geography.length_inside_nm(full, land) * geography.KM_PER_NM
        if on_land > MAX_LANE_LAND_KM:
            problems.append(DatasetError(
                file, f"access lane of port {code} crosses {on_land:,.0f} km of land",
                row=int(line), field="waypoints", value=lane.wkt[:40],
                expected=f"at most {MAX_LANE_LAND_KM:g} km on land, from the quay out to sea"))


def _node_places(tables: Mapping[str, pd.DataFrame]) -> dict[str, tuple[float, float, set]]:
    """Every node id: (lon, lat, countries it may touch)."""
    out: dict[str, tuple[float, float, set]] = {}
    for name, ident in (("hubs", "id"), ("borders", "id"), ("junctions", "id"),
                        ("ports", "locode")):
        frame = tables.get(name)
        if frame is None:
            continue
        for rec in frame.to_dict(orient="records"):
            countries: set[str | None]
            if name == "hubs":
                countries = {HUB_COUNTRY}
            elif name == "borders":
                countries = {rec.get("country_a"), rec.get("country_b")}
            else:
                countries = {rec.get("country")}
            out[rec[ident]] = (rec["lon"], rec["lat"], {_fold(c) for c in countries if c})
    return out


def _foreign_km(lines: list[tuple[BaseGeometry, set[str]]]) -> list[float]:
    """Per line, the length (km) outside its allowed countries' land.

    Sampled every ``SAMPLE_KM`` (at least 10, at most 400 points a line), all
    lines in one spatial-index query: exact enough for a 50 km tolerance and
    fast enough to run on every load of a dataset.
    """
    if not lines:
        return []
    lengths, xs_all, ys_all, owner = [], [], [], []
    for k, (geom, _) in enumerate(lines):
        length_km = geography.geodesic_length_km(geom)
        n = min(max(int(length_km / SAMPLE_KM), 10), 400)
        pts = shapely.line_interpolate_point(geom, np.linspace(0.0, 1.0, n), normalized=True)
        xs, ys = shapely.get_coordinates(pts).T
        xs_all.append((xs + 180.0) % 360.0 - 180.0)
        ys_all.append(ys)
        owner.append(np.full(n, k))
        lengths.append((length_km, n))
    xs, ys, own = np.concatenate(xs_all), np.concatenate(ys_all), np.concatenate(owner)
    tree, _, codes = geography._country_index()
    hit_point, hit_part = tree.query(shapely.points(xs, ys), predicate="intersects")
    inside = np.zeros(len(xs), dtype=bool)
    for i, j in zip(hit_point, hit_part, strict=True):
        if codes[j] in lines[own[i]][1]:
            inside[i] = True
    out = []
    for k, (length_km, n) in enumerate(lengths):
        outside = int((~inside[own == k]).sum())
        out.append(outside * length_km / n)
    return out


def check_land_links(tables: Mapping[str, pd.DataFrame], file: str,
                     problems: list[DatasetError]) -> None:
    """Geometry between its end nodes, inside their countries, as long as its distance."""
    links = tables["land_links"]
    places = _node_places(tables)
    pending: list[tuple[BaseGeometry, set[str], str, int]] = []
    for rec in links.to_dict(orient="records"):
        line, lid = int(rec["_line"]), rec["id"]
        a, b, geom = rec["from"], rec["to"], rec["geometry"]
        if a == b:
            problems.append(DatasetError(file, f"land link {lid} is a self-loop", row=line,
                                         field="to", value=b,
                                         expected="a node other than 'from'"))
            continue
        if a not in places or b not in places or not isinstance(geom, LineString):
            continue  # unknown ids and wrong geometry types are reported elsewhere
        coords = shapely.get_coordinates(geom)
        start, end = coords[0], coords[-1]
        d_start = _km(places[a][0], places[a][1], *start)
        d_end = _km(places[b][0], places[b][1], *end)
        if max(d_start, d_end) > MAX_LINK_END_KM:
            flipped = max(_km(places[b][0], places[b][1], *start),
                          _km(places[a][0], places[a][1], *end)) <= MAX_LINK_END_KM
            node, km = (a, d_start) if d_start >= d_end else (b, d_end)
            problems.append(DatasetError(
                file, f"land link {lid}: geometry {'starts' if node == a else 'ends'} "
                      f"{km:,.0f} km from node {node}" + (" (geometry reversed?)" if flipped
                                                          else ""),
                row=line, field="geometry", value=geom.wkt[:40],
                expected=f"a line from 'from' to 'to', ends within {MAX_LINK_END_KM:g} km "
                         "of the nodes"))
            continue
        length = geography.geodesic_length_km(geom)
        dist = rec["distance_km"]
        lo, hi = LINK_RATIO
        if dist is not None and dist == dist and not (
                lo * length - LINK_SLACK_KM <= dist <= hi * length + LINK_SLACK_KM):
            problems.append(DatasetError(
                file, f"land link {lid}: distance_km disagrees with its geometry "
                      f"({length:,.0f} km long)", row=line, field="distance_km", value=dist,
                expected=f"{max(lo * length - LINK_SLACK_KM, 0):,.0f} .. "
                         f"{hi * length + LINK_SLACK_KM:,.0f} km "
                         f"({lo:g} .. {hi:g} x the geometry, +- {LINK_SLACK_KM:g} km)"))
        pending.append((geom, places[a][2] | places[b][2], lid, line))
    for (geom, allowed, lid, line), foreign in zip(
            pending, _foreign_km([(p[0], p[1]) for p in pending]), strict=True):
        if foreign > MAX_LINK_FOREIGN_KM:
            problems.append(DatasetError(
                file, f"land link {lid}: {foreign:,.0f} km of its geometry lies outside "
                      + "/".join(sorted(allowed)), row=line, field="geometry",
                value=geom.wkt[:40],
                expected=f"a corridor inside its end nodes' countries (at most "
                         f"{MAX_LINK_FOREIGN_KM:g} km outside)"))


def check_dataset(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str],
                  problems: list[DatasetError], warnings: list[str]) -> None:
    """Every plausibility check that applies to the tables present."""
    if "ports" in tables:
        check_ports(tables["ports"], files["ports"], problems, warnings)
        if "port_access" in tables:
            check_access_lanes(tables["ports"], tables["port_access"], files["port_access"],
                               problems)
    if "land_links" in tables:
        check_land_links(tables, files["land_links"], problems)
